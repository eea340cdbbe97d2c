"""`backup_create` and `backup_restore`: what `manage.py backup` / `restore` and the scheduled
backup (django-q2 `Schedule` named `backup`, jobs migration 0003) run."""

from __future__ import annotations

import logging
import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from .database import database_dump, database_is_empty, database_restore, known_migrations
from .errors import BackupError
from .folders import (
    PARTIAL,
    backup_lock,
    backup_name,
    backups_list,
    backups_prune,
    fsync_folder,
    is_backup,
    remove_leftovers,
)
from .manifest import (
    FORMAT,
    VERSION,
    app_version,
    applied_migrations,
    checksum_problems,
    file_digest,
    manifest_read,
    manifest_write,
    media_entries,
    schema_summary,
)
from .media import media_dump, media_restore, stored_names

logger = logging.getLogger("ledgerlens.backup")
SCHEDULE_NAME = "backup"


@dataclass
class BackupResult:
    path: Path
    files: int
    bytes: int
    pruned: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    source: Path
    media: dict[str, int]
    migrated: int


def backup_create(*, output: Path, keep: int | None = None) -> BackupResult:
    """A complete backup in `output/<UTC time>/`: the database first (one consistent snapshot),
    then every stored file (uploads are stored before the rows that name them, so every file the
    snapshot names is there), then the manifest. Written as `<time>.partial` and renamed when
    all is on disk; with `keep`, only the newest `keep` backups are kept afterwards."""
    output = Path(output)
    with backup_lock(output):
        remove_leftovers(output)
        previous = _previous_media(output)
        created = timezone.now()
        final = output / backup_name(created)
        partial = final.with_name(final.name + PARTIAL)
        partial.mkdir(mode=0o700)  # every record and file: readable by this user only
        try:
            connection = connections[DEFAULT_DB_ALIAS]
            database_file, applied = database_dump(connection, partial)
            files = [{"path": database_file, **file_digest(partial / database_file)}]
            files += media_dump(default_storage, partial, previous)
            manifest_write(partial, {
                "format": FORMAT, "version": VERSION,
                "created_at": created.isoformat().replace("+00:00", "Z"),
                "app": app_version(),
                "database": {"vendor": connection.vendor, "file": database_file},
                "schema": schema_summary(applied),
                "files": files,
            })  # fmt: skip
            fsync_folder(partial)
        except BaseException:
            # A failed backup leaves nothing behind (one killed outright leaves its .partial,
            # which the next backup removes).
            shutil.rmtree(partial, ignore_errors=True)
            raise
        partial.rename(final)
        fsync_folder(output)
        pruned = backups_prune(output, keep=keep) if keep is not None else []
    result = BackupResult(final, len(files), sum(entry["size"] for entry in files), pruned)
    logger.info(
        "backup written",
        extra={"backup": str(final), "files": result.files, "bytes": result.bytes},
    )
    return result


def backup_find(path: Path) -> Path:
    """The backup at `path`, or the newest finished one when `path` is a folder of backups."""
    path = Path(path)
    if not path.is_dir():
        raise BackupError(f"{path} is not a folder.")
    if path.name.endswith(PARTIAL):
        raise BackupError(f"{path} is an unfinished backup (it never completed).")
    if is_backup(path) or (path / "manifest.json").exists():
        return path
    found = backups_list(path)
    if not found:
        raise BackupError(f"{path} holds no finished backup.")
    return found[-1]


