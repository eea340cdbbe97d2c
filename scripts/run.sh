#!/usr/bin/env bash
# Starts the web server (gunicorn) and the django-q2 worker cluster together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export BIND=${BIND:-127.0.0.1:8000}
trap 'kill 0' INT TERM EXIT
$PY manage.py qcluster &
# Workers, threads and timeouts: config/gunicorn.py (WEB_CONCURRENCY, WEB_THREADS).
.venv/bin/gunicorn config.wsgi:application --config python:config.gunicorn &
echo "LedgerLens is up: http://$BIND/admin/  API docs: http://$BIND/api/v1/docs/  workbench: http://$BIND/workbench/"
wait -n
