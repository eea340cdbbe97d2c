"""The dashboard's summary figures, in a constant number of queries whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from accounts.roles import sees_all_customers
from billing.models import Bill, CreditCard, Transaction
from customers.models import Customer

CENT = Decimal("0.01")


@dataclass(frozen=True)
class SummaryFilters:
    customer_id: int | None = None
    bank_code: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def dashboard_summary(*, user, filters: SummaryFilters) -> dict:
    """Counts, money and per-category totals over what `user` may see, in four aggregate
    queries (plus the role lookup); none grows with the number of rows.

    The period filters apply to transactions (transaction date) and bills (statement date);
    customers and cards are counted whatever the period.
    """
    agent, card_scope = _scopes(user, filters)
    customers = Customer.objects.filter(agent).aggregate(n=Count("pk", distinct=True))["n"]
    cards = CreditCard.objects.filter(card_scope).count()
    by_card = _prefixed(card_scope, "card__")
    if filters.date_from or filters.date_to:
        bills = Bill.objects.filter(by_card & _period(filters, "statement_date")).count()
        # One grouped query gives the per-category totals and, added up, the period's money.
        categories = _category_money(by_card & _period(filters, "transaction_date"))
        money = _money_of(categories)
    else:
        bills, money = _bill_money(by_card)
        categories = _category_money(by_card)
    count, charges, payments = money
    return {
        "customers": customers,
        "cards": cards,
        "bills": bills,
        "transactions": count,
        "total_charges": charges,
        "total_payments": payments,
        "net_balance": charges - payments,
        "categories": categories,
    }


def dashboard_monthly(*, user, filters: SummaryFilters, months: list[date]) -> list[dict]:
    """Charges, payments and the number of transactions per calendar month (each `months`
    entry is a month's first day), each month also split by category, over the cards `user`
    may see: one query whatever the number of rows. Months without transactions are listed
    with zeros."""
    _agent, card_scope = _scopes(user, filters)
    period = Q(transaction_date__gte=months[0], transaction_date__lt=add_months(months[-1], 1))
    # Grouped by day, then added up by month here: the date column leads the covering index,
    # so the database streams the groups in order, where grouping by a month computed from
    # the date sorts every row first (SQLite truncates dates in Python, once per row).
    days = (
        Transaction.objects.filter(_prefixed(card_scope, "card__") & period)
        .values("transaction_date", "category")
        .annotate(
            n=Count("*"),
            total=Sum("amount"),
            payments=Sum("amount", filter=Q(direction=Transaction.Direction.CREDIT)),
        )
        .order_by()
    )
    sums = {month.strftime("%Y-%m"): {} for month in months}
    for day in days:
        month = sums[day["transaction_date"].strftime("%Y-%m")]
        _add_group(month.setdefault(day["category"], [0, Decimal(0), Decimal(0)]), day)
    series = []
    for label, by_category in sums.items():
        categories = _category_rows(by_category)
        count, charges, payments = _money_of(categories)
        series.append({
            "month": label,
            "transactions": count,
            "charges": charges,
            "payments": payments,
            "categories": categories,
        })  # fmt: skip
    return series


def _add_group(sums: list, group: dict) -> None:
    sums[0] += group["n"]
    sums[1] += Decimal(group["total"] or 0)
    sums[2] += Decimal(group["payments"] or 0)


def _category_rows(by_category: dict[str, list]) -> list[dict]:
    """[{category, transactions, charges, payments}], largest charges first."""
    rows = []
    for category, (count, total, paid) in by_category.items():
        payments = _cents(paid)
        rows.append({
            "category": category,
            "transactions": count,
            "charges": _cents(total) - payments,
            "payments": payments,
        })  # fmt: skip
    return sorted(rows, key=lambda row: (-row["charges"], -row["payments"], row["category"]))


def _category_money(scope: Q) -> list[dict]:
    """Per-category counts and money over the rows in `scope`: one grouped query."""
    groups = (
        Transaction.objects.filter(scope)
        .values("category")
        .annotate(
            n=Count("*"),
            total=Sum("amount"),
            payments=Sum("amount", filter=Q(direction=Transaction.Direction.CREDIT)),
        )
        .order_by()
    )
    by_category: dict[str, list] = {}
    for group in groups:
        _add_group(by_category.setdefault(group["category"], [0, Decimal(0), Decimal(0)]), group)
    return _category_rows(by_category)


def _money_of(categories: list[dict]) -> tuple[int, Decimal, Decimal]:
    count = sum(row["transactions"] for row in categories)
    charges = sum((row["charges"] for row in categories), Decimal("0.00"))
    payments = sum((row["payments"] for row in categories), Decimal("0.00"))
    return count, charges, payments


def add_months(first: date, offset: int) -> date:
    """The first day of the month `offset` months from `first` (a month's first day)."""
    index = first.year * 12 + first.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


def _scopes(user, filters: SummaryFilters) -> tuple[Q, Q]:
    """What `user` may see under `filters`: the customers, and the cards."""
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
    return agent, card_scope


def _bill_money(scope: Q) -> tuple[int, tuple[int, Decimal, Decimal]]:
    """Without a period every stored row counts, and each bill keeps the count and sums of
    the rows stored under it: one pass over the bills instead of over every row."""
    totals = Bill.objects.filter(scope).aggregate(
        bills=Count("*"),
        rows=Sum("row_count"),
        charges=Sum("row_debits"),
        payments=Sum("row_credits"),
    )
    money = (totals["rows"] or 0, _cents(totals["charges"]), _cents(totals["payments"]))
    return totals["bills"], money


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
