"""Billing's parts of the daily report (core/daily_report.py): statement imports and bills."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, Sum

from billing.models import Bill, StatementImport, Transaction
from core.daily_report import cents, count_by_status


def daily_statement_imports(*, start: datetime, end: datetime) -> dict:
    imports = StatementImport.objects.filter(created_at__gte=start, created_at__lt=end)
    return {"statement_imports": count_by_status(imports)}


def daily_bills(*, start: datetime, end: datetime) -> dict:
    new = Bill.objects.filter(created_at__gte=start, created_at__lt=end)
    rows = Transaction.objects.filter(bill__in=new).aggregate(
        n=Count("pk"),
        charges=Sum("amount", filter=Q(direction="debit")),
        payments=Sum("amount", filter=Q(direction="credit")),
    )
    return {
        "bills": {
            "imported": new.count(),
            "imported_needing_review": new.filter(status=Bill.Status.REVIEW).count(),
            "needing_review_overall": Bill.objects.filter(status=Bill.Status.REVIEW).count(),
            "transactions": rows["n"],
            "total_charges": cents(rows["charges"]),
            "total_payments": cents(rows["payments"]),
        },
    }
