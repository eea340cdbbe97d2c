"""What every export row says, whatever the format: the record's values, its approval status,
who reviewed it and a link to the page image it was read from.

The invoice columns are the canonical field list (invoices/fields.py), read at each call, so a
field added there is exported without a change here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from invoices.fields import invoice_field_names
from invoices.models import Invoice, InvoiceLine

# Columns every invoice row carries after the canonical fields.
INVOICE_TRAIL = ("approval_status", "approved", "reviewer", "approved_at", "page_image_url")


@dataclass(frozen=True)
class Links:
    """Absolute links into the API: the page images the rows point at."""

    base_url: str  # scheme://host, no trailing slash ("" gives site-relative links)

    def invoice_page(self, invoice: Invoice, number: int = 1) -> str:
        return f"{self.base_url}/api/v1/invoices/{invoice.pk}/pages/{number}.png"

    def statement_page(self, statement_import_id: int | None, number: int | None) -> str:
        if statement_import_id is None:
            return ""
        return f"{self.base_url}/api/v1/statements/{statement_import_id}/pages/{number or 1}.png"


def text(value: Any) -> str:
    """A value as accountants' files write it: ISO dates, plain decimals, '' for nothing."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str) if value else ""
    return str(value)


def reviewer(invoice: Invoice) -> str:
    user = invoice.reviewed_by
    return user.get_username() if user is not None else ""


def invoice_columns() -> list[str]:
    return ["id", *invoice_field_names(), "status", "customer", "original_name", *INVOICE_TRAIL]


def invoice_values(invoice: Invoice, links: Links) -> dict[str, Any]:
    """The invoice's row as typed values (dates, decimals), keyed by invoice_columns()."""
    values: dict[str, Any] = {"id": invoice.pk}
    values.update({name: getattr(invoice, name) for name in invoice_field_names()})
    values.update(
        status=invoice.status,
        customer=invoice.customer.name if invoice.customer_id else "",
        original_name=invoice.original_name,
        approval_status=invoice.status,
        approved=invoice.status == Invoice.Status.APPROVED,
        reviewer=reviewer(invoice),
        approved_at=invoice.approved_at,
        page_image_url=links.invoice_page(invoice),
    )
    return values


LINE_COLUMNS = (
    "invoice_id", "invoice_number", "position", "description", "quantity", "unit_price",
    "amount", "tax_rate", "currency", "seller", *INVOICE_TRAIL,
)  # fmt: skip


def line_values(line: InvoiceLine, links: Links) -> dict[str, Any]:
    invoice = line.invoice
    head = invoice_values(invoice, links)
    return {
        "invoice_id": invoice.pk,
        "invoice_number": invoice.invoice_number,
        "position": line.position,
        "description": line.description,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "amount": line.amount,
        "tax_rate": line.tax_rate,
        "currency": invoice.currency,
        "seller": invoice.seller,
        **{name: head[name] for name in INVOICE_TRAIL},
    }


TRANSACTION_COLUMNS = (
    "id", "transaction_date", "posting_date", "description", "merchant", "category", "amount",
    "direction", "signed_amount", "currency", "fx_amount", "fx_currency", "card_last4", "bank",
    "customer", "bill_id", "statement_date", "approval_status", "approved", "reviewer",
    "approved_at", "page_image_url",
)  # fmt: skip


def transaction_values(row, links: Links) -> dict[str, Any]:
    """A card or account transaction. Its approval is its bill's: `verified` when the
    statement reconciled to the cent; bills are verified by the reconciliation, not a person,
    so `reviewer` is empty."""
    bill, card = row.bill, row.card
    signed = row.amount if row.direction == "credit" else -row.amount
    return {
        "id": row.pk,
        "transaction_date": row.transaction_date,
        "posting_date": row.posting_date,
        "description": row.description,
        "merchant": getattr(row, "merchant", ""),
        "category": row.category,
        "amount": row.amount,
        "direction": row.direction,
        "signed_amount": signed,
        "currency": bill.currency,
        "fx_amount": row.fx_amount,
        "fx_currency": row.fx_currency,
        "card_last4": card.last4,
        "bank": card.bank.code,
        "customer": card.customer.name if card.customer_id else "",
        "bill_id": bill.pk,
        "statement_date": bill.statement_date,
        "approval_status": bill.status,
        "approved": bill.status == "verified",
        "reviewer": "",
        "approved_at": None,
        "page_image_url": links.statement_page(bill.statement_import_id, row.source_page),
    }
