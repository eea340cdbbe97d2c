"""Where backups live: one folder per backup, named by its UTC time, under the backup folder.

A backup is written into `<time>.partial` and renamed to `<time>` once every file and the
manifest are on disk, so a crashed backup never looks complete; only names that are exactly a
time count as backups. One backup at a time per folder (an exclusive lock file); whoever holds
the lock removes what crashed runs left behind (`.partial`, `.deleting`).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from .errors import BackupError

MANIFEST = "manifest.json"
PARTIAL = ".partial"
DELETING = ".deleting"
LOCK = ".backup.lock"
TIME_FORMAT = "%Y%m%dT%H%M%S.%fZ"
BACKUP_NAME = re.compile(r"^\d{8}T\d{6}\.\d{6}Z$")


def backup_name(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def is_backup(path: Path) -> bool:
    """A finished backup: a folder named exactly by a time, holding its manifest."""
    return bool(BACKUP_NAME.match(path.name)) and (path / MANIFEST).is_file()


def backups_list(folder: Path) -> list[Path]:
    """The finished backups in `folder`, oldest first (names sort as times)."""
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if path.is_dir() and is_backup(path))


@contextmanager
def backup_lock(folder: Path) -> Iterator[None]:
    """Hold the folder's backup lock, or refuse at once: a scheduled backup that finds the
    previous one still running skips its turn instead of queueing behind it."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(folder / LOCK, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(f"Another backup into {folder} is running.") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_leftovers(folder: Path) -> list[str]:
    """Folders that crashed backups or removals left (call with the lock held)."""
    removed = []
    for path in folder.iterdir():
        if path.is_dir() and path.name.endswith((PARTIAL, DELETING)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed


def backups_prune(folder: Path, *, keep: int) -> list[str]:
    """Remove all but the newest `keep` finished backups (call with the lock held). Each is
    renamed away first, so a removal cut short never leaves a half-deleted folder that still
    looks like a backup."""
    if keep < 1:
        raise BackupError(f"BACKUP_KEEP must be at least 1, not {keep}.")
    removed = []
    for path in backups_list(folder)[:-keep]:
        doomed = path.with_name(path.name + DELETING)
        path.rename(doomed)
        shutil.rmtree(doomed)
        removed.append(path.name)
    return removed


def fsync_folder(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
