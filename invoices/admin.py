"""The operator console for invoices: review queue, upload form, approve/reprocess actions.

Writes go through the same services as the API, so the admin gets the same validation,
storage layout, jobs and audit trail.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from core.errors import DomainError
from customers.selectors import customers_assignable_by
from invoices.fields import invoice_field_label, invoice_field_names
from invoices.models import FieldThreshold, Invoice, InvoiceFieldChange, InvoiceLine
from invoices.selectors import invoice_document_types
from invoices.services import invoice_approve, invoice_reprocess, invoice_update, invoice_upload
from invoices.services.calibration import field_thresholds_calibrate
from invoices.services.storage import file_delete
from invoices.services.upload import document_type_default, upload_validate


class InvoiceUploadForm(forms.ModelForm):
    """The admin's add view: one file, checked and stored by `invoice_upload`."""

    upload = forms.FileField(
        label="Invoice file",
        help_text="PDF, PNG, JPEG, TIFF or WebP; or a UBL, CII, 数电 XML or OFD e-invoice.",
    )

    class Meta:
        model = Invoice
        fields = ["customer", "document_type"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document_type"].queryset = invoice_document_types()
        self.fields["document_type"].required = False
        self.fields["document_type"].help_text = "Default: invoice."

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        try:
            upload_validate(file=upload)
        except DomainError as error:
            raise ValidationError(error.message, code=error.code) from None
        return upload

    def upload_as(self, user) -> Invoice:
        return invoice_upload(
            file=self.cleaned_data["upload"],
            uploaded_by=user,
            customer=self.cleaned_data.get("customer"),
            document_type=self.cleaned_data.get("document_type") or document_type_default(),
        )


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = ["position", "description", "quantity", "unit_price", "amount", "tax_rate"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class InvoiceFieldChangeInline(admin.TabularInline):
    model = InvoiceFieldChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "changed_by", "field", "old_value", "new_value"]
    readonly_fields = fields
    verbose_name_plural = "Corrections (audit trail)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    # The invoice fields' columns, search, fieldset and labels come from invoices/fields.py.
    list_filter = ["status", "document_type", "currency", "engine", "created_at", "date",
                   ("duplicate_of", admin.EmptyFieldListFilter)]  # fmt: skip
    date_hierarchy = "created_at"
    list_select_related = ["customer"]
    actions = ["approve_selected", "reprocess_selected"]
    inlines = [InvoiceLineInline, InvoiceFieldChangeInline]
    readonly_fields = [
        "original_file", "original_name", "sha256", "mime", "size", "pages", "status",
        "document_type", "confidence", "field_confidence_table", "checks_list", "field_sources",
        "engine", "engine_version", "template_version", "error_code", "error", "job_link",
        "uploaded_by", "reviewed_by", "approved_at", "created_at", "updated_at", "raw_text",
        "duplicate_link",
    ]  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invoice]:
        return super().get_queryset(request).select_related("customer", "document_type", "job")

    # --- add view: an upload form -------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = InvoiceUploadForm
            kwargs["fields"] = ["customer", "document_type"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_list_display(self, request):
        return ["id", "original_name", "status", *invoice_field_names(listed=True),
                "confidence", "duplicate_link", "customer", "created_at"]  # fmt: skip

    def get_search_fields(self, request):
        return [*invoice_field_names(searchable=True), "original_name", "sha256"]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["upload", "customer", "document_type"]})]
        return [
            ("Document", {"fields": ["original_file", "original_name", "mime", "size", "pages",
                                     "sha256", "document_type", "customer"]}),
            ("Status", {"fields": ["status", "confidence", "duplicate_link", "error_code", "error",
                                   "job_link", "uploaded_by", "reviewed_by", "approved_at"]}),
            ("Extracted fields", {"fields": invoice_field_names()}),
            ("How they were read", {"fields": ["field_confidence_table", "checks_list", "engine",
                                               "engine_version", "template_version",
                                               "field_sources"],
                                    "classes": ["collapse"]}),
            ("Raw text", {"fields": ["raw_text"], "classes": ["collapse"]}),
            ("Timestamps", {"fields": ["created_at", "updated_at"]}),
        ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.status == Invoice.Status.APPROVED:  # approved is final
            return [*self.readonly_fields, *invoice_field_names(), "customer"]
        return [*self.readonly_fields, *invoice_field_names(editable=False)]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        label = invoice_field_label(db_field.name)
        if label is not None:  # the same label as in the workbench
            kwargs.setdefault("label", label)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_inlines(self, request, obj=None):
        return [] if obj is None else self.inlines

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "customer":
            kwargs["queryset"] = customers_assignable_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            created = form.upload_as(request.user)
            obj.pk = created.pk
            obj.__dict__.update({k: v for k, v in created.__dict__.items() if k != "_state"})
            obj._state.adding = False
            return
        changes = {
            name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data
        }
        if changes:
            invoice_update(invoice=obj, changes=changes, changed_by=request.user)

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except DomainError as error:
            # A refusal the form could not foresee (a concurrent duplicate upload).
            self.message_user(request, error.message, level=messages.ERROR)
            return HttpResponseRedirect(request.path)

    def delete_model(self, request, obj: Invoice) -> None:
        name = obj.file.name
        super().delete_model(request, obj)
        # The stored original goes once the row is gone for good (not on a rollback).
        transaction.on_commit(lambda: file_delete(name))

    def delete_queryset(self, request, queryset: QuerySet[Invoice]) -> None:
        names = list(queryset.values_list("file", flat=True))
        super().delete_queryset(request, queryset)
        transaction.on_commit(lambda: [file_delete(name) for name in names])

    # --- read-only displays ---------------------------------------------------------------

    @admin.display(description="File")
    def original_file(self, obj: Invoice) -> str:
        url = reverse("invoice-file", args=[obj.pk])
        return format_html('<a href="{}">{}</a> ({})', url, obj.original_name, obj.file.name)

    @admin.display(description="Job")
    def job_link(self, obj: Invoice) -> str:
        if not obj.job_id:
            return "-"
        return format_html(
            '<a href="{}">#{} ({})</a>',
            reverse("job-detail", args=[obj.job_id]),
            obj.job_id,
            obj.job.status,
        )

    @admin.display(description="Duplicate of", ordering="duplicate_of")
    def duplicate_link(self, obj: Invoice) -> str:
        if not obj.duplicate_of_id:
            return "-"
        return format_html(
            '<a href="{}">#{}</a>',
            reverse("admin:invoices_invoice_change", args=[obj.duplicate_of_id]),
            obj.duplicate_of_id,
        )

    @admin.display(description="Field confidence")
    def field_confidence_table(self, obj: Invoice) -> str:
        rows = sorted((obj.field_confidence or {}).items())
        if not rows:
            return "-"
        return format_html(
            "<table><tr><th>field</th><th>confidence</th></tr>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description="Checks")
    def checks_list(self, obj: Invoice) -> str:
        return json.dumps(obj.checks or [], ensure_ascii=False)

    # --- actions --------------------------------------------------------------------------

    @admin.action(description="Approve selected invoices")
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        self._each(
            request,
            queryset,
            lambda inv: invoice_approve(invoice=inv, approved_by=request.user),
            "approved",
        )

    @admin.action(description="Reprocess selected invoices")
    def reprocess_selected(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        self._each(
            request,
            queryset,
            lambda inv: invoice_reprocess(invoice=inv, requested_by=request.user),
            "queued for reprocessing",
        )

    def _each(self, request, queryset, action, verb: str) -> None:
        done, refused = 0, []
        for invoice in queryset:
            try:
                action(invoice)
                done += 1
            except DomainError as error:
                refused.append(f"#{invoice.pk}: {error.message}")
        if done:
            self.message_user(request, f"{done} invoice(s) {verb}.", level=messages.SUCCESS)
        if refused:
            self.message_user(request, "Refused: " + "; ".join(refused), level=messages.WARNING)


@admin.register(FieldThreshold)
class FieldThresholdAdmin(admin.ModelAdmin):
    """The auto-approve thresholds, read-only: `calibrate_thresholds` (daily, or the action
    here) computes them from reviewer outcomes; the target is a setting (docs/operations.md)."""

    list_display = [
        "field",
        "seller",
        "status",
        "threshold",
        "samples",
        "errors",
        "straight_through_rate",
        "measured_error_rate",
        "target_error_rate",
        "computed_at",
    ]
    list_filter = ["status", "field"]
    search_fields = ["field", "seller"]
    actions = ["recalibrate"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description="Recalibrate all thresholds now", permissions=["view"])
    def recalibrate(self, request: HttpRequest, queryset: QuerySet) -> None:
        rows = field_thresholds_calibrate()
        self.message_user(request, f"{len(rows)} thresholds recomputed.", messages.SUCCESS)


@admin.register(InvoiceFieldChange)
class InvoiceFieldChangeAdmin(admin.ModelAdmin):
    """Every reviewer correction as labelled data (read-only): what `learn_from_corrections`
    and calibration learn from."""

    list_display = ["changed_at", "invoice", "field", "old_value", "new_value", "old_confidence"]
    list_filter = ["field"]
    search_fields = ["invoice__seller", "old_value", "new_value"]
    list_select_related = ["invoice"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
