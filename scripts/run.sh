#!/usr/bin/env bash
# Starts the web server (gunicorn) and the django-q2 worker cluster together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export BIND=${BIND:-127.0.0.1:8000}
# However the script ends (Ctrl-C, or one of the two exiting on its own), the other is stopped
# and waited for. The exit status is what ended it: `trap 'kill 0' EXIT` signalled this shell
# too, whose trap signalled it again, until bash overflowed its stack (a segmentation fault).
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT
$PY manage.py qcluster &
# Workers, threads and timeouts: config/gunicorn.py (WEB_CONCURRENCY, WEB_THREADS).
.venv/bin/gunicorn config.wsgi:application --config python:config.gunicorn &
echo "LedgerLens is up: http://$BIND/admin/  API docs: http://$BIND/api/v1/docs/  workbench: http://$BIND/workbench/"
wait -n
