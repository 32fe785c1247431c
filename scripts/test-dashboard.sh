#!/usr/bin/env bash
# The dashboard in a real browser: a stack of the built executables on free ports, two months of the simulated market,
# then headless Chromium (Debian's chromium) loads http://127.0.0.1:$API/ and scripts/dashboard-check.py checks the
# rendered DOM against the API's JSON (latest level, the 100 rows of the composition, the latest change), takes
# screenshots at a desktop's and a phone's width, and requires a session computed while the page is open to appear
# without a reload.
#   BIN_DIR=.build/debug scripts/test-dashboard.sh     (screenshots in OUT_DIR, default .build/test-dashboard)
source "$(dirname "$0")/test-lib.sh"
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
[ -n "$CHROMIUM" ] || fail "chromium is not installed (scripts/deps.sh installs it)"
/usr/bin/python3 -c 'import websocket' 2>/dev/null || fail "python3-websocket is not installed (scripts/deps.sh installs it)"
OUT_DIR=${OUT_DIR:-$ROOT/.build/test-dashboard}
mkdir -p "$OUT_DIR"
# A heartbeat every second, so the test sees one on an idle stream.
export SIM_TICKERS=300 SIM_SEED=7 SCHEDULE_ENABLED=false API_EVENTS_HEARTBEAT=1

new_stack D
stack_up D >"$WORK/up.txt"
wait_ready D
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$API_D/ready" 2>/dev/null && break; sleep 0.2; done

"$BIN_DIR/indexctl" backfill --nats-url "$NATS_D" --from 2024-01-02 --to 2024-02-29 >"$WORK/backfill.txt" 2>&1 \
    || fail "back-fill: $(tail -n 20 "$WORK/backfill.txt")"
pass "back-filled $(grep -o '[0-9]* sessions' "$WORK/backfill.txt" | head -n 1) of 2024-01-02...2024-02-29"
next=$("$BIN_DIR/indexctl" sessions --from 2024-03-01 --to 2024-03-08 | head -n 1)
[ -n "$next" ] || fail "no NYSE session in the first week of March 2024"

# The session computed while the page is open: POST /build-index (a job, shown in the page's job list), then wait
# until the job has succeeded.
key=$(DATA_DIR=$DIR_D "$BIN_DIR/indexctl" apikey create --name dashboard-test | tail -n 1)
cat >"$WORK/next-session.sh" <<SCRIPT
#!/usr/bin/env bash
set -euo pipefail
api=http://127.0.0.1:$API_D
job=\$(curl -fsS -X POST -H 'X-API-Key: $key' -H 'Content-Type: application/json' \\
    -d '{"start_date": "$next", "end_date": "$next"}' "\$api/build-index" | jq -r .id)
for _ in \$(seq 1 600); do
    status=\$(curl -fsS "\$api/jobs/\$job" | jq -r .status)
    case \$status in succeeded) echo "\$job succeeded"; exit 0 ;; failed | cancelled) echo "\$job \$status"; exit 1 ;; esac
    sleep 0.1
done
echo "\$job still \$status after 60 s"
exit 1
SCRIPT
chmod +x "$WORK/next-session.sh"
/usr/bin/python3 "$ROOT/scripts/dashboard-check.py" --api "http://127.0.0.1:$API_D" --out "$OUT_DIR" \
    --chromium "$CHROMIUM" --next-session "$next" --job -- "$WORK/next-session.sh" \
    || fail "the dashboard check failed"

# /events on the running stack: resumed from 0-0-0 it replays what JetStream keeps (a session event per index and
# session computed), an idle stream gets heartbeats, and SIGTERM ends an open stream with a complete answer.
curl -sS -N --max-time 4 -H 'Last-Event-ID: 0-0-0' "http://127.0.0.1:$API_D/events" >"$WORK/replayed.txt" 2>/dev/null || true
sessions=$("$BIN_DIR/indexctl" sessions --from 2024-01-02 --to "$next" | wc -l)
replayed=$(grep -c '^event: session$' "$WORK/replayed.txt" || true)
[ "$replayed" -ge $((2 * sessions)) ] || fail "Last-Event-ID 0-0-0 replayed $replayed session events, expected >= 2 x $sessions"
grep -q '^: heartbeat$' "$WORK/replayed.txt" || fail "no heartbeat comment in 4 s with API_EVENTS_HEARTBEAT=1"
last_id=$(grep '^id: ' "$WORK/replayed.txt" | tail -n 1 | cut -d' ' -f2)
pass "Last-Event-ID 0-0-0 replayed $replayed session events (ew100 and ew100-tr, $sessions sessions) up to id $last_id, with heartbeats"
curl -sS -N --max-time 60 -H "Last-Event-ID: $last_id" "http://127.0.0.1:$API_D/events" >"$WORK/open.txt" 2>"$WORK/open.err" &
reader=$!
for _ in $(seq 1 100); do grep -q '^: connected$' "$WORK/open.txt" && break; sleep 0.1; done
api_pid=$(pid_file_of D api)
kill -TERM "$api_pid"
status=0
wait "$reader" || status=$?
[ "$status" -eq 0 ] || fail "the open /events stream did not end cleanly at SIGTERM (curl exit $status: $(cat "$WORK/open.err"))"
grep -q '^: the API is shutting down; reconnect$' "$WORK/open.txt" || fail "no closing comment: $(cat "$WORK/open.txt")"
grep -q '^event: ' "$WORK/open.txt" && fail "resumed at the last id, the stream replayed events: $(cat "$WORK/open.txt")"
wait_gone "$api_pid"
pass "SIGTERM ended an open /events stream with its closing comment and a complete answer; the API exited"
echo "test-dashboard: all checks passed (screenshots in $OUT_DIR)"
