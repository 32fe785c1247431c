#!/usr/bin/env bash
# Installs the system packages the build, the tests and the local stack need, only if something is missing.
set -euo pipefail
# docker-compose only validates compose/docker-compose.yml (make test); curl and jq are used by the shell tests;
# chromium and python3-websocket by scripts/test-dashboard.sh (the dashboard in a headless browser); postgresql gives
# the storage tests a server of their own (initdb, pg_ctl), run as its postgres user.
packages=(nats-server libnats-dev libsqlite3-dev libcurl4-openssl-dev sqlite3 pkg-config docker-compose curl jq python3-openpyxl zlib1g-dev chromium python3-websocket postgresql)
# The deployment tests: the Docker engine and debootstrap (scripts/test-compose.sh), promtool and venv (test-deploy.sh).
packages+=(docker.io debootstrap prometheus python3-venv)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
