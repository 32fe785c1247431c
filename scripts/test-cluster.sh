#!/usr/bin/env bash
# `make up NATS_CLUSTER=3 API_REPLICAS=2` as the README promises: three clustered nats-servers with every stream on
# three of them, two API processes that answer alike, a back-fill that completes and is stored while one nats-server
# is SIGKILLed, the node back with `up`, and `down` leaving nothing; `indexctl restore` then sets every node's store
# aside. Refused shapes fail at start, naming the cause: STORAGE_REPLICAS=2 on SQLite, a second storage on one
# DATA_DIR, NATS_REPLICAS out of range.
#   BIN_DIR=.build/debug scripts/test-cluster.sh
source "$(dirname "$0")/test-lib.sh"
# Few tickers and no scheduled fetch: the test is about the broker and the processes, not the market.
export SIM_TICKERS=200 SIM_SEED=7 SCHEDULE_ENABLED=false

# STORAGE_REPLICAS=2 without DATABASE_URL: `make up` fails before it builds or starts anything.
refused="$WORK/refused"
begin=$SECONDS
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u DATABASE_URL make -s -C "$ROOT" up STORAGE_REPLICAS=2 \
    DATA_DIR="$refused" NATS_URL="nats://127.0.0.1:$(free_port)" >"$WORK/refused.txt" 2>&1; then
    fail "make up STORAGE_REPLICAS=2 on SQLite succeeded: $(cat "$WORK/refused.txt")"
fi
grep -q "STORAGE_REPLICAS=2 is refused: with SQLite" "$WORK/refused.txt" \
    || fail "make up STORAGE_REPLICAS=2 failed without saying why: $(cat "$WORK/refused.txt")"
[ ! -e "$refused/run" ] || fail "make up STORAGE_REPLICAS=2 started something: $(ls "$refused/run")"
[ $((SECONDS - begin)) -lt 15 ] || fail "make up STORAGE_REPLICAS=2 took $((SECONDS - begin)) s to refuse (a build?)"
pass "make up STORAGE_REPLICAS=2 on SQLite is refused at once: $(grep -o 'STORAGE_REPLICAS=2 is refused: [^;]*' \
    "$WORK/refused.txt")"

# An invalid NATS_REPLICAS stops a service at start, naming the variable.
if NATS_REPLICAS=7 NATS_URL="nats://127.0.0.1:$(free_port)" timeout 30 "$BIN_DIR/validator" \
    >"$WORK/replicas.txt" 2>&1; then
    fail "validator started with NATS_REPLICAS=7"
fi
grep -q "NATS_REPLICAS=7 is invalid" "$WORK/replicas.txt" || fail "NATS_REPLICAS=7: $(cat "$WORK/replicas.txt")"
pass "NATS_REPLICAS=7 stops a service at start: $(grep -o 'NATS_REPLICAS=7 is invalid.*' "$WORK/replicas.txt")"

cluster_ports
DIR_C="$WORK/C"
NATS_C="nats://127.0.0.1:$P"
API_C=$A
URLS="nats://127.0.0.1:$P,nats://127.0.0.1:$((P + 1)),nats://127.0.0.1:$((P + 2))"
monitor() { curl -fsS --max-time 5 "http://127.0.0.1:$(($1 + 4000))$2"; }

export NATS_CLUSTER=3 API_REPLICAS=2 NATS_MEMORY_LIMIT=160MiB
stack_up C >"$WORK/c-up.txt"
unset NATS_CLUSTER API_REPLICAS NATS_MEMORY_LIMIT
wait_ready C
PROCESSES=(nats-server-1 nats-server-2 nats-server-3 storage validator index-builder change-detector fetcher)
PROCESSES+=(api-1 api-2)
declare -A PID
for process in "${PROCESSES[@]}"; do
    PID[$process]=$(pid_file_of C "$process")
    alive "${PID[$process]}" || fail "$process (pid ${PID[$process]}) is not running"
done
for single in nats-server api; do
    [ ! -e "$DIR_C/run/$single.pid" ] || fail "a cluster stack has $single.pid"
