"""Analysis statistics over AnalysisLog: success rate, confidence, latency percentiles and cache
hit rate, overall, by document type and by period, and each running prompt-template canary
side by side with its type's default.

Queries stay bounded whatever the table size: one aggregate per grouping, two single-row
percentile lookups per document type (ORDER BY latency OFFSET k LIMIT 1 over the window), and a
period series capped at MAX_BUCKETS buckets.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone

from core.errors import DomainError
from ocrengine.models import AnalysisLog
from ocrengine.selectors import analysis_log_summary, template_canary_comparisons
from ocrengine.services import analysis_log_writer

PERIODS = {"hour": (TruncHour, dt.timedelta(hours=1)), "day": (TruncDay, dt.timedelta(days=1))}
MAX_BUCKETS = 744  # a month of hours
MAX_WINDOW = dt.timedelta(days=366)


def analysis_stats(
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    document_type: str | None = None,
    period: str = "day",
) -> dict[str, Any]:
    """Statistics for calls in [since, until) (default: the last 7 days). `canaries` compares
    each running canary with its type's default over the calls of the window made since the
    canary started."""
    analysis_log_writer.writer.flush()  # this process's waiting rows count too
    until = until or timezone.now()
    since = since or until - dt.timedelta(days=7)
    if since >= until:
        raise DomainError("since must be before until.", code="invalid_period")
    if until - since > MAX_WINDOW:
        raise DomainError("The window may span at most 366 days.", code="invalid_period")
    if period not in PERIODS:
        raise DomainError(f"period must be one of {sorted(PERIODS)}.", code="invalid_period")
    trunc, step = PERIODS[period]
    if (until - since) / step > MAX_BUCKETS:
        raise DomainError(
            f"Too many {period} buckets; use a shorter window or period=day.", code="invalid_period"
        )
    logs = AnalysisLog.objects.filter(created_at__gte=since, created_at__lt=until)
    if document_type:
        logs = logs.filter(document_type=document_type)
    by_type = {}
    for code in logs.order_by().values_list("document_type", flat=True).distinct()[:100]:
        by_type[code] = analysis_log_summary(logs.filter(document_type=code))
    series = (
        logs.annotate(bucket=trunc("created_at"))
        .order_by("bucket")
        .values("bucket")
        .annotate(
            calls=Count("id"),
            succeeded=Count("id", filter=Q(success=True)),
            cache_hits=Count("id", filter=Q(cache_hit=True)),
            average_confidence=Avg("confidence", filter=Q(success=True)),
        )
    )
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "period": period,
        "overall": analysis_log_summary(logs),
        "by_document_type": by_type,
        "canaries": template_canary_comparisons(
            since=since, until=until, document_type=document_type
        ),
        "series": [
            {
                "start": row["bucket"].isoformat(),
                "calls": row["calls"],
                "success_rate": round(row["succeeded"] / row["calls"], 4),
                "cache_hit_rate": round(row["cache_hits"] / row["calls"], 4),
                "average_confidence": (
                    round(row["average_confidence"], 4)
                    if row["average_confidence"] is not None
                    else None
                ),
            }
            for row in series
        ],
    }
