#!/usr/bin/env bash
# The local stack: a JetStream nats-server and every service, in the background.
#   stack.sh up | down | status | services | check
# Logs and pid files live under $DATA_DIR/run (one <process>.pid and <process>.log each). `up` starts only the
# processes that are not running (so after one dies, `up` restarts just it); `down` stops only processes whose pid
# file is under this $DATA_DIR/run and whose command line is still the one started there. `check` only validates
# the shape variables below (make runs it before building).
#
# The shape (each 1 by default: one nats-server, one process a service):
#   NATS_CLUSTER=N      N nats-servers clustered on loopback (nats-server-1 ... nats-server-N, servers n1 ... nN):
#                       client ports the port of NATS_URL and the next N-1, route ports those + 2000, monitoring
#                       ports those + 4000; one store each ($DATA_DIR/jetstream-<i>), one generated config each
#                       ($DATA_DIR/run/nats-server-<i>.conf). The services get NATS_URL as the list of all N URLs
#                       and NATS_REPLICAS (unless set) min(N, 3).
#   API_REPLICAS=N      N API processes (api-1 ... api-N) on API_PORT ... API_PORT+N-1.
#   NATS_MEMORY_LIMIT   each nats-server's GOMEMLIMIT (default 192MiB): the Go heap, where JetStream caches the
#                       message blocks it writes and reads, is collected before it grows past it. Each one's JetStream
#                       memory storage is capped at 64 MiB (max_memory_store; every stream of the pipeline is on file).
#   STORAGE_REPLICAS=N  N storage processes (storage-1 ... storage-N) on one PostgreSQL database (DATABASE_URL):
#                       they share storage's durable consumers and answer requests as one queue group; their
#                       writes take turns on a PostgreSQL advisory lock. Refused above 1 with SQLite (one writer).
#
# One source of truth with docker-compose: the services and their commands are read from the `command:` lines of
# compose/docker-compose.yml (started in that order, the broker first), and the settings both deployments share
# from compose/stack.env (each exported unless the environment already sets it).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COMPOSE_FILE=${COMPOSE_FILE:-$ROOT/compose/docker-compose.yml}
STACK_ENV=${STACK_ENV:-$ROOT/compose/stack.env}
DATA_DIR=${DATA_DIR:-./.data}
NATS_URL=${NATS_URL:-nats://127.0.0.1:4222}
BIN_DIR=${BIN_DIR:-$ROOT/.build/release}
API_PORT=${API_PORT:-8080}
RUN="$DATA_DIR/run"
# Each service picks a free health port unless told otherwise, so two stacks run side by side.
HEALTH_PORT=${HEALTH_PORT:-0}
export DATA_DIR NATS_URL HEALTH_PORT
# What `up` was last asked for, so that `up` (restarting a process that died), `status` and `down` need not be told
# again; `down` removes it.
SHAPE_FILE="$RUN/shape"
for key in NATS_CLUSTER API_REPLICAS STORAGE_REPLICAS NATS_REPLICAS; do
    if [ -z "${!key:-}" ] && [ -f "$SHAPE_FILE" ]; then
        printf -v "$key" '%s' "$(sed -n "s/^$key=//p" "$SHAPE_FILE")"
    fi
done
NATS_CLUSTER=${NATS_CLUSTER:-1}
API_REPLICAS=${API_REPLICAS:-1}
STORAGE_REPLICAS=${STORAGE_REPLICAS:-1}
# The most nodes and replicas; indexctl restore looks for as many stores (jetstream-1 ... jetstream-5).
MOST_NODES=5
NATS_MEMORY_LIMIT=${NATS_MEMORY_LIMIT:-192MiB}
# Every stream is on file; memory storage is for nothing of ours, and bounded.
NATS_MAX_MEMORY_STORE=64MB
MOST_REPLICAS=16

die() { echo "$*" >&2; exit 1; }

# count <NAME> <value> <min> <max>: fails naming the variable unless the value is an integer in min...max.
count() {
    [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] \
        || die "$1=$2 is invalid: expected an integer in $3...$4"
}

# The shape variables, checked before anything is built or started.
check_shape() {
    count NATS_CLUSTER "$NATS_CLUSTER" 1 "$MOST_NODES"
    count API_REPLICAS "$API_REPLICAS" 1 "$MOST_REPLICAS"
    count STORAGE_REPLICAS "$STORAGE_REPLICAS" 1 "$MOST_REPLICAS"
    if [ "$STORAGE_REPLICAS" -gt 1 ]; then
        [ -n "${DATABASE_URL:-}" ] || die "STORAGE_REPLICAS=$STORAGE_REPLICAS is refused: with SQLite" \
            "(DATABASE_URL unset) storage is the one writer of $DATA_DIR/index.sqlite, so one storage process" \
            "runs; several need PostgreSQL: set DATABASE_URL=postgres://user@host:port/database"
    fi
    if [ -n "${NATS_REPLICAS:-}" ]; then
        count NATS_REPLICAS "$NATS_REPLICAS" 1 5
        [ "$NATS_REPLICAS" -le "$NATS_CLUSTER" ] \
            || die "NATS_REPLICAS=$NATS_REPLICAS needs as many nats-servers: NATS_CLUSTER=$NATS_CLUSTER"
    fi
}

# The shared settings; the caller's environment wins.
while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in '' | '#'*) continue ;; esac
    key=${line%%=*}
    [[ "$key" =~ ^[A-Z_][A-Z0-9_]*$ ]] || { echo "$STACK_ENV: not KEY=VALUE: $line" >&2; exit 1; }
    [ -n "${!key+set}" ] || export "$key=${line#*=}"
