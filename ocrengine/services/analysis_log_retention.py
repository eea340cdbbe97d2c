"""AnalysisLog retention: rows older than ANALYSIS_LOG_RETENTION_DAYS are deleted (daily, by
`manage.py prune_analysis_logs`), in batches so that no one statement holds the table's write
lock for long. The statistics API then covers that many days at most."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ocrengine.models import AnalysisLog

DEFAULT_BATCH_SIZE = 1000


def analysis_logs_prune(*, older_than_days: int, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """Delete the rows of calls made more than `older_than_days` days ago; returns how many.
    0 days keeps every row."""
    if older_than_days <= 0:
        return 0
    cutoff = timezone.now() - timedelta(days=older_than_days)
    expired = AnalysisLog.objects.filter(created_at__lt=cutoff).order_by()
    deleted = 0
    while True:
        batch = list(expired.values_list("pk", flat=True)[:batch_size])
        if not batch:
            return deleted
        # Each batch commits on its own: writers wait for one batch, not for all of them.
        AnalysisLog.objects.filter(pk__in=batch).delete()
        deleted += len(batch)
