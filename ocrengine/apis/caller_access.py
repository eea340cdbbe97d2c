"""Who may call the document analysis API at all: back-office users with a role, and machine
clients signing with HMAC (which endpoints a client may call is its scopes' business, see
ocrengine/apis/permissions.py)."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from accounts.permissions import HasRole
from ocrengine.apis.hmac_authentication import HmacSignatureAuthentication


class HasRoleOrSignedClient(BasePermission):
    """A request signed by an active machine client (its registration is its grant to the
    analysis API; a linked user lends it that user's permissions, such as unmasked sensitive
    fields), or else a JWT or session user with a role, as everywhere else in the API."""

    message = HasRole.message

    def has_permission(self, request, view) -> bool:
        if isinstance(request.successful_authenticator, HmacSignatureAuthentication):
            return True
        return HasRole().has_permission(request, view)
