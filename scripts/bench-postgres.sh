#!/usr/bin/env bash
# The back-fill benchmark on PostgreSQL (issue 12): the simulated market through every service into a PostgreSQL
# server of its own (storage with DATABASE_URL), against the floor of PostgreSQL's own COPY of the same rows (the CSV
# of `indexctl sim-csv`) into the same table shape, on the same server in the same run. Then, on the back-filled
# database, uncached GET /index-performance (the last year) with one API and one storage process, and with two of
# each (wrk, one client per API process, their rates added). Release binaries; run by `make bench`.
#   BENCH_TICKERS (5000), BENCH_FROM (2015-01-01), BENCH_TO (2024-12-31); BENCH_API=0 skips the API phase;
#   DURATION (10s), CONNECTIONS (32) for wrk.
BIN_DIR=${BIN_DIR:-.build/release}
source "$(dirname "$0")/test-lib.sh"
cd "$ROOT"
TICKERS=${BENCH_TICKERS:-5000}
FROM=${BENCH_FROM:-2015-01-01}
TO=${BENCH_TO:-2024-12-31}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
BIN=$BIN_DIR
[ -x "$BIN/storage" ] || fail "$BIN/storage is not built (swift build -c release)"

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }
pg_on() { # pg_on <database> <sql>: runs SQL on another database of the server
    as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$1" -v ON_ERROR_STOP=1 -At -c "$2"
}

pg_start
echo "== PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (initdb defaults: fsync on, synchronous_commit on)"
echo "== workload: $TICKERS tickers, $FROM..$TO"

# The floor: the same rows as CSV, loaded by COPY (psql \copy: client side, over TCP as storage's writes go) in one
# transaction into the same shape as storage's prices table: the same columns and types, the primary key, one
# partition per year. Without the foreign key to sessions (the floor has no sessions to refer to) and the NOT NULL of
# close and market_cap (the CSV holds the rows the validator rejects).
"$BIN/indexctl" sim-csv --from "$FROM" --to "$TO" --tickers "$TICKERS" --prices "$WORK/prices.csv" \
    --actions "$WORK/actions.csv" 2>/dev/null
# The simulated market repeats some rows on purpose (the validator rejects them): the floor keeps a key's first row,
# as the primary key requires.
awk -F, '!seen[$1 FS $2]++' "$WORK/prices.csv" >"$WORK/unique.csv"
mv "$WORK/unique.csv" "$WORK/prices.csv"
ROWS=$(($(wc -l <"$WORK/prices.csv") - 1))
as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres floor || fail "createdb floor"
partitions() {
    local year
    for year in $(seq "${FROM%%-*}" "${TO%%-*}"); do
        printf 'CREATE TABLE prices_y%d PARTITION OF prices FOR VALUES FROM (%s) TO (%s);\n' \
            "$year" "'$year-01-01'" "'$((year + 1))-01-01'"
    done
}
# The best of three loads, each into a fresh table: the floor is what PostgreSQL can do at its fastest here.
FLOOR=
for run in 1 2 3; do
    pg_on floor "DROP TABLE IF EXISTS prices; CREATE TABLE prices (
        date text COLLATE \"C\" NOT NULL, ticker text COLLATE \"C\" NOT NULL, open double precision,
        high double precision, low double precision, close double precision, volume double precision,
        market_cap double precision, flags text NOT NULL DEFAULT '', PRIMARY KEY (date, ticker)
    ) PARTITION BY RANGE (date); $(partitions)" >/dev/null
    start=$(now)
    as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d floor -v ON_ERROR_STOP=1 -q \
        -c '\copy prices (date, ticker, open, high, low, close, volume, market_cap) FROM STDIN (FORMAT csv, HEADER)' \
        <"$WORK/prices.csv" || fail "COPY of the floor"
    took=$(elapsed "$start" "$(now)")
    [ "$(pg_on floor 'SELECT count(*) FROM prices')" = "$ROWS" ] || fail "the floor did not load $ROWS rows"
    printf '   floor run %d: %.2f s\n' "$run" "$took"
    if [ -z "$FLOOR" ] || [ "$(echo "$took < $FLOOR" | bc)" = 1 ]; then FLOOR=$took; fi
done
pg_on floor "DROP TABLE prices" >/dev/null
printf '== floor (PostgreSQL COPY, one transaction, best of 3): %d rows in %.2f s = %.0f rows/s\n' \
    "$ROWS" "$FLOOR" "$(echo "$ROWS / $FLOOR" | bc -l)"
