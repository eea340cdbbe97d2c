"""Duplicates by business key: the same invoice arriving again as a different file.

The upload refuses the same bytes (sha256); a scan, a phone photo or an email copy of an
invoice already stored has other bytes but the same business key once read:

- the seller's tax id and the invoice number,
- the invoice code and number (older Chinese VAT invoices), or
- the 20-digit number alone (数电 invoices, which have no code; the number is unique
  nationwide).

Such an invoice is kept (it may be the better copy) but linked to the stored one
(`Invoice.duplicate_of`, the earliest with that key that is no duplicate itself), carries a
failed `duplicate_invoice` check naming it, and goes to review.
"""

from __future__ import annotations

import re

from django.db.models import Q

from invoices.models import Invoice

DUPLICATE_CHECK = "duplicate_invoice"
# The columns a business key is made of: a correction of one looks for duplicates again.
DUPLICATE_KEY_FIELDS = frozenset({"invoice_number", "invoice_code", "seller_tax_id"})
_SHUDIAN_NUMBER = re.compile(r"\d{20}")


def business_key_query(invoice: Invoice) -> Q | None:
    """The invoices sharing one of `invoice`'s business keys, as a filter; None without one."""
    number = (invoice.invoice_number or "").strip()
    if not number:
        return None
    keys: list[Q] = []
    if invoice.seller_tax_id:
        keys.append(Q(seller_tax_id__iexact=invoice.seller_tax_id.strip(), invoice_number=number))
    if invoice.invoice_code:
        keys.append(Q(invoice_code=invoice.invoice_code.strip(), invoice_number=number))
    elif _SHUDIAN_NUMBER.fullmatch(number):
        keys.append(Q(invoice_code="", invoice_number=number))
    if not keys:
        return None
    query = keys[0]
    for key in keys[1:]:
        query |= key
    return query


def invoice_duplicate_find(*, invoice: Invoice) -> Invoice | None:
    """The stored invoice `invoice` repeats by business key, or None."""
    query = business_key_query(invoice)
    if query is None:
        return None
    return (
        Invoice.objects.filter(query, duplicate_of__isnull=True)
        .exclude(pk=invoice.pk)
        .exclude(status__in=[Invoice.Status.FAILED, Invoice.Status.QUEUED])
        .order_by("created_at", "pk")
        .first()
    )


def _key_words(invoice: Invoice, original: Invoice) -> str:
    """The business key the two share, in words."""
    number = invoice.invoice_number
    if invoice.invoice_code and invoice.invoice_code == original.invoice_code:
        return f"code {invoice.invoice_code}, number {number}"
    if not invoice.invoice_code and _SHUDIAN_NUMBER.fullmatch(number):
        return f"数电 number {number}"
    return f"seller tax id {invoice.seller_tax_id}, number {number}"


def invoice_duplicate_mark(*, invoice: Invoice) -> Invoice | None:
    """Link `invoice` (its fields just extracted, not yet saved) to the stored invoice it
    repeats, if any: sets `duplicate_of`, replaces the `duplicate_invoice` check and sends a
    recognised invoice to review. Returns the original, or None (and clears a stale link)."""
    original = invoice_duplicate_find(invoice=invoice)
    checks = [c for c in invoice.checks or [] if c.get("name") != DUPLICATE_CHECK]
    invoice.duplicate_of = original
    if original is not None:
        checks.append(
            {
                "name": DUPLICATE_CHECK,
                "ok": False,
                "duplicate_of": original.pk,
                "url": f"/api/v1/invoices/{original.pk}/",
                "message": (
                    f"The same invoice as #{original.pk} ({_key_words(invoice, original)}), "
                    "uploaded as another file."
                ),
            }
        )
        if invoice.status == Invoice.Status.RECOGNIZED:
            invoice.status = Invoice.Status.NEEDS_REVIEW
    invoice.checks = checks
    return original
