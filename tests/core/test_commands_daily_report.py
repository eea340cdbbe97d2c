"""`manage.py daily_report`: one day's imports, reviews, totals, OCR rates and failed jobs."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_q.models import Schedule

from billing.services import reference_data_seed
from invoices.models import Invoice
from jobs.models import ProcessingJob
from ocrengine.models import AnalysisLog
from tests.billing.conftest import fake_statement, import_file
from tests.billing.statement_factory import maybank_pdf

pytestmark = pytest.mark.django_db


def _report(*args) -> str:
    out = StringIO()
    call_command("daily_report", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def a_day(django_capture_on_commit_callbacks):
    reference_data_seed()
    capture = django_capture_on_commit_callbacks
    import_file(capture, maybank_pdf(fake_statement()))
    import_file(capture, b"Date,Description,Amount\n2026-11-02,COFFEE,4.50\n", "x.csv")  # fails
    for n, status in enumerate(["recognized", "approved", "unrecognized", "needs_review"]):
        Invoice.objects.create(
            file=f"invoices/{n}.pdf", original_name=f"{n}.pdf", sha256=f"{n:064d}",
            mime="application/pdf", status=status,
        )  # fmt: skip
    AnalysisLog.objects.create(document_type="invoice", backend="rules", success=True)
    AnalysisLog.objects.create(document_type="invoice", backend="rules", success=False)
    return timezone.localdate()


def test_json_report(a_day):
    report = json.loads(_report("--date", a_day.isoformat(), "--format", "json"))
    assert report["statement_imports"] == {"total": 2, "failed": 1, "verified": 1}
    assert report["bills"]["imported"] == 1 and report["bills"]["transactions"] == 5
    assert report["bills"]["total_charges"] == "601.72"
    assert report["ocr"]["invoice_success_rate"] == 0.5
    assert report["ocr"]["analysis_success_rate"] == 0.5
    assert report["failed_jobs"]["count"] == 1
    assert report["failed_jobs"]["jobs"][0]["kind"] == "statement.import"
    # Each app counts its own part (DAILY_REPORT_PARTS); together they read as one report.
    assert list(report) == [
        "date", "statement_imports", "invoices", "bills", "ocr", "failed_jobs", "matching"
    ]  # fmt: skip
    assert list(report["ocr"]) == [
        "invoices_recognized", "invoices_not_recognized", "invoice_success_rate",
        "analysis_requests", "analysis_success_rate",
    ]  # fmt: skip


def test_markdown_report(a_day):
    text = _report("--date", a_day.isoformat())
    assert text.startswith(f"# LedgerLens daily report — {a_day}")
    assert "- verified: 1" in text and "## Failed jobs: 1" in text
    assert "success rate 50.0%" in text


def test_defaults_to_yesterday_and_is_empty_then(a_day):
    report = json.loads(_report("--format", "json"))
    assert report["date"] == (a_day - timedelta(days=1)).isoformat()
    assert report["statement_imports"] == {"total": 0}
    assert report["ocr"]["invoice_success_rate"] is None
    assert not ProcessingJob.objects.filter(
        status="failed", finished_at__lt=timezone.now() - timedelta(days=1)
    )


def test_bad_date_is_refused(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        _report("--date", "22/11/2026")


def test_a_migration_schedules_it_daily(db):
    schedule = Schedule.objects.get(name="daily_report")
    assert (schedule.func, schedule.args, schedule.schedule_type) == (
        "django.core.management.call_command", "'daily_report'", Schedule.DAILY,
    )  # fmt: skip
    assert schedule.repeats == -1
