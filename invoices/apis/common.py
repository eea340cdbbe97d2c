"""What every invoice view shares: how an invoice is looked up (who may call them is the API's
default permission: a role, see accounts/permissions.py)."""

from __future__ import annotations

from core.errors import NotFoundError
from invoices.models import Invoice
from invoices.selectors import invoices_visible_to


def visible_invoice(user, pk: int) -> Invoice:
    """The invoice if this user may see it; otherwise 404, so ids of others don't leak."""
    invoice = invoices_visible_to(user).filter(pk=pk).first()
    if invoice is None:
        raise NotFoundError("No such invoice.", code="not_found")
    return invoice
