#!/usr/bin/env bash
# `indexctl backup` and `indexctl restore` as the README documents them: a backup taken from a running stack while
# a back-fill writes, a restore refused while storage has the database open, a restore into a fresh DATA_DIR, and a
# stack started there that serves the same series, session for session, as the original.
#   BIN_DIR=.build/debug scripts/test-backup.sh
source "$(dirname "$0")/test-lib.sh"
INDEXCTL="$BIN_DIR/indexctl"
# A small simulated market keeps the back-fills short.
export SIM_TICKERS=300 SIM_SEED=7

new_stack A
new_stack B
stack_up A >/dev/null
wait_ready A
"$INDEXCTL" backfill --nats-url "$NATS_A" --from 2024-01-02 --to 2024-03-28 >"$WORK/backfill1.txt" 2>&1 \
    || fail "first back-fill: $(cat "$WORK/backfill1.txt")"

# The backup is taken while a second back-fill is writing later sessions. What is in flight is decided here, not by
# the scheduler: the change-detector is stopped first, so the second range's index levels reach storage and none of
# its composition events can. The back-fill cannot finish without them (it waits for every stage to drain), so it is
# still running when the backup is taken, and the backup's first unfinished session is the second range's first.
SECOND_FROM=2024-04-01
SECOND_TO=2025-06-30
FIRST_LAST=2024-03-28  # the last session of the first range (29 March 2024 was Good Friday)
detector=$(pid_file_of A change-detector)
kill "$detector"
wait_gone "$detector"
"$INDEXCTL" backfill --nats-url "$NATS_A" --from $SECOND_FROM --to $SECOND_TO >"$WORK/backfill2.txt" 2>&1 &
writer=$!
# Once a level of the second range is stored.
levels_after() { sqlite3 "file:$DIR_A/index.sqlite?mode=ro" "SELECT count(*) FROM index_levels WHERE date > '$1'"; }
for _ in $(seq 1 300); do
    [ "$(levels_after $FIRST_LAST 2>/dev/null || echo 0)" -gt 0 ] && break
    sleep 0.1
done
[ "$(levels_after $FIRST_LAST)" -gt 0 ] || fail "no level of the second range was stored: $(cat "$WORK/backfill2.txt")"
"$INDEXCTL" backup --nats-url "$NATS_A" --to "$WORK/backup.sqlite" >"$WORK/backup.txt" 2>&1 \
    || fail "backup: $(cat "$WORK/backup.txt")"
alive "$writer" || fail "the second back-fill finished without the change-detector: $(cat "$WORK/backfill2.txt")"
pass "the backup was taken while a back-fill was still running"
[ "$(sqlite3 "$WORK/backup.sqlite" "SELECT count(*) FROM index_levels WHERE date > '$FIRST_LAST'")" -gt 0 ] \
    || fail "the backup holds no level of the second range"
[ "$(sqlite3 "$WORK/backup.sqlite" "SELECT count(*) FROM composition_events WHERE date > '$FIRST_LAST'")" = 0 ] \
    || fail "the backup holds composition events the stopped change-detector cannot have computed"
# The change-detector back: it works off what it missed, and the back-fill completes.
stack_up A >/dev/null
wait_ready A
wait "$writer" || fail "second back-fill: $(cat "$WORK/backfill2.txt")"
grep -q "integrity ok" "$WORK/backup.txt" || fail "backup did not report integrity ok: $(cat "$WORK/backup.txt")"
[ -z "$(ls "$WORK"/backup.sqlite?* 2>/dev/null)" ] || fail "the backup left other files: $(ls "$WORK")"
[ "$(sqlite3 "$WORK/backup.sqlite" 'PRAGMA integrity_check')" = ok ] || fail "sqlite3 finds the backup damaged"
pass "backup: $(cat "$WORK/backup.txt")"

# A backup to a relative path is written where the operator is, not where storage was started.
(cd "$WORK" && "$INDEXCTL" backup --nats-url "$NATS_A" --to relative.sqlite >/dev/null) || fail "relative backup"
[ -s "$WORK/relative.sqlite" ] || fail "a relative --to was not resolved against the current directory"
pass "a relative --to is resolved against the current directory"

# Restore refuses while storage has the database open, and leaves it as it was.
before=$(sha256sum "$DIR_A/index.sqlite" | cut -d' ' -f1)
if "$INDEXCTL" restore --from "$WORK/backup.sqlite" --data-dir "$DIR_A" >"$WORK/refused.txt" 2>&1; then
    fail "restore replaced the database of a running storage"
fi
grep -q "storage running" "$WORK/refused.txt" || fail "unexpected refusal: $(cat "$WORK/refused.txt")"
"$INDEXCTL" ping --nats-url "$NATS_A" >/dev/null || fail "stack A is not ready after the refused restore"
[ -z "$(ls "$DIR_A" | grep -E 'restoring|before-restore')" ] || fail "a refused restore left files: $(ls "$DIR_A")"
pass "restore refuses while storage runs ($(cat "$WORK/refused.txt"))"

# A file that is not a database is refused before anything is replaced.
echo "not a database" >"$WORK/garbage.sqlite"
"$INDEXCTL" restore --from "$WORK/garbage.sqlite" --data-dir "$WORK/C" >"$WORK/garbage.txt" 2>&1 \
    && fail "restore accepted a file that is not a database"
[ ! -e "$WORK/C/index.sqlite" ] || fail "a refused restore created a database"
pass "restore refuses a file that is not a database ($(cat "$WORK/garbage.txt"))"

