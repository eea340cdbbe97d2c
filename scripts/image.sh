#!/usr/bin/env bash
# Builds the one LedgerLens image (docker/Dockerfile) with podman: `make image`.
# usage: [IMAGE_SOURCE=HEAD|REV|worktree] scripts/image.sh [build|base|services|config]
#   build  (default) the image IMAGE (ledgerlens:latest) FROM BASE_IMAGE
#   base   only make sure BASE_IMAGE exists (pulled, or made from the Debian mirror)
#   services  the PostgreSQL, Redis and nginx images compose runs (pulled, or Debian stand-ins)
#   config only print the podman settings this machine needs (CONTAINERS_CONF)
#
# BASE_IMAGE (python:3.11-slim-bookworm) is pulled when a registry answers. Where none does (a
# machine that reaches only the Debian mirror and PyPI), a stand-in is made from the Debian
# mirror: mmdebstrap bookworm with python3.11 and a virtual environment /opt/python first on
# PATH, so `python` and `pip` are what the Dockerfile expects. It is kept as LOCAL_BASE_IMAGE
# and reused. The build itself then needs only the Debian mirror (apt-get) and PyPI (pip).
#
# Behind a TLS-inspecting proxy pip needs the proxy's CA: the host's bundle (BUILD_CA_BUNDLE,
# default /etc/ssl/certs/ca-certificates.crt) is mounted for the build only and named by the
# PIP_CERT build argument; the image keeps Debian's own bundle.
# mmdebstrap hooks are given in single quotes on purpose: mmdebstrap expands their "$1" (the root).
# shellcheck disable=SC2016
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-ledgerlens:latest}
BASE_IMAGE=${BASE_IMAGE:-docker.io/library/python:3.11-slim-bookworm}
LOCAL_BASE_IMAGE=${LOCAL_BASE_IMAGE:-localhost/ledgerlens-base:bookworm}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
BUILD_CA_BUNDLE=${BUILD_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
STATE=var/podman

log() { echo "image: $*" >&2; }

ensure_tools() {
  local packages=(podman buildah mmdebstrap runc uidmap slirp4netns fuse-overlayfs) missing=()
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=; [ "$(id -u)" -ne 0 ] && sudo=sudo
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# podman's defaults fail in some sandboxes and CI virtual machines, each with its own error:
# - "crun: setrlimit `RLIMIT_NOFILE`: Operation not permitted": podman asks for 1048576 open
#   files, more than the hard limit here, and root lacks CAP_SYS_RESOURCE to raise it. The
#   containers get this shell's hard limit instead (and a process limit of at most 32768).
# - "crun: cgroups in hybrid mode not supported, drop all controllers from cgroupv2": cgroup v1
#   with controllers on the v2 hierarchy too; runc copes with that layout, crun does not.
# `podman build` takes neither from containers.conf: BUILD_FLAGS passes both to it.
# An explicit CONTAINERS_CONF is left alone.
BUILD_FLAGS=()
podman_config() {
  [ -n "${CONTAINERS_CONF:-}" ] && return 0
  mkdir -p "$STATE"
  local nofile nproc runtime=
  nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] && nofile=1048576
  nproc=$(ulimit -Hu); { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
  BUILD_FLAGS=(--ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")
  if [ -d /sys/fs/cgroup/unified ] && grep -q . /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null && command -v runc >/dev/null; then
    runtime='runtime = "runc"'
    BUILD_FLAGS+=(--runtime runc)
  fi
  cat >"$STATE/containers.conf" <<EOF
# Written by scripts/image.sh for this machine (see podman_config there).
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
$runtime
EOF
  export CONTAINERS_CONF=$PWD/$STATE/containers.conf
}

image_exists() { podman image exists "$1"; }

# A Debian bookworm root file system with Python 3.11 and a virtual environment first on PATH:
# what python:3.11-slim-bookworm gives the Dockerfile (`python`, `pip`), from the Debian mirror.
make_local_base() {
  if image_exists "$LOCAL_BASE_IMAGE"; then
    log "using $LOCAL_BASE_IMAGE (made earlier from $DEBIAN_MIRROR; podman rmi it to remake)"
    return 0
  fi
  mkdir -p "$STATE"
  local tarball=$STATE/base-rootfs.tar
  log "making $LOCAL_BASE_IMAGE with mmdebstrap from $DEBIAN_MIRROR (a few minutes)"
  rm -f "$tarball"
  mmdebstrap --variant=minbase --include=python3.11,python3.11-venv,ca-certificates \
    --customize-hook='chroot "$1" python3.11 -m venv /opt/python' \
    --customize-hook='chroot "$1" /opt/python/bin/python -m pip --version' \
    bookworm "$tarball" \
    "deb $DEBIAN_MIRROR bookworm main" \
    "deb $DEBIAN_MIRROR bookworm-updates main" \
    "deb $DEBIAN_SECURITY_MIRROR bookworm-security main" >"$STATE/mmdebstrap.log" 2>&1 \
    || { tail -n 20 "$STATE/mmdebstrap.log" >&2; exit 1; }
  podman import \
    --change 'ENV PATH=/opt/python/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python"]' \
    "$tarball" "$LOCAL_BASE_IMAGE" >/dev/null
  rm -f "$tarball"
}

# Prints the base image to build FROM: BASE_IMAGE if present or pullable, else the local one.
resolve_base() {
  if image_exists "$BASE_IMAGE"; then
    echo "$BASE_IMAGE"; return 0
  fi
  log "pulling $BASE_IMAGE"
  local error
  if error=$(podman pull --quiet "$BASE_IMAGE" 2>&1 >/dev/null); then
    echo "$BASE_IMAGE"; return 0
  fi
  log "cannot pull $BASE_IMAGE: $(echo "$error" | tail -n 1)"
  make_local_base
  echo "$LOCAL_BASE_IMAGE"
}

# The build context: IMAGE_SOURCE=HEAD (default; any git revision) builds what is committed,
# exported with `git archive`, so the image is one commit and is labelled with it; a shared
# working tree's unfinished edits stay out. IMAGE_SOURCE=worktree builds the files as they are.
build_context() {
  if [ "${IMAGE_SOURCE:-HEAD}" = worktree ]; then
    echo .; return 0
  fi
  local context=$STATE/context
  rm -rf "$context"; mkdir -p "$context"
  git archive "${IMAGE_SOURCE:-HEAD}" | tar -x -C "$context"
  echo "$context"
}

build() {
  local base context revision ca_args=()
  base=$(resolve_base)
  context=$(build_context)
  revision=$(git rev-parse "${IMAGE_SOURCE:-HEAD}" 2>/dev/null || echo worktree)
  [ "${IMAGE_SOURCE:-HEAD}" = worktree ] && revision="$(git rev-parse HEAD)+worktree"
  if [ -s "$BUILD_CA_BUNDLE" ]; then
    ca_args=(--volume "$(readlink -f "$BUILD_CA_BUNDLE"):/run/build-ca.crt:ro" --build-arg PIP_CERT=/run/build-ca.crt)
  fi
  log "building $IMAGE FROM $base, source ${IMAGE_SOURCE:-HEAD} ($revision)"
  # --format docker keeps the HEALTHCHECK (the OCI format has no field for it).
  podman build --format docker --layers "${BUILD_FLAGS[@]}" \
    --file "$context/docker/Dockerfile" --ignorefile "$context/docker/Dockerfile.dockerignore" \
    --build-arg "BASE_IMAGE=$base" "${ca_args[@]}" \
    --label "org.opencontainers.image.revision=$revision" \
    --tag "$IMAGE" "$context"
  podman image inspect "$IMAGE" --format "image: $IMAGE {{.Id}} {{.Size}} bytes" >&2
}

# The images docker/compose.yaml runs beside ours, or stand-ins from the Debian mirror where no
# registry answers: the same programs from Debian packages, with what compose relies on
# (POSTGRES_* on first start, pg_isready, redis-cli, nginx >= 1.25 for `http2 on`: Debian 13's).
# Prints `service=image` lines for scripts/image_smoke.sh.
standin_image() {  # name suite packages customize-hook... ; the rest of `podman import --change`
  local name=$1 suite=$2 include=$3; shift 3
  local hooks=() changes=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --hook) hooks+=(--customize-hook="$2") ;;
      --change) changes+=(--change "$2") ;;
    esac
    shift 2
  done
  if image_exists "$name"; then return 0; fi
  mkdir -p "$STATE"
  local tarball=$STATE/standin.tar mirror=$DEBIAN_MIRROR security=$DEBIAN_SECURITY_MIRROR
  log "making $name from Debian $suite ($include)"
  rm -f "$tarball"
  mmdebstrap --variant=minbase --include="$include" "${hooks[@]}" "$suite" "$tarball" \
    "deb $mirror $suite main" "deb $mirror $suite-updates main" \
    "deb $security $suite-security main" >"$STATE/mmdebstrap-standin.log" 2>&1 \
    || { tail -n 20 "$STATE/mmdebstrap-standin.log" >&2; exit 1; }
  podman import "${changes[@]}" "$tarball" "$name" >/dev/null
  rm -f "$tarball"
}

pullable() { image_exists "$1" || podman pull --quiet "$1" >/dev/null 2>&1; }

service_images() {
  local db=docker.io/library/postgres:15 redis=docker.io/library/redis:7 nginx=docker.io/library/nginx:1.27
  local standins=$PWD/docker/standins path='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  if ! pullable "$db"; then
    db=localhost/ledgerlens-standin-postgres:15
    standin_image "$db" bookworm postgresql-15,postgresql-client-15 \
      --hook "copy-in $standins/postgres-entrypoint.sh /usr/local/bin" \
      --change "$path" --change 'ENV PGDATA=/var/lib/postgresql/data' \
      --change 'ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]' --change 'CMD []'
  fi
  if ! pullable "$redis"; then
    redis=localhost/ledgerlens-standin-redis:7
    standin_image "$redis" bookworm redis-server \
      --hook "copy-in $standins/redis-server /usr/local/bin" \
      --hook 'mkdir -p "$1/data"' \
      --change "$path" --change 'WORKDIR /data' --change 'CMD ["redis-server"]'
  fi
  if ! pullable "$nginx"; then
    nginx=localhost/ledgerlens-standin-nginx:trixie
    standin_image "$nginx" trixie nginx \
      --hook 'rm -f "$1/etc/nginx/sites-enabled/default"' \
      --hook 'ln -sf /dev/stdout "$1/var/log/nginx/access.log"' \
      --hook 'ln -sf /dev/stderr "$1/var/log/nginx/error.log"' \
      --change "$path" --change 'CMD ["nginx", "-g", "daemon off;"]'
  fi
  printf 'db=%s\nredis=%s\nnginx=%s\n' "$db" "$redis" "$nginx"
}

# Sourced (scripts/image_smoke.sh) it only defines the functions.
[ "${BASH_SOURCE[0]}" != "$0" ] && return 0

ensure_tools
podman_config
case "${1:-build}" in
  build) build ;;
  base) resolve_base ;;
  services) service_images ;;
  config)
    echo "CONTAINERS_CONF=${CONTAINERS_CONF:-}"
    if [ -n "${CONTAINERS_CONF:-}" ]; then cat "$CONTAINERS_CONF"; fi
    ;;
  *) echo "usage: $0 [build|base|services|config]" >&2; exit 2 ;;
esac
