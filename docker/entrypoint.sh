#!/bin/sh
# web: migrate (idempotent), seed reference data, serve with gunicorn. worker: django-q2 cluster.
set -e
case "$1" in
  web)
    python manage.py migrate --noinput
    python manage.py createcachetable
    python manage.py seed_reference_data
    WEB_CONCURRENCY="${WEB_CONCURRENCY:-3}" exec gunicorn config.wsgi:application \
      --config python:config.gunicorn --bind 0.0.0.0:8000
    ;;
  worker)
    exec python manage.py qcluster
    ;;
  *)
    exec "$@"
    ;;
esac