# Restore into a fresh DATA_DIR, start a whole stack there; it must serve what the backup holds. The backup holds
# levels of the second range without their composition events (in flight): restore drops them, keeps their prices,
# and says to back-fill from the second range's first session.
"$INDEXCTL" restore --from "$WORK/backup.sqlite" --data-dir "$DIR_B" >"$WORK/restore.txt" 2>&1 \
    || fail "restore: $(cat "$WORK/restore.txt")"
grep -q "from $SECOND_FROM on were still in flight" "$WORK/restore.txt" \
    || fail "restore did not drop the in-flight sessions from $SECOND_FROM: $(cat "$WORK/restore.txt")"
next=$(sed -n 's/.*indexctl backfill --from \([0-9-]*\) .*/\1/p' "$WORK/restore.txt")
[ "$next" = $SECOND_FROM ] || fail "restore says to back-fill from '$next', not $SECOND_FROM: $(cat "$WORK/restore.txt")"
pass "$(cat "$WORK/restore.txt")"
stack_up B >/dev/null
wait_ready B
"$INDEXCTL" summary --nats-url "$NATS_B" --changes 1000 >"$WORK/summary-b.txt" || fail "summary of B"
range=$(sed -n 's/^sessions *\([0-9]*\) (\([0-9-]*\) ... \([0-9-]*\))$/\1 \2 \3/p' "$WORK/summary-b.txt")
read -r sessions first last <<<"$range"
[ -n "$sessions" ] && [ "$sessions" -gt 0 ] || fail "the restored stack has no session: $(cat "$WORK/summary-b.txt")"
# Exactly the first back-fill: the second range's levels were in flight.
[ "$first" = 2024-01-02 ] && [ "$last" = $FIRST_LAST ] || fail "restored range $first ... $last"

# The same range from both APIs: every level and return, the composition changes, and the last composition.
for query in "index-performance?start_date=$first&end_date=$last" \
    "composition-changes?start_date=$first&end_date=$last" "index-composition?date=$last"; do
    # Canonical JSON (sorted keys): the API does not promise an order of keys.
    curl -fsS "http://127.0.0.1:$API_A/$query" | jq -S . >"$WORK/a.json" || fail "A: $query"
    curl -fsS "http://127.0.0.1:$API_B/$query" | jq -S . >"$WORK/b.json" || fail "B: $query"
    case "$query" in composition-changes*) ;; *)
        [ "$(wc -c <"$WORK/a.json")" -gt 200 ] || fail "A answered almost nothing to $query: $(cat "$WORK/a.json")" ;;
    esac
    cmp -s "$WORK/a.json" "$WORK/b.json" || fail "the restored stack answers $query differently"
done
pass "the restored stack serves the original series: $first ... $last (of $sessions sessions), identical answers"

# The restored database keeps working: the stack back-fills the rest of the range on top of it, sessions whose
# prices the backup holds but whose index was still in flight included (the README's restore procedure).
"$INDEXCTL" backfill --nats-url "$NATS_B" --from "$next" --to $SECOND_TO >"$WORK/backfill-b.txt" 2>&1 \
    || fail "back-fill after restore: $(cat "$WORK/backfill-b.txt")"
# Both stacks' whole series (levels, changes, last composition), as canonical JSON.
series() {
    local api=$1 out=$2 query
    : >"$out"
    for query in "index-performance?start_date=2024-01-01&end_date=$SECOND_TO" \
        "composition-changes?start_date=2024-01-01&end_date=$SECOND_TO" "index-composition?date=$SECOND_TO"; do
        curl -fsS "http://127.0.0.1:$api/$query" | jq -S . >>"$out" || fail "port $api: $query"
    done
}
series "$API_A" "$WORK/a-series.json"
series "$API_B" "$WORK/b-series.json"
[ "$(jq -s '.[0].performance | length' "$WORK/a-series.json")" -gt 300 ] || fail "A's series is short"
cmp -s "$WORK/a-series.json" "$WORK/b-series.json" || fail "after the back-fill on the restored stack, they differ"
pass "a back-fill on the restored stack completes the series identically to the original"
# The README's procedure in place: stop the stack, restore over its database, start it, back-fill what came after.
in_stack A "$STACK" down >/dev/null
"$INDEXCTL" restore --from "$WORK/backup.sqlite" --data-dir "$DIR_A" >"$WORK/restore-a.txt" 2>&1 \
    || fail "restore over a stopped stack: $(cat "$WORK/restore-a.txt")"
ls "$DIR_A"/index.sqlite.before-restore-* >/dev/null 2>&1 || fail "the replaced database was not kept: $(ls "$DIR_A")"
ls -d "$DIR_A"/jetstream.before-restore-* >/dev/null 2>&1 || fail "the old JetStream store was not set aside"
next=$(sed -n 's/.*indexctl backfill --from \([0-9-]*\) .*/\1/p' "$WORK/restore-a.txt")
[ -n "$next" ] || fail "restore named no session to back-fill from: $(cat "$WORK/restore-a.txt")"
stack_up A >/dev/null
wait_ready A
"$INDEXCTL" backfill --nats-url "$NATS_A" --from "$next" --to $SECOND_TO >"$WORK/backfill-a3.txt" 2>&1 \
    || fail "back-fill after the restore in place: $(cat "$WORK/backfill-a3.txt")"
series "$API_A" "$WORK/a-series.json"
cmp -s "$WORK/a-series.json" "$WORK/b-series.json" || fail "after the restore in place and its back-fill, they differ"
pass "restore in place (down, restore, up, back-fill from $next) gives the same series; the old database is kept"
echo "test-backup: all checks passed"
