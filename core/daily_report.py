"""The daily operations report (`manage.py daily_report`), assembled from each app's part.

DAILY_REPORT_PARTS names one function per app, `part(*, start, end) -> dict`, that counts its
own records created in [start, end); the parts' sections are merged (a section two apps fill,
like `ocr`, gets both halves). The helpers below keep the figures alike across parts.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string


def daily_report(day: date) -> dict:
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = start + timedelta(days=1)
    report: dict = {"date": day.isoformat()}
    for path in settings.DAILY_REPORT_PARTS:
        for key, section in import_string(path)(start=start, end=end).items():
            if isinstance(section, dict) and isinstance(report.get(key), dict):
                report[key].update(section)
            else:
                report[key] = section
    return report


def count_by_status(queryset: QuerySet) -> dict[str, int]:
    counts = dict(queryset.values_list("status").annotate(n=Count("pk")).order_by("status"))
    return {"total": sum(counts.values()), **counts}


def cents(value: Decimal | None) -> Decimal:
    # SQLite sums decimals as floats-in-text; money is reported to the cent.
    return Decimal(value or 0).quantize(Decimal("0.01"))


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


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
    if matching := report.get("matching"):
        lines += ["", "## Receipt matching", ""]
        lines += [f"- {key.replace('_', ' ')}: {value}" for key, value in matching.items()]
    return "\n".join(lines).rstrip() + "\n"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"
