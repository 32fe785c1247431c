#!/usr/bin/env bash
# Where the back-fill's time goes (issue 15, item 1): the benchmark market's back-fill through every service on a
# fresh local stack, with `perf record` sampling every process on the machine for the whole back-fill. Prints each
# process's share of the CPU samples, then the hottest symbols (self time) of each of the busiest processes.
#   BENCH_TICKERS (5000), BENCH_FROM (2015-01-01), BENCH_TO (2024-12-31), PROFILE_FREQ (199 Hz), PROFILE_TOP (12),
#   PROFILE_KEEP (set: keep perf.data under .build/profile)
# Needs perf (Debian's linux-perf) and a release build (`swift build -c release`; its symbols are kept).
BIN_DIR=${BIN_DIR:-.build/release}
source "$(dirname "$0")/test-lib.sh"
cd "$ROOT"
FREQ=${PROFILE_FREQ:-199}
TOP=${PROFILE_TOP:-12}
BIN=$BIN_DIR
[ -x "$BIN/storage" ] || fail "$BIN/storage is not built (swift build -c release)"
command -v perf >/dev/null || fail "perf is missing (apt-get install linux-perf)"
TICKERS=${BENCH_TICKERS:-5000} FROM=${BENCH_FROM:-2015-01-01} TO=${BENCH_TO:-2024-12-31}

echo "== machine: $(nproc) cores; $(git log --oneline -1 | cut -c1-60)"
echo "== workload: $TICKERS tickers, $FROM..$TO, perf at $FREQ Hz on every CPU"
export DATA_DIR=$WORK/data NATS_URL=nats://127.0.0.1:$(free_port) API_PORT=$(free_port) HEALTH_PORT=0
export SIM_TICKERS=$TICKERS LOG_LEVEL=warning
STARTED+=("$DATA_DIR")
"$STACK" up >/dev/null
for _ in $(seq 1 100); do $BIN/indexctl ping >/dev/null 2>&1 && break; sleep 0.2; done

perf record -F "$FREQ" -a -g -o "$WORK/perf.data" >/dev/null 2>"$WORK/perf.log" &
PERF=$!
sleep 1
start=$(date +%s.%N)
$BIN/indexctl backfill --from "$FROM" --to "$TO" --timeout 900 </dev/null >/dev/null
took=$(echo "$(date +%s.%N) - $start" | bc)
kill -INT "$PERF"
wait "$PERF" || true
printf '== back-fill under perf: %.1f s (sampling slows it; bench.sh gives the unprofiled time)\n' "$took"

# Samples grouped per process (the stack's own named from their pid files), symbols demangled.
for pidfile in "$DATA_DIR"/run/*.pid; do echo "$(cat "$pidfile") $(basename "$pidfile" .pid)"; done > "$WORK/names.txt"
perf script -i "$WORK/perf.data" -F pid,comm,ip,sym,dso 2>/dev/null \
    | python3 scripts/profile-summary.py "$WORK/names.txt" "$TOP" | swift demangle --simplified | cut -c1-170
if [ -n "${PROFILE_KEEP:-}" ]; then  # for perf report by hand; $WORK goes when the script ends
    mkdir -p .build/profile && mv "$WORK/perf.data" .build/profile/perf.data && echo "perf data kept: .build/profile/perf.data"
fi
