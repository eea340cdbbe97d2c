"""Row-level scoping: supervisors and admins see everything; an agent sees the cards, bills and
transactions of the customers assigned to them, and the imports they uploaded."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.roles import sees_all_customers
from billing.models import Bill, CreditCard, StatementImport, Transaction


def cards_visible_to(user) -> QuerySet[CreditCard]:
    cards = CreditCard.objects.select_related("bank", "customer")
    if sees_all_customers(user):
        return cards
    return cards.filter(customer__assigned_agent=user)


def bills_visible_to(user) -> QuerySet[Bill]:
    bills = Bill.objects.select_related("card__bank", "card__customer", "statement_import")
    if sees_all_customers(user):
        return bills
    return bills.filter(card__customer__assigned_agent=user)


def transactions_visible_to(user) -> QuerySet[Transaction]:
    rows = Transaction.objects.select_related("card__bank", "bill")
    if sees_all_customers(user):
        return rows
    return rows.filter(card__customer__assigned_agent=user)


def imports_visible_to(user) -> QuerySet[StatementImport]:
    imports = StatementImport.objects.select_related("bank", "customer", "job", "duplicate_of")
    if sees_all_customers(user):
        return imports
    return imports.filter(Q(uploaded_by=user) | Q(customer__assigned_agent=user))
