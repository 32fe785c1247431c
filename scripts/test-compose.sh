#!/usr/bin/env bash
# The compose deployment for real: builds the image from compose/Dockerfile (through compose, as a user would), runs
# compose/docker-compose.yml with docker-compose.test.yml (host network, free loopback ports) and requires: every
# container healthy; the services running as uid 10001 and the stateless ones without volumes; a back-fill by
# `indexctl` inside the api container; the API's levels and composition equal to what the database on the volume
# stores; every metric deploy/monitoring/ names exported by the running services; the data kept over
# `docker-compose restart storage`; a backup, a compose restore (README) and the back-fill after it; and nothing
# left behind by `docker-compose down -v`. Prints the image size, the build time and
# the time to healthy. Needs a running Docker engine (.ci/run starts one); makes missing base images
# (scripts/docker-base-images.sh).
# The executables run in the image: test-lib.sh's BIN_DIR (the Makefile's, which need not be built) is not used.
BIN_DIR=$(cd "$(dirname "$0")" && pwd)
export BIN_DIR
source "$(dirname "$0")/test-lib.sh"

IMAGE=equal-weight-index:latest
MAX_IMAGE_BYTES=$((300 * 1024 * 1024))
PROJECT="ewi-test-$$"
# The project's compose file with docker-compose.test.yml over it, resolved by `docker-compose config`, less the
# API's published port: a container on the host's network publishes nothing, and compose 1.29 refuses both at once
# (an override file can add to `ports:` but not remove it).
COMPOSE=(docker-compose -p "$PROJECT" -f "$WORK/docker-compose.yml")
# The one-off containers of the restore send no traffic: they run as README says, on the project's own network
# (compose 1.29 cannot run a one-off container on the host's network: "host type networking can't be used with links").
ONE_OFF=(docker-compose -p "$PROJECT" -f "$ROOT/compose/docker-compose.yml" run --rm --no-deps -T)
SERVICES=(storage validator index-builder change-detector fetcher api)
STATELESS=(validator index-builder change-detector fetcher)
FIRST=(2024-01-02 2024-03-28)
SECOND=(2024-04-01 2024-04-30)

docker info >/dev/null 2>&1 || fail "no Docker engine answers (start dockerd; .ci/run does)"
dangling_before=$(docker volume ls -q --filter dangling=true | wc -l)

compose_cleanup() {
    local status=$?
    if [ "$status" -ne 0 ] || [ "$FAILED" -ne 0 ]; then
        "${COMPOSE[@]}" ps >&2 || true
        "${COMPOSE[@]}" logs --no-color --tail 15 >&2 || true
    fi
    "${COMPOSE[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
    (exit "$status")
    cleanup
}
trap compose_cleanup EXIT

