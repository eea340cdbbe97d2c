"""Accepting invoice files: size, type by content, duplicates, storage, then a queued job.

Only invoice-family document types (invoices.selectors.INVOICE_DOCUMENT_TYPES) are accepted:
an ID card or a statement stored here would serve its raw text without the analysis API's
masking.

Every refusal is a DomainError subclass (413, 415, 409, 400) raised before anything is stored,
so a refused file leaves no row, no file and no job behind. Besides PDFs and images, XML
e-invoices (UBL, CII, 数电) and OFD files are accepted, checked by parsing them safely here.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction

from core.errors import (
    ConflictError,
    DomainError,
    InvalidFieldsError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from customers.models import Customer
from customers.selectors import customers_assignable_by
from invoices.models import Invoice
from invoices.selectors import INVOICE_DOCUMENT_TYPES
from invoices.services.storage import file_delete, file_store, storage_name
from jobs.services import job_create
from ocrengine.documents import (
    EINVOICE_MIME_TYPES,
    SUPPORTED_MIME_TYPES,
    DocumentError,
    detect_mime,
)
from ocrengine.documents.einvoice_files import einvoice_document
from ocrengine.documents.errors import OverLimit
from ocrengine.documents.mime import unsupported_reason, xml_kind
from ocrengine.models import DocumentType

INVOICE_PROCESS_JOB = "invoice.process"
DEFAULT_DOCUMENT_TYPE = "invoice"
_READ_CHUNK = 1024 * 1024


class UploadFile(Protocol):
    """What Django's UploadedFile (and django.core.files.File) offer."""

    name: str | None
    size: int | None

    def chunks(self, chunk_size: int | None = None): ...


@dataclass
class UploadOutcome:
    """One file of a (possibly multi-file) upload: an accepted invoice or the refusal."""

    name: str
    invoice: Invoice | None = None
    error: DomainError | None = None


def original_name_clean(name: str | None) -> str:
    """The client's file name as data for people: control characters dropped, 255 chars max.

    Never used as a storage path (paths come from the content hash)."""
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(char for char in text if unicodedata.category(char)[0] != "C").strip()
    if len(text) > 255:
        stem, dot, extension = text.rpartition(".")
        text = (
            (stem[: 254 - len(extension)] + dot + extension)
            if dot and len(extension) < 10
            else text[:255]
        )
    return text or "unnamed"


def _read_limited(file: UploadFile, limit: int) -> bytes:
    """Read at most limit + 1 bytes: the declared size is checked first but not trusted."""
    if file.size is not None and file.size > limit:
        raise _too_large(file.size, limit)
    parts: list[bytes] = []
    total = 0
    for chunk in file.chunks(_READ_CHUNK):
        parts.append(chunk)
        total += len(chunk)
        if total > limit:
            raise _too_large(total, limit)
    return b"".join(parts)


def _too_large(size: int, limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"The file is larger than the {limit:,}-byte limit.",
        details={"size": size, "limit": limit},
    )


def upload_check(*, data: bytes) -> str:
    """The content's MIME type, or the refusal for an empty or unsupported file.

    An XML or OFD e-invoice is parsed here, once, so a hostile one (a DTD or entities: 400
    `unsafe_xml`; past EINVOICE_MAX_XML_BYTES: 413) or a damaged one (400) is refused before
    anything is stored; a CAMT statement or other XML is 415 like any unsupported type."""
    if not data:
        raise DomainError("The file is empty.", code="empty_file")
    mime = detect_mime(data)
    if mime not in SUPPORTED_MIME_TYPES:
        reason = unsupported_reason(data)
        details = {"accepted": sorted(SUPPORTED_MIME_TYPES)}
        if kind := xml_kind(data):
            details["detected"] = kind  # "camt": a bank statement, for the statement upload
        raise UnsupportedMediaTypeError(
            "Only PDF, PNG, JPEG, TIFF and WebP files and UBL, CII (ZUGFeRD, Factur-X, "
            f"XRechnung), 数电 XML or OFD e-invoices are accepted; {reason}, whatever the "
            "file's name says.",
            details=details,
        )
    if mime in EINVOICE_MIME_TYPES:
        _einvoice_check(data, mime)
    return mime


