"""Exports in the operator console: the changelists' export actions (the selected rows, as the
list's filters left them) and the exports built by jobs.

The actions are added here to the invoice and transaction changelists, so that invoices and
billing import nothing of exports (dependencies point one way: exports uses them)."""

from __future__ import annotations

from django.contrib import admin, messages

import billing.admin  # noqa: F401  (registers the changelists the actions join)
import invoices.admin  # noqa: F401
from billing.models import Transaction
from core.errors import DomainError
from exports.apis import file_response
from exports.formats import FORMATS, INVOICE_LINES, INVOICES, TRANSACTIONS, formats_for
from exports.models import Export
from exports.selectors import UNEXPORTED_INVOICE_COLUMNS
from exports.services import export_check_size, export_now
from invoices.models import Invoice, InvoiceLine


def _records(dataset: str, queryset):
    if dataset == INVOICES:
        return (
            queryset.select_related("reviewed_by", "customer")
            .defer(*UNEXPORTED_INVOICE_COLUMNS)
            .prefetch_related("lines")
        )
    if dataset == INVOICE_LINES:
        return (
            InvoiceLine.objects.filter(invoice__in=queryset.values("pk"))
            .select_related("invoice__reviewed_by", "invoice__customer")
            .order_by("-invoice__created_at", "-invoice_id", "position")
        )
    return queryset.select_related("bill", "card__bank", "card__customer")


def _action(dataset: str, format_name: str):
    def action(modeladmin, request, queryset):
        records = _records(dataset, queryset)
        try:
            export_check_size(records.count())
            made = export_now(
                dataset=dataset, format_name=format_name, records=records,
                base_url=request.build_absolute_uri("/").rstrip("/"),
            )  # fmt: skip
        except DomainError as error:
            modeladmin.message_user(request, error.message, messages.ERROR)
            return None
        return file_response(made.filename, made.content_type, made.data)

    what = "lines" if dataset == INVOICE_LINES else "selected"
    action.__name__ = f"export_{dataset}_{format_name}"
    action.short_description = f"Export {what} as {FORMATS[format_name].label}"
    action.allowed_permissions = ("view",)
    return action


def export_actions(dataset: str) -> list:
    """The admin actions exporting a changelist's selection, one per format. The invoice
    changelist also exports the selected invoices' lines (CSV, XLSX)."""
    found = [_action(dataset, name) for name in formats_for(dataset)]
    if dataset == INVOICES:
        found += [_action(INVOICE_LINES, name) for name in formats_for(INVOICE_LINES)]
    return found


def _add_actions(model, actions: list) -> None:
    model_admin = type(admin.site._registry[model])
    known = {getattr(action, "__name__", action) for action in model_admin.actions or []}
    model_admin.actions = [
        *(model_admin.actions or []),
        *(a for a in actions if a.__name__ not in known),
    ]


_add_actions(Invoice, export_actions(INVOICES))
_add_actions(Transaction, export_actions(TRANSACTIONS))


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ["id", "dataset", "format", "status", "rows", "requested_by", "created_at"]
    list_filter = ["status", "dataset", "format"]
    readonly_fields = [field.name for field in Export._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
