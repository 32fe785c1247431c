#!/usr/bin/env bash
# The local stack: a JetStream nats-server and every service, in the background.
#   stack.sh up | down | status
# Logs and pid files live under $DATA_DIR/run (one <process>.pid and <process>.log each). Only processes that are
# not already running are started; `down` stops only what has a pid file here.
set -euo pipefail
DATA_DIR=${DATA_DIR:-./.data}
NATS_URL=${NATS_URL:-nats://127.0.0.1:4222}
BIN_DIR=${BIN_DIR:-.build/release}
RUN="$DATA_DIR/run"
SERVICES=(storage validator index-builder change-detector fetcher api)
# Each process picks a free health port unless told otherwise, so two stacks run side by side.
HEALTH_PORT=${HEALTH_PORT:-0}
export DATA_DIR NATS_URL HEALTH_PORT

nats_port() {
    local hostport=${NATS_URL##*://}
    hostport=${hostport%%,*}
    echo "${hostport##*:}"
}

running() {
    local pidfile="$RUN/$1.pid"
    [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

start() {
    local name=$1; shift
    if running "$name"; then
        echo "$name: already running (pid $(cat "$RUN/$name.pid"))"
        return
    fi
    nohup "$@" >>"$RUN/$name.log" 2>&1 &
    echo $! >"$RUN/$name.pid"
    echo "$name: started (pid $!, log $RUN/$name.log)"
}

wait_for_port() {
    local port=$1
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on port $port" >&2
    return 1
}

up() {
    mkdir -p "$RUN" "$DATA_DIR/jetstream"
    local port
    port=$(nats_port)
    start nats-server nats-server -js -a 127.0.0.1 -p "$port" -sd "$DATA_DIR/jetstream"
    wait_for_port "$port"
    for service in "${SERVICES[@]}"; do
        [ -x "$BIN_DIR/$service" ] || { echo "$BIN_DIR/$service is not built (make release)" >&2; exit 1; }
        start "$service" "$BIN_DIR/$service"
    done
}

down() {
    local pids=()
    for name in api fetcher change-detector index-builder validator storage nats-server; do
        if running "$name"; then
            kill -TERM "$(cat "$RUN/$name.pid")"
            pids+=("$(cat "$RUN/$name.pid")")
            echo "$name: stopping"
        fi
        rm -f "$RUN/$name.pid"
        # The services first, the broker last, so they drain and stop cleanly.
        if [ "$name" = "storage" ]; then
            for pid in "${pids[@]}"; do
                for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            done
        fi
    done
}

status() {
    printf '%-16s %-8s %s\n' PROCESS PID STATE
    for name in nats-server "${SERVICES[@]}"; do
        if running "$name"; then
            printf '%-16s %-8s %s\n' "$name" "$(cat "$RUN/$name.pid")" running
        else
            printf '%-16s %-8s %s\n' "$name" - stopped
        fi
    done
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) status ;;
    *) echo "usage: $0 up|down|status" >&2; exit 64 ;;
esac