def _einvoice_check(data: bytes, mime: str) -> None:
    try:
        einvoice_document(data, mime)
    except OverLimit as error:
        raise PayloadTooLargeError(
            f"The e-invoice cannot be read: {error.message}.", code=error.code
        ) from None
    except DocumentError as error:
        raise DomainError(
            f"The e-invoice cannot be read: {error.message}.", code=error.code
        ) from None


def _accepted_content(file: UploadFile) -> tuple[bytes, str, str]:
    data = _read_limited(file, settings.UPLOAD_MAX_BYTES)
    mime = upload_check(data=data)
    sha256 = hashlib.sha256(data).hexdigest()
    existing = Invoice.objects.filter(sha256=sha256).first()
    if existing is not None:
        raise _duplicate(existing)
    return data, mime, sha256


def upload_validate(*, file: UploadFile) -> None:
    """Raise the refusal `invoice_upload` would give this file, storing nothing (for forms)."""
    _accepted_content(file)


def _duplicate(existing: Invoice) -> ConflictError:
    return ConflictError(
        f"This file was already uploaded as invoice {existing.pk}.",
        code="duplicate_file",
        details={"invoice_id": existing.pk, "status_url": f"/api/v1/invoices/{existing.pk}/"},
    )


def document_type_default() -> DocumentType:
    document_type = DocumentType.objects.filter(code=DEFAULT_DOCUMENT_TYPE).first()
    if document_type is None:
        raise DomainError("The invoice document type is missing.", code="document_type_missing")
    return document_type


def document_type_check(document_type: DocumentType | None) -> None:
    """Refuse (400) a document type that is not of the invoice family."""
    if document_type is None or document_type.code in INVOICE_DOCUMENT_TYPES:
        return
    accepted = ", ".join(INVOICE_DOCUMENT_TYPES)
    raise InvalidFieldsError(
        {
            "document_type": [
                f"Invoice uploads take {accepted}; analyse other documents with "
                "/api/v1/ocr/analyze/."
            ]
        }
    )


def _check_customer(customer: Customer | None, user) -> None:
    if customer is not None and not customers_assignable_by(user).filter(pk=customer.pk).exists():
        raise DomainError(
            "You may only file invoices for customers assigned to you.",
            code="customer_not_allowed",
            details={"customer": customer.pk},
        )


def invoice_upload(
    *,
    file: UploadFile,
    uploaded_by,
    customer: Customer | None = None,
    document_type: DocumentType | None = None,
) -> Invoice:
    """Store one file as a queued invoice and enqueue its `invoice.process` job on commit.

    Guarantees: refusals (413 too large, 400 empty, 415 not a supported type by content,
    409 same sha256 as a stored invoice, 400 a document type outside the invoice family) store
    nothing; an accepted file is stored once under a name derived from its hash; the invoice and
    its job commit together.
    """
    document_type_check(document_type)
    _check_customer(customer, uploaded_by)
    data, mime, sha256 = _accepted_content(file)
    name, written = file_store(name=storage_name(sha256=sha256, mime=mime), data=data)
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                file=name,
                original_name=original_name_clean(file.name),
                sha256=sha256,
                mime=mime,
                size=len(data),
                document_type=document_type or document_type_default(),
                customer=customer,
                uploaded_by=uploaded_by
                if getattr(uploaded_by, "is_authenticated", False)
                else None,
            )
            invoice.job = job_create(
                kind=INVOICE_PROCESS_JOB, target=invoice, created_by=uploaded_by
            )
            invoice.save(update_fields=["job"])
    except IntegrityError:
        # A concurrent upload of the same bytes won the unique sha256; it owns the file.
        existing = Invoice.objects.filter(sha256=sha256).first()
        if written and (existing is None or existing.file.name != name):
            file_delete(name)
        if existing is None:
            raise
        raise _duplicate(existing) from None
    return invoice


def invoices_upload(
    *,
    files: list[UploadFile],
    uploaded_by,
    customer: Customer | None = None,
    document_type: DocumentType | None = None,
) -> list[UploadOutcome]:
    """Upload several files independently: one refused file does not stop the others. A
    document type outside the invoice family refuses the whole upload (400)."""
    document_type_check(document_type)
    outcomes = []
    for file in files:
        name = original_name_clean(file.name)
        try:
            invoice = invoice_upload(
                file=file, uploaded_by=uploaded_by, customer=customer, document_type=document_type
            )
        except DomainError as error:
            outcomes.append(UploadOutcome(name=name, error=error))
        else:
            outcomes.append(UploadOutcome(name=name, invoice=invoice))
    return outcomes
