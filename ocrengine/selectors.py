"""Reads for the analysis statistics and the canary comparison: AnalysisLog summaries (calls,
success rate, mean confidence, cache hits, fallbacks, p50/p95 latency) and the canaries of the
prompt templates with their default, side by side.

A summary is one aggregate query and two single-row percentile lookups (ORDER BY latency OFFSET
k LIMIT 1), whatever the table size.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from ocrengine.models import AnalysisLog, PromptTemplate


def analysis_log_summary(logs: QuerySet[AnalysisLog]) -> dict[str, Any]:
    """Calls, success rate, mean confidence (of successful calls), cache-hit rate, fallbacks and
    p50/p95 latency of `logs`."""
    totals = logs.aggregate(
        calls=Count("id"),
        succeeded=Count("id", filter=Q(success=True)),
        cache_hits=Count("id", filter=Q(cache_hit=True)),
        fallbacks=Count("id", filter=~Q(fallback_reason="")),
        average_confidence=Avg("confidence", filter=Q(success=True)),
    )
    calls = totals["calls"] or 0
    average = totals["average_confidence"]
    return {
        "calls": calls,
        "success_rate": round(totals["succeeded"] / calls, 4) if calls else None,
        "average_confidence": round(average, 4) if average is not None else None,
        "cache_hit_rate": round(totals["cache_hits"] / calls, 4) if calls else None,
        "fallbacks": totals["fallbacks"],
        "latency_ms": {
            "p50": _percentile(logs, calls, 0.50),
            "p95": _percentile(logs, calls, 0.95),
        },
    }


def _percentile(logs: QuerySet[AnalysisLog], count: int, fraction: float) -> float | None:
    """Nearest-rank percentile computed by the database, fetching one row."""
    if not count:
        return None
    rank = max(0, min(count - 1, math.ceil(fraction * count) - 1))
    value = logs.order_by("latency_ms").values_list("latency_ms", flat=True)[rank : rank + 1]
    found = list(value)
    return round(found[0], 2) if found else None


# --- canaries -------------------------------------------------------------------------------


def template_canaries(*, document_type: str | None = None) -> QuerySet[PromptTemplate]:
    """The running canaries (one per type at most), by type."""
    canaries = PromptTemplate.objects.filter(canary_percent__isnull=False).select_related(
        "document_type", "canary_started_by"
    )
    if document_type:
        canaries = canaries.filter(document_type__code=document_type)
    return canaries.order_by("document_type__code")


def _side(
    template: PromptTemplate, route: str, since: dt.datetime, until: dt.datetime | None
) -> dict[str, Any]:
    """One version's summary over the calls routed to it (`route`) in [since, until)."""
    logs = AnalysisLog.objects.filter(
        document_type=template.document_type.code,
        template_version=template.version,
        template_route=route,
        created_at__gte=since,
    )
    if until is not None:
        logs = logs.filter(created_at__lt=until)
    return {
        "template_id": template.pk,
        "version": template.version,
        **analysis_log_summary(logs),
    }


def _started(canary: PromptTemplate) -> dt.datetime:
    return canary.canary_started_at or canary.created_at


def template_canary_comparison(
    *, canary: PromptTemplate, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> dict[str, Any]:
    """The canary and its type's default side by side, over the calls each was routed since the
    canary started (or `since`, when later) and before `until`. Calls that named a version are
    left out: they were not split by the canary's buckets, so the two sides stay comparable."""
    started = _started(canary)
    since = max(since, started) if since is not None else started
    default = PromptTemplate.objects.filter(
        document_type=canary.document_type, is_default=True
    ).first()
    by = canary.canary_started_by
    return {
        "document_type": canary.document_type.code,
        "canary_percent": canary.canary_percent,
        "canary_started_at": started.isoformat(),
        "canary_started_by": by.get_username() if by is not None else None,
        "since": since.isoformat(),
        "active": (
            _side(default, AnalysisLog.TemplateRoute.DEFAULT, since, until) if default else None
        ),
        "canary": _side(canary, AnalysisLog.TemplateRoute.CANARY, since, until),
    }


def template_canary_comparisons(
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    document_type: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Every running canary's comparison, by document type."""
    return {
        canary.document_type.code: template_canary_comparison(
            canary=canary, since=since, until=until
        )
        for canary in template_canaries(document_type=document_type)
    }


def template_traffic_summary(template: PromptTemplate) -> dict[str, Any] | None:
    """The comparison side of `template` when it is a canary or the default of a type with
    one; None otherwise (for the admin's changelist column)."""
    canary = template_canaries(document_type=template.document_type.code).first()
    if canary is None:
        return None
    if template.pk == canary.pk:
        return _side(canary, AnalysisLog.TemplateRoute.CANARY, _started(canary), None)
    if template.is_default:
        return _side(template, AnalysisLog.TemplateRoute.DEFAULT, _started(canary), None)
    return None
