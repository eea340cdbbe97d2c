"""People correcting and approving extracted invoices; every correction is audited."""

from __future__ import annotations

import json
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.errors import ConflictError, DomainError
from customers.models import Customer
from customers.selectors import customers_assignable_by
from invoices.fields import invoice_field_names
from invoices.models import Invoice, InvoiceFieldChange, InvoiceLine
from invoices.services.duplicates import DUPLICATE_KEY_FIELDS, invoice_duplicate_mark
from webhooks.events import INVOICE_APPROVED, invoice_payload
from webhooks.services import webhooks_emit

LINE_NUMBERS = ("quantity", "unit_price", "amount", "tax_rate")
# Where field_sources marks the line items as corrected by a person (a reprocess keeps them).
LINES_SOURCE_KEY = "lines"
REVIEWABLE = (Invoice.Status.RECOGNIZED, Invoice.Status.NEEDS_REVIEW)


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Customer):
        return str(value.pk)
    return str(value)


def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def _locked_for_correction(invoice: Invoice) -> Invoice:
    """The invoice, locked, if people may still correct it; 409 once approved, or while a job
    is about to store its own result over the correction."""
    invoice = _locked(invoice)
    if invoice.status == Invoice.Status.APPROVED:
        raise ConflictError(
            "An approved invoice can no longer be changed.", code="invoice_approved"
        )
    if invoice.status in (Invoice.Status.QUEUED, Invoice.Status.PROCESSING):
        raise ConflictError(
            "This invoice is being processed; correct it once the job has finished.",
            code="invoice_processing",
            details={"job_id": invoice.job_id},
        )
    return invoice


def _manual_source() -> dict:
    return {"page": None, "box": None, "source": "manual"}


def invoice_update(*, invoice: Invoice, changes: dict[str, object], changed_by) -> Invoice:
    """Apply field corrections (already type-checked values). Each field whose value really
    changes gets an InvoiceFieldChange row (who, when, old, new) and full confidence with a
    "manual" source, which a later reprocess keeps. Refused with 409 once the invoice is
    approved or while a job is about to store its own result."""
    unknown = set(changes) - {*invoice_field_names(editable=True), "customer"}
    if unknown:
        raise DomainError(
            "These fields cannot be changed.",
            code="field_not_editable",
            details={"fields": sorted(unknown)},
        )
    customer = changes.get("customer")
    if (
        customer is not None
        and not customers_assignable_by(changed_by).filter(pk=customer.pk).exists()
    ):
        raise DomainError(
            "You may only assign customers assigned to you.",
            code="customer_not_allowed",
            details={"customer": customer.pk},
        )
    with transaction.atomic():
        invoice = _locked_for_correction(invoice)
        audit: list[InvoiceFieldChange] = []
        for name, value in changes.items():
            old = getattr(invoice, name)
            if _as_text(old) == _as_text(value):
                continue
            setattr(invoice, name, value)
            audit.append(
                InvoiceFieldChange(
                    invoice=invoice,
                    field=name,
                    old_value=_as_text(old),
                    new_value=_as_text(value),
                    changed_by=changed_by,
                    **_extracted_as(invoice, name),
                )
            )
            if name != "customer":
                invoice.field_confidence = {**invoice.field_confidence, name: 1.0}
                invoice.field_sources = {**invoice.field_sources, name: _manual_source()}
        if audit:
            if {change.field for change in audit} & DUPLICATE_KEY_FIELDS:
                invoice_duplicate_mark(invoice=invoice)  # a corrected key may match, or not
            invoice.reviewed_by = changed_by
            invoice.save()
            InvoiceFieldChange.objects.bulk_create(audit)
    return invoice


def _extracted_as(invoice: Invoice, name: str) -> dict:
    """The extractor's confidence in the value being corrected and where it read it; none when
    the value is already a person's (calibration counts the extractor's mistakes only)."""
    source = (invoice.field_sources or {}).get(name)
    source = source if isinstance(source, dict) else {}
    confidence = (invoice.field_confidence or {}).get(name)
    if confidence is None or source.get("source") == "manual":
        return {}
    return {"old_confidence": confidence, "old_source": source}


def invoice_approve(*, invoice: Invoice, approved_by) -> Invoice:
    """Mark a recognized or needs-review invoice approved by a person; 409 from other states."""
    with transaction.atomic():
        invoice = _locked(invoice)
        if invoice.status not in REVIEWABLE:
            raise ConflictError(
                f"Only recognized or needs-review invoices can be approved; this one is "
                f"{invoice.status}.",
                code="invoice_not_approvable",
                details={"status": invoice.status},
            )
        invoice.status = Invoice.Status.APPROVED
        invoice.reviewed_by = approved_by
        invoice.approved_at = timezone.now()
        invoice.save(update_fields=["status", "reviewed_by", "approved_at", "updated_at"])
        webhooks_emit(event=INVOICE_APPROVED, payload=invoice_payload(invoice))  # on commit
    return invoice


def invoice_lines_replace(*, invoice: Invoice, lines: list[dict], changed_by) -> Invoice:
    """Replace the line items with a person's list (already type-checked: description,
    quantity, unit_price, amount, tax_rate), numbered in the order given. Audited as one
    "lines" change holding the old and new lists; a later reprocess keeps them. The same 409s
    as field corrections."""
    with transaction.atomic():
        invoice = _locked_for_correction(invoice)
        old = [line_as_dict(line) for line in invoice.lines.order_by("position")]
        rows = [
            InvoiceLine(invoice=invoice, position=position, **line)
            for position, line in enumerate(lines, start=1)
        ]
        new = [line_as_dict(row) for row in rows]
        if old == new:
            return invoice
        invoice.lines.all().delete()
        InvoiceLine.objects.bulk_create(rows)
        invoice.field_sources = {**invoice.field_sources, LINES_SOURCE_KEY: _manual_source()}
        invoice.reviewed_by = changed_by
        invoice.save(update_fields=["field_sources", "reviewed_by", "updated_at"])
        InvoiceFieldChange.objects.create(
            invoice=invoice,
            field=LINES_SOURCE_KEY,
            old_value=json.dumps(old, ensure_ascii=False),
            new_value=json.dumps(new, ensure_ascii=False),
            changed_by=changed_by,
        )
    return invoice


def lines_corrected(invoice: Invoice) -> bool:
    """Whether a person replaced the line items (a reprocess then keeps them)."""
    source = (invoice.field_sources or {}).get(LINES_SOURCE_KEY)
    return isinstance(source, dict) and source.get("source") == "manual"


def line_as_dict(line: InvoiceLine) -> dict:
    """A line as text values, the way the audit trail and comparisons see it."""
    return {
        "position": line.position,
        "description": line.description,
        **{name: _decimal_text(getattr(line, name)) for name in LINE_NUMBERS},
    }


def _decimal_text(value) -> str | None:
    # Normalised, so 2 and 2.0000 compare equal whatever the column's places.
    return None if value is None else format(Decimal(value).normalize(), "f")
