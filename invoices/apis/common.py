"""What every invoice view shares: who may call it and how an invoice is looked up."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from config.auth.roles import user_role
from config.errors import NotFoundError
from invoices.models import Invoice
from invoices.selectors import invoices_visible_to


class HasRole(BasePermission):
    """Signed-in users holding a role (agent, supervisor, admin) or staff."""

    message = "Your account has no role that may work with invoices."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user_role(user) is not None)


def visible_invoice(user, pk: int) -> Invoice:
    """The invoice if this user may see it; otherwise 404, so ids of others don't leak."""
    invoice = invoices_visible_to(user).filter(pk=pk).first()
    if invoice is None:
        raise NotFoundError("No such invoice.", code="not_found")
    return invoice