done
status=$(in_stack C "$STACK" status)
[ "$(grep -c ' running$' <<<"$status")" -eq ${#PROCESSES[@]} ] || fail "status: $status"
pass "up NATS_CLUSTER=3 API_REPLICAS=2 runs nats-server-1..3, api-1, api-2 and the other services, one pid file each"

# Three servers named n1..n3 in one cluster, each on its own store; the services know all three URLs.
for i in 1 2 3; do
    grep -q "^server_name: n$i$" "$DIR_C/run/nats-server-$i.conf" || fail "nats-server-$i.conf names no n$i"
    grep -q "store_dir: \"$DIR_C/jetstream-$i\"" "$DIR_C/run/nats-server-$i.conf" || fail "node $i's store_dir"
done
# Each node's memory is bounded by configuration (README: NATS_MEMORY_LIMIT), here set to 160MiB.
for i in 1 2 3; do
    monitor $((P + i - 1)) /varz | jq -e '.jetstream.config.max_memory == 67108864' >/dev/null \
        || fail "n$i's JetStream memory storage is not capped at 64 MiB: $(monitor $((P + i - 1)) /varz | jq -c .jetstream.config)"
    tr '\0' '\n' <"/proc/$(pid_file_of C "nats-server-$i")/environ" | grep -qx 'GOMEMLIMIT=160MiB' \
        || fail "nats-server-$i runs without GOMEMLIMIT=160MiB"
done
monitor "$P" /varz | jq -e --arg port $((P + 2001)) '.cluster.name == "equal-weight-index"
    and (.cluster.urls | map(select(endswith(":" + $port))) | length == 1)' >/dev/null \
    || fail "n1's /varz shows no cluster routing to n2: $(monitor "$P" /varz | jq -c .cluster)"
for process in fetcher storage api-2; do
    environment=$(tr '\0' '\n' <"/proc/${PID[$process]}/environ")
    grep -qx "NATS_URL=$URLS" <<<"$environment" || fail "$process's NATS_URL: $(grep NATS_URL <<<"$environment")"
    grep -qx "NATS_REPLICAS=3" <<<"$environment" || fail "$process has no NATS_REPLICAS=3"
done
pass "n1..n3 form one cluster on their own stores, each with GOMEMLIMIT=160MiB and 64 MiB of JetStream memory storage; services get NATS_URL=<the three URLs> and NATS_REPLICAS=3"

# Every stream of the pipeline is kept on all three servers (its config asks for 3 replicas, and 2 follow the
# leader), and so is every consumer (its replicas follow the stream's).
jsz='/jsz?accounts=true&streams=true&consumers=true&config=true'
streams=$(monitor "$((P + 1))" "$jsz" | jq -c '[.account_details[]?.stream_detail[]?
    | {name, replicas: .config.num_replicas, followers: ([.cluster.replicas[]?] | length),
       consumers: [.consumer_detail[]? | {name, followers: ([.cluster.replicas[]?] | length)}]}]')
[ "$(jq 'length' <<<"$streams")" -eq 9 ] || fail "n2 does not host the pipeline's 9 streams: $streams"
jq -e 'all(.replicas == 3 and .followers == 2)' <<<"$streams" >/dev/null || fail "streams not on 3 servers: $streams"
[ "$(jq '[.[].consumers[]] | length' <<<"$streams")" -eq 9 ] || fail "n2 does not host the 9 consumers: $streams"
jq -e 'all(.[].consumers[]; .followers == 2)' <<<"$streams" >/dev/null || fail "consumers not on 3 servers: $streams"
pass "all 9 streams and 9 consumers are on 3 servers: $(jq -r 'map(.name) | join(" ")' <<<"$streams")"

# A second storage on the same SQLite DATA_DIR stops at start; the running one goes on.
if DATA_DIR=$DIR_C NATS_URL=$URLS timeout 30 "$BIN_DIR/storage" >"$WORK/second-storage.txt" 2>&1; then
    fail "a second storage started on $DIR_C"
fi
grep -q "another storage process (pid ${PID[storage]}) uses this DATA_DIR" "$WORK/second-storage.txt" \
    || fail "second storage: $(cat "$WORK/second-storage.txt")"
alive "${PID[storage]}" || fail "the running storage died"
pass "a second storage on the same DATA_DIR is refused ($(grep -o 'storage.lock is locked' "$WORK/second-storage.txt"))"

# Back-fill, then both APIs answer the same series.
backfill() {
    "$BIN_DIR/indexctl" backfill --nats-url "$URLS" --from "$1" --to "$2" >"$WORK/backfill-$1.txt" 2>&1 \
        || fail "backfill $1 ... $2: $(cat "$WORK/backfill-$1.txt")"
}
performance() {
    curl -fsS --max-time 60 "http://127.0.0.1:$1/index-performance?start_date=2024-01-02&end_date=2024-01-31" \
        | jq -S . >"$WORK/performance-$1-$2.json" || fail "API on port $1 did not answer ($2)"
}
# Both API ports answer; the same JSON from each; the dates the series holds.
same_series() {
    performance "$A" "$1"
    performance "$((A + 1))" "$1"
    cmp -s "$WORK/performance-$A-$1.json" "$WORK/performance-$((A + 1))-$1.json" \
        || fail "the two APIs answer differently ($1): $(diff "$WORK/performance-$A-$1.json" \
            "$WORK/performance-$((A + 1))-$1.json" | head -5)"
    jq -r '.performance[].date' "$WORK/performance-$A-$1.json" | paste -sd' '
}
backfill 2024-01-02 2024-01-10
dates=$(same_series first)
[ "$dates" = "2024-01-02 2024-01-03 2024-01-04 2024-01-05 2024-01-08 2024-01-09 2024-01-10" ] \
    || fail "after the first back-fill, the series holds: $dates"
pass "both API ports ($A, $((A + 1))) answer the same /index-performance: $dates"

# One node dies (SIGKILL). Once the streams it led have new leaders, a back-fill goes through and is stored.
kill -9 "${PID[nats-server-1]}"
wait_gone "${PID[nats-server-1]}"
leaders_without_n1() {
    monitor "$((P + 1))" "$jsz" | jq -e '[.account_details[]?.stream_detail[]?] as $s
        | ($s | length) == 9 and all($s[]; (.cluster.leader // "") != "" and .cluster.leader != "n1")' >/dev/null
}
for _ in $(seq 1 100); do leaders_without_n1 && break; sleep 0.2; done
leaders_without_n1 || fail "the streams have no leaders on n2/n3 20 s after n1 died"
backfill 2024-01-11 2024-01-19
dates=$(same_series second)
[ "$dates" = "2024-01-02 2024-01-03 2024-01-04 2024-01-05 2024-01-08 2024-01-09 2024-01-10 2024-01-11 2024-01-12 \
2024-01-16 2024-01-17 2024-01-18 2024-01-19" ] || fail "with n1 dead, the series holds: $dates"
for process in "${PROCESSES[@]}"; do
    [ "$process" = nats-server-1 ] || alive "${PID[$process]}" || fail "$process died with n1"
done
pass "with n1 SIGKILLed, a back-fill of 2024-01-11 ... 2024-01-19 is stored and both APIs answer it: $dates"

# `up` restarts just the dead node, which catches up with the cluster.
in_stack C "$STACK" up >"$WORK/c-up2.txt"
started=$(grep " started " "$WORK/c-up2.txt" | cut -d: -f1 | tr '\n' ' ')
[ "$started" = "nats-server-1 " ] || fail "after n1 died, up started: '$started'"
PID[nats-server-1]=$(pid_file_of C nats-server-1)
# Each stream's last sequence as node <port> has it.
last_sequences() {
    monitor "$1" "$jsz" | jq -c '[.account_details[]?.stream_detail[]? | [.name, .state.last_seq]] | sort'
}
n1_current() {
    monitor "$P" /healthz >/dev/null 2>&1 || return 1
    local n1 n2
    n1=$(last_sequences "$P") && n2=$(last_sequences "$((P + 1))") || return 1
    [ "$(jq length <<<"$n1")" -eq 9 ] && [ "$n1" = "$n2" ]
}
for _ in $(seq 1 100); do n1_current && break; sleep 0.2; done
n1_current || fail "n1 did not catch up: n1 $(last_sequences "$P" 2>&1), n2 $(last_sequences "$((P + 1))")"
pass "up restarted just nats-server-1; it is healthy and holds every stream up to the last message n2 has"

# indexctl restore knows the cluster's stores: refused while a node runs (storage stopped), then it sets all aside.
"$BIN_DIR/indexctl" backup --nats-url "$URLS" --to "$WORK/c.sqlite" >"$WORK/backup.txt" 2>&1 \
    || fail "backup: $(cat "$WORK/backup.txt")"
kill -TERM "${PID[storage]}"
wait_gone "${PID[storage]}"
if "$BIN_DIR/indexctl" restore --from "$WORK/c.sqlite" --data-dir "$DIR_C" >"$WORK/restore-refused.txt" 2>&1; then
    fail "restore went ahead while the cluster ran"
fi
grep -q "nats-server-[123] (pid [0-9]*) runs on a JetStream store" "$WORK/restore-refused.txt" \
    || fail "restore refused without naming a node: $(cat "$WORK/restore-refused.txt")"

# `down` stops every process; none is left.
in_stack C "$STACK" down >"$WORK/c-down.txt"
for process in "${PROCESSES[@]}"; do
    alive "${PID[$process]}" && fail "down left $process (pid ${PID[$process]}) running"
    [ ! -e "$DIR_C/run/$process.pid" ] || fail "down left $process.pid"
done
left=()
for file in /proc/[0-9]*/cmdline; do
    command=$(tr '\0' ' ' <"$file" 2>/dev/null) || continue
    [[ "$command" != *"$WORK"* ]] || left+=("${file#/proc/}: $command")
done
[ ${#left[@]} -eq 0 ] || fail "processes still name $WORK: ${left[*]}"
pass "down stopped all ${#PROCESSES[@]} processes; none is left"

"$BIN_DIR/indexctl" restore --from "$WORK/c.sqlite" --data-dir "$DIR_C" >"$WORK/restore.txt" 2>&1 \
    || fail "restore after down: $(cat "$WORK/restore.txt")"
for i in 1 2 3; do
    [ ! -e "$DIR_C/jetstream-$i" ] && ls -d "$DIR_C/jetstream-$i.before-restore-"* >/dev/null 2>&1 \
        || fail "restore did not set aside jetstream-$i: $(cat "$WORK/restore.txt")"
done
pass "indexctl restore refuses while a node runs, and after down sets aside jetstream-1..3 ($(grep -o 'restored[^:]*' \
    "$WORK/restore.txt"))"
echo "test-cluster: all checks passed in $SECONDS s"
