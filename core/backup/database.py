"""The database's part of a backup, by vendor.

- SQLite: Python's online backup API (`sqlite3.Connection.backup`) copies the live file in one
  step, inside one read transaction: under WAL the server keeps writing meanwhile and the copy
  is the database as of one commit. The copy is switched to a rollback journal, so it is one
  self-contained file, and checked with `PRAGMA quick_check`. Restore copies it back with the
  same API into the configured path.
- PostgreSQL: `pg_dump --format=custom` of the real server (one repeatable-read snapshot), and
  `pg_restore --clean --if-exists --single-transaction`, so a restore that fails changes
  nothing. Connection settings come from Django's DATABASES; the password travels in
  PGPASSWORD (Django's own `dbshell` environment), never on the command line.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from .errors import BackupError

SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
VENDORS = ("sqlite", "postgresql")
PG_TIMEOUT_S = 6 * 3600


def database_dump(connection: BaseDatabaseWrapper, folder: Path) -> tuple[str, set]:
    """Write the database into `folder`; the file's name and the migrations applied in it."""
    if connection.vendor == "sqlite":
        return SQLITE_FILE, _sqlite_dump(_sqlite_path(connection), folder / SQLITE_FILE)
    if connection.vendor == "postgresql":
        applied = set(MigrationRecorder(connection).applied_migrations())
        _pg_run(connection, "pg_dump", ["--format=custom", "--file", str(folder / POSTGRES_FILE)])
        return POSTGRES_FILE, applied
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")


def database_restore(connection: BaseDatabaseWrapper, source: Path) -> None:
    connection.close()  # this process's own connection must not see the old file or tables
    if connection.vendor == "sqlite":
        _sqlite_restore(source, _sqlite_path(connection))
    else:
        _pg_run(connection, "pg_restore", [
            "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
            "--exit-on-error", str(source),
        ])  # fmt: skip
    connection.close()


def database_is_empty(connection: BaseDatabaseWrapper) -> tuple[bool, str]:
    """Whether the database has no tables at all (a new file, a new PostgreSQL database), and
    what it holds otherwise."""
    if connection.vendor == "sqlite" and not _sqlite_path(connection).exists():
        return True, "no database file"
    tables = connection.introspection.table_names()
    if not tables:
        return True, "no tables"
    return False, f"the database has {len(tables)} tables"


def known_migrations() -> set[tuple[str, str]]:
    """Every migration this code has, and every one they replace (a squash, a moved app)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)
    return known


def _sqlite_path(connection: BaseDatabaseWrapper) -> Path:
    name = str(connection.settings_dict["NAME"])
    if connection.is_in_memory_db() or name.startswith("file:"):
        raise BackupError("An in-memory or URI-named SQLite database cannot be backed up.")
    return Path(name)


def _sqlite_dump(database: Path, target: Path) -> set[tuple[str, str]]:
    if not database.is_file():
        raise BackupError(f"The SQLite database {database} does not exist.")
    source = sqlite3.connect(database, timeout=60)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # pages=-1: one step, one read snapshot
        copy.execute("PRAGMA journal_mode=DELETE")
        check = copy.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"The database copy failed its quick_check: {check}")
        applied = set(copy.execute("SELECT app, name FROM django_migrations").fetchall())
    except sqlite3.Error as error:
        raise BackupError(f"The SQLite backup failed: {error}") from error
    finally:
        copy.close()
        source.close()
    return applied


def _sqlite_restore(source: Path, database: Path) -> None:
    if not database.exists():
        # A -wal or -shm left by a database that is gone would be replayed into the new one.
        for suffix in ("-wal", "-shm", "-journal"):
            database.with_name(database.name + suffix).unlink(missing_ok=True)
        database.parent.mkdir(parents=True, exist_ok=True)
    snapshot = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target = sqlite3.connect(database, timeout=60)
    try:
        snapshot.backup(target)
    except sqlite3.Error as error:
        raise BackupError(f"The SQLite restore into {database} failed: {error}") from error
    finally:
        target.close()
        snapshot.close()


def _pg_run(connection: BaseDatabaseWrapper, program: str, arguments: list[str]) -> None:
    from django.db.backends.postgresql.client import DatabaseClient

    executable = shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} is not installed (Debian: postgresql-client).")
    settings_dict = connection.settings_dict
    # Django's dbshell environment: PGPASSWORD, PGSSLMODE, PGSERVICE, PGPASSFILE, ...
    _, environment = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    command = [executable, "--no-password"]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            command += [flag, str(settings_dict[key])]
    command += ["--dbname", str(settings_dict["NAME"]), *arguments]
    done = subprocess.run(
        command, env={**os.environ, **(environment or {})}, capture_output=True, text=True,
        timeout=PG_TIMEOUT_S, check=False,
    )  # fmt: skip
    if done.returncode:
        raise BackupError(
            f"{program} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}"
        )
