#!/usr/bin/env bash
# Memory during the back-fill (issue 15 item 4): the benchmark market's back-fill through every service on a fresh
# local stack, then each process's peak RSS (VmHWM), RSS at the end and CPU time, then the latency of 20 new
# sessions (`indexctl measure-latency`). Builds nothing.
#   BIN_DIR (.build/release), BENCH_STACK (scripts/stack.sh: another checkout's, to measure a build before a change
#   with its own stack script), BENCH_TICKERS (5000), BENCH_FROM (2015-01-01), BENCH_TO (2024-12-31),
#   BENCH_LATENCY_SESSIONS (20; 0 skips the latency)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "${BIN_DIR:-$ROOT/.build/release}" && pwd)
STACK=${BENCH_STACK:-$ROOT/scripts/stack.sh}
TICKERS=${BENCH_TICKERS:-5000} FROM=${BENCH_FROM:-2015-01-01} TO=${BENCH_TO:-2024-12-31}
SESSIONS=${BENCH_LATENCY_SESSIONS:-20}
[ -x "$BIN/storage" ] || { echo "$BIN/storage is not built (swift build -c release)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/bench-memory.XXXXXX)
trap 'DATA_DIR=$WORK/data BIN_DIR=$BIN "$STACK" down >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

export DATA_DIR=$WORK/data NATS_URL=nats://127.0.0.1:$(free_port) API_PORT=$(free_port) HEALTH_PORT=0
export SIM_TICKERS=$TICKERS BIN_DIR=$BIN LOG_LEVEL=warning
echo "== $BIN, $STACK: $TICKERS tickers, $FROM..$TO"
"$STACK" up >/dev/null
for _ in $(seq 1 100); do "$BIN/indexctl" ping >/dev/null 2>&1 && break; sleep 0.2; done
start=$(now)
"$BIN/indexctl" backfill --from "$FROM" --to "$TO" --timeout 1800 </dev/null >/dev/null
printf '== back-fill: %.2f s\n' "$(echo "$(now) - $start" | bc)"
printf '   %-16s %9s %9s %9s\n' process "peak RSS" "RSS now" CPU
for pidfile in "$DATA_DIR"/run/*.pid; do
    pid=$(cat "$pidfile")
    printf '   %-16s %9s %9s %9s\n' "$(basename "$pidfile" .pid)" \
        "$(awk '/VmHWM/{printf "%.0f MiB", $2/1024}' "/proc/$pid/status")" \
        "$(awk '/VmRSS/{printf "%.0f MiB", $2/1024}' "/proc/$pid/status")" \
        "$(awk -v t="$(getconf CLK_TCK)" '{printf "%.1f s", ($14 + $15) / t}' "/proc/$pid/stat")"
done
if [ "$SESSIONS" -gt 0 ]; then
    # awk reads to the end (no early exit): indexctl must not die of a closed pipe under pipefail.
    next=$("$BIN/indexctl" sessions --from "$TO" --to 2030-12-31 \
        | awk -v last="$TO" '$1 > last && found == "" { found = $1 } END { print found }')
    echo "== latency, $SESSIONS new sessions from $next: $("$BIN/indexctl" measure-latency --from "$next" --count "$SESSIONS" | tail -1)"
fi
