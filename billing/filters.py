"""List filters for cards, bills, transactions and imports (django-filter).

Filters by id (`customer`, `card`, `bill`, `statement_import`) choose among what the caller may
see: an id of another agent's record answers the same 400 "select a valid choice" as an id that
does not exist, so the filters cannot tell the two apart.
"""

from __future__ import annotations

import django_filters as filters

from billing.models import Bill, CreditCard, StatementImport, Transaction
from billing.selectors.scoped import bills_visible_to, cards_visible_to, imports_visible_to
from customers.filters import customer_choice, visible_choice


class CreditCardFilter(filters.FilterSet):
    customer = customer_choice()
    bank = filters.CharFilter(field_name="bank__code")

    class Meta:
        model = CreditCard
        fields = ["customer", "bank", "last4"]


class BillFilter(filters.FilterSet):
    customer = customer_choice(field_name="card__customer")
    card = visible_choice(CreditCard, cards_visible_to)
    bank = filters.CharFilter(field_name="card__bank__code")
    statement_import = visible_choice(StatementImport, imports_visible_to)
    date_from = filters.DateFilter(field_name="statement_date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="statement_date", lookup_expr="lte")

    class Meta:
        model = Bill
        fields = ["customer", "card", "bank", "status", "statement_import", "date_from", "date_to"]


class TransactionFilter(filters.FilterSet):
    customer = customer_choice(field_name="card__customer")
    card = visible_choice(CreditCard, cards_visible_to)
    bill = visible_choice(Bill, bills_visible_to)
    bank = filters.CharFilter(field_name="card__bank__code")
    date_from = filters.DateFilter(field_name="transaction_date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="transaction_date", lookup_expr="lte")
    amount_min = filters.NumberFilter(field_name="amount", lookup_expr="gte")
    amount_max = filters.NumberFilter(field_name="amount", lookup_expr="lte")
    q = filters.CharFilter(field_name="description", lookup_expr="icontains", label="Text search")

    class Meta:
        model = Transaction
        fields = [
            "customer",
            "card",
            "bill",
            "bank",
            "direction",
            "date_from",
            "date_to",
            "amount_min",
            "amount_max",
            "q",
        ]


class StatementImportFilter(filters.FilterSet):
    customer = customer_choice()
    bank = filters.CharFilter(field_name="bank__code")

    class Meta:
        model = StatementImport
        fields = ["status", "customer", "bank", "format"]
