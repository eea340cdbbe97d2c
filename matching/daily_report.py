"""Matching's part of the daily report (core/daily_report.py)."""

from __future__ import annotations

from datetime import datetime

from matching.models import ReceiptMatch
from matching.selectors import unmatched_counts


def daily_matching(*, start: datetime, end: datetime) -> dict:
    decided = ReceiptMatch.objects.filter(decided_at__gte=start, decided_at__lt=end)
    return {
        "matching": {
            "confirmed": decided.filter(status=ReceiptMatch.Status.CONFIRMED).count(),
            "auto_confirmed": decided.filter(
                status=ReceiptMatch.Status.CONFIRMED, auto_confirmed=True
            ).count(),
            "rejected": decided.filter(status=ReceiptMatch.Status.REJECTED).count(),
            "proposed_waiting": ReceiptMatch.objects.filter(
                status=ReceiptMatch.Status.PROPOSED
            ).count(),
            **unmatched_counts(),
        }
    }
