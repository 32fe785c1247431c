#!/usr/bin/env bash
# What tracing costs (issue 14 item 3): the same back-fill of the simulated market through every service, on a fresh
# stack each run, with OTEL_EXPORTER_OTLP_ENDPOINT unset (no tracer: the no-op one) and set (every service exports
# its spans over OTLP/HTTP, http/protobuf, to a local receiver that reads and discards them), runs alternating.
# Release binaries (BIN_DIR to use others). With BENCH_BASE_BIN_DIR naming the executables of a build without tracing
# (the commit before it), each round also runs those ("base", nothing set): unset against not there at all.
#   BENCH_TICKERS (5000), BENCH_FROM (2022-01-01), BENCH_TO (2023-12-31), BENCH_RUNS (3 of each)
BIN_DIR=${BIN_DIR:-$(dirname "$0")/../.build/release}
source "$(dirname "$0")/test-lib.sh"
cd "$ROOT"
TICKERS=${BENCH_TICKERS:-5000}
RANGE=(--from "${BENCH_FROM:-2022-01-01}" --to "${BENCH_TO:-2023-12-31}")
RUNS=${BENCH_RUNS:-3}
[ -x "$BIN_DIR/storage" ] || fail "$BIN_DIR/storage is not built (swift build -c release)"
now() { date +%s.%N; }

# The receiver: answers every POST with an empty (valid) protobuf response; counts each run's requests and bytes.
RECEIVER_PORT=$(free_port)
cat >"$WORK/receiver.py" <<'EOF'
import http.server, os, sys
counts = [0, 0]
class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        if not os.path.exists(sys.argv[2]):
            counts[:] = [0, 0]  # a new run: the script removed the file
        counts[0] += 1
        counts[1] += len(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        with open(sys.argv[2], "w") as out:
            out.write("%d requests, %d bytes\n" % tuple(counts))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
EOF
python3 "$WORK/receiver.py" "$RECEIVER_PORT" "$WORK/received" &
RECEIVER=$!
trap 'kill $RECEIVER 2>/dev/null || true; cleanup' EXIT

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(swift --version 2>&1 | head -1)"
echo "== workload: $TICKERS tickers, ${RANGE[*]}, $RUNS runs each, alternating"

# run <off|on|base> <n>: a fresh stack, the back-fill timed until indexctl returns, the stack stopped (flushing spans).
run() {
    local name="$1$2" start took BIN_DIR=$BIN_DIR
    if [ "$1" = base ]; then BIN_DIR=$BASE_BIN_DIR; fi
    new_stack "$name"
    rm -f "$WORK/received"
    if [ "$1" = on ]; then
        export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$RECEIVER_PORT
    else
        unset OTEL_EXPORTER_OTLP_ENDPOINT
    fi
    SIM_TICKERS=$TICKERS LOG_LEVEL=warning SCHEDULE_ENABLED=false stack_up "$name" >/dev/null
    wait_ready "$name"
    start=$(now)
    in_stack "$name" "$BIN_DIR/indexctl" backfill "${RANGE[@]}" --timeout 600 </dev/null >/dev/null 2>>"$WORK/indexctl.log"
    took=$(echo "$(now) - $start" | bc)
    in_stack "$name" "$STACK" down >/dev/null
    printf '   tracing %-4s %6.2f s   receiver: %s\n' "$1" "$took" "$(cat "$WORK/received" 2>/dev/null || echo nothing)"
    echo "$1 $took" >>"$WORK/times"
}
BASE_BIN_DIR=${BENCH_BASE_BIN_DIR:-}
MODES=(off on)
if [ -n "$BASE_BIN_DIR" ]; then
    BASE_BIN_DIR=$(cd "$BASE_BIN_DIR" && pwd)
    MODES+=(base)
fi
for n in $(seq 1 "$RUNS"); do
    for mode in "${MODES[@]}"; do run "$mode" "$n"; done
done
unset OTEL_EXPORTER_OTLP_ENDPOINT
for mode in "${MODES[@]}"; do
    awk -v m="$mode" '$1 == m { print $2 }' "$WORK/times" | sort -n | awk -v m="$mode" '
        { t[NR] = $1; sum += $1 }
        END { printf "== tracing %-4s median %.2f s, mean %.2f s, min %.2f s, max %.2f s over %d runs\n", m,
              (NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2), sum / NR, t[1], t[NR], NR }'
done
