"""Prompt templates over the API: list, detail, create a draft, revise, publish, export,
import, and canary releases (start or re-share, promote, roll back). Reading needs a role;
writing needs the model permissions too (admins have them)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasRole
from core.null_characters import (
    NullFreeJSONField,
    NullFreeSlugRelatedField,
    refuse_null_characters,
)
from ocrengine.models import DocumentType, PromptTemplate
from ocrengine.services.template_transfer import templates_export, templates_import
from ocrengine.services.templates import (
    template_canary_promote,
    template_canary_rollback,
    template_canary_start,
    template_create_draft,
    template_is_editable,
    template_publish,
    template_revise,
)


class CanChangeTemplates(BasePermission):
    message = "Changing prompt templates needs the prompt template permissions."

    def has_permission(self, request, view) -> bool:
        return request.user.has_perms(
            ["ocrengine.add_prompttemplate", "ocrengine.change_prompttemplate"]
        )


def _write_permissions(request) -> list[BasePermission]:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return [HasRole()]
    return [HasRole(), CanChangeTemplates()]


class PromptTemplateSerializer(serializers.ModelSerializer):
    document_type = NullFreeSlugRelatedField(
        slug_field="code", queryset=DocumentType.objects.filter(is_active=True)
    )
    editable = serializers.SerializerMethodField()
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    canary_started_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PromptTemplate
        fields = [
            "id",
            "document_type",
            "version",
            "status",
            "is_default",
            "spec",
            "prompt",
            "notes",
            "used_at",
            "canary_percent",
            "canary_started_at",
            "canary_started_by",
            "created_by",
            "created_at",
            "editable",
        ]
        read_only_fields = [
            "version",
            "status",
            "is_default",
            "used_at",
            "canary_percent",
            "canary_started_at",
            "created_at",
        ]

    def get_editable(self, template: PromptTemplate) -> bool:
        return template_is_editable(template)

    def validate_spec(self, spec):
        refuse_null_characters(spec)
        return spec


class TemplateRevisionSerializer(serializers.Serializer):
    spec = NullFreeJSONField(required=False)
    prompt = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=200)


class PromptTemplateListApi(generics.ListCreateAPIView):
    serializer_class = PromptTemplateSerializer
    filterset_fields = ["document_type__code", "status", "is_default"]
    ordering_fields = ["version", "created_at"]

    def get_permissions(self):
        return _write_permissions(self.request)

    def get_queryset(self):
        return PromptTemplate.objects.select_related("document_type", "created_by")

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        template = template_create_draft(
            document_type=data["document_type"],
            spec=data["spec"],
            prompt=data.get("prompt"),
            notes=data.get("notes", ""),
            created_by=request.user,
        )
        return Response(self.get_serializer(template).data, status=201)


class PromptTemplateDetailApi(APIView):
    def get_permissions(self):
        return _write_permissions(self.request)

    def _template(self, pk: int) -> PromptTemplate:
        return get_object_or_404(PromptTemplate.objects.select_related("document_type"), pk=pk)

    @extend_schema(responses=PromptTemplateSerializer, summary="A prompt template")
    def get(self, request: Request, pk: int) -> Response:
        return Response(PromptTemplateSerializer(self._template(pk)).data)

    @extend_schema(
        request=TemplateRevisionSerializer,
        responses=PromptTemplateSerializer,
        summary="Revise a template (a used one becomes a new draft version)",
    )
    def patch(self, request: Request, pk: int) -> Response:
        serializer = TemplateRevisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        original = self._template(pk)
        revised = template_revise(
            template=original, revised_by=request.user, **serializer.validated_data
        )
        status = 200 if revised.pk == original.pk else 201
        return Response(PromptTemplateSerializer(revised).data, status=status)


class PromptTemplatePublishApi(APIView):
    def get_permissions(self):
        return _write_permissions(self.request)

    @extend_schema(
        request=None,
        responses=PromptTemplateSerializer,
        summary="Publish a template as its type's default",
    )
    def post(self, request: Request, pk: int) -> Response:
        template = get_object_or_404(PromptTemplate, pk=pk)
        published = template_publish(template=template, published_by=request.user)
        return Response(PromptTemplateSerializer(published).data)


class CanaryStartSerializer(serializers.Serializer):
    canary_percent = serializers.IntegerField(
        min_value=1, max_value=99, help_text="Share of the type's analyse traffic, 1-99."
    )


class _TemplateActionApi(APIView):
    def get_permissions(self):
        return _write_permissions(self.request)

    def _template(self, pk: int) -> PromptTemplate:
        return get_object_or_404(PromptTemplate.objects.select_related("document_type"), pk=pk)


class PromptTemplateCanaryApi(_TemplateActionApi):
    @extend_schema(
        request=CanaryStartSerializer,
        responses=PromptTemplateSerializer,
        summary="Make a version its type's canary for a share of the traffic, or re-share it",
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = CanaryStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        canary = template_canary_start(
            template=self._template(pk),
            percent=serializer.validated_data["canary_percent"],
            started_by=request.user,
        )
        return Response(PromptTemplateSerializer(canary).data)


class PromptTemplatePromoteApi(_TemplateActionApi):
    @extend_schema(
        request=None,
        responses=PromptTemplateSerializer,
        summary="Promote the canary to its type's default (the previous default is archived)",
    )
    def post(self, request: Request, pk: int) -> Response:
        promoted = template_canary_promote(template=self._template(pk), promoted_by=request.user)
        return Response(PromptTemplateSerializer(promoted).data)


class PromptTemplateRollbackApi(_TemplateActionApi):
    @extend_schema(
        request=None,
        responses=PromptTemplateSerializer,
        summary="Roll the canary back (archived; the default answers all traffic again)",
    )
    def post(self, request: Request, pk: int) -> Response:
        archived = template_canary_rollback(
            template=self._template(pk), rolled_back_by=request.user
        )
        return Response(PromptTemplateSerializer(archived).data)


class PromptTemplateExportApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("document_type", str, many=True, required=False)],
        responses=OpenApiTypes.OBJECT,
        summary="Export templates as a JSON bundle",
    )
    def get(self, request: Request) -> Response:
        codes = request.query_params.getlist("document_type") or None
        refuse_null_characters(codes, field="document_type")
        response = Response(templates_export(document_type_codes=codes))
        response["Content-Disposition"] = 'attachment; filename="prompt_templates.json"'
        return response


class PromptTemplateImportApi(APIView):
    def get_permissions(self):
        return _write_permissions(self.request)

    @extend_schema(
        parameters=[OpenApiParameter("activate", bool, required=False)],
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
        summary="Import a JSON bundle (all or nothing, with a report)",
    )
    def post(self, request: Request) -> Response:
        activate = request.query_params.get("activate", "").lower() in {"1", "true", "yes"}
        refuse_null_characters(request.data)
        report = templates_import(bundle=request.data, activate=activate, imported_by=request.user)
        return Response(report.as_dict(), status=201 if report.created else 200)
