"""The events subscribers may receive, and the payloads the business apps send with them.

The payload builders read attributes only (no model imports), so webhooks knows no business
app: the apps call `webhooks_emit` (webhooks/services.py) with what they built here or their own
JSON-serialisable dict.
"""

from __future__ import annotations

from typing import Any

INVOICE_RECOGNIZED = "invoice.recognized"
INVOICE_NEEDS_REVIEW = "invoice.needs_review"
INVOICE_APPROVED = "invoice.approved"
STATEMENT_VERIFIED = "statement.verified"
STATEMENT_REVIEW = "statement.review"
MATCH_CONFIRMED = "match.confirmed"  # emitted by matching/

EVENT_TYPES = (
    INVOICE_RECOGNIZED, INVOICE_NEEDS_REVIEW, INVOICE_APPROVED, STATEMENT_VERIFIED,
    STATEMENT_REVIEW, MATCH_CONFIRMED,
)  # fmt: skip

# The invoice and statement statuses that are events.
INVOICE_STATUS_EVENTS = {"recognized": INVOICE_RECOGNIZED, "needs_review": INVOICE_NEEDS_REVIEW}
STATEMENT_STATUS_EVENTS = {"verified": STATEMENT_VERIFIED, "review": STATEMENT_REVIEW}


def _text(value: Any) -> Any:
    return None if value is None else str(value)


def invoice_payload(invoice) -> dict[str, Any]:
    reviewer = invoice.reviewed_by
    return {
        "invoice_id": invoice.pk,
        "status": invoice.status,
        "customer_id": invoice.customer_id,
        "invoice_number": invoice.invoice_number,
        "date": _text(invoice.date),
        "seller": invoice.seller,
        "total_amount": _text(invoice.total_amount),
        "currency": invoice.currency,
        "confidence": invoice.confidence,
        "reviewer": reviewer.get_username() if reviewer is not None else None,
        "approved_at": invoice.approved_at.isoformat() if invoice.approved_at else None,
        "url": f"/api/v1/invoices/{invoice.pk}/",
    }


def statement_payload(statement_import) -> dict[str, Any]:
    return {
        "statement_id": statement_import.pk,
        "status": statement_import.status,
        "customer_id": statement_import.customer_id,
        "bank": statement_import.bank.code if statement_import.bank_id else None,
        "bills": list(statement_import.bills.values_list("pk", flat=True)),
        "problems": len(statement_import.problems or []),
        "url": f"/api/v1/statements/{statement_import.pk}/",
    }
