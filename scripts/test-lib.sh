# Helpers for the shell tests of the local stack (sourced by scripts/test-*.sh).
# BIN_DIR names the built executables (default .build/debug, which `swift build --build-tests` produces).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN_DIR=$(cd "${BIN_DIR:-$ROOT/.build/debug}" && pwd)
export BIN_DIR
STACK="$ROOT/scripts/stack.sh"
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "/tmp/$TEST_NAME.XXXXXX")
STARTED=()   # data directories of the stacks this test started, stopped on exit
PG_DATA=""   # the data directory of the PostgreSQL server this test started (pg_start), stopped on exit
FAILED=0

fail() { echo "FAIL: $*" >&2; FAILED=1; exit 1; }
pass() { echo "ok: $*"; }

cleanup() {
    local status=$?
    for dir in "${STARTED[@]}"; do DATA_DIR=$dir "$STACK" down >/dev/null 2>&1 || true; done
    if [ -n "$PG_DATA" ]; then as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true; fi
    if [ "$status" -ne 0 ] || [ "$FAILED" -ne 0 ]; then
        echo "$TEST_NAME failed; logs kept under $WORK" >&2
        for log in "$WORK"/*/run/*.log; do [ -f "$log" ] && { echo "--- $log (tail)"; tail -n 5 "$log"; } >&2; done
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

# A loopback TCP port nothing listens on, from 20000-30000.
free_port() {
    local port
    while true; do
        port=$((20000 + RANDOM % 10000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
}

# Picks ports for a three-node cluster stack and sets P and A: clients P..P+2, routes +2000, monitoring +4000
# (scripts/stack.sh), two APIs A and A+1; all distinct, free, and none of the ports given as arguments.
cluster_ports() {
    local ports port busy i
    while true; do
        P=$(free_port)
        A=$(free_port)
        ports=()
        for i in 0 1 2; do ports+=($((P + i)) $((P + i + 2000)) $((P + i + 4000))); done
        ports+=("$A" $((A + 1)))
        [ "$(printf '%s\n' "${ports[@]}" "$@" | sort -u | wc -l)" -eq $((${#ports[@]} + $#)) ] || continue
        busy=0
        for port in "${ports[@]}"; do
            if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then busy=1; fi
        done
        if [ "$busy" -eq 0 ]; then return; fi
    done
}

# Sets STACK_<NAME>_* for a stack whose data directory is $WORK/<name>: DIR, NATS (URL), API (port).
new_stack() {
    local name=$1
    printf -v "DIR_$name" '%s' "$WORK/$name"
    printf -v "NATS_$name" 'nats://127.0.0.1:%s' "$(free_port)"
    printf -v "API_$name" '%s' "$(free_port)"
}

# Runs stack.sh for stack <name>: in_stack <name> <command> [args...]; the test starts the commands with its env.
in_stack() {
    local name=$1
    shift
    local dir="DIR_$name" nats="NATS_$name" api="API_$name"
    DATA_DIR=${!dir} NATS_URL=${!nats} API_PORT=${!api} "$@"
}

stack_up() {
    local dir="DIR_$1"
    STARTED+=("${!dir}")
    in_stack "$1" "$STACK" up
}

# Waits until every service of stack <name> answers `indexctl ping` as ready.
wait_ready() {
    local nats="NATS_$1"
    # 60 s: a fresh three-node cluster elects a leader per stream and consumer before its services are ready.
    for _ in $(seq 1 300); do
        "$BIN_DIR/indexctl" ping --nats-url "${!nats}" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    "$BIN_DIR/indexctl" ping --nats-url "${!nats}" >&2 || true
    fail "stack $1 did not become ready"
}

# The pid in stack <name>'s pid file for <process>.
pid_file_of() {
    local dir="DIR_$1"
    cat "${!dir}/run/$2.pid"
}

alive() { kill -0 "$1" 2>/dev/null; }

# Waits until a pid is gone (at most 10 s).
wait_gone() {
    for _ in $(seq 1 100); do alive "$1" || return 0; sleep 0.1; done
    fail "pid $1 still running"
}

# PostgreSQL for a test: Debian's server binaries, run as the `postgres` user when the test runs as root.
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Starts a PostgreSQL server of its own (initdb in a temporary directory, a free loopback port, trust for local
# connections) with an empty database `index`; sets PG_BIN, PG_DATA, PG_PORT and DATABASE_URL. Stopped on exit.
pg_start() {
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] || fail "PostgreSQL is not installed (apt-get install postgresql)"
    local home
    home=$(mktemp -d /tmp/pg-test.XXXXXX)
    [ "$(id -u)" -ne 0 ] || chown postgres: "$home"
    PG_DATA="$home/data"
    PG_PORT=$(free_port)
    as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust --no-sync >"$WORK/initdb.txt" 2>&1 \
        || fail "initdb: $(cat "$WORK/initdb.txt")"
    pg_ctl_start
    as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres index || fail "createdb index"
    DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/index"
}

# Starts the server of pg_start again (after pg_ctl stop), on the same port and data.
pg_ctl_start() {
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/../server.log" -w -t 60 \
        -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $(dirname "$PG_DATA")" start >/dev/null \
        || fail "PostgreSQL did not start: $(tail -n 20 "$PG_DATA/../server.log")"
}

# Runs SQL on the test's database; prints the rows unaligned, without headers.
pg_sql() {
    as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d index -v ON_ERROR_STOP=1 -At -c "$1"
}
