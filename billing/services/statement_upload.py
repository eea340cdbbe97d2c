"""`statement_import`: the upload side of a statement import (runs in the request).

Password-protected PDFs: the password is used once, here, to decrypt the PDF; a decrypted copy
is stored beside the untouched original and the worker parses that copy. The password itself
is never stored, logged or put in the job. Why a decrypted copy rather than parsing in the
request: the job stays the only place that parses, so it can be retried or re-run (after a
template fix) without asking the user for the password again; and the copy exposes nothing the
database does not hold anyway once the bill and its transactions are imported. The copy is
written with the same restrictive file permissions as every upload.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.roles import sees_all_customers
from billing.models import Bank, StatementImport
from billing.selectors import imports_visible_to
from billing.services.files import StatementFile, sha256_hex, statement_file_open
from core.errors import ConflictError, InvalidFieldsError, PayloadTooLargeError
from customers.models import Customer
from jobs.services import job_create

STATEMENT_IMPORT_JOB = "statement.import"


@dataclass(frozen=True)
class StatementUploadResult:
    statement_import: StatementImport
    # False when the same bytes were already imported: the row is a `duplicate` record.
    queued: bool


def statement_import(
    *,
    file: UploadedFile,
    uploaded_by,
    customer: Customer | None = None,
    bank: Bank | None = None,
    password: str | None = None,
    card_last4: str = "",
) -> StatementUploadResult:
    """Store the upload and queue its parsing, or record it as a duplicate of an earlier import.

    A byte-identical file already imported is recorded at once as a `duplicate` row pointing at
    the original (no second copy stored, nothing parsed). A file whose earlier import *failed*
    is imported again on the same row with the new details (bank, card, password), so fixing a
    failed upload never needs a different file; but only by someone who may see that import
    (its uploader, an agent of its customer, a supervisor). Anyone else gets 409
    `duplicate_file`, which names nothing of the other import, and the import is untouched.

    An agent must name the customer (400 `validation_error` on `customer`); supervisors,
    admins and the system itself (no uploader) may leave it to the card's digits.
    """
    _require_customer(customer, uploaded_by)
    size = file.size or 0
    if size > settings.UPLOAD_MAX_BYTES:
        raise PayloadTooLargeError(
            f"The file is {size} bytes; the limit is {settings.UPLOAD_MAX_BYTES}.",
            details={"size": size, "limit": settings.UPLOAD_MAX_BYTES},
        )
    data = file.read()
    opened = statement_file_open(data=data, filename=file.name or "", password=password)
    details = {
        "customer": customer,
        "bank": bank,
        "card_last4": card_last4,
        "uploaded_by": uploaded_by if getattr(uploaded_by, "is_authenticated", False) else None,
    }
    original_name = (file.name or "statement")[-255:]
    try:
        with transaction.atomic():
            return _import_or_record(opened, original_name, details)
    except IntegrityError:
        # Another request stored the same bytes between our lookup and insert.
        with transaction.atomic():
            return _import_or_record(opened, original_name, details)


def _require_customer(customer: Customer | None, uploaded_by) -> None:
    # An agent sees cards through their customers: a bill filed under no customer would
    # vanish from the agent who uploaded it.
    if customer is not None or not getattr(uploaded_by, "is_authenticated", False):
        return
    if not sees_all_customers(uploaded_by):
        raise InvalidFieldsError({"customer": ["Agents must say whose statement this is."]})


def _import_or_record(opened: StatementFile, name: str, details: dict) -> StatementUploadResult:
    # The first row with these bytes is the one that stored them (a later byte-identical
    # row is a `duplicate` record); it may itself be a fingerprint duplicate of another file.
    original = (
        StatementImport.objects.select_for_update()
        .filter(sha256=opened.sha256)
        .order_by("pk")
        .first()
    )
    if original is None:
        statement = StatementImport(
            original_name=name,
            sha256=opened.sha256,
            size=len(opened.data),
            format=opened.format,
            **details,
        )
        statement.file.save(_stored_name(opened), ContentFile(opened.data), save=False)
        _attach_decrypted(statement, opened)
        statement.save()
        return _queue(statement)
    if original.status == StatementImport.Status.FAILED:
        if not _may_rerun(original, details["uploaded_by"]):
            raise ConflictError(
                "This file was already uploaded in an import you cannot see; "
                "ask a supervisor to re-run that import.",
                code="duplicate_file",
            )
        return _reimport_failed(original, opened, details)
    duplicate = StatementImport.objects.create(
        file=original.file.name,
        original_name=name,
        sha256=opened.sha256,
        size=len(opened.data),
        format=opened.format,
        status=StatementImport.Status.DUPLICATE,
        duplicate_of=original,
        problems=[
            {
                "code": "duplicate_file",
                # No file name or customer here: the uploader may not be allowed to see
                # the original import, only to know that these bytes are already in.
                "message": f"The same file was already imported as import #{original.pk}.",
                "severity": "error",
            }
        ],
        processed_at=timezone.now(),
        **{**details, "bank": original.bank},
    )
    return StatementUploadResult(statement_import=duplicate, queued=False)


def _may_rerun(statement: StatementImport, user) -> bool:
    """Whether `user` may re-run this failed import; None is the system (commands, tests)."""
    if user is None:
        return True
    return imports_visible_to(user).filter(pk=statement.pk).exists()


def _reimport_failed(
    statement: StatementImport, opened: StatementFile, details: dict
) -> StatementUploadResult:
    for field, value in details.items():
        if value or field == "card_last4":
            setattr(statement, field, value)
    if statement.parse_file:
        statement.parse_file.delete(save=False)
    statement.parse_file, statement.parse_sha256 = "", ""
    _attach_decrypted(statement, opened)
    statement.status = StatementImport.Status.QUEUED
    statement.error_code = statement.error = ""
    statement.problems = []
    statement.processed_at = None
    statement.save()
    return _queue(statement)


def _queue(statement: StatementImport) -> StatementUploadResult:
    statement.job = job_create(
        kind=STATEMENT_IMPORT_JOB, target=statement, created_by=statement.uploaded_by
    )
    statement.save(update_fields=["job"])
    return StatementUploadResult(statement_import=statement, queued=True)


def _attach_decrypted(statement: StatementImport, opened: StatementFile) -> None:
    if opened.decrypted is None:
        return
    statement.parse_file.save(f"{opened.sha256}.pdf", ContentFile(opened.decrypted), save=False)
    statement.parse_sha256 = sha256_hex(opened.decrypted)


def _stored_name(opened: StatementFile) -> str:
    # Content-addressed: the stored name says nothing about the customer and never collides.
    return f"{opened.sha256}.{opened.format}"
