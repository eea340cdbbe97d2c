"""manage.py prune_analysis_logs [--days N] [--batch-size N]: delete AnalysisLog rows older
than ANALYSIS_LOG_RETENTION_DAYS (or N) days, in batches. Scheduled daily by a django-q2
Schedule (ocrengine migration 0009)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ocrengine.services.analysis_log_retention import DEFAULT_BATCH_SIZE, analysis_logs_prune


class Command(BaseCommand):
    help = "Delete analysis log rows older than the retention period."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Keep this many days (default: ANALYSIS_LOG_RETENTION_DAYS; 0 keeps all).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows per DELETE (default {DEFAULT_BATCH_SIZE}).",
        )

    def handle(self, *args, days: int | None, batch_size: int, **options) -> None:
        days = settings.ANALYSIS_LOG_RETENTION_DAYS if days is None else days
        if days < 0:
            raise CommandError("--days must be 0 (keep all) or more.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if days == 0:
            self.stdout.write("analysis log retention is off (0 days): nothing deleted")
            return
        deleted = analysis_logs_prune(older_than_days=days, batch_size=batch_size)
        self.stdout.write(f"deleted {deleted} analysis log rows older than {days} days")
