"""List filters for cards, bills, transactions and imports (django-filter)."""

from __future__ import annotations

import django_filters as filters

from billing.models import Bill, CreditCard, StatementImport, Transaction


class CreditCardFilter(filters.FilterSet):
    bank = filters.CharFilter(field_name="bank__code")

    class Meta:
        model = CreditCard
        fields = ["customer", "bank", "last4"]


class BillFilter(filters.FilterSet):
    customer = filters.NumberFilter(field_name="card__customer")
    bank = filters.CharFilter(field_name="card__bank__code")
    date_from = filters.DateFilter(field_name="statement_date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="statement_date", lookup_expr="lte")

    class Meta:
        model = Bill
        fields = ["customer", "card", "bank", "status", "statement_import", "date_from", "date_to"]


class TransactionFilter(filters.FilterSet):
    customer = filters.NumberFilter(field_name="card__customer")
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
    bank = filters.CharFilter(field_name="bank__code")

    class Meta:
        model = StatementImport
        fields = ["status", "customer", "bank", "format"]
