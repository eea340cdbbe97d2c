"""Export downloads: GET …/export/?format=…&<the list's filters> answers the file, or, past
EXPORT_SYNC_MAX_ROWS rows (or with ?async=true), 202 with the job and the download URL."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ConflictError, NotFoundError
from exports.formats import INVOICE_LINES, INVOICES, TRANSACTIONS, formats_for
from exports.models import Export
from exports.selectors import export_records, exports_visible_to
from exports.services import export_check_size, export_format, export_now, export_request

ERROR_SHAPE = OpenApiResponse(
    description='The one error shape: {"error": {"code", "message", "details"}, "request_id"}.'
)


class ExportSerializer(serializers.ModelSerializer):
    status_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Export
        fields = [
            "id", "dataset", "format", "status", "rows", "filename", "error", "job",
            "status_url", "download_url", "created_at", "finished_at",
        ]  # fmt: skip

    def get_status_url(self, export: Export) -> str | None:
        return f"/api/v1/jobs/{export.job_id}/" if export.job_id else None

    def get_download_url(self, export: Export) -> str:
        return f"/api/v1/exports/{export.pk}/download/"


class IgnoreFormatParameter(BaseContentNegotiation):
    """`?format=` names the export's format here, not DRF's renderer: answers in JSON (errors,
    the 202) whatever it says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _base_url(request: Request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _wants_job(request: Request) -> bool:
    return request.query_params.get("async", "").lower() in ("1", "true", "yes")


def file_response(filename: str, content_type: str, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


class ExportApi(APIView):
    dataset = INVOICES
    content_negotiation_class = IgnoreFormatParameter

    def get(self, request: Request) -> HttpResponse:
        name = request.query_params.get("format", "")
        export_format(dataset=self.dataset, name=name)
        params = {key: request.query_params.getlist(key) for key in request.query_params}
        records = export_records(dataset=self.dataset, user=request.user, params=params)
        rows = records.count()
        export_check_size(rows)
        if rows > settings.EXPORT_SYNC_MAX_ROWS or _wants_job(request):
            export = export_request(
                dataset=self.dataset, format_name=name, params=params,
                requested_by=request.user, base_url=_base_url(request),
            )  # fmt: skip
            export.refresh_from_db()
            return Response(ExportSerializer(export).data, status=202)
        made = export_now(
            dataset=self.dataset, format_name=name, records=records, base_url=_base_url(request)
        )
        return file_response(made.filename, made.content_type, made.data)


def _schema(dataset: str, what: str):
    return extend_schema(
        summary=f"Export {what} as a file (the list's filters apply)",
        parameters=[
            OpenApiParameter("format", str, enum=formats_for(dataset), required=True),
            OpenApiParameter("async", bool, description="Build it in a job even when small."),
        ],
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            202: ExportSerializer,
            400: ERROR_SHAPE,
        },
    )


class InvoiceExportApi(ExportApi):
    dataset = INVOICES

    @_schema(INVOICES, "invoices")
    def get(self, request: Request) -> HttpResponse:
        return super().get(request)


class InvoiceLineExportApi(ExportApi):
    dataset = INVOICE_LINES

    @_schema(INVOICE_LINES, "invoice lines")
    def get(self, request: Request) -> HttpResponse:
        return super().get(request)


class TransactionExportApi(ExportApi):
    dataset = TRANSACTIONS

    @_schema(TRANSACTIONS, "transactions")
    def get(self, request: Request) -> HttpResponse:
        return super().get(request)


def _visible_export(user, pk: int) -> Export:
    export = exports_visible_to(user).filter(pk=pk).first()
    if export is None:
        raise NotFoundError("No such export.", code="not_found")
    return export


class ExportDetailApi(APIView):
    @extend_schema(
        summary="An export built by a job", responses={200: ExportSerializer, 404: ERROR_SHAPE}
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(ExportSerializer(_visible_export(request.user, pk)).data)


class ExportDownloadApi(APIView):
    content_negotiation_class = IgnoreFormatParameter

    @extend_schema(
        summary="Download an export built by a job",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: ERROR_SHAPE,
                   409: ERROR_SHAPE},
    )  # fmt: skip
    def get(self, request: Request, pk: int) -> HttpResponse:
        export = _visible_export(request.user, pk)
        if export.status != Export.Status.READY:
            raise ConflictError(
                f"The export is {export.status}, not ready.",
                code="export_not_ready",
                details={"status": export.status, "error": export.error},
            )
        response = FileResponse(
            export.file.open("rb"), as_attachment=True, filename=export.filename,
            content_type=export.content_type,
        )  # fmt: skip
        response["Cache-Control"] = "no-store"
        return response
