"""Upload, list, read, correct, approve and reprocess invoices."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import PayloadTooLargeError, error_body
from customers.selectors import customers_assignable_by
from invoices.apis.common import visible_invoice
from invoices.fields import invoice_field_names
from invoices.filters import invoice_filterset
from invoices.models import Invoice, InvoiceFieldChange
from invoices.selectors import (
    invoice_changes,
    invoice_text_visible_to,
    invoices_visible_to,
)
from invoices.serializers import (
    InvoiceDetailSerializer,
    InvoiceFieldChangeSerializer,
    InvoiceLinesSerializer,
    InvoiceListSerializer,
    InvoiceUpdateSerializer,
    InvoiceUploadSerializer,
    UploadResultSerializer,
    status_url,
)
from invoices.services import (
    invoice_approve,
    invoice_lines_replace,
    invoice_reprocess,
    invoice_update,
    invoices_upload,
)
from invoices.services.upload import UploadOutcome
from jobs.serializers import ProcessingJobSerializer

ERROR_SHAPE = OpenApiResponse(
    description='The one error shape: {"error": {"code", "message", "details"}, "request_id"}.'
)
UPLOAD_DESCRIPTION = """Upload one or many invoice files (multipart: repeat `files`, or send `file`).

Each file is checked on its own: size (`UPLOAD_MAX_BYTES`, else 413 `file_too_large`), type by
content (PDF, PNG, JPEG, TIFF, WebP, else 415 `unsupported_media_type`), empty (400
`empty_file`), already stored (409 `duplicate_file`, naming the invoice).

* When at least one file is accepted the answer is **202** with one entry per file, in upload
  order: accepted entries carry the invoice id and the job's `status_url`; refused entries
  carry `error`, the `error` object of the error shape.
* When every file is refused the answer is the error shape of the **first** refusal, with its
  status (413, 415, 409 or 400); for several files `details.files` lists every refusal.
"""


def _outcome_entry(outcome: UploadOutcome) -> dict:
    if outcome.invoice is not None:
        invoice = outcome.invoice
        return {
            "name": outcome.name, "accepted": True, "invoice_id": invoice.pk,
            "job_id": invoice.job_id, "status": invoice.status,
            "url": f"/api/v1/invoices/{invoice.pk}/", "status_url": status_url(invoice.job_id),
            "error": None,
        }  # fmt: skip
    error = outcome.error
    return {
        "name": outcome.name, "accepted": False, "invoice_id": None, "job_id": None,
        "status": None, "url": None, "status_url": None,
        "error": {"code": error.code, "message": error.message, "details": error.details},
    }  # fmt: skip


@extend_schema_view(
    # The class, not an instance made at import: its fields follow invoices/fields.py.
    get=extend_schema(summary="List invoices", responses=InvoiceListSerializer),
)
class InvoiceListApi(generics.ListAPIView):
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = InvoiceListSerializer
    ordering = ["-created_at", "-id"]

    # Search, ordering and filters over the invoice fields follow invoices/fields.py.
    @property
    def filterset_class(self):
        return invoice_filterset()

    @property
    def search_fields(self) -> list[str]:
        return [*invoice_field_names(searchable=True), "original_name"]

    @property
    def ordering_fields(self) -> list[str]:
        return ["created_at", *invoice_field_names(sortable=True), "confidence", "status"]

    queryset = Invoice.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> QuerySet[Invoice]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return invoices_visible_to(self.request.user)

    @extend_schema(
        summary="Upload invoice files",
        description=UPLOAD_DESCRIPTION,
        request={"multipart/form-data": InvoiceUploadSerializer},
        responses={
            202: UploadResultSerializer,
            400: ERROR_SHAPE,
            409: ERROR_SHAPE,
            413: ERROR_SHAPE,
            415: ERROR_SHAPE,
        },
    )
    def post(self, request: Request) -> Response:
        max_files = settings.INVOICE_UPLOAD_MAX_FILES
        _refuse_oversized_request(request, max_files)
        serializer = InvoiceUploadSerializer(
            data=request.data, customers=customers_assignable_by(request.user), max_files=max_files
        )
        serializer.is_valid(raise_exception=True)
        outcomes = invoices_upload(uploaded_by=request.user, **serializer.validated_data)
        entries = [_outcome_entry(outcome) for outcome in outcomes]
        accepted = sum(1 for entry in entries if entry["accepted"])
        if not accepted:
            first = outcomes[0].error
            details = dict(first.details)
            if len(outcomes) > 1:
                details["files"] = [{"name": e["name"], **e["error"]} for e in entries]
            return Response(error_body(first.code, first.message, details), status=first.status)
        body = {"accepted": accepted, "rejected": len(entries) - accepted, "results": entries}
        return Response(body, status=202)


def _refuse_oversized_request(request: Request, max_files: int) -> None:
    """Refuse a body that cannot be within the limits before it is parsed and spooled."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    limit = settings.UPLOAD_MAX_BYTES * max_files + 1024 * 1024  # + room for the form parts
    if length > limit:
        raise PayloadTooLargeError(
            "The upload is larger than the limits allow.",
            details={"size": length, "limit": settings.UPLOAD_MAX_BYTES, "max_files": max_files},
        )