done <"$STACK_ENV"

# "<service> <command words...>" for each service of the compose file except the broker, in file order.
compose_services() {
    awk '
        /^services:/ { inside = 1; next }
        /^[^ #]/ { inside = 0 }
        inside && /^  [a-z][a-z0-9-]*:[ ]*$/ { name = $1; sub(":", "", name) }
        inside && /^    command:/ && name != "nats" {
            line = $0
            sub(/^    command:[ ]*\[/, "", line); sub(/\][ ]*$/, "", line); gsub(/[",]/, " ", line)
            print name " " line
        }
    ' "$COMPOSE_FILE"
}

SERVICES=()
declare -A COMMANDS
while read -r name command; do
    SERVICES+=("$name")
    COMMANDS[$name]=$command
done < <(compose_services)
[ ${#SERVICES[@]} -gt 0 ] || { echo "no service command found in $COMPOSE_FILE" >&2; exit 1; }

nats_port() {
    local hostport=${NATS_URL%%,*}
    hostport=${hostport##*://}
    hostport=${hostport##*@}
    echo "${hostport##*:}"
}

# The service a process runs: `api` for api and api-2, none (fails) for a name that is no service's.
service_of() {
    local name=$1
    [ -n "${COMMANDS[$name]+set}" ] || name=${name%-[0-9]*}
    [ -n "${COMMANDS[$name]+set}" ] || return 1
    echo "$name"
}

# The executable a process was started as: the broker, or the first word of its service's command.
executable() {
    case "$1" in
        nats-server | nats-server-[0-9]*) echo nats-server ;;
        *) local words=(${COMMANDS[$(service_of "$1")]}); echo "${words[0]}" ;;
    esac
}

# How many processes run a service.
replicas_of() {
    case "$1" in
        api) echo "$API_REPLICAS" ;;
        storage) echo "$STORAGE_REPLICAS" ;;
        *) echo 1 ;;
    esac
}

# The processes of the configured shape: the broker (or its nodes), then each service's, in compose order.
configured_processes() {
    local name i
    if [ "$NATS_CLUSTER" -eq 1 ]; then echo nats-server; fi
    for ((i = 1; NATS_CLUSTER > 1 && i <= NATS_CLUSTER; i++)); do echo "nats-server-$i"; done
    for name in "${SERVICES[@]}"; do
        if [ "$(replicas_of "$name")" -eq 1 ]; then echo "$name"; else
            for ((i = 1; i <= $(replicas_of "$name"); i++)); do echo "$name-$i"; done
        fi
    done
}

# The configured processes and any other this stack has a pid file of (a stack started with another shape), in
# that order: the broker first, then the services in compose order.
known_processes() {
    local name i configured
    configured=$(configured_processes)
    for name in nats-server "${SERVICES[@]}"; do
        grep -E "^$name(-[0-9]+)?\$" <<<"$configured" || true
        if [ -f "$RUN/$name.pid" ]; then echo "$name"; fi
        for ((i = 1; i <= MOST_REPLICAS; i++)); do
            if [ -f "$RUN/$name-$i.pid" ]; then echo "$name-$i"; fi
        done
    done | awk '!seen[$0]++'
}

# The pid of a process this stack started and that is still running it; fails otherwise (no pid file, the process
# is gone, or its pid now belongs to another program).
pid_of() {
    local pidfile="$RUN/$1.pid" pid argv0
    [ -f "$pidfile" ] || return 1
    pid=$(cat "$pidfile")
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    argv0=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n 1) || return 1
    [ "$(basename -- "$argv0")" = "$(executable "$1")" ] || return 1
    echo "$pid"
}

start() {
    local name=$1 pid
    shift
    if pid=$(pid_of "$name"); then
        echo "$name: already running (pid $pid)"
        return
    fi
    nohup "$@" >>"$RUN/$name.log" 2>&1 </dev/null &
    echo $! >"$RUN/$name.pid"
    echo "$name: started (pid $!, log $RUN/$name.log)"
}

wait_for_port() {
    local port=$1 process=${2:-nats-server}
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on port $port (see $RUN/$process.log)" >&2
    return 1
}

# Writes the config of cluster node <i> (of NATS_CLUSTER) whose first client port is <port>.
#
# Durability with Debian's nats-server 2.9.10: a publish is acknowledged once a majority of the stream's replicas
# has written it to its files (the kernel's page cache), not fsynced: 2.9 syncs stream stores every 2 minutes and
# Raft logs every 5, and has no setting for it (`sync_interval` / `sync: always` came in 2.10; 2.9 refuses the
# field). R3 file storage is the most durable this version offers: an acknowledged message survives process
# crashes and the loss of one node, not a power loss of a majority of the nodes at once (on one machine, all).
write_node_config() {
    local i=$1 port=$2 j routes="" store
    store=$(cd "$DATA_DIR" && pwd)/jetstream-$i
    for ((j = 1; j <= NATS_CLUSTER; j++)); do
        routes+="${routes:+, }nats-route://127.0.0.1:$((port + j - 1 + 2000))"
    done
    cat >"$RUN/nats-server-$i.conf" <<CONF
# Generated by scripts/stack.sh for NATS_CLUSTER=$NATS_CLUSTER; rewritten on every \`up\`.
server_name: n$i
listen: 127.0.0.1:$((port + i - 1))
http: 127.0.0.1:$((port + i - 1 + 4000))
jetstream {
    store_dir: "$store"
    max_memory_store: $NATS_MAX_MEMORY_STORE
}
cluster {
    name: equal-weight-index
    listen: 127.0.0.1:$((port + i - 1 + 2000))
    routes: [$routes]
}
CONF
}

# Refuses to start beside processes of another shape (say a single nats-server on the port node 1 wants).
refuse_other_shape() {
    local name pid configured
    configured=$(configured_processes)
    for name in $(known_processes); do
        grep -qx "$name" <<<"$configured" && continue
        if pid=$(pid_of "$name"); then
            die "$name (pid $pid) runs, started with another NATS_CLUSTER, API_REPLICAS or STORAGE_REPLICAS:" \
                "stop the stack first (make down)"
        fi
    done
}

up() {
    check_shape
    mkdir -p "$RUN"
    local port name words i urls=""
    port=$(nats_port)
    for name in "${SERVICES[@]}"; do
        words=(${COMMANDS[$name]})
        [ -x "$BIN_DIR/${words[0]}" ] || { echo "$BIN_DIR/${words[0]} is not built (make release)" >&2; exit 1; }
    done
    refuse_other_shape
    printf 'NATS_CLUSTER=%s\nAPI_REPLICAS=%s\nSTORAGE_REPLICAS=%s\nNATS_REPLICAS=%s\n' \
        "$NATS_CLUSTER" "$API_REPLICAS" "$STORAGE_REPLICAS" "${NATS_REPLICAS:-}" >"$SHAPE_FILE"
    if [ "$NATS_CLUSTER" -eq 1 ]; then
        mkdir -p "$DATA_DIR/jetstream"
        printf '# Generated by scripts/stack.sh; rewritten on every `up`.\njetstream {\n    max_memory_store: %s\n}\n' \
            "$NATS_MAX_MEMORY_STORE" >"$RUN/nats-server.conf"
        start nats-server env GOMEMLIMIT="$NATS_MEMORY_LIMIT" \
            nats-server -c "$RUN/nats-server.conf" -js -a 127.0.0.1 -p "$port" -sd "$DATA_DIR/jetstream"
        wait_for_port "$port"
    else
        for ((i = 1; i <= NATS_CLUSTER; i++)); do
            mkdir -p "$DATA_DIR/jetstream-$i"
            write_node_config "$i" "$port"
            start "nats-server-$i" env GOMEMLIMIT="$NATS_MEMORY_LIMIT" nats-server -c "$RUN/nats-server-$i.conf"
            urls+="${urls:+,}nats://127.0.0.1:$((port + i - 1))"
        done
        for ((i = 1; i <= NATS_CLUSTER; i++)); do wait_for_port "$((port + i - 1))" "nats-server-$i"; done
        # Every service knows every node, and keeps each stream on as many of them as asked.
        export NATS_URL=$urls
        [ -n "${NATS_REPLICAS:-}" ] || export NATS_REPLICAS=$((NATS_CLUSTER < 3 ? NATS_CLUSTER : 3))
    fi
    for name in $(configured_processes); do
        case "$name" in nats-server*) continue ;; esac
        words=(${COMMANDS[$(service_of "$name")]})
        # API process i listens on API_PORT + i - 1.
        case "$name" in api-[0-9]*) words+=(--api-port $((API_PORT + ${name#api-} - 1))) ;; esac
        start "$name" "$BIN_DIR/${words[0]}" "${words[@]:1}"
    done
}

# Sends SIGTERM to each named process this stack runs, then waits for all of them to exit (SIGKILL after 20 s).
stop() {
    local name pid pids=()
    for name in "$@"; do
        if pid=$(pid_of "$name"); then
            kill -TERM "$pid"
            pids+=("$pid")
            echo "$name: stopping (pid $pid)"
        fi
        rm -f "$RUN/$name.pid"
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || continue 2; sleep 0.1; done
        echo "pid $pid did not stop within 20 s: killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
    done
}

# Stops every process this stack knows, whatever shape started it.
down() {
    local processes=() services=() brokers=() i
    mapfile -t processes < <(known_processes)
    for ((i = ${#processes[@]} - 1; i >= 0; i--)); do
        case "${processes[i]}" in nats-server*) brokers+=("${processes[i]}") ;; *) services+=("${processes[i]}") ;; esac
    done
    # The services first, the broker last, so they drain and stop cleanly.
    [ ${#services[@]} -eq 0 ] || stop "${services[@]}"
    [ ${#brokers[@]} -eq 0 ] || stop "${brokers[@]}"
    rm -f "$SHAPE_FILE"
}

status() {
    local name pid
    printf '%-16s %-8s %s\n' PROCESS PID STATE
    for name in $(known_processes); do
        if pid=$(pid_of "$name"); then
            printf '%-16s %-8s %s\n' "$name" "$pid" running
        else
            printf '%-16s %-8s %s\n' "$name" - stopped
        fi
    done
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) status ;;
    check) check_shape ;;
    services) for name in "${SERVICES[@]}"; do echo "$name ${COMMANDS[$name]}"; done ;;
    *) echo "usage: $0 up|down|status|services|check" >&2; exit 64 ;;
esac
