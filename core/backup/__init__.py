"""Backups and restore: the database, the stored files and a manifest of their checksums
(services.py); the folder layout (folders.py), the manifest (manifest.py), the database by
vendor (database.py) and the storage (media.py)."""

from .errors import BackupError
from .folders import backups_list
from .services import (
    BackupResult,
    RestoreResult,
    backup_create,
    backup_find,
    backup_restore,
    scheduled_backup,
)

__all__ = [
    "BackupError",
    "BackupResult",
    "RestoreResult",
    "backup_create",
    "backup_find",
    "backup_restore",
    "backups_list",
    "scheduled_backup",
]
