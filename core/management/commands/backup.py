"""`manage.py backup [--output DIR] [--keep N]`: one backup of the database and the stored files.

Written into DIR/<UTC time>.partial and renamed to DIR/<UTC time> when complete, with a
manifest.json of every file's sha256 and size, the applied migrations, the database vendor and
the app's version (core/backup/). The django-q2 `Schedule` named `backup` runs the same every
BACKUP_INTERVAL_S into BACKUP_DIR, keeping BACKUP_KEEP.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database and every stored file, with a manifest of their checksums, into "
        "a new folder under --output (default: BACKUP_DIR)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", type=Path, help="Folder of backups (default: BACKUP_DIR).")
        parser.add_argument(
            "--keep",
            type=int,
            help="Keep only the newest N backups there (default: keep all; the schedule keeps "
            "BACKUP_KEEP).",
        )

    def handle(self, *args, output: Path | None = None, keep: int | None = None, **options):
        try:
            result = backup_create(output=output or Path(settings.BACKUP_DIR), keep=keep)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backup written to {result.path}: {result.files} file(s), {result.bytes} bytes."
        )
        if result.pruned:
            self.stdout.write(f"Removed {len(result.pruned)} older backup(s) (keeping {keep}).")
