#!/usr/bin/env bash
# The back-fill benchmark (issue 3): the simulated market through every service until the last session is
# queryable, against the floor of a raw bulk load of the same rows by the sqlite3 command-line tool; then, on the
# back-filled stack, scripts/bench-definition.sh (issue 11: a new definition's build against DuckDB).
#   BENCH_TICKERS (5000), BENCH_FROM (2015-01-01), BENCH_TO (2024-12-31), BENCH_LATENCY_SESSIONS (20)
set -euo pipefail
cd "$(dirname "$0")/.."
TICKERS=${BENCH_TICKERS:-5000}
FROM=${BENCH_FROM:-2015-01-01}
TO=${BENCH_TO:-2024-12-31}
LATENCY_SESSIONS=${BENCH_LATENCY_SESSIONS:-20}
BIN=.build/release
WORK=$(mktemp -d /tmp/ew-bench.XXXXXX)
# The stack's database and the CSV files take about 2.4 GB: gone with the stack, or every run leaves them in /tmp.
trap 'DATA_DIR=$WORK/data scripts/stack.sh down >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

swift build -c release >/dev/null
now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB; $(swift --version 2>&1 | head -1)"
echo "== workload: $TICKERS tickers, $FROM..$TO"

# The floor: the same rows as CSV, bulk-loaded in one transaction by sqlite3.
# The corporate actions are for DuckDB in the last phase; the floor loads the prices only.
$BIN/indexctl sim-csv --from "$FROM" --to "$TO" --tickers "$TICKERS" --prices "$WORK/prices.csv" \
    --actions "$WORK/actions.csv" 2>/dev/null
ROWS=$(( $(wc -l < "$WORK/prices.csv") - 1 ))
# The best of three loads, each into a fresh file: the floor is what sqlite3 can do at its fastest here.
FLOOR=
for run in 1 2 3; do
    rm -f "$WORK/floor.sqlite"*
    sqlite3 "$WORK/floor.sqlite" "PRAGMA journal_mode=WAL;" \
        "CREATE TABLE prices(date TEXT, ticker TEXT, open REAL, high REAL, low REAL, close REAL, volume REAL, market_cap REAL);" >/dev/null
    start=$(now)
    printf 'BEGIN;\n.import --csv --skip 1 %s prices\nCOMMIT;\n' "$WORK/prices.csv" | sqlite3 "$WORK/floor.sqlite"
    took=$(elapsed "$start" "$(now)")
    printf '   floor run %d: %.2f s\n' "$run" "$took"
    if [ -z "$FLOOR" ] || [ "$(echo "$took < $FLOOR" | bc)" = 1 ]; then FLOOR=$took; fi
done
printf '== floor (sqlite3 .import, one transaction, best of 3): %d rows in %.2f s = %.0f rows/s\n' "$ROWS" "$FLOOR" "$(echo "$ROWS / $FLOOR" | bc -l)"
rm -f "$WORK/floor.sqlite"*  # prices.csv stays for DuckDB in the last phase

# The pipeline: a fresh local stack on free ports.
export DATA_DIR=$WORK/data NATS_URL=nats://127.0.0.1:$(free_port) API_PORT=$(free_port) HEALTH_PORT=0
export SIM_TICKERS=$TICKERS BIN_DIR=$BIN LOG_LEVEL=warning
scripts/stack.sh up >/dev/null
for _ in $(seq 1 100); do $BIN/indexctl ping >/dev/null 2>&1 && break; sleep 0.2; done
start=$(now)
$BIN/indexctl backfill --from "$FROM" --to "$TO" --timeout 600 </dev/null
PIPE=$(elapsed "$start" "$(now)")
STORED=$(sqlite3 "file:$DATA_DIR/index.sqlite?mode=ro" "SELECT count(*) FROM prices")
REJECTED=$(sqlite3 "file:$DATA_DIR/index.sqlite?mode=ro" "SELECT count(*) FROM rejections")
SESSIONS=$(sqlite3 "file:$DATA_DIR/index.sqlite?mode=ro" "SELECT count(*) FROM index_levels WHERE index_id = 'ew100'")
printf '== pipeline back-fill: %d sessions, %d valid rows + %d rejections stored in %.2f s = %.0f rows/s (%.2fx the floor)\n' \
    "$SESSIONS" "$STORED" "$REJECTED" "$PIPE" "$(echo "($STORED + $REJECTED) / $PIPE" | bc -l)" "$(echo "$PIPE / $FLOOR" | bc -l)"
echo "== peak RSS (VmHWM) and CPU time (user+system) per process"
TICK=$(getconf CLK_TCK)
for pidfile in "$DATA_DIR"/run/*.pid; do
    name=$(basename "$pidfile" .pid)
    pid=$(cat "$pidfile")
    printf '   %-16s %8s %8s\n' "$name" "$(awk '/VmHWM/{printf "%.0f MiB", $2/1024}' "/proc/$pid/status")" \
        "$(awk -v t="$TICK" '{printf "%.1f s", ($14 + $15) / t}' "/proc/$pid/stat")"
done
# awk reads to the end (no early exit): indexctl must not die of a closed pipe under pipefail.
NEXT=$($BIN/indexctl sessions --from "$TO" --to 2030-12-31 | awk -v last="$TO" '$1 > last && next_session == "" { next_session = $1 } END { print next_session }')
echo "== latency of one new session of $TICKERS rows, fetch to queryable ($LATENCY_SESSIONS sessions from $NEXT)"
$BIN/indexctl measure-latency --from "$NEXT" --count "$LATENCY_SESSIONS" | tail -1

# Issue 11, on the same stack and the same rows: a new definition's whole history against DuckDB.
BENCH_WORK=$WORK BENCH_TO=$TO scripts/bench-definition.sh
rm -f "$WORK/prices.csv" "$WORK/actions.csv"
