"""One file from a mailbox or a watched folder, filed through the upload services as it is.

The invoice upload and the statement import keep every rule they have (size limit, type by
content, duplicates, hostile files); this module only calls them and records the outcome."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from accounts.roles import SUPERVISOR
from billing.services.statement_upload import statement_import
from core.errors import DomainError
from customers.models import Customer
from invoices.models import Invoice
from invoices.services.upload import invoice_upload

from ..models import IngestedItem
from ..routing import INVOICE, document_kind

logger = logging.getLogger(__name__)
Outcome = IngestedItem.Outcome


def ingestion_user():
    """The user mail and folders are filed by (INGESTION_USERNAME): inactive, so nobody can log
    in as it, and a supervisor, so it may file for any customer the way staff do."""
    user, created = get_user_model().objects.get_or_create(
        username=settings.INGESTION_USERNAME, defaults={"is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=SUPERVISOR))
    return user


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def item_existing(source: dict[str, Any], sha256: str) -> IngestedItem | None:
    """The record of these bytes from this source (a message's attachment, a folder's file)."""
    if source.get("mailbox") is not None:
        keys = {"mailbox": source["mailbox"], "message_id": source["message_id"]}
    else:
        keys = {"folder": source["folder"]}
    return IngestedItem.objects.filter(sha256=sha256, **keys).first()


def document_file(
    *, data: bytes, filename: str, customer: Customer, kind: str, source: dict[str, Any]
) -> tuple[IngestedItem, bool]:
    """File `data` for `customer` and record it; returns (the record, whether it is new).

    `source` holds the IngestedItem's source fields (`source` and `mailbox` + `message_id`,
    or `folder` + `path`). Bytes already recorded from the same source are not filed again
    (the earlier record is returned). A duplicate of a stored invoice or statement is recorded
    as `duplicate` with the original; a refusal as `failed` with its error code."""
    sha256 = sha256_hex(data)
    existing = item_existing(source, sha256)
    if existing is not None:
        return existing, False
    result = _upload(data=data, filename=filename, customer=customer, kind=kind)
    try:
        with transaction.atomic():
            item = IngestedItem.objects.create(
                filename=filename[:255], sha256=sha256, **source, **result
            )
    except IntegrityError:
        # A concurrent poll recorded the same bytes first; the upload services saw to it that
        # nothing was stored twice.
        item = item_existing(source, sha256)
        if item is None:
            raise
        return item, False
    logger.info(
        "Ingested %s from %s: %s %s",
        item.filename,
        item.source,
        item.outcome,
        item.error_code,
        extra={"ingested_item": item.pk},
    )
    return item, True


def _upload(*, data: bytes, filename: str, customer: Customer, kind: str) -> dict[str, Any]:
    routed = document_kind(data, filename, kind)
    upload = SimpleUploadedFile(filename or "attachment", data)
    user = ingestion_user()
    try:
        if routed == INVOICE:
            invoice = invoice_upload(file=upload, uploaded_by=user, customer=customer)
            return {"outcome": Outcome.IMPORTED, "invoice": invoice}
        result = statement_import(file=upload, uploaded_by=user, customer=customer)
    except DomainError as error:
        return _refusal(error)
    outcome = Outcome.IMPORTED if result.queued else Outcome.DUPLICATE
    fields = {"outcome": outcome, "statement_import": result.statement_import}
    if outcome == Outcome.DUPLICATE:
        fields.update(error_code="duplicate_file", error=_problem(result.statement_import))
    return fields


def _refusal(error: DomainError) -> dict[str, Any]:
    fields: dict[str, Any] = {"error_code": error.code, "error": error.message}
    invoice_id = error.details.get("invoice_id") if error.code == "duplicate_file" else None
    if invoice_id is not None:
        fields["outcome"] = Outcome.DUPLICATE
        fields["invoice"] = Invoice.objects.filter(pk=invoice_id).first()
    else:
        fields["outcome"] = Outcome.FAILED
    return fields


def _problem(statement) -> str:
    problems = statement.problems or []
    return problems[0].get("message", "") if problems else "The same file was already imported."
