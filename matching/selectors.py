"""Reads: matches, charges without a receipt, receipts never charged; scoped to the caller."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from accounts.roles import sees_all_customers
from billing.models import Transaction
from billing.selectors.scoped import transactions_visible_to
from invoices.models import Invoice
from invoices.selectors import invoices_visible_to
from matching.models import ReceiptMatch

# Invoices whose figures a matcher may trust: read cleanly, or checked by a person.
MATCHABLE_INVOICE_STATUSES = (Invoice.Status.RECOGNIZED, Invoice.Status.APPROVED)


def charge_scope(*, customer=None, date_from=None, date_to=None, prefix: str = "") -> Q:
    """The debit rows of customers' cards in the period (as seen from `prefix`)."""
    lookups = {"direction": Transaction.Direction.DEBIT, "card__customer__isnull": False}
    if customer is not None:
        lookups["card__customer"] = customer
    if date_from is not None:
        lookups["transaction_date__gte"] = date_from
    if date_to is not None:
        lookups["transaction_date__lte"] = date_to
    return Q(**{f"{prefix}{lookup}": value for lookup, value in lookups.items()})


def receipt_scope(*, customer=None, date_from=None, date_to=None) -> Q:
    """Invoices a charge may be matched to: trusted figures, a customer, a date, a total."""
    scope = Q(
        status__in=MATCHABLE_INVOICE_STATUSES,
        customer__isnull=False,
        date__isnull=False,
        total_amount__gt=0,
        duplicate_of__isnull=True,
    )
    if customer is not None:
        scope &= Q(customer=customer)
    if date_from is not None:
        scope &= Q(date__gte=date_from)
    if date_to is not None:
        scope &= Q(date__lte=date_to)
    return scope


def matches_visible_to(user) -> QuerySet[ReceiptMatch]:
    """Supervisors and admins see every match; an agent those of their customers."""
    matches = ReceiptMatch.objects.select_related(
        "invoice__customer", "transaction__card__bank", "transaction__bill", "decided_by"
    )
    if sees_all_customers(user):
        return matches
    return matches.filter(invoice__customer__assigned_agent=user)


def unmatched_charges(
    *, user, customer=None, date_from: date | None = None, date_to: date | None = None
) -> QuerySet[Transaction]:
    """Debit rows of customers' cards with no confirmed receipt, newest first."""
    scope = charge_scope(customer=customer, date_from=date_from, date_to=date_to)
    return (
        transactions_visible_to(user)
        .filter(scope)
        .exclude(receipt_matches__status=ReceiptMatch.Status.CONFIRMED)
        .select_related("card__customer")
        .order_by("-transaction_date", "-id")
    )


def unmatched_receipts(
    *, user, customer=None, date_from: date | None = None, date_to: date | None = None
) -> QuerySet[Invoice]:
    """Recognised or approved invoices of a customer that no confirmed charge paid."""
    scope = receipt_scope(customer=customer, date_from=date_from, date_to=date_to)
    return (
        invoices_visible_to(user)
        .filter(scope)
        .exclude(receipt_matches__status=ReceiptMatch.Status.CONFIRMED)
        .order_by("-date", "-id")
    )


def unmatched_counts() -> dict[str, int]:
    """Charges without a receipt and receipts never charged, over every customer."""
    return {
        "unmatched_charges": Transaction.objects.filter(charge_scope())
        .exclude(receipt_matches__status=ReceiptMatch.Status.CONFIRMED)
        .count(),
        "unmatched_receipts": Invoice.objects.filter(receipt_scope())
        .exclude(receipt_matches__status=ReceiptMatch.Status.CONFIRMED)
        .count(),
    }
