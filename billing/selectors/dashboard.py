"""The dashboard's summary figures, in a constant number of queries whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from billing.models import Bill, CreditCard, Transaction
from config.auth.roles import sees_all_customers
from customers.models import Customer

CENT = Decimal("0.01")


@dataclass(frozen=True)
class SummaryFilters:
    customer_id: int | None = None
    bank_code: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def dashboard_summary(*, user, filters: SummaryFilters) -> dict:
    """Counts and money over what `user` may see. Four aggregate queries (plus the role
    lookup), none of which grows with the number of rows.

    The period filters apply to transactions (transaction date) and bills (statement date);
    customers and cards are counted whatever the period.
    """
    all_customers = sees_all_customers(user)
    agent = Q() if all_customers else Q(assigned_agent=user)
    card_scope = Q() if all_customers else Q(customer__assigned_agent=user)
    if filters.customer_id is not None:
        agent &= Q(pk=filters.customer_id)
        card_scope &= Q(customer_id=filters.customer_id)
    if filters.bank_code:
        card_scope &= Q(bank__code=filters.bank_code)
        # Customers holding at least one card of that bank.
        agent &= Q(cards__bank__code=filters.bank_code)
    customers = Customer.objects.filter(agent).aggregate(n=Count("pk", distinct=True))["n"]
    cards = CreditCard.objects.filter(card_scope).count()
    bill_scope = _prefixed(card_scope, "card__") & _period(filters, "statement_date")
    bills = Bill.objects.filter(bill_scope).count()
    row_scope = _prefixed(card_scope, "card__") & _period(filters, "transaction_date")
    # COUNT(*) and one filtered sum: half the per-row work of two filtered sums, which
    # matters when SQLite scans 100,000 index entries. Charges are the rest of the total.
    money = Transaction.objects.filter(row_scope).aggregate(
        n=Count("*"),
        total=Sum("amount"),
        payments=Sum("amount", filter=Q(direction=Transaction.Direction.CREDIT)),
    )
    payments = _cents(money["payments"])
    charges = _cents(money["total"]) - payments
    return {
        "customers": customers,
        "cards": cards,
        "bills": bills,
        "transactions": money["n"],
        "total_charges": charges,
        "total_payments": payments,
        "net_balance": charges - payments,
    }


def _cents(value) -> Decimal:
    # SQLite sums decimals as floating point; money is exact to the cent.
    return Decimal(value or 0).quantize(CENT)


def _period(filters: SummaryFilters, field: str) -> Q:
    period = Q()
    if filters.date_from:
        period &= Q(**{f"{field}__gte": filters.date_from})
    if filters.date_to:
        period &= Q(**{f"{field}__lte": filters.date_to})
    return period


def _prefixed(condition: Q, prefix: str) -> Q:
    """The same condition seen from a model one relation further (card -> bill, row)."""
    prefixed = Q()
    prefixed.connector, prefixed.negated = condition.connector, condition.negated
    for child in condition.children:
        if isinstance(child, Q):
            prefixed.children.append(_prefixed(child, prefix))
        else:
            lookup, value = child
            prefixed.children.append((f"{prefix}{lookup}", value))
    return prefixed
