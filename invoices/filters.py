"""List filters for invoices (django-filter). `?customer=<id>` chooses among the customers the
caller may see: another agent's customer answers the same 400 as an id that does not exist."""

from datetime import UTC
from functools import lru_cache

import django_filters
from django import forms
from django.core.exceptions import ValidationError

from customers.filters import ID_RANGE, customer_choice
from invoices import fields
from invoices.models import Invoice


class UtcDateTimeField(forms.DateTimeField):
    """The moment in UTC, as DRF's DateTimeField gives it. Kept in the offset it was written
    with, PostgreSQL refused one beyond ±15:59 that Python parses ("-18:07"), and SQLite's
    conversion to UTC overflowed near year 1 or 9999 ("0001-01-01T00:00+14:00"): both a 500."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcDateTimeFilter(django_filters.DateTimeFilter):
    field_class = UtcDateTimeField


class InvoiceRecordFilter(django_filters.FilterSet):
    """The filters on the invoice's own columns; invoice_filterset() adds the invoice fields'."""

    status = django_filters.MultipleChoiceFilter(choices=Invoice.Status.choices)
    customer = customer_choice()
    document_type = django_filters.CharFilter(field_name="document_type__code")
    confidence_min = django_filters.NumberFilter(field_name="confidence", lookup_expr="gte")
    confidence_max = django_filters.NumberFilter(field_name="confidence", lookup_expr="lte")
    created_from = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_to = UtcDateTimeFilter(field_name="created_at", lookup_expr="lte")
    uploaded_by = django_filters.NumberFilter(field_name="uploaded_by_id", **ID_RANGE)
    # Invoices repeating a stored one by business key (invoices/services/duplicates.py).
    duplicate_of = django_filters.NumberFilter(field_name="duplicate_of_id", **ID_RANGE)
    is_duplicate = django_filters.BooleanFilter(
        field_name="duplicate_of", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Invoice
        fields = ["status"]


_RANGE_FILTERS = {"date": django_filters.DateFilter, "amount": django_filters.NumberFilter}


def invoice_filterset() -> type[django_filters.FilterSet]:
    """InvoiceRecordFilter plus each invoice field's `filter` (invoices/fields.py): `exact`
    ?name=, `contains` ?name= (case-insensitive), `range` ?name_from= and ?name_to=."""
    return _filterset(fields.INVOICE_FIELDS)


@lru_cache(maxsize=4)
def _filterset(specs: tuple[fields.InvoiceField, ...]) -> type[django_filters.FilterSet]:
    declared: dict[str, django_filters.Filter] = {}
    exact = []
    for spec in specs:
        if spec.filter == "exact":
            exact.append(spec.name)
        elif spec.filter == "contains":
            declared[spec.name] = django_filters.CharFilter(
                field_name=spec.name, lookup_expr="icontains"
            )
        elif spec.filter == "range":
            kind = _RANGE_FILTERS[spec.kind]
            declared[f"{spec.name}_from"] = kind(field_name=spec.name, lookup_expr="gte")
            declared[f"{spec.name}_to"] = kind(field_name=spec.name, lookup_expr="lte")
    meta = type("Meta", (InvoiceRecordFilter.Meta,), {"fields": ["status", *exact]})
    return type("InvoiceFilter", (InvoiceRecordFilter,), {**declared, "Meta": meta})


InvoiceFilter = invoice_filterset()
