#!/bin/sh
# The stand-in PostgreSQL image's entry point (scripts/image.sh services): what the official
# postgres image does with its environment, enough for docker/compose.yaml's `db`: on an empty
# PGDATA, initdb with POSTGRES_USER and POSTGRES_PASSWORD and create POSTGRES_DB; then serve
# on every address with password (scram-sha-256) authentication.
set -eu
PGDATA=${PGDATA:-/var/lib/postgresql/data}
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
USER_NAME=${POSTGRES_USER:-postgres}
DB_NAME=${POSTGRES_DB:-$USER_NAME}
: "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
as_postgres() { runuser -u postgres -- "$@"; }

mkdir -p "$PGDATA" /run/postgresql
chown -R postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  chown postgres "$pwfile"
  as_postgres "$BIN/initdb" -D "$PGDATA" -U "$USER_NAME" --pwfile="$pwfile" -A scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$DB_NAME" != postgres ]; then
    as_postgres "$BIN/pg_ctl" -D "$PGDATA" -w -o "-c listen_addresses=''" start >/dev/null
    PGPASSWORD=$POSTGRES_PASSWORD as_postgres psql -q -h /run/postgresql -U "$USER_NAME" \
      -d postgres -c "CREATE DATABASE \"$DB_NAME\""
    as_postgres "$BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  fi
fi
exec runuser -u postgres -- "$BIN/postgres" -D "$PGDATA" -c listen_addresses='*' \
  -c unix_socket_directories=/run/postgresql
