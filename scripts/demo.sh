#!/usr/bin/env bash
# The end of `make demo`, once `make up` has the stack running: waits for the services, back-fills two years of
# the simulated market (only what is not stored yet), then prints the API address and a summary of the index.
set -euo pipefail
INDEXCTL=${BIN_DIR:-.build/release}/indexctl
API_PORT=${API_PORT:-8080}

echo "waiting for the services to be ready..."
for _ in $(seq 1 150); do "$INDEXCTL" ping >/dev/null 2>&1 && break; sleep 0.2; done
"$INDEXCTL" ping

from=$(date -d '2 years ago' +%F)
to=$(date -d yesterday +%F)
# What is stored already: a second run back-fills only the sessions after the stored series.
read -r first last < <("$INDEXCTL" summary | sed -n 's/^sessions *[0-9]* (\([0-9-]*\) \.\.\. \([0-9-]*\))$/\1 \2/p') || true
if [ -n "${first:-}" ] && [[ ! "$first" > "$from" ]]; then
    from=$(date -d "$last + 1 day" +%F)
fi
if [[ "$from" > "$to" ]] || [ -z "$("$INDEXCTL" sessions --from "$from" --to "$to")" ]; then
    echo "the stored series already covers the last two years (through $last): nothing to back-fill"
else
    "$INDEXCTL" backfill --from "$from" --to "$to"
fi

echo
echo "API:    http://127.0.0.1:$API_PORT  (try: curl 'http://127.0.0.1:$API_PORT/index-composition')"
echo "NATS:   ${NATS_URL:-nats://127.0.0.1:4222}"
echo "Logs:   ${DATA_DIR:-./.data}/run/*.log   (make status, make down)"
echo "Keys:   POST /build-index and /export-data need one: $INDEXCTL apikey create --name you"
echo "Docs:   http://127.0.0.1:$API_PORT/openapi.json"
echo
"$INDEXCTL" summary
echo
echo "Dashboard: http://127.0.0.1:$API_PORT/  (level, drawdown, composition, changes and jobs; live from /events)"
