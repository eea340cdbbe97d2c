"""List filters for invoices (django-filter). `?customer=<id>` chooses among the customers the
caller may see: another agent's customer answers the same 400 as an id that does not exist."""

from datetime import UTC

import django_filters
from django import forms
from django.core.exceptions import ValidationError

from customers.filters import ID_RANGE, customer_choice
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


class InvoiceFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Invoice.Status.choices)
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    seller = django_filters.CharFilter(field_name="seller", lookup_expr="icontains")
    buyer = django_filters.CharFilter(field_name="buyer", lookup_expr="icontains")
    customer = customer_choice()
    document_type = django_filters.CharFilter(field_name="document_type__code")
    confidence_min = django_filters.NumberFilter(field_name="confidence", lookup_expr="gte")
    confidence_max = django_filters.NumberFilter(field_name="confidence", lookup_expr="lte")
    created_from = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_to = UtcDateTimeFilter(field_name="created_at", lookup_expr="lte")
    uploaded_by = django_filters.NumberFilter(field_name="uploaded_by_id", **ID_RANGE)

    class Meta:
        model = Invoice
        fields = ["status", "currency", "invoice_number"]
