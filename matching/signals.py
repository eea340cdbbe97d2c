"""Matching runs after the events that bring new figures, without billing or invoices knowing
of it: an invoice saved as recognised or approved, a statement import saved as verified or in
review, each queues a `match.propose` job for its customer and dates (MATCH_ON_IMPORT)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Max, Min
from django.db.models.signals import post_save
from django.dispatch import receiver

from billing.models import StatementImport, Transaction
from invoices.models import Invoice
from matching.models import MatchRun

STATEMENT_DONE = (StatementImport.Status.VERIFIED, StatementImport.Status.REVIEW)


def _status_saved(update_fields) -> bool:
    return update_fields is None or "status" in update_fields


@receiver(post_save, sender=Invoice, dispatch_uid="matching.invoice_saved")
def invoice_saved(sender, instance: Invoice, created: bool, update_fields=None, **kwargs) -> None:
    from matching.selectors import MATCHABLE_INVOICE_STATUSES
    from matching.services import match_run_request

    if not settings.MATCH_ON_IMPORT or kwargs.get("raw") or not _status_saved(update_fields):
        return
    if instance.status not in MATCHABLE_INVOICE_STATUSES:
        return
    if not (instance.customer_id and instance.date and instance.total_amount):
        return
    window = timedelta(days=settings.MATCH_DATE_WINDOW_DAYS)
    match_run_request(
        trigger=MatchRun.Trigger.INVOICE,
        customer=instance.customer,
        date_from=instance.date - window,
        date_to=instance.date + window,
        source_id=instance.pk,
    )


@receiver(post_save, sender=StatementImport, dispatch_uid="matching.statement_saved")
def statement_saved(
    sender, instance: StatementImport, created: bool, update_fields=None, **kwargs
) -> None:
    from matching.services import match_run_request

    if not settings.MATCH_ON_IMPORT or kwargs.get("raw") or not _status_saved(update_fields):
        return
    if instance.status not in STATEMENT_DONE:
        return
    span = Transaction.objects.filter(
        bill__statement_import=instance,
        direction=Transaction.Direction.DEBIT,
        card__customer__isnull=False,
    ).aggregate(first=Min("transaction_date"), last=Max("transaction_date"))
    if span["first"] is None:
        return  # no charge of a known customer: nothing to match
    match_run_request(
        trigger=MatchRun.Trigger.STATEMENT,
        customer=instance.customer,
        date_from=span["first"],
        date_to=span["last"],
        source_id=instance.pk,
    )
