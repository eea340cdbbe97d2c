"""The analysis API's part of the daily report (core/daily_report.py): requests and successes."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q

from core.daily_report import rate
from ocrengine.models import AnalysisLog


def daily_analyses(*, start: datetime, end: datetime) -> dict:
    logs = AnalysisLog.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        total=Count("pk"), succeeded=Count("pk", filter=Q(success=True))
    )
    return {
        "ocr": {
            "analysis_requests": logs["total"],
            "analysis_success_rate": rate(logs["succeeded"], logs["total"]),
        }
    }