def backup_restore(
    *, source: Path, overwrite: bool = False, media_only: bool = False
) -> RestoreResult:
    """Put the backup at `source` back: stored files, then the database, then any migration the
    backup predates. Everything is checked first (the manifest, that this code knows every
    migration in it, every file's size and sha256, that the target is empty unless
    `overwrite`); a BackupError before the first write means nothing was changed.

    `media_only` puts back only the stored files the storage lacks (and, with `overwrite`,
    replaces those that differ), leaving the database alone: after a point-in-time recovery of
    PostgreSQL, whose WAL holds no files."""
    folder = backup_find(source)
    manifest = manifest_read(folder)
    if media_only:
        _refuse_if_damaged(folder, manifest)
        entries = media_entries(manifest)
        media = media_restore(default_storage, folder, entries, replace=overwrite)
        logger.info("stored files restored", extra={"backup": str(folder), "media": media})
        return RestoreResult(folder, media, 0)
    connection = connections[DEFAULT_DB_ALIAS]
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(f"The backup holds a {vendor} database; this server uses "
                          f"{connection.vendor}.")  # fmt: skip
    unknown = sorted(applied_migrations(manifest) - known_migrations())
    if unknown:
        names = ", ".join(f"{app}.{name}" for app, name in unknown[:10])
        commit = (manifest.get("app") or {}).get("commit") or "unknown"
        raise BackupError(
            f"The backup is from a newer schema: it has {len(unknown)} migration(s) this code "
            f"does not know ({names}). Restore it with the code that wrote it (commit {commit})."
        )
    _refuse_if_damaged(folder, manifest)
    if not overwrite:
        _refuse_unless_empty(connection)
    elif connection.vendor == "postgresql":
        _refuse_a_newer_target(connection, applied_migrations(manifest))
    media = media_restore(default_storage, folder, media_entries(manifest))
    database_restore(connection, folder / manifest["database"]["file"])
    migrated = _migrate_if_behind(connection)
    logger.info("backup restored", extra={"backup": str(folder), "media": media})
    return RestoreResult(folder, media, migrated)


def scheduled_backup() -> str:
    """The scheduled backup: into BACKUP_DIR, keeping BACKUP_KEEP; BACKUP_INTERVAL_S=0 skips.
    The schedule runs every BACKUP_INTERVAL_S (in whole minutes, rounded up: django-q2 counts
    minutes); a changed interval reaches the schedule here, from the next run on."""
    interval = settings.BACKUP_INTERVAL_S
    if interval <= 0:
        return "scheduled backups are off (BACKUP_INTERVAL_S=0)"
    result = backup_create(output=Path(settings.BACKUP_DIR), keep=settings.BACKUP_KEEP)
    from django_q.models import Schedule

    minutes = max(1, math.ceil(interval / 60))
    Schedule.objects.filter(name=SCHEDULE_NAME).exclude(minutes=minutes).update(minutes=minutes)
    return str(result.path)


def _previous_media(output: Path) -> dict[str, dict]:
    """The newest backup's media entries (to hard-link unchanged files), or none."""
    found = backups_list(output)
    if not found:
        return {}
    try:
        manifest = manifest_read(found[-1])
    except BackupError:
        return {}
    return {
        entry["name"]: {**entry, "copy": found[-1] / entry["path"]}
        for entry in media_entries(manifest)
    }


def _refuse_if_damaged(folder: Path, manifest: dict) -> None:
    problems = checksum_problems(folder, manifest)
    if problems:
        shown = "; ".join(problems[:10])
        raise BackupError(f"The backup {folder} is damaged, nothing was restored: {shown}.")


def _refuse_unless_empty(connection) -> None:
    try:
        empty, what = database_is_empty(connection)
    except DatabaseError as error:
        raise BackupError(f"The target database cannot be read: {error}") from error
    stored = next(stored_names(default_storage), None)
    if empty and stored is None:
        return
    held = [] if empty else [what]
    if stored is not None:
        held.append(f"the storage holds files ({stored}, ...)")
    raise BackupError(
        f"The target is not empty: {' and '.join(held)}. Restoring replaces them; pass --yes "
        "to confirm. Nothing was changed."
    )


def _refuse_a_newer_target(connection, in_backup: set[tuple[str, str]]) -> None:
    """pg_restore --clean drops only what the dump holds: tables that later migrations made in
    the target would stay, and migrating the restored database would fail on them."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return
    newer = sorted(set(recorder.applied_migrations()) - in_backup)
    if newer:
        names = ", ".join(f"{app}.{name}" for app, name in newer[:10])
        raise BackupError(
            f"The target database has {len(newer)} migration(s) the backup does not ({names}). "
            "Restore into an empty database instead (dropdb, createdb). Nothing was changed."
        )


def _migrate_if_behind(connection) -> int:
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        call_command("migrate", interactive=False, verbosity=0)
    return len(pending)
