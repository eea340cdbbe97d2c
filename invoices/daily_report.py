"""Invoices' parts of the daily report (core/daily_report.py): uploads by status and how many
the engine recognised."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q

from core.daily_report import count_by_status, rate
from invoices.models import Invoice

RECOGNIZED = (Invoice.Status.RECOGNIZED, Invoice.Status.APPROVED)
NOT_RECOGNIZED = (Invoice.Status.NEEDS_REVIEW, Invoice.Status.UNRECOGNIZED, Invoice.Status.FAILED)


def _created(start: datetime, end: datetime):
    return Invoice.objects.filter(created_at__gte=start, created_at__lt=end)


def daily_invoices(*, start: datetime, end: datetime) -> dict:
    return {"invoices": count_by_status(_created(start, end))}


def daily_recognition(*, start: datetime, end: datetime) -> dict:
    counts = _created(start, end).aggregate(
        recognized=Count("pk", filter=Q(status__in=RECOGNIZED)),
        not_recognized=Count("pk", filter=Q(status__in=NOT_RECOGNIZED)),
    )
    done = counts["recognized"] + counts["not_recognized"]
    return {
        "ocr": {
            "invoices_recognized": counts["recognized"],
            "invoices_not_recognized": counts["not_recognized"],
            "invoice_success_rate": rate(counts["recognized"], done),
        },
    }
