"""The original file and rendered pages, for review viewers."""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from core.errors import DomainError, NotFoundError
from invoices.apis.common import visible_invoice
from invoices.models import Invoice
from invoices.services.storage import EXTENSIONS, file_read
from ocrengine.documents import DocumentError, PageNotFound, render_page_png

PAGE_DPI = 110
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


class DocumentUnreadableError(DomainError):
    status = 422
    code = "document_unreadable"


def safe_download_name(original: str, mime: str) -> str:
    """An ASCII file name for Content-Disposition: no path parts, no quotes or control
    characters, and the extension of what the content really is."""
    base = original.replace("\\", "/").rsplit("/", 1)[-1]
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem = _UNSAFE.sub("_", ascii_name.rsplit(".", 1)[0]).strip(" ._-")[:100] or "invoice"
    return f"{stem}.{EXTENSIONS.get(mime, 'bin')}"


class InvoiceFileApi(APIView):
    @extend_schema(
        summary="The original uploaded file",
        parameters=[OpenApiParameter("download", OpenApiTypes.BOOL, description="attachment")],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: OpenApiResponse()},
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        invoice = visible_invoice(request.user, pk)
        try:
            handle = default_storage.open(invoice.file.name, "rb")
        except FileNotFoundError:
            raise NotFoundError("The stored file is missing.", code="file_missing") from None
        download = request.query_params.get("download") in ("1", "true", "yes")
        response = FileResponse(
            handle,
            content_type=invoice.mime,
            as_attachment=download,
            filename=safe_download_name(invoice.original_name, invoice.mime),
        )
        # Inline PDFs and images may not run scripts or navigate in the viewer's origin.
        response["Content-Security-Policy"] = "sandbox"
        response["Cache-Control"] = "private, max-age=3600"
        return response


class InvoicePageApi(APIView):
    @extend_schema(
        summary="One page rendered as PNG (1-based)",
        responses={
            (200, "image/png"): OpenApiTypes.BINARY,
            404: OpenApiResponse(),
            422: OpenApiResponse(),
        },
    )
    def get(self, request: Request, pk: int, number: int) -> HttpResponse:
        invoice = visible_invoice(request.user, pk)
        if invoice.pages and not 1 <= number <= invoice.pages:
            raise _page_missing(number, invoice.pages)
        try:
            png = render_page_png(
                file_read(invoice.file.name),
                number,
                mime=invoice.mime,
                dpi=PAGE_DPI,
                max_image_pixels=settings.OCR_MAX_IMAGE_PIXELS,
                turned=_page_turned(invoice, number),
            )
        except FileNotFoundError:
            raise NotFoundError("The stored file is missing.", code="file_missing") from None
        except PageNotFound as error:
            raise _page_missing(number, error.details.get("pages")) from None
        except DocumentError as error:
            raise DocumentUnreadableError(
                f"The document cannot be rendered: {error.message}",
                details={"reason": error.code},
            ) from None
        response = HttpResponse(png, content_type="image/png")
        response["Cache-Control"] = "private, max-age=3600"
        return response


def _page_turned(invoice: Invoice, number: int) -> int:
    """How far OCR turned the page to read it: the image is shown as its boxes were read."""
    page = next((p for p in invoice.boxes or [] if p.get("page") == number), {})
    turned = page.get("turned", 0)
    return turned if turned in (0, 90, 180, 270) else 0


def _page_missing(number: int, pages: int | None) -> NotFoundError:
    return NotFoundError(
        f"Page {number} does not exist.", code="page_not_found", details={"pages": pages}
    )
