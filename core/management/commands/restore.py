"""`manage.py restore --input DIR [--yes] [--media-only]`: put a backup back, then run
verify_integrity.

DIR is one backup or a folder of them (then the newest finished one). Before anything is
written: the manifest is read, a backup from a newer schema (a migration this code does not
know) is refused, every file's size and sha256 is checked, and a target that is not empty (a
database with tables, a storage with files) is refused unless --yes. Any of these fails with a
message and exit 1, nothing changed. The restored data is then checked by verify_integrity,
whose result is printed and decides the exit status. --media-only puts back only the stored
files (after a point-in-time recovery of PostgreSQL, docs/operations.md).
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup (database and stored files) after checking every checksum, then run "
        "verify_integrity. Refuses a non-empty target unless --yes."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--input", type=Path, required=True, help="A backup, or a folder of "
                            "backups (the newest finished one is restored).")  # fmt: skip
        parser.add_argument(
            "--yes", action="store_true", help="Overwrite a database or storage that holds data."
        )
        parser.add_argument(
            "--media-only",
            action="store_true",
            help="Put back only the stored files the storage lacks (with --yes also replace "
            "those that differ); leave the database alone.",
        )

    def handle(self, *args, input: Path, yes: bool = False, media_only: bool = False, **options):
        try:
            result = backup_restore(source=input, overwrite=yes, media_only=media_only)
        except BackupError as error:
            raise CommandError(str(error)) from error
        media = result.media
        what = "stored files only" if media_only else "database"
        self.stdout.write(
            f"Restored {result.source}: {what}, and {media['stored']} file(s) stored, "
            f"{media['replaced']} replaced, {media['unchanged']} already there."
        )
        if media["differing"]:
            self.stdout.write(
                f"{media['differing']} stored file(s) differ from the backup and were kept "
                "(--yes replaces them)."
            )
        if result.migrated:
            self.stdout.write(f"Applied {result.migrated} migration(s) the backup predates.")
        report = StringIO()
        try:
            call_command("verify_integrity", stdout=report)
        except CommandError as error:
            self.stdout.write(report.getvalue().rstrip())
            raise CommandError(f"Restored, but verify_integrity failed: {error}") from error
        self.stdout.write(report.getvalue().rstrip())
        self.stdout.write("verify_integrity passed.")
