#!/usr/bin/env bash
# How the cost grows with the market (issue 15 item 5): for each size of the simulated market, a fresh local stack,
# the 10-year back-fill through every service (every built-in definition computed), then a new definition's whole
# history (`indexctl index add` of ew100's methodology under another id, timed until its job succeeded). Prints a
# table: rows stored, seconds, and microseconds per row of each; a cost that grows no faster than linearly in rows
# keeps the per-row figures flat (or falling) from the smallest market to the largest.
#   SCALING_TICKERS ("1000 5000 10000"), BENCH_FROM (2015-01-01), BENCH_TO (2024-12-31)
# Builds nothing: BIN_DIR names release executables (default .build/release).
BIN_DIR=${BIN_DIR:-.build/release}
source "$(dirname "$0")/test-lib.sh"
cd "$ROOT"
BIN=$BIN_DIR
[ -x "$BIN/storage" ] || fail "$BIN/storage is not built (swift build -c release)"
SIZES=${SCALING_TICKERS:-1000 5000 10000}
FROM=${BENCH_FROM:-2015-01-01} TO=${BENCH_TO:-2024-12-31}
now() { date +%s.%N; }

echo "== machine: $(nproc) cores; $(git log --oneline -1 | cut -c1-60)"
echo "== workload: the simulated market of $SIZES stocks, $FROM..$TO"
printf '{"id": "scaling-ew", "size": 100}\n' >"$WORK/scaling-ew.json"
RESULTS=()
for tickers in $SIZES; do
    export DATA_DIR=$WORK/data-$tickers NATS_URL=nats://127.0.0.1:$(free_port) API_PORT=$(free_port) HEALTH_PORT=0
    export SIM_TICKERS=$tickers LOG_LEVEL=warning
    STARTED+=("$DATA_DIR")
    "$STACK" up >/dev/null
    for _ in $(seq 1 100); do $BIN/indexctl ping >/dev/null 2>&1 && break; sleep 0.2; done
    start=$(now)
    $BIN/indexctl backfill --from "$FROM" --to "$TO" --timeout 1800 </dev/null >/dev/null
    backfill=$(echo "$(now) - $start" | bc)
    rows=$(sqlite3 "file:$DATA_DIR/index.sqlite?mode=ro" \
        "SELECT (SELECT count(*) FROM prices) + (SELECT count(*) FROM rejections)")
    start=$(now)
    $BIN/indexctl index add "$WORK/scaling-ew.json" --wait --timeout 1800 </dev/null >/dev/null
    definition=$(echo "$(now) - $start" | bc)
    # The new definition is ew100's methodology: its history must be ew100's, session for session.
    differ=$(sqlite3 "file:$DATA_DIR/index.sqlite?mode=ro" "
        SELECT count(*) FROM index_levels a LEFT JOIN index_levels b ON b.index_id = 'ew100' AND b.date = a.date
        WHERE a.index_id = 'scaling-ew' AND (b.level IS NULL OR a.level != b.level)")
    [ "$differ" = 0 ] || fail "$tickers stocks: scaling-ew differs from ew100 on $differ sessions"
    peaks=$(for pidfile in "$DATA_DIR"/run/*.pid; do
        printf '%s %s, ' "$(basename "$pidfile" .pid)" \
            "$(awk '/VmHWM/{printf "%.0f MiB", $2/1024}' "/proc/$(cat "$pidfile")/status")"
    done)
    "$STACK" down >/dev/null
    rm -rf "$DATA_DIR"
    line=$(printf '| %s | %s | %.2f s | %.2f µs | %.2f s | %.3f µs |' "$tickers" "$rows" "$backfill" \
        "$(echo "$backfill * 1000000 / $rows" | bc -l)" "$definition" "$(echo "$definition * 1000000 / $rows" | bc -l)")
    echo "$line"
    echo "   peak RSS: ${peaks%, }"
    RESULTS+=("$line")
done
echo
echo "| stocks | rows (valid + rejected) | back-fill | per row | new definition | per row |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${RESULTS[@]}"
