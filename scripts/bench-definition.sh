#!/usr/bin/env bash
# Building a new definition against DuckDB (issue 11): the last phase of `make bench`, run by scripts/bench.sh
# while its back-filled stack is still up (bench.sh owns the stack and its temporary directory).
#   1. `indexctl index add` of bench-ew (equal weight, daily, price, top 100: ew100's methodology), timed until its
#      job succeeded; its stored levels and constituents must equal ew100's.
#   2. DuckDB (PyPI, in a venv of its own) computes the same index in SQL from the same simulated rows (the CSV
#      files bench.sh wrote): load, validation and the query timed apart, the query best of 3.
#   3. The ratio of the two; target: the definition build takes at most 2x DuckDB's query.
# Environment, from bench.sh: BENCH_WORK (holds prices.csv and actions.csv), BENCH_TO (their last date; the stack
# also holds the sessions after it that bench.sh's latency phase added), DATA_DIR and NATS_URL (the running
# stack), BIN_DIR (release build); BENCH_VENV (.build/bench-venv) is where DuckDB is installed, once.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BENCH_WORK:?the directory with prices.csv and actions.csv}" "${BENCH_TO:?the last date of the CSV files}"
: "${DATA_DIR:?}" "${NATS_URL:?}"
BIN=${BIN_DIR:-.build/release}
VENV=${BENCH_VENV:-.build/bench-venv}
DB=$DATA_DIR/index.sqlite
now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }
query() { sqlite3 "file:$DB?mode=ro" "$@"; }
# CPU time (user + system, seconds) of a stack process, from its pid file.
cpu() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$(cat "$DATA_DIR/run/$1.pid")/stat"; }

if ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
    echo "== installing DuckDB from PyPI into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet duckdb
fi

echo
echo "== issue 11: building a new definition against DuckDB"
echo "== load: $(uptime)"
printf '{"id": "bench-ew", "size": 100}\n' >"$BENCH_WORK/bench-ew.json"
builder_cpu=$(cpu index-builder)
storage_cpu=$(cpu storage)
start=$(now)
$BIN/indexctl index add "$BENCH_WORK/bench-ew.json" --wait --timeout 1800 </dev/null
BUILD=$(elapsed "$start" "$(now)")
printf '== definition bench-ew, index add until its job succeeded: %.2f s (CPU: index-builder %.1f s, storage %.1f s)\n' \
    "$BUILD" "$(echo "$(cpu index-builder) - $builder_cpu" | bc)" "$(echo "$(cpu storage) - $storage_cpu" | bc)"

# The same code computes both: the same sessions, and the same levels, returns and constituents bit for bit.
read -r OURS EW100 BOTH MAXDIFF LEVELS_DIFFER <<<"$(query -separator ' ' "
    SELECT (SELECT count(*) FROM index_levels WHERE index_id = 'bench-ew'),
           (SELECT count(*) FROM index_levels WHERE index_id = 'ew100'),
           count(*), coalesce(max(abs(a.level - b.level)), 'none'),
           coalesce(sum(a.level <> b.level OR a.daily_return <> b.daily_return), 0)
    FROM index_levels a JOIN index_levels b ON b.index_id = 'ew100' AND b.date = a.date
    WHERE a.index_id = 'bench-ew'")"
# (index_id, date, rank) is the primary key: as many rows, each with its twin, is the same set. (A FULL JOIN of the
# two as subqueries ran for minutes at full size: SQLite found no index for it.)
MEMBERS_DIFFER=$(query "
    SELECT abs((SELECT count(*) FROM index_constituents WHERE index_id = 'bench-ew')
               - (SELECT count(*) FROM index_constituents WHERE index_id = 'ew100'))
           + (SELECT count(*) FROM index_constituents a WHERE a.index_id = 'bench-ew' AND NOT EXISTS (
                  SELECT 1 FROM index_constituents b WHERE b.index_id = 'ew100' AND b.date = a.date
                      AND b.rank = a.rank AND b.ticker = a.ticker AND b.weight = a.weight
                      AND b.market_cap = a.market_cap))")
if [ "$OURS" = "$EW100" ] && [ "$BOTH" = "$OURS" ] && [ "$LEVELS_DIFFER" = 0 ] && [ "$MEMBERS_DIFFER" = 0 ]; then
    CHECK=identical
else
    CHECK=DIFFERENT
fi
printf '== check bench-ew = ew100: %s (sessions %s and %s, %s on the same dates; max |level diff| %s; %s sessions with another level or return; %s constituent rows differ)\n' \
    "$CHECK" "$OURS" "$EW100" "$BOTH" "$MAXDIFF" "$LEVELS_DIFFER" "$MEMBERS_DIFFER"

echo "== DuckDB, the same index in SQL from the CSV files (in memory; query best of 3)"
"$VENV/bin/python" scripts/bench-duckdb.py "$BENCH_WORK/prices.csv" "$BENCH_WORK/actions.csv" "$DB" --size 100 --runs 3 \
    | sed 's/^/   /' | tee "$BENCH_WORK/duckdb.txt"
# awk reads to the end (no early exit), so nothing upstream dies of a closed pipe under pipefail.
DUCK=$(awk '$1 == "query_best_s:" { best = $2 } END { print best }' "$BENCH_WORK/duckdb.txt")
printf '== the pipeline stored %s valid rows and %s rejections up to %s (DuckDB: valid_rows, rejected_rows above)\n' \
    "$(query "SELECT count(*) FROM prices WHERE date <= '$BENCH_TO'")" \
    "$(query "SELECT count(*) FROM rejections WHERE date <= '$BENCH_TO'")" "$BENCH_TO"
printf '== definition build / DuckDB query: %.2f s / %.2f s = %.2fx (target: at most 2x)\n' \
    "$BUILD" "$DUCK" "$(echo "$BUILD / $DUCK" | bc -l)"
[ "$CHECK" = identical ]
