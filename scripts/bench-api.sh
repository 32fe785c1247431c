#!/usr/bin/env bash
# The REST API under load: wrk on loopback against /index-performance (one year) and /index-composition, with the
# response cache on and off. Starts its own stack (release binaries) on free ports in a temporary DATA_DIR,
# back-fills one year of the simulated market, measures, and stops everything. Results go into BENCHMARKS.md.
#   scripts/bench-api.sh            (DURATION=10s CONNECTIONS=32 THREADS=2 SIM_TICKERS=1000 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN_DIR=${BIN_DIR:-.build/release}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
[ -x "$BIN_DIR/api" ] || { echo "$BIN_DIR/api is not built (make release)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/bench-api.XXXXXX)
export DATA_DIR="$WORK/data" BIN_DIR HEALTH_PORT=0 LOG_LEVEL=warning
export NATS_URL="nats://127.0.0.1:$((20000 + RANDOM % 5000))"
export API_PORT=$((25000 + RANDOM % 5000))
export SIM_TICKERS=${SIM_TICKERS:-1000}
# The limiter stays in the path, with a limit no benchmark client reaches.
export API_RATE_LIMIT=1000000000 API_RATE_BURST=1000000000
cleanup() { scripts/stack.sh down >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

scripts/stack.sh up >/dev/null
for _ in $(seq 1 100); do "$BIN_DIR/indexctl" ping >/dev/null 2>&1 && break; sleep 0.2; done
"$BIN_DIR/indexctl" backfill --from 2024-01-02 --to 2024-12-31 2>/dev/null | tail -1

BASE="http://127.0.0.1:$API_PORT"
PERFORMANCE="$BASE/index-performance?start_date=2024-01-02&end_date=2024-12-31"
COMPOSITION="$BASE/index-composition?date=2024-06-28"

run() {
    local label=$1 url=$2
    curl -sf "$url" -o /dev/null || { echo "$url does not answer 200" >&2; exit 1; }
    local out
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url")
    local rps p50 p99 errors
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    errors=$(awk '/Non-2xx/ {print $5}' <<<"$out")
    printf '| %-34s | %10s | %8s | %8s | %s |\n' "$label" "$rps" "$p50" "$p99" "${errors:-0}"
}

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, $(nproc) cores shared by wrk, the API and the stack"
echo
echo "| request | requests/s | p50 | p99 | non-2xx |"
echo "| --- | ---: | ---: | ---: | ---: |"
run "index-performance 1 year, cached" "$PERFORMANCE"
run "index-composition, cached" "$COMPOSITION"

# The same requests with the cache off: every one asks storage over NATS.
kill -TERM "$(cat "$DATA_DIR/run/api.pid")"
for _ in $(seq 1 100); do kill -0 "$(cat "$DATA_DIR/run/api.pid")" 2>/dev/null || break; sleep 0.1; done
API_CACHE_BYTES=0 scripts/stack.sh up >/dev/null
for _ in $(seq 1 100); do curl -sf "$BASE/ready" >/dev/null && break; sleep 0.2; done
run "index-performance 1 year, uncached" "$PERFORMANCE"
run "index-composition, uncached" "$COMPOSITION"
