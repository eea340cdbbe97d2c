"""Reading what mail and folders brought in."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import IngestedItem


def ingested_items() -> QuerySet[IngestedItem]:
    """Every IngestedItem, newest first, with its source and customer in the same query."""
    return IngestedItem.objects.select_related(
        "mailbox__customer", "folder__customer", "invoice", "statement_import"
    ).order_by("-created_at", "-id")
