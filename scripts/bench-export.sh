#!/usr/bin/env bash
# The export benchmark (issue 10, item 7): the time of one ten-year xlsx export of the simulated market.
# Starts its own stack on free ports in a temporary DATA_DIR with the binaries of $BIN_DIR (built beforehand: this
# script builds nothing, so it measures an older build as well as this one, as long as its API takes
# `POST /export-data` with an `X-API-Key` made by `indexctl apikey create`), back-fills the range, then exports it
# BENCH_RUNS times and prints each time, the best and the median, and the file's size.
#   BIN_DIR (.build/release), BENCH_TICKERS (SIM_TICKERS, else 6000), BENCH_FROM (2015-01-01), BENCH_TO (2024-12-31),
#   BENCH_FORMAT (xlsx), BENCH_RUNS (5), BENCH_BACKFILL_TIMEOUT (600: seconds without progress before giving up)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN_DIR=${BIN_DIR:-.build/release}
TICKERS=${BENCH_TICKERS:-${SIM_TICKERS:-6000}}
FROM=${BENCH_FROM:-2015-01-01}
TO=${BENCH_TO:-2024-12-31}
FORMAT=${BENCH_FORMAT:-xlsx}
RUNS=${BENCH_RUNS:-5}
for tool in api indexctl storage; do
    [ -x "$BIN_DIR/$tool" ] || { echo "$BIN_DIR/$tool is not built (swift build -c release)" >&2; exit 1; }
done
BIN_DIR=$(cd "$BIN_DIR" && pwd)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

WORK=$(mktemp -d /tmp/bench-export.XXXXXX)
export DATA_DIR="$WORK/data" BIN_DIR HEALTH_PORT=0 LOG_LEVEL=warning SIM_TICKERS=$TICKERS
export NATS_URL="nats://127.0.0.1:$(free_port)" API_PORT=$(free_port)
# No daily fetch during the measurement; no rate limit a handful of exports could reach.
export SCHEDULE_ENABLED=false API_RATE_LIMIT=1000000 API_RATE_BURST=1000000
cleanup() { scripts/stack.sh down >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB; binaries: $BIN_DIR"
echo "== workload: $TICKERS simulated tickers, $FROM..$TO, $FORMAT export, $RUNS runs"
scripts/stack.sh up >/dev/null
for _ in $(seq 1 100); do "$BIN_DIR/indexctl" ping >/dev/null 2>&1 && break; sleep 0.2; done
start=$(now)
"$BIN_DIR/indexctl" backfill --from "$FROM" --to "$TO" --timeout "${BENCH_BACKFILL_TIMEOUT:-600}" </dev/null 2>/dev/null |
    tail -1
printf '== back-fill: %.1f s\n' "$(echo "$(now) - $start" | bc)"

KEY=$("$BIN_DIR/indexctl" apikey create --name bench-export | tail -1)
BASE="http://127.0.0.1:$API_PORT"
for _ in $(seq 1 100); do curl -sf "$BASE/ready" >/dev/null && break; sleep 0.2; done
SESSIONS=$(sqlite3 "file:$DATA_DIR/index.sqlite?mode=ro" "SELECT count(*) FROM index_levels WHERE index_id = 'ew100'")
MEMBERS=$(sqlite3 "file:$DATA_DIR/index.sqlite?mode=ro" \
    "SELECT count(*) FROM index_constituents WHERE index_id = 'ew100'")
echo "== stored: $SESSIONS sessions of ew100, $MEMBERS constituent rows"

BODY="{\"start_date\": \"$FROM\", \"end_date\": \"$TO\", \"format\": \"$FORMAT\"}"
TIMES=()
for run in $(seq 1 "$RUNS"); do
    # The API key file is re-read when it changes: the first request may come before; it is retried on 401.
    for _ in $(seq 1 50); do
        start=$(now)
        status=$(curl -s -o "$WORK/export.$FORMAT" -w '%{http_code}' --max-time 900 -X POST \
            -H "X-API-Key: $KEY" -H 'Content-Type: application/json' -d "$BODY" "$BASE/export-data")
        took=$(echo "$(now) - $start" | bc)
        [ "$status" = 401 ] || break
        sleep 0.2
    done
    [ "$status" = 200 ] || { echo "export answered $status: $(head -c 300 "$WORK/export.$FORMAT")" >&2; exit 1; }
    printf '   run %d: %.2f s\n' "$run" "$took"
    TIMES+=("$took")
done
SIZE=$(stat -c %s "$WORK/export.$FORMAT")
SORTED=$(printf '%s\n' "${TIMES[@]}" | sort -g)
BEST=$(head -1 <<<"$SORTED")
MEDIAN=$(awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }' \
    <<<"$SORTED")
printf '== %s export of %s..%s (%d sessions, %d constituent rows): best %.2f s, median %.2f s of %d; %d bytes (%.1f MiB)\n' \
    "$FORMAT" "$FROM" "$TO" "$SESSIONS" "$MEMBERS" "$BEST" "$MEDIAN" "$RUNS" "$SIZE" "$(echo "$SIZE / 1048576" | bc -l)"
echo "== peak RSS (VmHWM) and CPU time (user+system) of the API and storage"
TICK=$(getconf CLK_TCK)
for name in api storage; do
    pid=$(cat "$DATA_DIR/run/$name.pid")
    printf '   %-8s %10s %10s\n' "$name" "$(awk '/VmHWM/{printf "%.0f MiB", $2/1024}' "/proc/$pid/status")" \
        "$(awk -v t="$TICK" '{printf "%.1f s", ($14 + $15) / t}' "/proc/$pid/stat")"
done
