"""`manage.py prune_analysis_logs`: AnalysisLog rows older than ANALYSIS_LOG_RETENTION_DAYS go,
in batches, daily (a django-q2 Schedule); the statistics then cover what is left."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_q.models import Schedule

from ocrengine.models import AnalysisLog
from tests.ocrengine.analysis_support import fresh_analysis_state

pytestmark = pytest.mark.django_db


def _prune(*args) -> str:
    out = StringIO()
    call_command("prune_analysis_logs", *args, stdout=out)
    return out.getvalue()


def _logs(days_ago: float, count: int = 1) -> None:
    at = timezone.now() - timedelta(days=days_ago)
    AnalysisLog.objects.bulk_create(
        AnalysisLog(document_type="invoice", backend="rules", created_at=at) for _ in range(count)
    )


def test_rows_older_than_the_retention_go_in_batches(settings):
    settings.ANALYSIS_LOG_RETENTION_DAYS = 30
    _logs(31, count=5)
    _logs(29, count=2)
    _logs(0)
    assert _prune("--batch-size", "2") == "deleted 5 analysis log rows older than 30 days\n"
    remaining = AnalysisLog.objects.values_list("created_at", flat=True)
    assert len(remaining) == 3
    assert all(at > timezone.now() - timedelta(days=30) for at in remaining)
    assert _prune() == "deleted 0 analysis log rows older than 30 days\n"


def test_days_on_the_command_line_win_and_zero_keeps_everything(settings):
    settings.ANALYSIS_LOG_RETENTION_DAYS = 90
    _logs(10)
    _logs(100)
    assert _prune("--days", "0").startswith("analysis log retention is off")
    assert AnalysisLog.objects.count() == 2
    _prune("--days", "5")
    assert AnalysisLog.objects.count() == 0


def test_bad_arguments_are_refused():
    with pytest.raises(CommandError, match="--days"):
        _prune("--days", "-1")
    with pytest.raises(CommandError, match="--batch-size"):
        _prune("--batch-size", "0")


def test_statistics_cover_only_the_kept_rows(settings, supervisor_client):
    fresh_analysis_state()
    settings.ANALYSIS_LOG_RETENTION_DAYS = 7
    _logs(8, count=3)
    _logs(1, count=2)
    since = (timezone.now() - timedelta(days=30)).isoformat()
    before = supervisor_client.get("/api/v1/ocr/stats/", {"since": since}).json()
    _prune()
    after = supervisor_client.get("/api/v1/ocr/stats/", {"since": since}).json()
    assert (before["overall"]["calls"], after["overall"]["calls"]) == (5, 2)


def test_the_prune_runs_daily():
    schedule = Schedule.objects.get(name="prune_analysis_logs")
    assert (schedule.func, schedule.args, schedule.schedule_type, schedule.repeats) == (
        "django.core.management.call_command",
        "'prune_analysis_logs'",
        Schedule.DAILY,
        -1,
    )
    assert schedule.next_run > timezone.now()
