"""People correcting and approving extracted invoices; every correction is audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from config.errors import ConflictError, DomainError
from customers.models import Customer
from invoices.models import EXTRACTED_FIELDS, Invoice, InvoiceFieldChange
from invoices.selectors import customers_assignable_by

EDITABLE_FIELDS = (*EXTRACTED_FIELDS, "customer")
REVIEWABLE = (Invoice.Status.RECOGNIZED, Invoice.Status.NEEDS_REVIEW)


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Customer):
        return str(value.pk)
    return str(value)


def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def invoice_update(*, invoice: Invoice, changes: dict[str, object], changed_by) -> Invoice:
    """Apply field corrections (already type-checked values). Each field whose value really
    changes gets an InvoiceFieldChange row (who, when, old, new) and full confidence with a
    "manual" source, which a later reprocess keeps. Refused with 409 once the invoice is
    approved or while a job is about to store its own result."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
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
        invoice = _locked(invoice)
        if invoice.status == Invoice.Status.APPROVED:
            raise ConflictError(
                "An approved invoice can no longer be changed.", code="invoice_approved"
            )
        if invoice.status in (Invoice.Status.QUEUED, Invoice.Status.PROCESSING):
            # The running job would overwrite the correction when it stores its result.
            raise ConflictError(
                "This invoice is being processed; correct it once the job has finished.",
                code="invoice_processing",
                details={"job_id": invoice.job_id},
            )
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
                )
            )
            if name in EXTRACTED_FIELDS:
                invoice.field_confidence = {**invoice.field_confidence, name: 1.0}
                invoice.field_sources = {
                    **invoice.field_sources,
                    name: {"page": None, "box": None, "source": "manual"},
                }
        if audit:
            invoice.reviewed_by = changed_by
            invoice.save()
            InvoiceFieldChange.objects.bulk_create(audit)
    return invoice


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
    return invoice
