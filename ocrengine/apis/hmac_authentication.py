"""DRF authentication for machine clients signing requests with HMAC (see
`ocrengine.services.hmac_auth` for the scheme)."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from core.errors import PayloadTooLargeError
from ocrengine.services.hmac_auth import SignatureRejected, SignedRequest, hmac_verify

HEADERS = ("X-Key-Id", "X-Timestamp", "X-Nonce", "X-Signature")


class ApiClientUser:
    """The request user of a machine client that acts for no user: authenticated, with no
    permissions (so sensitive fields stay masked)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, client) -> None:
        self.client = client
        self.username = f"client:{client.key_id}"

    def get_username(self) -> str:
        return self.username

    def has_perm(self, perm: str, obj=None) -> bool:
        return False

    def __str__(self) -> str:
        return self.username


class HmacSignatureAuthentication(BaseAuthentication):
    """Applies when the request carries X-Key-Id; otherwise leaves it to JWT and sessions."""

    def authenticate(self, request):
        headers = request._request.headers
        if "X-Key-Id" not in headers:
            return None
        missing = [name for name in HEADERS if not headers.get(name)]
        if missing:
            raise exceptions.AuthenticationFailed(
                {"code": "signature_missing", "detail": f"Missing headers: {', '.join(missing)}."}
            )
        try:
            body = request._request.body
        except RequestDataTooBig:
            raise PayloadTooLargeError("The signed request body is too large.") from None
        signed = SignedRequest(
            method=request._request.method,
            path=request._request.get_full_path(),
            body=body,
            key_id=headers["X-Key-Id"],
            timestamp=headers["X-Timestamp"],
            nonce=headers["X-Nonce"],
            signature=headers["X-Signature"],
        )
        try:
            client = hmac_verify(signed=signed)
        except SignatureRejected as rejected:
            raise exceptions.AuthenticationFailed(
                {"code": rejected.code, "detail": rejected.message}
            ) from None
        if client.user is not None:
            if not client.user.is_active:
                raise exceptions.AuthenticationFailed(
                    {"code": "user_inactive", "detail": "The client's user is inactive."}
                )
            return (client.user, client)
        return (ApiClientUser(client), client)

    def authenticate_header(self, request) -> str:
        return 'HMAC-SHA256 realm="api"'


class HmacSignatureScheme(OpenApiAuthenticationExtension):
    """Describes the signature headers in the OpenAPI schema."""

    target_class = HmacSignatureAuthentication
    name = "hmacSignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Signature",
            "description": "HMAC-SHA256 (hex) of METHOD, path with query, X-Timestamp, X-Nonce "
            "and the body's SHA-256, one per line, with the client's secret; "
            "send X-Key-Id, X-Timestamp and X-Nonce too.",
        }
