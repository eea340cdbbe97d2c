"""Bank templates: list, detail, new version, publish, dry-run preview, export and import."""

import json

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.apis.permissions import TemplateManager
from billing.models import BankTemplate
from billing.serializers import (
    BankTemplateCreateSerializer,
    BankTemplateSerializer,
    TemplatePreviewSerializer,
)
from billing.services import (
    template_create_version,
    template_preview,
    template_publish,
    templates_export,
    templates_import,
)
from core.errors import DomainError, PayloadTooLargeError
from core.null_characters import refuse_null_characters


def _templates():
    return BankTemplate.objects.select_related("bank")


class BankTemplateListCreateApi(generics.ListAPIView):
    permission_classes = [TemplateManager]
    serializer_class = BankTemplateSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        templates = _templates()
        if bank := self.request.query_params.get("bank"):
            refuse_null_characters(bank, field="bank")
            templates = templates.filter(bank__code=bank)
        return templates

    @extend_schema(
        request=BankTemplateCreateSerializer,
        responses={201: BankTemplateSerializer},
        summary="Save a spec as the bank's next template version (a draft)",
    )
    def post(self, request: Request) -> Response:
        serializer = BankTemplateCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        template = template_create_version(created_by=request.user, **serializer.validated_data)
        return Response(BankTemplateSerializer(template).data, status=201)


class BankTemplateDetailApi(generics.RetrieveAPIView):
    permission_classes = [TemplateManager]
    serializer_class = BankTemplateSerializer

    def get_queryset(self):
        return _templates()


class BankTemplatePublishApi(APIView):
    permission_classes = [TemplateManager]

    @extend_schema(request=None, responses=BankTemplateSerializer, summary="Publish a version")
    def post(self, request: Request, pk: int) -> Response:
        template = template_publish(template=get_object_or_404(_templates(), pk=pk))
        return Response(BankTemplateSerializer(template).data)


class BankTemplatePreviewApi(APIView):
    """Dry run: parse an uploaded sample with this version (or an unsaved `spec`)."""

    permission_classes = [TemplateManager]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": TemplatePreviewSerializer},
        responses={200: dict},
        summary="Preview a template on a sample statement without saving anything",
    )
    def post(self, request: Request, pk: int) -> Response:
        template = get_object_or_404(_templates(), pk=pk)
        serializer = TemplatePreviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise PayloadTooLargeError(
                f"The file is {upload.size} bytes; the limit is {settings.UPLOAD_MAX_BYTES}."
            )
        spec = serializer.validated_data.get("spec", template.spec)
        if isinstance(spec, str):  # a multipart field carries the JSON as text
            try:
                spec = json.loads(spec)
            except ValueError:
                raise DomainError("`spec` is not valid JSON.", code="invalid_template") from None
        result = template_preview(
            spec=spec,
            data=upload.read(),
            filename=upload.name or "sample",
            password=serializer.validated_data.get("password") or None,
        )
        return Response(result)


class BankTemplateExportApi(APIView):
    permission_classes = [TemplateManager]

    @extend_schema(responses={200: dict}, summary="Export every template version as JSON")
    def get(self, request: Request) -> Response:
        banks = [c for c in request.query_params.get("bank", "").split(",") if c]
        refuse_null_characters(banks, field="bank")
        response = Response(templates_export(bank_codes=banks or None))
        response["Content-Disposition"] = 'attachment; filename="bank_templates.json"'
        return response


class BankTemplateImportApi(APIView):
    permission_classes = [TemplateManager]
    parser_classes = [JSONParser]

    @extend_schema(
        request=dict,
        responses={200: dict},
        summary="Import an export; refuses malformed files and conflicting versions",
    )
    def post(self, request: Request) -> Response:
        refuse_null_characters(request.data)
        return Response(templates_import(document=request.data, created_by=request.user))
