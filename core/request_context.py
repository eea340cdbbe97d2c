"""Per-request facts (request id, user, client kind, client address) that logs and services
read."""

from __future__ import annotations

import contextvars
import ipaddress
import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


@dataclass
class RequestContext:
    request_id: str = "-"
    user: str = "-"
    client_kind: str = "-"
    path: str = "-"


current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "ledgerlens_request_context"
)


def get_current() -> RequestContext:
    """The running request's context, or an empty one outside requests (workers, commands)."""
    return current.get(None) or RequestContext()


def new_request_id(incoming: str | None) -> str:
    """Reuse the caller's id when it is a sane token, so traces join up across services."""
    if incoming and _REQUEST_ID_PATTERN.match(incoming):
        return incoming
    return uuid.uuid4().hex


def client_kind(x_client: str | None, user_agent: str | None) -> str:
    """web, mobile or api: from X-Client when given, else guessed from the User-Agent."""
    declared = (x_client or "").strip().lower()
    if declared in {"web", "mobile", "api"}:
        return declared
    agent = (user_agent or "").lower()
    if any(word in agent for word in ("android", "iphone", "ipad", "okhttp", "cfnetwork", "dart")):
        return "mobile"
    if "mozilla" in agent:
        return "web"
    return "api"


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address: REMOTE_ADDR, or the entry TRUSTED_PROXY_COUNT hops from the right of
    X-Forwarded-For when that many proxies we run append to it (the left part is client-forged).
    An entry that is no IP address (a misconfigured proxy) falls back to REMOTE_ADDR."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops and _is_ip(forwarded[-hops]):
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR") or None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
