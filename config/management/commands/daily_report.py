"""`manage.py daily_report [--date D] [--format markdown|json]`: one day of operations.

Scheduled daily by a django-q2 Schedule (billing migration 0003), which runs it through
`call_command`; the report goes to stdout and, as one JSON line, to the logs.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q, Sum
from django.utils import timezone

from billing.models import Bill, StatementImport, Transaction
from invoices.models import Invoice
from ocrengine.models import AnalysisLog, ProcessingJob

logger = logging.getLogger("ledgerlens.daily_report")
RECOGNIZED = (Invoice.Status.RECOGNIZED, Invoice.Status.APPROVED)
NOT_RECOGNIZED = (Invoice.Status.NEEDS_REVIEW, Invoice.Status.UNRECOGNIZED, Invoice.Status.FAILED)
FAILED_JOBS_LISTED = 50


class Command(BaseCommand):
    help = "Report one day (default: yesterday) of imports, reviews, totals, OCR and failed jobs."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD (default: yesterday, local time).")
        parser.add_argument("--format", choices=["markdown", "json"], default="markdown")

    def handle(self, *args, **options) -> None:
        day = _day(options["date"])
        report = daily_report(day)
        logger.info("daily report", extra={"report": json.loads(json.dumps(report, default=str))})
        if options["format"] == "json":
            self.stdout.write(json.dumps(report, indent=2, default=str))
        else:
            self.stdout.write(as_markdown(report))


def _day(value: str | None) -> date:
    if not value:
        return timezone.localdate() - timedelta(days=1)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}.") from None


def daily_report(day: date) -> dict:
    start = timezone.make_aware(datetime.combine(day, time.min))
    window = Q(created_at__gte=start, created_at__lt=start + timedelta(days=1))
    return {
        "date": day.isoformat(),
        "statement_imports": _by_status(StatementImport.objects.filter(window)),
        "invoices": _by_status(Invoice.objects.filter(window)),
        "bills": _bills(window),
        "ocr": _ocr(window),
        "failed_jobs": _failed_jobs(start),
    }


def _by_status(queryset) -> dict[str, int]:
    counts = dict(queryset.values_list("status").annotate(n=Count("pk")).order_by("status"))
    return {"total": sum(counts.values()), **counts}


def _bills(window: Q) -> dict:
    new = Bill.objects.filter(window)
    rows = Transaction.objects.filter(bill__in=new).aggregate(
        n=Count("pk"),
        charges=Sum("amount", filter=Q(direction="debit")),
        payments=Sum("amount", filter=Q(direction="credit")),
    )
    return {
        "imported": new.count(),
        "imported_needing_review": new.filter(status=Bill.Status.REVIEW).count(),
        "needing_review_overall": Bill.objects.filter(status=Bill.Status.REVIEW).count(),
        "transactions": rows["n"],
        "total_charges": _cents(rows["charges"]),
        "total_payments": _cents(rows["payments"]),
    }


def _cents(value: Decimal | None) -> Decimal:
    # SQLite sums decimals as floats-in-text; money is reported to the cent.
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _ocr(window: Q) -> dict:
    invoices = Invoice.objects.filter(window).aggregate(
        recognized=Count("pk", filter=Q(status__in=RECOGNIZED)),
        not_recognized=Count("pk", filter=Q(status__in=NOT_RECOGNIZED)),
    )
    logs = AnalysisLog.objects.filter(window).aggregate(
        total=Count("pk"), succeeded=Count("pk", filter=Q(success=True))
    )
    done = invoices["recognized"] + invoices["not_recognized"]
    return {
        "invoices_recognized": invoices["recognized"],
        "invoices_not_recognized": invoices["not_recognized"],
        "invoice_success_rate": _rate(invoices["recognized"], done),
        "analysis_requests": logs["total"],
        "analysis_success_rate": _rate(logs["succeeded"], logs["total"]),
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _failed_jobs(start: datetime) -> dict:
    failed = ProcessingJob.objects.filter(
        status=ProcessingJob.Status.FAILED,
        finished_at__gte=start,
        finished_at__lt=start + timedelta(days=1),
    ).order_by("finished_at")
    return {
        "count": failed.count(),
        "jobs": [
            {"id": j.pk, "kind": j.kind, "error_code": j.error_code, "error": j.error[:200]}
            for j in failed[:FAILED_JOBS_LISTED]
        ],
    }


def as_markdown(report: dict) -> str:
    ocr, bills, jobs = report["ocr"], report["bills"], report["failed_jobs"]
    lines = [f"# LedgerLens daily report — {report['date']}", ""]
    for title, key in (("Statement imports", "statement_imports"), ("Invoices", "invoices")):
        counts = report[key]
        items = [f"- {status}: {n}" for status, n in counts.items() if status != "total"]
        lines += [f"## {title}: {counts['total']}", "", *items, *([""] if items else [])]
    lines += [
        "## Bills",
        "",
        f"- imported: {bills['imported']} ({bills['imported_needing_review']} need review)",
        f"- needing review overall: {bills['needing_review_overall']}",
        f"- transactions: {bills['transactions']}",
        f"- total charges: {bills['total_charges']:.2f}",
        f"- total payments: {bills['total_payments']:.2f}",
        "",
        "## OCR",
        "",
        f"- invoices recognized: {ocr['invoices_recognized']}, not: "
        f"{ocr['invoices_not_recognized']} (success rate {_pct(ocr['invoice_success_rate'])})",
        f"- analysis requests: {ocr['analysis_requests']} "
        f"(success rate {_pct(ocr['analysis_success_rate'])})",
        "",
        f"## Failed jobs: {jobs['count']}",
        "",
    ]
    lines += [f"- #{j['id']} {j['kind']}: {j['error_code']} — {j['error']}" for j in jobs["jobs"]]
    return "\n".join(lines).rstrip() + "\n"


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.1%}"
