#!/usr/bin/env bash
# The image run as docker/compose.yaml runs it, and probed through nginx over TLS:
# `make image-smoke`. Starts web + worker + PostgreSQL + Redis + nginx (scripts/image_compose.py,
# plain podman), with a self-signed certificate and throwaway secrets made here, then checks
# health (live, ready), a JWT login, an invoice upload (a PDF made here) that reaches a final
# status, and its page image. Removes the containers, network and volumes afterwards
# (KEEP=1 leaves them running). The image is built first when missing (scripts/image.sh).
#
# SMOKE_HTTPS_PORT (8443): where nginx's 443 is published on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/image.sh
source scripts/image.sh
ensure_tools
podman_config

PROJECT=${PROJECT:-ledgerlens-smoke}
PORT=${SMOKE_HTTPS_PORT:-8443}
SMOKE=$STATE/smoke
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3

image_exists "$IMAGE" || build
services=$(service_images)  # not in <(...): a failure there would not stop the script
mapfile -t images <<<"$services"

rm -rf "$SMOKE"; mkdir -p "$SMOKE/certs"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$SMOKE/certs/privkey.pem" -out "$SMOKE/certs/fullchain.pem" 2>/dev/null
chmod 644 "$SMOKE/certs/privkey.pem"  # read by nginx's worker user inside its container
secret() { head -c 48 /dev/urandom | base64 | tr -d '\n,'; }
cat >"$SMOKE/app.env" <<EOF
SECRET_KEY=$(secret)
JWT_SIGNING_KEY=$(secret)
FIELD_ENCRYPTION_KEYS=$(secret)
ALLOWED_HOSTS=localhost
CSRF_TRUSTED_ORIGINS=https://localhost:$PORT
METRICS_TOKEN=$(secret)
EOF
POSTGRES_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
export POSTGRES_PASSWORD

compose=("$PY" scripts/image_compose.py --project "$PROJECT")
finish() {
  local status=$?
  if [ "${KEEP:-0}" = 1 ]; then
    echo "smoke: left running (project $PROJECT); remove with: ${compose[*]} down" >&2
  else
    logs=(); [ "$status" -ne 0 ] && logs=(--logs)
    "${compose[@]}" down "${logs[@]}" || true
  fi
  exit "$status"
}
trap finish EXIT
"${compose[@]}" down >/dev/null 2>&1 || true  # a previous run killed before its clean-up

image_args=(--image "web=$IMAGE" --image "worker=$IMAGE")
for line in "${images[@]}"; do image_args+=(--image "$line"); done
"${compose[@]}" up "${image_args[@]}" --env-file "$SMOKE/app.env" \
  --bind "nginx/certs=$PWD/$SMOKE/certs" --publish "nginx=127.0.0.1:$PORT:443"
"${compose[@]}" smoke --base-url "https://localhost:$PORT" --cafile "$SMOKE/certs/fullchain.pem"
