"""The document analysis API in the operator console: document types, prompt templates (edit,
publish, export, import, evaluate, canary releases: ocrengine/admin/canaries.py), machine clients (secret shown once, in the response
itself; rotate; scopes) and the call log. Every change goes through the same services as the API."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html

from core.errors import DomainError
from ocrengine.admin.canaries import (
    CANARY_ACTIONS,
    CANARY_COLUMNS,
    CANARY_FIELDS,
    PromptTemplateCanaryAdmin,
)
from ocrengine.models import (
    AnalysisLog,
    ApiClient,
    DocumentType,
    PromptTemplate,
    TemplateEvaluation,
)
from ocrengine.services.evaluations import template_evaluation_start
from ocrengine.services.hmac_auth import (
    api_client_create,
    api_client_retire_previous,
    api_client_rotate,
)
from ocrengine.services.template_transfer import templates_export, templates_import
from ocrengine.services.templates import (
    template_create_draft,
    template_is_editable,
    template_publish,
    template_revise,
    template_spec_errors,
)


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sensitive_fields", "llm_model", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]


class PromptTemplateForm(forms.ModelForm):
    class Meta:
        model = PromptTemplate
        fields = ["document_type", "spec", "prompt", "notes"]

    def clean_spec(self):
        spec = self.cleaned_data["spec"]
        errors = template_spec_errors(spec=spec)
        if errors:
            raise ValidationError(errors)
        return spec


@admin.register(PromptTemplate)
class PromptTemplateAdmin(PromptTemplateCanaryAdmin, admin.ModelAdmin):
    form = PromptTemplateForm
    list_display = ["document_type", "version", "status", "is_default", *CANARY_COLUMNS,
                    "used_at", "notes", "created_by", "created_at"]  # fmt: skip
    list_filter = ["document_type", "status", "is_default"]
    search_fields = ["document_type__code", "notes"]
    list_select_related = ["document_type", "created_by"]
    actions = ["publish_selected", "export_selected", *CANARY_ACTIONS]
    change_list_template = "admin/ocrengine/prompttemplate_changelist.html"

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        fixed = ["version", "status", "is_default", "used_at", "created_by", *CANARY_FIELDS]
        return [*fixed, "document_type"] if obj is not None else fixed

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return ["document_type", "version", "status", "is_default", *CANARY_FIELDS, "used_at",
                "spec", "prompt", "notes", "created_by"]  # fmt: skip

    def save_model(self, request: HttpRequest, obj: PromptTemplate, form, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            created = template_create_draft(
                document_type=data["document_type"],
                spec=data["spec"],
                prompt=data["prompt"],
                notes=data["notes"],
                created_by=request.user,
            )
        else:
            original = PromptTemplate.objects.get(pk=obj.pk)
            editable = template_is_editable(original)
            created = template_revise(
                template=original,
                spec=data["spec"],
                prompt=data["prompt"],
                notes=data["notes"],
                revised_by=request.user,
            )
            if not editable:
                messages.info(
                    request,
                    f"v{original.version} is in use and cannot change; "
                    f"your edit was saved as draft v{created.version}.",
                )
        obj.pk, obj.version, obj.status = created.pk, created.version, created.status

    @admin.action(
        description="Publish selected draft as its type's default", permissions=["change"]
    )
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[PromptTemplate]) -> None:
        for template in queryset.select_related("document_type"):
            try:
                published = template_publish(template=template, published_by=request.user)
            except DomainError as error:
                messages.error(request, f"{template}: {error.message}")
                continue
            messages.success(
                request, f"{published.document_type.code} v{published.version} is now the default."
            )

    @admin.action(description="Export selected as a JSON bundle", permissions=["view"])
    def export_selected(
        self, request: HttpRequest, queryset: QuerySet[PromptTemplate]
    ) -> HttpResponse:
        bundle = templates_export(document_type_codes=None)
        chosen = {
            (t.document_type.code, t.version) for t in queryset.select_related("document_type")
        }
        bundle["templates"] = [
            t for t in bundle["templates"] if (t["document_type"], t["version"]) in chosen
        ]
        response = HttpResponse(
            json.dumps(bundle, ensure_ascii=False, indent=2), content_type="application/json"
        )
        response["Content-Disposition"] = 'attachment; filename="prompt_templates.json"'
        return response

    def get_urls(self):
        extra = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="ocrengine_prompttemplate_import",
            ),
            path(
                "canaries/",
                self.admin_site.admin_view(self.canaries_view),
                name="ocrengine_prompttemplate_canaries",
            ),
        ]
        return extra + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            messages.error(request, "You may not import templates.")
            return HttpResponseRedirect(reverse("admin:ocrengine_prompttemplate_changelist"))
        form = TemplateImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            try:
                report = templates_import(
                    bundle=form.cleaned_data["bundle"],
                    activate=form.cleaned_data["activate"],
                    imported_by=request.user,
                ).as_dict()
                messages.success(request, f"Imported {len(report['created'])} templates.")
            except DomainError as error:
                messages.error(request, error.message)
                report = error.details
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "report": report,
            "title": "Import prompt templates",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/ocrengine/prompttemplate_import.html", context)


class TemplateImportForm(forms.Form):
    file = forms.FileField(help_text="A bundle written by export (JSON).")
    activate = forms.BooleanField(
        required=False, help_text="Make the bundle's defaults the defaults here too."
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            try:
                cleaned["bundle"] = json.loads(upload.read().decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as error:
                raise ValidationError(f"Not a JSON file: {error}") from None
        return cleaned


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=ApiClient.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=list(ApiClient.Scope.values),
        help_text="Endpoints the client may call; none: it may call nothing.",
    )

    class Meta:
        model = ApiClient
        fields = ["name", "user", "scopes", "is_active"]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = ["name", "key_id", "user", "scopes", "is_active", "rotating", "last_used_at",
                    "created_at"]  # fmt: skip
    list_filter = ["is_active"]
    search_fields = ["name", "key_id"]
    fields = ["name", "key_id", "user", "scopes", "is_active", "last_used_at", "created_at"]
    readonly_fields = ["key_id", "last_used_at", "created_at"]
    actions = ["rotate_secret", "retire_previous_secret"]

    @admin.display(boolean=True, description="Previous secret valid")
    def rotating(self, client: ApiClient) -> bool:
        return bool(client.previous_secret)

    def save_model(self, request: HttpRequest, obj: ApiClient, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        client, secret = api_client_create(name=obj.name, user=obj.user, scopes=obj.scopes)
        client.is_active = obj.is_active
        client.save(update_fields=["is_active"])
        obj.pk, obj.key_id = client.pk, client.key_id
        # Kept on this request only, for response_add to show.
        request._new_client_secret = (client, secret)

    def response_add(self, request: HttpRequest, obj: ApiClient, post_url_continue=None):
        created = getattr(request, "_new_client_secret", None)
        if created is None:
            return super().response_add(request, obj, post_url_continue)
        return _secrets_page(request, self, [created], title="New client's secret")

    @admin.action(description="Rotate secret (the old one keeps working until retired)")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> HttpResponse:
        rotated = [(client, api_client_rotate(client=client)) for client in queryset]
        return _secrets_page(request, self, rotated, title="New secrets", rotated=True)

    @admin.action(description="Retire previous secret")
    def retire_previous_secret(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        for client in queryset:
            api_client_retire_previous(client=client)
        messages.success(request, f"Previous secrets retired for {queryset.count()} clients.")


def _secrets_page(
    request: HttpRequest,
    model_admin: ApiClientAdmin,
    secrets: list[tuple[ApiClient, str]],
    *,
    title: str,
    rotated: bool = False,
) -> HttpResponse:
    """The secrets, shown once in this response: never through the messages framework, whose
    cookie or session would keep them, and never cached."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.model._meta,
        "secrets": secrets,
        "rotated": rotated,
    }
    response = TemplateResponse(request, "admin/ocrengine/apiclient_secrets.html", context)
    add_never_cache_headers(response)
    return response


