"""Canary releases of prompt templates in the operator console: the changelist's traffic and
comparison columns, the actions to start (asking the share), promote and roll back a canary,
and a page with each running canary beside its type's default. Every change goes through the
same services as the API (which audit it in the template's history)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from core.errors import DomainError
from ocrengine.models import PromptTemplate
from ocrengine.selectors import template_canary_comparisons, template_traffic_summary
from ocrengine.services.templates import (
    template_canary_promote,
    template_canary_rollback,
    template_canary_start,
)

CANARY_ACTIONS = ["start_canary", "promote_canary", "rollback_canary"]
CANARY_COLUMNS = ["traffic", "canary_comparison"]
CANARY_FIELDS = ["canary_percent", "canary_started_at", "canary_started_by"]


class CanaryPercentForm(forms.Form):
    canary_percent = forms.IntegerField(
        min_value=1,
        max_value=99,
        label="Share of the analyse traffic (%)",
        help_text="The documents whose canary bucket is below it get this version.",
    )


def _summary_text(side: dict | None) -> str:
    if side is None:
        return "-"
    if not side["calls"]:
        return "no calls yet"
    confidence = side["average_confidence"]
    latency = side["latency_ms"]
    return (
        f"{side['calls']} calls · {side['success_rate']:.1%} ok · "
        f"confidence {confidence if confidence is not None else '-'} · "
        f"p50/p95 {latency['p50']}/{latency['p95']} ms"
    )


class PromptTemplateCanaryAdmin:
    """Mixed into PromptTemplateAdmin (a ModelAdmin)."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[PromptTemplate]:
        # The type's canary share on every row, so the default's column needs no query.
        share = PromptTemplate.objects.filter(
            document_type=OuterRef("document_type"), canary_percent__isnull=False
        ).values("canary_percent")[:1]
        return super().get_queryset(request).annotate(type_canary_percent=Subquery(share))

    @admin.display(description="Traffic")
    def traffic(self, template: PromptTemplate) -> str:
        if template.canary_percent is not None:
            return f"canary {template.canary_percent}%"
        if template.is_default:
            share = getattr(template, "type_canary_percent", None)
            return f"default {100 - share}%" if share else "default 100%"
        return "-"

    @admin.display(description="Since the canary started")
    def canary_comparison(self, template: PromptTemplate) -> str:
        in_comparison = template.canary_percent is not None or (
            template.is_default and getattr(template, "type_canary_percent", None)
        )
        return _summary_text(template_traffic_summary(template)) if in_comparison else "-"

    @admin.action(
        description="Start a canary with the selected version (or change its share)",
        permissions=["change"],
    )
    def start_canary(
        self, request: HttpRequest, queryset: QuerySet[PromptTemplate]
    ) -> HttpResponse | None:
        chosen = list(queryset.select_related("document_type")[:2])
        if len(chosen) != 1:
            messages.error(request, "Select one version to start a canary with.")
            return None
        template = chosen[0]
        form = CanaryPercentForm(
            request.POST if "apply" in request.POST else None,
            initial={"canary_percent": template.canary_percent or 10},
        )
        if form.is_valid():
            try:
                canary = template_canary_start(
                    template=template,
                    percent=form.cleaned_data["canary_percent"],
                    started_by=request.user,
                )
            except DomainError as error:
                messages.error(request, f"{template}: {error.message}")
                return None
            messages.success(
                request,
                f"{canary.document_type.code} v{canary.version} answers "
                f"{canary.canary_percent}% of the analyse traffic.",
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Start a canary",
            "opts": self.model._meta,
            "template": template,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/ocrengine/prompttemplate_canary_start.html", context
        )

    @admin.action(description="Promote the selected canary to the default", permissions=["change"])
    def promote_canary(self, request: HttpRequest, queryset: QuerySet[PromptTemplate]) -> None:
        for template in queryset.select_related("document_type"):
            try:
                promoted = template_canary_promote(template=template, promoted_by=request.user)
            except DomainError as error:
                messages.error(request, f"{template}: {error.message}")
                continue
            messages.success(
                request, f"{promoted.document_type.code} v{promoted.version} is now the default."
            )

    @admin.action(description="Roll the selected canary back", permissions=["change"])
    def rollback_canary(self, request: HttpRequest, queryset: QuerySet[PromptTemplate]) -> None:
        for template in queryset.select_related("document_type"):
            try:
                archived = template_canary_rollback(template=template, rolled_back_by=request.user)
            except DomainError as error:
                messages.error(request, f"{template}: {error.message}")
                continue
            messages.success(
                request,
                f"{archived.document_type.code} v{archived.version} rolled back; "
                "the default answers all traffic.",
            )

    def canaries_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        comparisons = [
            {
                **comparison,
                "sides": [("active", comparison["active"]), ("canary", comparison["canary"])],
            }
            for comparison in template_canary_comparisons().values()
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Canary releases of prompt templates",
            "opts": self.model._meta,
            "comparisons": comparisons,
            "can_change": self.has_change_permission(request),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/ocrengine/prompttemplate_canaries.html", context)
