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
export SIM_TICKERS=300 SIM_SEED=7 SCHEDULE_ENABLED=false

new_stack D
stack_up D >"$WORK/up.txt"
wait_ready D
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$API_D/ready" 2>/dev/null && break; sleep 0.2; done

"$BIN_DIR/indexctl" backfill --nats-url "$NATS_D" --from 2024-01-02 --to 2024-02-29 >"$WORK/backfill.txt" 2>&1 \
    || fail "back-fill: $(tail -n 20 "$WORK/backfill.txt")"
pass "back-filled $(grep -o '[0-9]* sessions' "$WORK/backfill.txt" | head -n 1) of 2024-01-02...2024-02-29"
next=$("$BIN_DIR/indexctl" sessions --from 2024-03-01 --to 2024-03-08 | head -n 1)
[ -n "$next" ] || fail "no NYSE session in the first week of March 2024"

/usr/bin/python3 "$ROOT/scripts/dashboard-check.py" --api "http://127.0.0.1:$API_D" --out "$OUT_DIR" \
    --chromium "$CHROMIUM" --next-session "$next" \
    -- "$BIN_DIR/indexctl" backfill --nats-url "$NATS_D" --from "$next" --to "$next" \
    || fail "the dashboard check failed"
echo "test-dashboard: all checks passed (screenshots in $OUT_DIR)"
