#!/usr/bin/env bash
# The base images compose/Dockerfile and compose/docker-compose.yml name, made locally only where a registry cannot
# provide them. For each image: present already -> nothing; `docker pull` works -> the real one; otherwise a local
# stand-in, and the script says so:
#   debian:bookworm-slim  `debootstrap --variant=minbase bookworm` (docs, man pages and locales left out, as the
#                         real slim image does), then `docker import`
#   swift:6.3-bookworm    that, plus this machine's Swift toolchain ($SWIFT_HOME, /opt/swift) on PATH, the packages
#                         the official Swift image has for building, and the Swift package mirrors
#                         ($SWIFT_PACKAGES, /opt/swift-packages) with the git settings that read github.com from them
#   nats:2.9-alpine       that, plus Debian's nats-server (2.9.10) as the entry point and wget for the healthcheck
# Needs a running Docker engine and, for the stand-ins, root and debootstrap (.ci/run installs both).
set -euo pipefail
SWIFT_VERSION=${SWIFT_VERSION:-6.3}
SWIFT_HOME=${SWIFT_HOME:-/opt/swift}
SWIFT_PACKAGES=${SWIFT_PACKAGES:-/opt/swift-packages}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SLIM=debian:bookworm-slim
BUILD_IMAGE=swift:${SWIFT_VERSION}-bookworm
NATS_IMAGE=nats:2.9-alpine

say() { echo "docker-base-images: $*" >&2; }

# True when the image is here, or was pulled now.
available() {
    docker image inspect "$1" >/dev/null 2>&1 && return 0
    if docker pull -q "$1" >/dev/null 2>&1; then
        say "$1 pulled from its registry"
        return 0
    fi
    return 1
}

# Runs a shell script in a fresh container of image $1 (host network, for apt) with extra `docker run` options
# $3..., and commits the container as image $2 with the Dockerfile instructions in COMMIT_CHANGES.
commit_from() {
    local from=$1 to=$2 script=$3
    shift 3
    local name change args=()
    name="base-image-$$-$RANDOM"
    for change in "${COMMIT_CHANGES[@]}"; do args+=(--change "$change"); done
    docker run --name "$name" --network host "$@" "$from" bash -euo pipefail -c "$script"
    docker commit "${args[@]}" "$name" "$to" >/dev/null
    docker rm "$name" >/dev/null
}

make_slim() {
    command -v debootstrap >/dev/null || { say "debootstrap is missing (apt-get install debootstrap)"; exit 1; }
    local root
    root=$(mktemp -d /tmp/bookworm-root.XXXXXX)
    say "$SLIM is not available: making a stand-in with debootstrap --variant=minbase bookworm"
    debootstrap --variant=minbase bookworm "$root" "$DEBIAN_MIRROR" >"$root.log" 2>&1 \
        || { tail -n 20 "$root.log" >&2; exit 1; }
    # What the real slim image leaves out (its /etc/dpkg/dpkg.cfg.d/docker): later packages skip them too.
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
    # And apt keeps no package cache or downloaded packages (its /etc/apt/apt.conf.d/docker-clean).
    cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    rm -rf "$root"/usr/share/{man,info,locale,lintian}/* "$root"/var/cache/apt/*.bin \
        "$root"/var/cache/apt/archives/*.deb \
        "$root"/var/lib/apt/lists/* "$root"/var/log/*.log
    tar -C "$root" --numeric-owner -c . | docker import --change 'CMD ["bash"]' - "$SLIM" >/dev/null
    rm -rf "$root" "$root.log"
    say "$SLIM stand-in made ($(docker image inspect -f '{{.Size}}' "$SLIM") bytes)"
}

make_build_image() {
    [ -x "$SWIFT_HOME/usr/bin/swift" ] || { say "no Swift toolchain at $SWIFT_HOME"; exit 1; }
    say "$BUILD_IMAGE is not available: making a stand-in from $SLIM, $SWIFT_HOME and $SWIFT_PACKAGES"
    # The packages of the official image's Dockerfile (swiftlang/swift-docker, 6.x bookworm) that a build needs.
    local script="
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            binutils git gnupg2 libc6-dev libcurl4-openssl-dev libedit2 libgcc-12-dev libpython3-dev \
            libsqlite3-0 libstdc++-12-dev libxml2-dev libncurses-dev libz3-dev pkg-config tzdata zlib1g-dev \
            ca-certificates
        rm -rf /var/lib/apt/lists/*
        mkdir -p /opt
        cp -a /mnt/swift /opt/swift
        cp -a /mnt/swift-packages /opt/swift-packages
        git config --system url./opt/swift-packages/.insteadOf https://github.com/
        git config --system --add url./opt/swift-packages/.insteadOf git@github.com:
        git config --system --add url./opt/swift-packages/.insteadOf ssh://git@github.com/
        git config --system --add safe.directory '*'
        /opt/swift/usr/bin/swift --version"
    COMMIT_CHANGES=('CMD ["bash"]'
        "ENV PATH=/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    commit_from "$SLIM" "$BUILD_IMAGE" "$script" \
        -v "$SWIFT_HOME:/mnt/swift:ro" -v "$SWIFT_PACKAGES:/mnt/swift-packages:ro"
    say "$BUILD_IMAGE stand-in made"
}

make_nats_image() {
    say "$NATS_IMAGE is not available: making a stand-in from $SLIM and Debian's nats-server"
    local script="
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nats-server wget
        rm -rf /var/lib/apt/lists/*
        nats-server --version"
    # The official image's entry point takes the server's flags as the command (docker-compose.yml's `command:`).
    COMMIT_CHANGES=('ENTRYPOINT ["nats-server"]' 'CMD ["-js"]' 'EXPOSE 4222 6222 8222')
    commit_from "$SLIM" "$NATS_IMAGE" "$script"
    say "$NATS_IMAGE stand-in made (nats-server $(docker run --rm "$NATS_IMAGE" --version | awk '{print $NF}'))"
}

docker info >/dev/null 2>&1 || { say "no Docker engine answers (start dockerd)"; exit 1; }
available "$SLIM" || make_slim
available "$BUILD_IMAGE" || make_build_image
available "$NATS_IMAGE" || make_nats_image