rm -f "$WORK/prices.csv" "$WORK/actions.csv"

# The pipeline: a fresh local stack on free ports, storage on the server's `index` database.
new_stack bench
export DATABASE_URL SIM_TICKERS=$TICKERS LOG_LEVEL=warning HEALTH_PORT=0
stack_up bench >/dev/null
wait_ready bench
start=$(now)
in_stack bench "$BIN/indexctl" backfill --from "$FROM" --to "$TO" --timeout 600 </dev/null
PIPE=$(elapsed "$start" "$(now)")
STORED=$(pg_sql "SELECT count(*) FROM prices")
REJECTED=$(pg_sql "SELECT count(*) FROM rejections")
SESSIONS=$(pg_sql "SELECT count(*) FROM index_levels WHERE index_id = 'ew100'")
printf '== pipeline back-fill into PostgreSQL: %d sessions, %d valid rows + %d rejections stored in %.2f s = %.0f rows/s (%.2fx the floor)\n' \
    "$SESSIONS" "$STORED" "$REJECTED" "$PIPE" "$(echo "($STORED + $REJECTED) / $PIPE" | bc -l)" \
    "$(echo "$PIPE / $FLOOR" | bc -l)"
echo "== CPU time (user+system) per process"
TICK=$(getconf CLK_TCK)
for pidfile in "$DIR_bench"/run/*.pid; do
    pid=$(cat "$pidfile")
    alive "$pid" || continue
    printf '   %-16s %8s\n' "$(basename "$pidfile" .pid)" "$(awk -v t="$TICK" '{printf "%.1f s", ($14 + $15) / t}' "/proc/$pid/stat")"
done
# The server and the backends still connected (storage's pool), not a backend that has exited.
PG_PID=$(head -n 1 "$PG_DATA/postmaster.pid")
printf '   %-16s %8s\n' postgres "$(ps -o times= --pid "$PG_PID" --ppid "$PG_PID" | awk '{s += $1} END {printf "%.1f s", s}')"

[ "${BENCH_API:-1}" != 0 ] || exit 0
if ! command -v wrk >/dev/null; then
    echo "== API phase skipped: wrk is missing (apt-get install wrk)"
    exit 0
fi
# Uncached /index-performance of the last year: every request asks storage over NATS, storage asks PostgreSQL.
YEAR=${TO%%-*}
START=$(pg_sql "SELECT min(date) FROM index_levels WHERE index_id = 'ew100' AND date >= '$YEAR-01-01'")
PATH_QUERY="/index-performance?start_date=$START&end_date=$TO"
export API_CACHE_BYTES=0 API_RATE_LIMIT=1000000000 API_RATE_BURST=1000000000
wrk_rate() { # wrk_rate <port> <connections>: requests/s and non-2xx of one wrk client
    local out
    out=$(wrk -t1 -c"$2" -d"$DURATION" "http://127.0.0.1:$1$PATH_QUERY")
    echo "$(awk '/^Requests\/sec/ {print $2}' <<<"$out") $(awk '/Non-2xx/ {print $5}' <<<"$out")"
}
measure() { # measure <label> <API processes>
    local ports=() rates port total=0 errors=0 rate bad
    for ((i = 0; i < $2; i++)); do ports+=($((API_bench + i))); done
    for port in "${ports[@]}"; do
        curl -sf "http://127.0.0.1:$port$PATH_QUERY" -o /dev/null || fail "port $port: $PATH_QUERY does not answer 200"
    done
    for port in "${ports[@]}"; do wrk_rate "$port" $((CONNECTIONS / $2)) >"$WORK/wrk-$port" & done
    wait
    for port in "${ports[@]}"; do
        read -r rate bad <"$WORK/wrk-$port"
        total=$(echo "$total + $rate" | bc)
        errors=$((errors + ${bad:-0}))
    done
    printf '| %-40s | %10.1f | %s |\n' "$1" "$total" "$errors"
}
echo "== uncached GET $PATH_QUERY: wrk -c$CONNECTIONS -d$DURATION in all, $(nproc) cores shared by wrk, the stack and PostgreSQL"
echo "| processes | requests/s | non-2xx |"
echo "| --- | ---: | ---: |"
in_stack bench "$STACK" down >/dev/null
stack_up bench >/dev/null
wait_ready bench
measure "1 API, 1 storage" 1
in_stack bench "$STACK" down >/dev/null
API_REPLICAS=2 STORAGE_REPLICAS=2 stack_up bench >/dev/null
wait_ready bench
measure "2 API, 2 storage (one wrk per API)" 2
