"""Bank templates in the admin: edit the JSON spec (validated), save as a new version, publish,
dry-run preview on an uploaded sample, export and import, and make one by example from a
statement (`template_examples`). Stored versions are never edited
in place: a statement imported with v3 must stay explainable by v3."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from billing.admin.template_examples import example_page_view, example_view
from billing.models import BankTemplate
from billing.services import (
    template_create_version,
    template_preview,
    template_publish,
    templates_export,
    templates_import,
)
from billing.services.templates import template_validate
from core.errors import DomainError


class SpecField(forms.JSONField):
    widget = forms.Textarea(attrs={"rows": 30, "cols": 100, "style": "font-family: monospace"})

    def prepare_value(self, value):
        if isinstance(value, str):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)


class BankTemplateForm(forms.ModelForm):
    spec = SpecField()

    class Meta:
        model = BankTemplate
        fields = ["bank", "spec", "notes"]

    def clean(self):
        cleaned = super().clean()
        # On the change form the bank is read-only, so it comes from the stored version.
        bank = cleaned.get("bank") or (self.instance.bank if self.instance.pk else None)
        if "spec" in cleaned and bank is not None:
            try:
                template_validate(spec=cleaned["spec"], bank=bank)
            except DomainError as error:
                raise forms.ValidationError(
                    [error.message, *error.details.get("errors", [])]
                ) from None
        return cleaned


class PreviewForm(forms.Form):
    sample = forms.FileField(help_text="A statement to read with this spec; nothing is saved.")
    password = forms.CharField(required=False, widget=forms.PasswordInput, strip=False)
    spec = SpecField(help_text="Edit to try changes before saving them as a new version.")

    def clean_sample(self):
        # Refused before it is read: a preview reads no more than an import would.
        sample = self.cleaned_data["sample"]
        if sample.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                f"The sample is {sample.size} bytes; the limit is {settings.UPLOAD_MAX_BYTES}."
            )
        return sample


class ImportForm(forms.Form):
    export_file = forms.FileField(help_text="A file written by export (JSON).")


@admin.register(BankTemplate)
class BankTemplateAdmin(admin.ModelAdmin):
    form = BankTemplateForm
    list_display = ["bank", "version", "status", "notes", "created_by", "created_at"]
    list_filter = ["status", "bank"]
    list_select_related = ["bank", "created_by"]
    actions = ["publish_selected", "export_selected"]
    change_form_template = "admin/billing/banktemplate/change_form.html"
    change_list_template = "admin/billing/banktemplate/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        return ["bank", "sample"] if obj else []

    def save_model(self, request, obj, form, change) -> None:
        """Saving never rewrites a version: it stores the spec as the bank's next draft."""
        created = template_create_version(
            bank=form.cleaned_data.get("bank") or obj.bank,
            spec=form.cleaned_data["spec"],
            notes=form.cleaned_data.get("notes", ""),
            created_by=request.user,
        )
        if change and obj.sample_id and "layout" in created.spec:
            # An edited template made by example keeps its sample: it still publishes only
            # if it reads that statement into reconciling bills.
            created.sample_id = obj.sample_id
            created.save(update_fields=["sample"])
        obj.pk, obj.version, obj.status = created.pk, created.version, created.status
        obj.spec = created.spec
        self.message_user(
            request, f"Saved as {created.bank.code} v{created.version} (draft).", messages.SUCCESS
        )

    @admin.action(description="Publish (make the selected version its bank's active one)")
    def publish_selected(self, request, queryset) -> None:
        per_bank = {}
        for template in queryset.order_by("version"):
            per_bank[template.bank_id] = template
        for template in per_bank.values():
            try:
                template_publish(template=template)
            except DomainError as refusal:
                # A template made by example that does not reconcile its sample stays a draft.
                self.message_user(request, f"Not published: {refusal.message}", messages.ERROR)
                continue
            self.message_user(request, f"Published {template}.", messages.SUCCESS)

    @admin.action(description="Export selected banks' templates (JSON)")
    def export_selected(self, request, queryset) -> HttpResponse:
        codes = sorted(set(queryset.values_list("bank__code", flat=True)))
        return _json_download(templates_export(bank_codes=codes))

    def get_urls(self):
        own = [
            path("<int:pk>/preview/", self.admin_site.admin_view(self.preview_view),
                 name="billing_banktemplate_preview"),
            path("import/", self.admin_site.admin_view(self.import_view),
                 name="billing_banktemplate_import"),
            path("export/", self.admin_site.admin_view(self.export_view),
                 name="billing_banktemplate_export"),
            path("from-statement/<int:statement_id>/",
                 self.admin_site.admin_view(self.example_view),
                 name="billing_banktemplate_example"),
            path("from-statement/<int:statement_id>/pages/<int:number>.png",
                 self.admin_site.admin_view(self.example_page_view),
                 name="billing_banktemplate_example_page"),
        ]  # fmt: skip
        return own + super().get_urls()

    def preview_view(self, request, pk: int):
        template = get_object_or_404(BankTemplate.objects.select_related("bank"), pk=pk)
        if not self.has_view_permission(request, template):
            return HttpResponseRedirect(reverse("admin:index"))
        result, error = None, None
        form = PreviewForm(
            request.POST or None, request.FILES or None, initial={"spec": template.spec}
        )
        if request.method == "POST" and form.is_valid():
            sample = form.cleaned_data["sample"]
            try:
                result = template_preview(
                    spec=form.cleaned_data["spec"], data=sample.read(), filename=sample.name,
                    password=form.cleaned_data.get("password") or None,
                )  # fmt: skip
            except DomainError as failure:
                error = {"code": failure.code, "message": failure.message,
                         "errors": failure.details.get("errors", [])}  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Preview {template}",
            "template_obj": template,
            "form": form,
            "result": result,
            "error": error,
        }
        return TemplateResponse(request, "admin/billing/banktemplate/preview.html", context)

    def import_view(self, request):
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        form = ImportForm(request.POST or None, request.FILES or None)
        report, refusal = None, None
        if request.method == "POST" and form.is_valid():
            try:
                document = json.loads(form.cleaned_data["export_file"].read().decode("utf-8"))
                report = templates_import(document=document, created_by=request.user)
            except (ValueError, UnicodeDecodeError) as failure:
                refusal = {"message": f"Not a JSON file: {failure}", "errors": []}
            except DomainError as failure:
                refusal = {"message": failure.message, "errors": failure.details.get("errors", [])}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import bank templates",
            "form": form,
            "report": report,
            "refusal": refusal,
        }
        return TemplateResponse(request, "admin/billing/banktemplate/import.html", context)

    def example_view(self, request, statement_id: int):
        """Make a bank template from this statement (`billing/admin/template_examples.py`)."""
        return example_view(self, request, statement_id)

    def example_page_view(self, request, statement_id: int, number: int):
        return example_page_view(self, request, statement_id, number)

    def export_view(self, request):
        return _json_download(templates_export())


def _json_download(document: dict) -> HttpResponse:
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="bank_templates.json"'
    return response
