"""Machine clients: HMAC-SHA256 request signatures, replay protection, key rotation.

A client signs the string

    METHOD \\n PATH?QUERY \\n TIMESTAMP \\n NONCE \\n hex(SHA-256(body))

with its secret and sends `X-Key-Id`, `X-Timestamp` (Unix seconds), `X-Nonce` (8-64 of
[A-Za-z0-9_-]) and `X-Signature` (hex). A request is refused when the timestamp is more than
HMAC_MAX_SKEW_S away from now, the nonce was seen before for that client, or the signature
matches neither the current nor the previous secret (both stay valid during a rotation).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.encrypted_fields import UnreadableSecret
from ocrengine.models import ApiClient, ApiNonce, api_client_scopes_validate

_NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")
# An HMAC-SHA256 in hex. Anything else is refused before comparing: compare_digest raises on
# non-ASCII text, which made a stray byte in the header a 500.
_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")
# Stale nonces are pruned every this many verifications per process, not on every request.
_PRUNE_EVERY = 200
_verifications = 0


class SignatureRejected(Exception):
    """Why a signed request was refused; `code` is stable for clients."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SignedRequest:
    method: str
    path: str  # path with query string, as sent
    body: bytes
    key_id: str
    timestamp: str
    nonce: str
    signature: str


def string_to_sign(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    return "\n".join([method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest()])


def sign(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """The signature a client sends; also what clients in other languages must reproduce."""
    message = string_to_sign(method, path, timestamp, nonce, body).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def hmac_verify(*, signed: SignedRequest) -> ApiClient:
    """The client that signed the request; raises SignatureRejected otherwise. Records the
    nonce, so the same request is accepted once."""
    client = ApiClient.objects.select_related("user").filter(key_id=signed.key_id).first()
    if client is None or not client.is_active:
        raise SignatureRejected("unknown_key", "Unknown or inactive key id.")
    _check_timestamp(signed.timestamp)
    if not _NONCE.fullmatch(signed.nonce):
        raise SignatureRejected("invalid_nonce", "X-Nonce must be 8-64 letters, digits, - or _.")
    if not _SIGNATURE.fullmatch(signed.signature):
        raise SignatureRejected(
            "invalid_signature_format", "X-Signature must be 64 hex digits (HMAC-SHA256)."
        )
    if isinstance(client.secret, UnreadableSecret):
        # Logged by the field; the operator has to restore the key that encrypted it.
        raise SignatureRejected(
            "secret_unreadable", "This client's secret cannot be checked; contact the operator."
        )
    candidates = [client.secret]
    if isinstance(client.previous_secret, str) and client.previous_secret:
        candidates.append(client.previous_secret)
    matches = [
        hmac.compare_digest(
            sign(secret, signed.method, signed.path, signed.timestamp, signed.nonce, signed.body),
            signed.signature.lower(),
        )
        for secret in candidates
    ]
    if not any(matches):
        raise SignatureRejected("signature_invalid", "The signature does not match the request.")
    _record_nonce(client, signed.nonce)
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return client


def _check_timestamp(raw: str) -> None:
    try:
        sent = int(raw)
    except (TypeError, ValueError):
        raise SignatureRejected("invalid_timestamp", "X-Timestamp must be Unix seconds.") from None
    if abs(time.time() - sent) > settings.HMAC_MAX_SKEW_S:
        raise SignatureRejected(
            "signature_expired",
            f"The request was signed more than {settings.HMAC_MAX_SKEW_S} s from now.",
        )


def _record_nonce(client: ApiClient, nonce: str) -> None:
    global _verifications
    try:
        with transaction.atomic():
            ApiNonce.objects.create(client=client, nonce=nonce)
    except IntegrityError:
        raise SignatureRejected("nonce_replayed", "This nonce was already used.") from None
    _verifications += 1
    if _verifications % _PRUNE_EVERY == 0:
        api_nonces_prune()


def api_nonces_prune() -> int:
    """Forget nonces older than twice the signature window; a request that old is refused by
    its timestamp anyway."""
    cutoff = timezone.now() - timedelta(seconds=2 * settings.HMAC_MAX_SKEW_S)
    deleted, _ = ApiNonce.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# --- client management ----------------------------------------------------------------------


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def api_client_create(
    *, name: str, user=None, scopes: list[str] | None = None
) -> tuple[ApiClient, str]:
    """A new active client and its secret; the secret is returned once, to be shown once.
    Without `scopes` it may call every endpoint open to clients; with them, only those."""
    chosen = list(ApiClient.Scope.values) if scopes is None else list(scopes)
    api_client_scopes_validate(chosen)
    secret = _new_secret()
    client = ApiClient.objects.create(
        name=name,
        key_id=f"ll_{secrets.token_hex(8)}",
        secret=secret,
        user=user,
        scopes=chosen,
    )
    return client, secret


@transaction.atomic
def api_client_rotate(*, client: ApiClient) -> str:
    """A new secret; the current one becomes the previous one and keeps working until
    `api_client_retire_previous`, so clients switch without downtime."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    secret = _new_secret()
    client.previous_secret, client.secret = client.secret, secret
    client.save(update_fields=["secret", "previous_secret"])
    return secret


def api_client_retire_previous(*, client: ApiClient) -> None:
    ApiClient.objects.filter(pk=client.pk).update(previous_secret="")
