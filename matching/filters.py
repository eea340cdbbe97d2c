from __future__ import annotations

import django_filters as filters

from customers.filters import customer_choice
from matching.models import ReceiptMatch


class ReceiptMatchFilter(filters.FilterSet):
    """?status=proposed&customer=3&date_from=2026-01-01&date_to=2026-01-31&min_score=0.8"""

    status = filters.ChoiceFilter(choices=ReceiptMatch.Status.choices)
    customer = customer_choice(field_name="invoice__customer")
    date_from = filters.DateFilter(field_name="transaction__transaction_date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="transaction__transaction_date", lookup_expr="lte")
    min_score = filters.NumberFilter(
        field_name="score", lookup_expr="gte", min_value=0, max_value=1
    )
    auto_confirmed = filters.BooleanFilter()

    class Meta:
        model = ReceiptMatch
        fields = ["status", "customer", "date_from", "date_to", "min_score", "auto_confirmed"]