@admin.register(AnalysisLog)
class AnalysisLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "document_type", "template_version", "template_route",
                    "backend", "client_kind", "user", "api_client", "success", "confidence",
                    "latency_ms", "cache_hit", "error_code", "fallback_reason"]  # fmt: skip
    list_filter = ["document_type", "template_route", "backend", "client_kind", "success",
                   "cache_hit"]  # fmt: skip
    search_fields = ["error_code", "fallback_reason", "user__username", "api_client__key_id"]
    list_select_related = ["user", "api_client"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class TemplateEvaluationForm(forms.ModelForm):
    versions_text = forms.CharField(
        required=False,
        label="Versions",
        help_text="Space-separated versions to compare, e.g. '3 4'; empty for the default.",
    )

    class Meta:
        model = TemplateEvaluation
        fields = ["document_type", "archive"]
        help_texts = {
            "archive": "A .zip with MANIFEST.tsv (doc and gt columns), the documents "
            "and their ground-truth JSON."
        }

    def clean_versions_text(self) -> list[int]:
        raw = self.cleaned_data["versions_text"].replace(",", " ").split()
        try:
            versions = [int(value) for value in raw]
        except ValueError:
            raise ValidationError("Versions are whole numbers.") from None
        if any(v < 1 for v in versions) or len(set(versions)) != len(versions):
            raise ValidationError("Versions are distinct positive numbers.")
        return versions


@admin.register(TemplateEvaluation)
class TemplateEvaluationAdmin(admin.ModelAdmin):
    form = TemplateEvaluationForm
    list_display = ["__str__", "document_type", "versions", "job", "created_by", "created_at"]
    list_select_related = ["document_type", "job", "created_by"]

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        if obj is None:
            return ["document_type", "versions_text", "archive"]
        return ["document_type", "versions", "archive", "job", "report_table", "error",
                "created_by", "created_at"]  # fmt: skip

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [] if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description="Per-field accuracy")
    def report_table(self, evaluation: TemplateEvaluation) -> str:
        table = evaluation.report.get("table")
        return format_html("<pre>{}</pre>", table) if table else "not finished yet"

    def save_model(self, request: HttpRequest, obj: TemplateEvaluation, form, change: bool) -> None:
        try:
            started = template_evaluation_start(
                document_type=form.cleaned_data["document_type"],
                versions=form.cleaned_data["versions_text"],
                archive=form.cleaned_data["archive"],
                started_by=request.user,
            )
        except DomainError as error:
            messages.error(request, error.message)
            raise _Refused from None
        obj.pk = started.pk

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except _Refused:
            return HttpResponseRedirect(request.path)


class _Refused(Exception):
    """The evaluation service refused the upload; the admin shows the message and the form."""