# What a correction (fields or lines) answers: the invoice as it now is, or why not.
CORRECTION_RESPONSES = {
    200: InvoiceDetailSerializer,
    400: ERROR_SHAPE,
    404: ERROR_SHAPE,
    409: ERROR_SHAPE,
}


def _detail(request: Request, invoice: Invoice) -> Response:
    """The detail answer; recognised text only for those who may read it (see the selector)."""
    body = InvoiceDetailSerializer(invoice).data
    if not invoice_text_visible_to(request.user, invoice):
        body["raw_text"] = ""
    return Response(body)


def _corrected(request: Request, invoice: Invoice) -> Response:
    return _detail(request, visible_invoice(request.user, invoice.pk))


class InvoiceDetailApi(APIView):
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        summary="An invoice with its fields, confidences and lines",
        responses={200: InvoiceDetailSerializer, 404: ERROR_SHAPE},
    )
    def get(self, request: Request, pk: int) -> Response:
        return _detail(request, visible_invoice(request.user, pk))

    @extend_schema(
        summary="Correct extracted fields (audited)",
        request=InvoiceUpdateSerializer,
        responses=CORRECTION_RESPONSES,
    )
    def patch(self, request: Request, pk: int) -> Response:
        invoice = visible_invoice(request.user, pk)
        serializer = InvoiceUpdateSerializer(
            data=request.data, partial=True, customers=customers_assignable_by(request.user)
        )
        serializer.is_valid(raise_exception=True)
        invoice = invoice_update(
            invoice=invoice, changes=dict(serializer.validated_data), changed_by=request.user
        )
        return _corrected(request, invoice)


class InvoiceLinesApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Replace the line items with corrected ones (audited; a reprocess keeps them)",
        request=InvoiceLinesSerializer,
        responses=CORRECTION_RESPONSES,
    )
    def put(self, request: Request, pk: int) -> Response:
        invoice = visible_invoice(request.user, pk)
        serializer = InvoiceLinesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invoice = invoice_lines_replace(
            invoice=invoice, lines=serializer.validated_data["lines"], changed_by=request.user
        )
        return _corrected(request, invoice)


class InvoiceApproveApi(APIView):
    @extend_schema(
        summary="Approve a reviewed invoice",
        request=None,
        responses={200: InvoiceDetailSerializer, 404: ERROR_SHAPE, 409: ERROR_SHAPE},
    )
    def post(self, request: Request, pk: int) -> Response:
        invoice = invoice_approve(
            invoice=visible_invoice(request.user, pk), approved_by=request.user
        )
        return _corrected(request, invoice)


class InvoiceReprocessApi(APIView):
    @extend_schema(
        summary="Extract the invoice again in a new job",
        request=None,
        responses={202: ProcessingJobSerializer, 404: ERROR_SHAPE, 409: ERROR_SHAPE},
    )
    def post(self, request: Request, pk: int) -> Response:
        job = invoice_reprocess(
            invoice=visible_invoice(request.user, pk), requested_by=request.user
        )
        job.refresh_from_db()
        return Response(ProcessingJobSerializer(job).data, status=202)


class InvoiceChangesApi(generics.ListAPIView):
    """The audit trail of corrections, newest first."""

    serializer_class = InvoiceFieldChangeSerializer
    filter_backends: list = []

    @extend_schema(summary="Who corrected which field, when, from what")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InvoiceFieldChange.objects.none()
        return invoice_changes(invoice=visible_invoice(self.request.user, self.kwargs["pk"]))
