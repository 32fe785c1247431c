#!/usr/bin/env bash
# Faults on the shape a fund grows into, with the built executables: PostgreSQL, two storage processes and a
# three-node NATS cluster. During a back-fill one nats-server and one storage process are SIGKILLed (and started
# again later by `up`), and PostgreSQL is restarted once. The stored index must then equal, session for session,
# a fault-free run of the same market on the embedded default (SQLite, one nats-server): levels, returns,
# compositions and changes, with no price row doubled or missing.
#   BIN_DIR=.build/debug scripts/test-faults.sh
source "$(dirname "$0")/test-lib.sh"
INDEXCTL="$BIN_DIR/indexctl"
# A small market keeps the runs short; the faults, not the volume, are the point.
export SIM_TICKERS=200 SIM_SEED=11 SCHEDULE_ENABLED=false
FROM=2024-01-02
TO=2024-04-30

# The fault-free reference: the embedded default.
new_stack R
stack_up R >/dev/null
wait_ready R
"$INDEXCTL" backfill --nats-url "$NATS_R" --from $FROM --to $TO >"$WORK/backfill-r.txt" 2>&1 \
    || fail "reference back-fill: $(cat "$WORK/backfill-r.txt")"
pass "reference: $(tail -n 1 "$WORK/backfill-r.txt")"

pg_start
cluster_ports "$PG_PORT"
DIR_F="$WORK/F"
NATS_F="nats://127.0.0.1:$P"
API_F=$A
URLS="nats://127.0.0.1:$P,nats://127.0.0.1:$((P + 1)),nats://127.0.0.1:$((P + 2))"
export DATABASE_URL NATS_CLUSTER=3 STORAGE_REPLICAS=2
stack_up F >"$WORK/f-up.txt"
wait_ready F
for process in nats-server-1 nats-server-2 nats-server-3 storage-1 storage-2 validator index-builder \
    change-detector fetcher api; do
    alive "$(pid_file_of F "$process")" || fail "$process is not running: $(cat "$WORK/f-up.txt")"
done
pass "up with DATABASE_URL, NATS_CLUSTER=3 and STORAGE_REPLICAS=2 runs storage-1 and storage-2 on one database"

stored_sessions() {
    curl -fsS --max-time 10 "http://127.0.0.1:$A/index-performance?start_date=$FROM&end_date=$TO" 2>/dev/null \
        | jq '.performance | length' 2>/dev/null || echo 0
}
# Waits (at most 5 min) until at least $1 sessions are stored.
wait_stored() {
    for _ in $(seq 1 1500); do [ "$(stored_sessions)" -ge "$1" ] && return 0; sleep 0.2; done
    fail "fewer than $1 sessions stored after 5 minutes ($(stored_sessions))"
}

"$INDEXCTL" backfill --nats-url "$URLS" --from $FROM --to $TO >"$WORK/backfill-f.txt" 2>&1 &
writer=$!
wait_stored 10
node=$(pid_file_of F nats-server-2)
storage=$(pid_file_of F storage-1)
kill -9 "$node" "$storage"
wait_gone "$node"
wait_gone "$storage"
pass "SIGKILLed nats-server-2 and storage-1 after $(stored_sessions) sessions were stored"
wait_stored 30
as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null || fail "PostgreSQL did not stop"
sleep 2
pg_ctl_start
pass "restarted PostgreSQL after $(stored_sessions) sessions were stored"
in_stack F "$STACK" up >"$WORK/f-up2.txt"
started=$(grep " started " "$WORK/f-up2.txt" | cut -d: -f1 | sort | tr '\n' ' ')
[ "$started" = "nats-server-2 storage-1 " ] || fail "up after the kills started: '$started'"
wait "$writer" || fail "the back-fill through the faults failed: $(cat "$WORK/backfill-f.txt")"
pass "the back-fill went through the faults: $(tail -n 1 "$WORK/backfill-f.txt")"

# Every answer of the faulty stack equals the reference's, session for session.
answers() {
    local port=$1 name=$2
    curl -fsS --max-time 60 "http://127.0.0.1:$port/index-performance?start_date=$FROM&end_date=$TO" \
        | jq -S . >"$WORK/$name-performance.json" || fail "$name: no performance"
    curl -fsS --max-time 60 "http://127.0.0.1:$port/composition-changes?start_date=$FROM&end_date=$TO" \
        | jq -S . >"$WORK/$name-changes.json" || fail "$name: no changes"
    : >"$WORK/$name-compositions.json"
    # The reference's sessions (answered first).
    for date in $(jq -r '.performance[].date' "$WORK/R-performance.json"); do
        curl -fsS --max-time 60 "http://127.0.0.1:$port/index-composition?date=$date" | jq -S -c . \
            >>"$WORK/$name-compositions.json" || fail "$name: no composition on $date"
    done
}
answers "$API_R" R
answers "$A" F
sessions=$(jq '.performance | length' "$WORK/R-performance.json")
[ "$sessions" -gt 60 ] || fail "the reference holds only $sessions sessions"
for part in performance changes compositions; do
    cmp -s "$WORK/R-$part.json" "$WORK/F-$part.json" \
        || fail "$part differs from the fault-free run: $(diff "$WORK/R-$part.json" "$WORK/F-$part.json" | head -5)"
done
pass "levels, returns, $sessions compositions and the changes equal the fault-free run's, session for session"

# Nothing doubled or missing: the stored price rows and sessions are the reference's.
reference_rows=$(sqlite3 "$DIR_R/index.sqlite" "SELECT count(*) FROM prices")
reference_sessions=$(sqlite3 "$DIR_R/index.sqlite" "SELECT count(*) FROM sessions")
rows=$(pg_sql "SELECT count(*) FROM prices")
stored=$(pg_sql "SELECT count(*) FROM sessions")
[ "$rows" = "$reference_rows" ] && [ "$stored" = "$reference_sessions" ] \
    || fail "PostgreSQL holds $rows price rows in $stored sessions; the reference $reference_rows in $reference_sessions"
pass "PostgreSQL holds the reference's $rows price rows and $stored sessions: none doubled or missing"
echo "test-faults: all checks passed in $SECONDS s"
