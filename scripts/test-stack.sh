#!/usr/bin/env bash
# `make up/down/status` as the README promises: two stacks side by side (own DATA_DIR, NATS port and API port),
# `up` starts only what is not running, restarts just a process that died, `down` stops only its own processes.
#   BIN_DIR=.build/debug scripts/test-stack.sh
source "$(dirname "$0")/test-lib.sh"
PROCESSES=(nats-server $("$STACK" services | cut -d' ' -f1))
[ ${#PROCESSES[@]} -eq 7 ] || fail "expected the broker and six services, got: ${PROCESSES[*]}"

new_stack A
new_stack B
stack_up A >"$WORK/a-up.txt"
stack_up B >"$WORK/b-up.txt"
wait_ready A
wait_ready B

# Every process has a pid file named after it, under its own stack's run directory, and is running.
declare -A PID_A PID_B
for process in "${PROCESSES[@]}"; do
    PID_A[$process]=$(pid_file_of A "$process")
    PID_B[$process]=$(pid_file_of B "$process")
    alive "${PID_A[$process]}" || fail "A's $process (pid ${PID_A[$process]}) is not running"
    alive "${PID_B[$process]}" || fail "B's $process is not running"
    [ "${PID_A[$process]}" != "${PID_B[$process]}" ] || fail "$process: both stacks name the same pid"
done
pass "two stacks run side by side, one pid file per process under each \$DATA_DIR/run"

# The broker's memory is bounded by configuration: its Go heap by GOMEMLIMIT (NATS_MEMORY_LIMIT, 192MiB unless set),
# its JetStream memory storage by max_memory_store in the config `up` wrote.
tr '\0' '\n' <"/proc/${PID_A[nats-server]}/environ" | grep -qx 'GOMEMLIMIT=192MiB' \
    || fail "A's nats-server runs without GOMEMLIMIT=192MiB"
grep -q '^    max_memory_store: 64MB$' "$DIR_A/run/nats-server.conf" || fail "A's nats-server.conf caps no memory store"
tr '\0' ' ' <"/proc/${PID_A[nats-server]}/cmdline" | grep -q -- "-c $DIR_A/run/nats-server.conf " \
    || fail "A's nats-server was not started with its config: $(tr '\0' ' ' <"/proc/${PID_A[nats-server]}/cmdline")"
pass "the broker runs with GOMEMLIMIT=192MiB and JetStream memory storage capped at 64 MiB"
status=$(in_stack A "$STACK" status)
[ "$(grep -c ' running$' <<<"$status")" -eq 7 ] || fail "status of A does not list 7 running"
pass "status lists every process as running"

# NATS_URL: each broker listens on its stack's port; API_PORT: each API answers on its own port.
for stack in A B; do
    nats="NATS_$stack"; api="API_$stack"
    port=${!nats##*:}
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || fail "stack $stack: nothing listens on NATS port $port"
    curl -fsS -o /dev/null "http://127.0.0.1:${!api}/health" || fail "stack $stack: no API on port ${!api}"
done
pass "each stack's broker and API listen on its own NATS_URL port and API_PORT"

# A second `up` starts nothing.
in_stack A "$STACK" up >"$WORK/a-up2.txt"
grep -q "started" "$WORK/a-up2.txt" && fail "a second up started something: $(cat "$WORK/a-up2.txt")"
[ "$(grep -c "already running" "$WORK/a-up2.txt")" -eq 7 ] || fail "a second up did not find all 7 running"
pass "a second up starts nothing"

# One service dies: `up` restarts just it, under a new pid; every other pid is unchanged. Then the broker.
for victim in validator nats-server; do
    kill -9 "${PID_A[$victim]}"
    wait_gone "${PID_A[$victim]}"
    status=$(in_stack A "$STACK" status)
    grep -q "^$victim .* stopped$" <<<"$status" || fail "status does not show dead $victim stopped"
    in_stack A "$STACK" up >"$WORK/a-up-$victim.txt"
    started=$(grep " started " "$WORK/a-up-$victim.txt" | cut -d: -f1 | tr '\n' ' ')
    [ "$started" = "$victim " ] || fail "after $victim died, up started: '$started'"
    new_pid=$(pid_file_of A "$victim")
    [ "$new_pid" != "${PID_A[$victim]}" ] && alive "$new_pid" || fail "$victim was not restarted"
    PID_A[$victim]=$new_pid
    for process in "${PROCESSES[@]}"; do
        [ "$(pid_file_of A "$process")" = "${PID_A[$process]}" ] || fail "$process got a new pid"
        alive "${PID_A[$process]}" || fail "A's $process died"
    done
    wait_ready A
    pass "after $victim was killed, up restarted just $victim"
done

# `down` stops only what this stack started: a pid file naming some other program is not obeyed.
sleep 300 &
stranger=$!
kill -9 "${PID_A[fetcher]}"
wait_gone "${PID_A[fetcher]}"
echo "$stranger" >"$DIR_A/run/fetcher.pid"
status=$(in_stack A "$STACK" status)
grep -q "^fetcher .* stopped$" <<<"$status" || fail "status takes a stranger's pid for the fetcher"
in_stack A "$STACK" down >"$WORK/a-down.txt"
alive "$stranger" || fail "down killed a process it did not start (pid $stranger)"
kill "$stranger"
for process in "${PROCESSES[@]}"; do
    [ "$process" = fetcher ] && continue
    alive "${PID_A[$process]}" && fail "down left A's $process running"
    [ -f "$DIR_A/run/$process.pid" ] && fail "down left A's $process.pid"
    alive "${PID_B[$process]}" || fail "A's down stopped B's $process"
done
status=$(in_stack A "$STACK" status)
[ "$(grep -c ' stopped$' <<<"$status")" -eq 7 ] || fail "status of A after down"
wait_ready B
pass "down stopped every process of A, none of B, and not a stranger named in a stale pid file"

# Errors tell the truth: with storage killed, then the broker too, an uncached query is a 503 JSON error with
# Retry-After (never a 500); after `up` the same query answers 200 with the stored series.
SIM_TICKERS=50 "$BIN_DIR/indexctl" backfill --nats-url "$NATS_B" --from 2024-01-02 --to 2024-01-12 \
    >"$WORK/b-backfill.txt" 2>&1 || fail "back-fill of B: $(cat "$WORK/b-backfill.txt")"
# Each query names another range, so none is answered from the API's cache.
query=0
# Call as `query=$((query + 1)); code=$(uncached_get)`: the command substitution runs in a subshell.
uncached_get() {
    curl -sS --max-time 60 -D "$WORK/headers-$query.txt" -o "$WORK/body-$query.json" -w '%{http_code}' \
        "http://127.0.0.1:$API_B/index-performance?start_date=2024-01-0$((query + 1))&end_date=2024-01-12"
}
expect_unavailable() {
    local code
    query=$((query + 1))
    code=$(uncached_get)
    [ "$code" = 503 ] || fail "$1: GET answered $code, not 503: $(cat "$WORK/body-$query.json")"
    grep -qi '^retry-after: [0-9]' "$WORK/headers-$query.txt" || fail "$1: a 503 without Retry-After"
    jq -e '.error.code | test("_unavailable$")' "$WORK/body-$query.json" >/dev/null \
        || fail "$1: not a JSON error naming the unavailable dependency: $(cat "$WORK/body-$query.json")"
    pass "$1: an uncached GET is 503 $(jq -r .error.code "$WORK/body-$query.json") with $(grep -i '^retry-after' \
        "$WORK/headers-$query.txt" | tr -d '\r')"
}
kill -9 "$(pid_file_of B storage)"
expect_unavailable "storage killed"
kill -9 "$(pid_file_of B nats-server)"
expect_unavailable "storage and nats-server killed"
in_stack B "$STACK" up >/dev/null
wait_ready B
query=$((query + 1))
code=$(uncached_get)
[ "$code" = 200 ] || fail "after up, GET answered $code: $(cat "$WORK/body-$query.json")"
[ "$(jq '.performance | length' "$WORK/body-$query.json")" -gt 3 ] || fail "after up, no series: $(cat "$WORK/body-$query.json")"
pass "after up, the same kind of query answers 200 with the stored series"

# indexctl summary and the API's summary come from the same analytics (Methodology): the same figures.
"$BIN_DIR/indexctl" summary --nats-url "$NATS_B" >"$WORK/summary-b.txt" 2>&1 || fail "summary of B: $(cat "$WORK/summary-b.txt")"
curl -sS --max-time 60 -o "$WORK/full-b.json" "http://127.0.0.1:$API_B/index-performance?start_date=2024-01-01&end_date=2024-01-31"
percent() { jq -r "$1" "$WORK/full-b.json" | awk '{ printf "%+.2f %%", $1 * 100 }'; }
for line in "total return   $(percent .summary.total_return) since" "volatility     $(percent .summary.annualized_volatility | tr -d +) annualized" \
    "max drawdown   $(percent .summary.max_drawdown)" \
    "best session   $(percent .summary.best_session.daily_return) on $(jq -r .summary.best_session.date "$WORK/full-b.json")" \
    "worst session  $(percent .summary.worst_session.daily_return) on $(jq -r .summary.worst_session.date "$WORK/full-b.json")"; do
    grep -qF "$line" "$WORK/summary-b.txt" || fail "indexctl summary lacks the API's \"$line\": $(cat "$WORK/summary-b.txt")"
done
pass "indexctl summary shows the API's analytics: $(grep -E '^(total return|max drawdown)' "$WORK/summary-b.txt" | tr -s ' ' | paste -sd';')"
for process in "${PROCESSES[@]}"; do PID_B[$process]=$(pid_file_of B "$process"); done

in_stack B "$STACK" down >/dev/null
for process in "${PROCESSES[@]}"; do alive "${PID_B[$process]}" && fail "down left B's $process running"; done
pass "down stopped B"
echo "test-stack: all checks passed"
