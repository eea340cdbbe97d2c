"""Invoices' part of the daily report (core/daily_report.py): uploads by status and how many
the engine recognised."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q

from core.daily_report import count_by_status, rate
from invoices.models import Invoice

RECOGNIZED = (Invoice.Status.RECOGNIZED, Invoice.Status.APPROVED)
NOT_RECOGNIZED = (Invoice.Status.NEEDS_REVIEW, Invoice.Status.UNRECOGNIZED, Invoice.Status.FAILED)


def daily_activity(*, start: datetime, end: datetime) -> dict:
    invoices = Invoice.objects.filter(created_at__gte=start, created_at__lt=end)
    counts = invoices.aggregate(
        recognized=Count("pk", filter=Q(status__in=RECOGNIZED)),
        not_recognized=Count("pk", filter=Q(status__in=NOT_RECOGNIZED)),
    )
    done = counts["recognized"] + counts["not_recognized"]
    return {
        "invoices": count_by_status(invoices),
        "ocr": {
            "invoices_recognized": counts["recognized"],
            "invoices_not_recognized": counts["not_recognized"],
            "invoice_success_rate": rate(counts["recognized"], done),
        },
    }
