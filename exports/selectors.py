"""Which records an export holds: the rows the caller's list would show with the same query
parameters (filters, search, ordering), scoped by the same selectors (agents: their
customers' rows only)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace

from django.db.models import QuerySet
from django.http import QueryDict
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter

from accounts.roles import sees_all_customers
from billing.filters import TransactionFilter
from billing.selectors.scoped import transactions_visible_to
from exports.formats import INVOICE_LINES, INVOICES, TRANSACTIONS
from exports.models import Export
from invoices.fields import invoice_field_names
from invoices.filters import invoice_filterset
from invoices.models import InvoiceLine
from invoices.selectors import invoices_visible_to

# What no export writes and a read may hold much of (the recognised text, every word's box).
UNEXPORTED_INVOICE_COLUMNS = ("raw_text", "boxes", "field_sources", "field_confidence", "checks")


@dataclass(frozen=True)
class Source:
    visible_to: Callable
    filterset: Callable[[], type]
    search_fields: Callable[[], list[str]]
    ordering_fields: Callable[[], list[str]]
    ordering: tuple[str, ...]


INVOICE_SOURCE = Source(
    visible_to=invoices_visible_to,
    filterset=invoice_filterset,
    search_fields=lambda: [*invoice_field_names(searchable=True), "original_name"],
    ordering_fields=lambda: [
        "created_at",
        *invoice_field_names(sortable=True),
        "confidence",
        "status",
    ],
    ordering=("-created_at", "-id"),
)
TRANSACTION_SOURCE = Source(
    visible_to=transactions_visible_to,
    filterset=lambda: TransactionFilter,
    search_fields=lambda: ["description"],
    ordering_fields=lambda: ["transaction_date", "amount"],
    ordering=("-transaction_date", "-id"),
)


class _View(SimpleNamespace):
    """What DRF's SearchFilter and OrderingFilter read of a view."""


def _listed(source: Source, user, params: QueryDict) -> QuerySet:
    queryset = source.visible_to(user).order_by(*source.ordering)
    request = SimpleNamespace(user=user, query_params=params)
    filterset = source.filterset()(data=params, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    queryset = filterset.qs
    view = _View(search_fields=source.search_fields(), ordering_fields=source.ordering_fields(),
                 ordering=list(source.ordering))  # fmt: skip
    queryset = SearchFilter().filter_queryset(request, queryset, view)
    return OrderingFilter().filter_queryset(request, queryset, view)


def export_records(*, dataset: str, user, params: Mapping) -> QuerySet:
    """The records of `dataset` the user's list shows for `params`, with the joins the rows
    need. Raises ValidationError (400) for a filter value the list refuses."""
    if not isinstance(params, QueryDict):
        query = QueryDict(mutable=True)
        for key, value in params.items():
            query.setlist(key, value if isinstance(value, list) else [value])
        params = query
    if dataset == TRANSACTIONS:
        return _listed(TRANSACTION_SOURCE, user, params).select_related(
            "bill", "card__bank", "card__customer"
        )
    invoices = (
        _listed(INVOICE_SOURCE, user, params)
        .select_related("reviewed_by", "customer")
        .defer(*UNEXPORTED_INVOICE_COLUMNS)
    )
    if dataset == INVOICES:
        return invoices.prefetch_related("lines")
    assert dataset == INVOICE_LINES
    return (
        InvoiceLine.objects.filter(invoice__in=invoices.values("pk"))
        .select_related("invoice__reviewed_by", "invoice__customer")
        .defer(*(f"invoice__{name}" for name in UNEXPORTED_INVOICE_COLUMNS))
        .order_by("-invoice__created_at", "-invoice_id", "position")
    )


def exports_visible_to(user) -> QuerySet[Export]:
    exports = Export.objects.select_related("job")
    if sees_all_customers(user):
        return exports
    return exports.filter(requested_by=user)
