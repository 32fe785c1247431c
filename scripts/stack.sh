#!/usr/bin/env bash
# The local stack: a JetStream nats-server and every service, in the background.
#   stack.sh up | down | status | services
# Logs and pid files live under $DATA_DIR/run (one <process>.pid and <process>.log each). `up` starts only the
# processes that are not running (so after one dies, `up` restarts just it); `down` stops only processes whose pid
# file is under this $DATA_DIR/run and whose command line is still the one started there.
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
RUN="$DATA_DIR/run"
# Each service picks a free health port unless told otherwise, so two stacks run side by side.
HEALTH_PORT=${HEALTH_PORT:-0}
export DATA_DIR NATS_URL HEALTH_PORT

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
    local hostport=${NATS_URL##*://}
    hostport=${hostport%%,*}
    hostport=${hostport##*@}
    echo "${hostport##*:}"
}

# The executable a process was started as: the broker, or the first word of the service's command.
executable() {
    if [ "$1" = nats-server ]; then echo nats-server; else local words=(${COMMANDS[$1]}); echo "${words[0]}"; fi
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
    local port=$1
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on port $port (see $RUN/nats-server.log)" >&2
    return 1
}

up() {
    mkdir -p "$RUN" "$DATA_DIR/jetstream"
    local port name words
    port=$(nats_port)
    for name in "${SERVICES[@]}"; do
        words=(${COMMANDS[$name]})
        [ -x "$BIN_DIR/${words[0]}" ] || { echo "$BIN_DIR/${words[0]} is not built (make release)" >&2; exit 1; }
    done
    start nats-server nats-server -js -a 127.0.0.1 -p "$port" -sd "$DATA_DIR/jetstream"
    wait_for_port "$port"
    for name in "${SERVICES[@]}"; do
        words=(${COMMANDS[$name]})
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

down() {
    local reversed=() i
    for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do reversed+=("${SERVICES[i]}"); done
    # The services first, the broker last, so they drain and stop cleanly.
    stop "${reversed[@]}"
    stop nats-server
}

status() {
    local name pid
    printf '%-16s %-8s %s\n' PROCESS PID STATE
    for name in nats-server "${SERVICES[@]}"; do
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
    services) for name in "${SERVICES[@]}"; do echo "$name ${COMMANDS[$name]}"; done ;;
    *) echo "usage: $0 up|down|status|services" >&2; exit 64 ;;
esac
