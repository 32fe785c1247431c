#!/usr/bin/env bash
# Starts the Docker engine (Debian's docker.io: dockerd, as root) when none answers; .ci/run calls it before
# `make test`, whose compose test needs one. Its log is /var/log/dockerd.log.
set -euo pipefail
docker info >/dev/null 2>&1 && exit 0
command -v dockerd >/dev/null || { echo "docker-engine: dockerd is missing (apt-get install docker.io)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "docker-engine: dockerd must be started as root" >&2; exit 1; }
setsid dockerd >>/var/log/dockerd.log 2>&1 < /dev/null &
for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && { echo "docker-engine: dockerd started" >&2; exit 0; }
    sleep 1
done
tail -n 20 /var/log/dockerd.log >&2
echo "docker-engine: dockerd did not answer within 60 s" >&2
exit 1