# Eight distinct free loopback ports, one per listener of the stack.
ports=()
while [ ${#ports[@]} -lt 8 ]; do
    port=$(free_port)
    printf '%s\n' "${ports[@]}" | grep -qx "$port" || ports+=("$port")
done
export TEST_NATS_PORT=${ports[0]} TEST_NATS_MONITOR_PORT=${ports[1]} TEST_STORAGE_PORT=${ports[2]} \
    TEST_VALIDATOR_PORT=${ports[3]} TEST_INDEX_BUILDER_PORT=${ports[4]} TEST_CHANGE_DETECTOR_PORT=${ports[5]} \
    TEST_FETCHER_PORT=${ports[6]} TEST_API_PORT=${ports[7]}
API="http://127.0.0.1:$TEST_API_PORT"

"$ROOT/scripts/docker-base-images.sh"
docker-compose -f "$ROOT/compose/docker-compose.yml" -f "$ROOT/compose/docker-compose.test.yml" config \
    | python3 -c 'import sys, yaml
config = yaml.safe_load(sys.stdin)
del config["services"]["api"]["ports"]
yaml.safe_dump(config, sys.stdout)' >"$WORK/docker-compose.yml" || fail "the test override is not valid"

start=$(date +%s)
"${COMPOSE[@]}" build >"$WORK/build.log" 2>&1 || { tail -n 40 "$WORK/build.log" >&2; fail "the image did not build"; }
size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
pass "image built in $(($(date +%s) - start)) s (unchanged layers from cache): $size bytes ($((size >> 20)) MiB)"
[ "$size" -lt "$MAX_IMAGE_BYTES" ] || fail "the image is $size bytes, not under 300 MiB"

# Waits until every container of the project is running and healthy (at most 180 s); prints the seconds it took.
wait_healthy() {
    local begin=$1 ids id state unhealthy
    for _ in $(seq 1 180); do
        ids=$("${COMPOSE[@]}" ps -q)
        unhealthy=0
        for id in $ids; do
            state=$(docker inspect -f '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$id")
            [ "$state" = "running/healthy" ] || unhealthy=1
        done
        if [ "$(echo "$ids" | wc -w)" -eq 7 ] && [ "$unhealthy" -eq 0 ]; then
            echo $(($(date +%s) - begin))
            return 0
        fi
        sleep 1
    done
    fail "the stack did not become healthy in 180 s"
}

begin=$(date +%s)
"${COMPOSE[@]}" up -d >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; fail "docker-compose up"; }
took=$(wait_healthy "$begin") || exit 1
pass "all 7 containers healthy $took s after docker-compose up"

for service in "${SERVICES[@]}"; do
    uid=$("${COMPOSE[@]}" exec -T "$service" awk '/^Uid:/ { print $2 }' /proc/1/status)
    [ "$uid" = "10001" ] || fail "$service runs as uid $uid, not 10001"
done
pass "every service runs as uid 10001"
for service in "${STATELESS[@]}"; do
    mounts=$(docker inspect -f '{{len .Mounts}}' "$("${COMPOSE[@]}" ps -q "$service")")
    [ "$mounts" -eq 0 ] || fail "$service has $mounts volume(s); it keeps no state"
done
pass "the stateless services have no volumes"

backfill() {
    "${COMPOSE[@]}" exec -T api indexctl backfill --from "$1" --to "$2" >"$WORK/backfill.txt" 2>&1 \
        || { tail -n 20 "$WORK/backfill.txt" >&2; fail "back-fill $1...$2"; }
}
begin=$(date +%s)
backfill "${FIRST[@]}"
pass "back-fill ${FIRST[0]}...${FIRST[1]} inside the api container in $(($(date +%s) - begin)) s"

DATABASE="$(docker volume inspect -f '{{.Mountpoint}}' "${PROJECT}_index-data")/index.sqlite"
stored() { sqlite3 "file:$DATABASE?mode=ro" "$1"; }

# The API's levels of a range, and the database's, as "date level" lines (9 decimals).
api_levels() {
    curl -fsS "$API/index-performance?start_date=$1&end_date=$2" | jq -r '.performance[] | "\(.date) \(.level)"' \
        | awk '{ printf "%s %.9f\n", $1, $2 }'
}
stored_levels() {
    stored "SELECT date, level FROM index_levels WHERE index_id = 'ew100' AND date BETWEEN '$1' AND '$2'
            ORDER BY date" | awk -F'|' '{ printf "%s %.9f\n", $1, $2 }'
}

# Requires the API to answer the stored levels of a range and the stored composition of its last session.
check_answers() {
    local what=$1 last
    api_levels "$2" "$3" >"$WORK/api-levels.txt" || fail "$what: /index-performance"
    stored_levels "$2" "$3" >"$WORK/stored-levels.txt"
    [ -s "$WORK/stored-levels.txt" ] || fail "$what: nothing stored for $2...$3"
    diff "$WORK/stored-levels.txt" "$WORK/api-levels.txt" >&2 || fail "$what: the API's levels differ from the stored"
    last=$(tail -n 1 "$WORK/stored-levels.txt" | cut -d' ' -f1)
    curl -fsS "$API/index-composition?date=$3" >"$WORK/composition.json" || fail "$what: /index-composition"
    [ "$(jq -r .as_of "$WORK/composition.json")" = "$last" ] || fail "$what: composition not as of $last"
    diff <(stored "SELECT ticker FROM index_constituents WHERE index_id = 'ew100' AND date = '$last' ORDER BY ticker") \
        <(jq -r '.constituents[].ticker' "$WORK/composition.json" | sort) >&2 \
        || fail "$what: the API's composition differs from the stored"
    pass "$what: the API answers the $(wc -l <"$WORK/stored-levels.txt") stored levels of $2...$3" \
        "and the stored composition of $last"
}
check_answers "after the back-fill" "${FIRST[@]}"
cp "$WORK/stored-levels.txt" "$WORK/first-levels.txt"

# What Prometheus would scrape from each service, after the back-fill made every stage work.
for port in "$TEST_STORAGE_PORT" "$TEST_VALIDATOR_PORT" "$TEST_INDEX_BUILDER_PORT" "$TEST_CHANGE_DETECTOR_PORT" \
    "$TEST_FETCHER_PORT" "$TEST_API_PORT"; do
    curl -fsS "http://127.0.0.1:$port/metrics" >>"$WORK/metrics.txt" || fail "GET /metrics on port $port"
done
python3 "$ROOT/scripts/metric-names.py" "$WORK/metrics.txt" "$ROOT/deploy/monitoring/alerts.yml" \
    "$ROOT/deploy/monitoring/dashboard.json" || fail "the monitoring names metrics the services do not export"
pass "every metric the alert rules and the dashboard name is exported by the running services"

"${COMPOSE[@]}" restart storage >/dev/null 2>&1 || fail "docker-compose restart storage"
wait_healthy "$(date +%s)" >/dev/null || exit 1
check_answers "after docker-compose restart storage" "${FIRST[@]}"
cmp -s "$WORK/first-levels.txt" "$WORK/stored-levels.txt" || fail "the stored levels changed over the restart"

# A compose restore, as README's "Deployment with compose" says: a backup on the storage volume, more sessions
# after it, then stop, restore in a one-off storage container, the JetStream store on the NATS volume set aside, up.
"${COMPOSE[@]}" exec -T storage indexctl backup --to /data/backup.sqlite >"$WORK/backup.txt" 2>&1 \
    || { cat "$WORK/backup.txt" >&2; fail "indexctl backup"; }
backfill "${SECOND[@]}"
stored_levels "${SECOND[@]}" >"$WORK/second-levels.txt"
[ -s "$WORK/second-levels.txt" ] || fail "the second back-fill stored nothing"
"${COMPOSE[@]}" stop >/dev/null 2>&1 || fail "docker-compose stop"
"${ONE_OFF[@]}" storage indexctl restore --from /data/backup.sqlite >"$WORK/restore.txt" 2>&1 \
    || { cat "$WORK/restore.txt" >&2; fail "indexctl restore"; }
"${ONE_OFF[@]}" --entrypoint sh nats \
    -c 'mv /data/jetstream "/data/jetstream.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"' \
    >"$WORK/aside.txt" 2>&1 || { cat "$WORK/aside.txt" >&2; fail "setting the JetStream store aside"; }
begin=$(date +%s)
"${COMPOSE[@]}" up -d >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; fail "docker-compose up after the restore"; }
took=$(wait_healthy "$begin") || exit 1
pass "$(grep -m 1 "^restored" "$WORK/restore.txt" | cut -c1-100)...; healthy again after $took s"
[ -z "$(stored_levels "${SECOND[@]}")" ] || fail "the restored database holds sessions taken after the backup"
check_answers "after the restore" "${FIRST[@]}"
cmp -s "$WORK/first-levels.txt" "$WORK/stored-levels.txt" || fail "the restored levels differ from the backed-up"
backfill "${SECOND[@]}"
check_answers "after the back-fill following the restore" "${SECOND[@]}"
cmp -s "$WORK/second-levels.txt" "$WORK/stored-levels.txt" || fail "the back-fill after the restore stored other levels"

"${COMPOSE[@]}" down -v >/dev/null 2>&1 || fail "docker-compose down -v"
[ -z "$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT")" ] || fail "containers left after down -v"
[ -z "$(docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT")" ] \
    || fail "volumes left after down -v"
[ "$(docker volume ls -q --filter dangling=true | wc -l)" -eq "$dangling_before" ] || fail "anonymous volumes left"
pass "docker-compose down -v left no container and no volume"
