#!/usr/bin/env bash
# Starts the web server (gunicorn) and the django-q2 worker cluster together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
BIND=${BIND:-127.0.0.1:8000}
WEB_WORKERS=${WEB_WORKERS:-2}
trap 'kill 0' INT TERM EXIT
$PY manage.py qcluster &
.venv/bin/gunicorn config.wsgi:application --bind "$BIND" --workers "$WEB_WORKERS" \
  --threads 4 --timeout 60 --access-logfile - &
echo "LedgerLens is up: http://$BIND/admin/  API docs: http://$BIND/api/v1/docs/  workbench: http://$BIND/workbench/"
wait -n
