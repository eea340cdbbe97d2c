"""The jobs' part of the daily report (core/daily_report.py): the jobs that failed that day."""

from __future__ import annotations

from datetime import datetime

from jobs.models import ProcessingJob

FAILED_JOBS_LISTED = 50


def daily_failed_jobs(*, start: datetime, end: datetime) -> dict:
    failed = ProcessingJob.objects.filter(
        status=ProcessingJob.Status.FAILED, finished_at__gte=start, finished_at__lt=end
    ).order_by("finished_at")
    return {
        "failed_jobs": {
            "count": failed.count(),
            "jobs": [
                {"id": j.pk, "kind": j.kind, "error_code": j.error_code, "error": j.error[:200]}
                for j in failed[:FAILED_JOBS_LISTED]
            ],
        }
    }
