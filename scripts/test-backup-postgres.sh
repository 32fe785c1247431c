#!/usr/bin/env bash
# `indexctl backup` and `indexctl restore` with storage on PostgreSQL (DATABASE_URL), as the README documents them:
# a pg_dump custom-format backup taken while the stack runs, a restore refused while storage is connected and one
# of a file that is no archive, a restore into another database that a second stack then serves identically (and
# back-fills on), and the restore in place (down, restore, up, back-fill) that keeps the replaced database as a dump.
#   BIN_DIR=.build/debug scripts/test-backup-postgres.sh
source "$(dirname "$0")/test-lib.sh"
INDEXCTL="$BIN_DIR/indexctl"
export SIM_TICKERS=200 SIM_SEED=7 SCHEDULE_ENABLED=false
FIRST_FROM=2024-01-02
FIRST_TO=2024-03-28
LATER_TO=2024-05-31

pg_start
URL_A=$DATABASE_URL
as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres index_b || fail "createdb index_b"
URL_B="postgres://postgres@127.0.0.1:$PG_PORT/index_b"
unset DATABASE_URL
b_sql() { as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d index_b -At -c "$1"; }

new_stack A
new_stack B
DATABASE_URL=$URL_A stack_up A >/dev/null
wait_ready A
"$INDEXCTL" backfill --nats-url "$NATS_A" --from $FIRST_FROM --to $FIRST_TO >"$WORK/backfill1.txt" 2>&1 \
    || fail "first back-fill: $(cat "$WORK/backfill1.txt")"

DATABASE_URL=$URL_A "$INDEXCTL" backup --to "$WORK/backup.dump" >"$WORK/backup.txt" 2>&1 \
    || fail "backup: $(cat "$WORK/backup.txt")"
grep -q "pg_dump custom format" "$WORK/backup.txt" || fail "backup said: $(cat "$WORK/backup.txt")"
"$PG_BIN/pg_restore" --list "$WORK/backup.dump" | grep -q "TABLE DATA public prices_y2024" \
    || fail "the archive holds no prices of 2024"
[ ! -e "$WORK/backup.dump.partial" ] || fail "the backup left its partial file"
pass "$(cat "$WORK/backup.txt")"

# Refused while storage is connected; the database is left as it was.
rows=$(pg_sql "SELECT count(*) FROM prices")
if DATABASE_URL=$URL_A "$INDEXCTL" restore --from "$WORK/backup.dump" --data-dir "$DIR_A" >"$WORK/refused.txt" 2>&1
then
    fail "restore replaced the database of a running storage"
fi
grep -q "storage running" "$WORK/refused.txt" || fail "unexpected refusal: $(cat "$WORK/refused.txt")"
[ "$(pg_sql "SELECT count(*) FROM prices")" = "$rows" ] || fail "a refused restore changed the prices"
"$INDEXCTL" ping --nats-url "$NATS_A" >/dev/null || fail "stack A is not ready after the refused restore"
pass "restore refuses while storage is connected ($(cat "$WORK/refused.txt"))"

echo "not an archive" >"$WORK/garbage.dump"
"$INDEXCTL" restore --database-url "$URL_B" --from "$WORK/garbage.dump" --data-dir "$WORK/C" >"$WORK/garbage.txt" 2>&1 \
    && fail "restore accepted a file that is not an archive"
grep -q "not a pg_dump custom-format archive" "$WORK/garbage.txt" || fail "garbage: $(cat "$WORK/garbage.txt")"
[ "$(b_sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ] \
    || fail "a refused restore created tables"
pass "restore refuses a file that is not an archive"

# Into another database; a stack on it serves the same answers.
"$INDEXCTL" restore --database-url "$URL_B" --from "$WORK/backup.dump" --data-dir "$DIR_B" >"$WORK/restore.txt" 2>&1 \
    || fail "restore: $(cat "$WORK/restore.txt")"
grep -q "archive ok" "$WORK/restore.txt" || fail "restore said: $(cat "$WORK/restore.txt")"
next=$(sed -n 's/.*indexctl backfill --from \([0-9-]*\) .*/\1/p' "$WORK/restore.txt")
[ "$next" = 2024-04-01 ] || fail "restore says to back-fill from '$next': $(cat "$WORK/restore.txt")"
[ "$(b_sql "SELECT count(*) FROM prices")" = "$rows" ] || fail "the restored database lacks price rows"
[ "$(b_sql "SELECT count(*) FROM sessions WHERE sequence <> 0")" = 0 ] || fail "stream positions were kept"
pass "$(head -n 1 "$WORK/restore.txt")"
DATABASE_URL=$URL_B stack_up B >/dev/null
wait_ready B
answers() {
    local api=$1 to=$2 out=$3 query
    : >"$out"
    for query in "index-performance?start_date=$FIRST_FROM&end_date=$to" \
        "composition-changes?start_date=$FIRST_FROM&end_date=$to" "index-composition?date=$to"; do
        curl -fsS "http://127.0.0.1:$api/$query" | jq -S . >>"$out" || fail "port $api: $query"
    done
}
answers "$API_A" $FIRST_TO "$WORK/a.json"
answers "$API_B" $FIRST_TO "$WORK/b.json"
[ "$(jq -s '.[0].performance | length' "$WORK/a.json")" -gt 50 ] || fail "A's series is short"
cmp -s "$WORK/a.json" "$WORK/b.json" || fail "the restored stack answers differently"
pass "the stack on the restored database serves the original series, identical answers"

# Both stacks go on from there the same way.
for name in A B; do
    nats="NATS_$name"
    "$INDEXCTL" backfill --nats-url "${!nats}" --from "$next" --to $LATER_TO >"$WORK/backfill-$name.txt" 2>&1 \
        || fail "back-fill on $name: $(cat "$WORK/backfill-$name.txt")"
done
answers "$API_A" $LATER_TO "$WORK/a.json"
answers "$API_B" $LATER_TO "$WORK/b.json"
cmp -s "$WORK/a.json" "$WORK/b.json" || fail "after the back-fills the stacks differ"
pass "a back-fill on the restored database continues the series identically"

# In place: down, restore over the database, up, back-fill what came after the backup.
in_stack A "$STACK" down >/dev/null
DATABASE_URL=$URL_A "$INDEXCTL" restore --from "$WORK/backup.dump" --data-dir "$DIR_A" >"$WORK/restore-a.txt" 2>&1 \
    || fail "restore over a stopped stack: $(cat "$WORK/restore-a.txt")"
ls "$DIR_A"/index.before-restore-*.dump >/dev/null 2>&1 || fail "the replaced database was not kept: $(ls "$DIR_A")"
ls -d "$DIR_A"/jetstream.before-restore-* >/dev/null 2>&1 || fail "the old JetStream store was not set aside"
[ "$(pg_sql "SELECT count(*) FROM prices")" = "$rows" ] || fail "the restore in place kept later prices"
DATABASE_URL=$URL_A stack_up A >/dev/null
wait_ready A
"$INDEXCTL" backfill --nats-url "$NATS_A" --from "$next" --to $LATER_TO >"$WORK/backfill-a2.txt" 2>&1 \
    || fail "back-fill after the restore in place: $(cat "$WORK/backfill-a2.txt")"
answers "$API_A" $LATER_TO "$WORK/a.json"
cmp -s "$WORK/a.json" "$WORK/b.json" || fail "after the restore in place and its back-fill, the series differs"
pass "restore in place (down, restore, up, back-fill from $next) gives the same series; the old database is kept"
echo "test-backup-postgres: all checks passed"
