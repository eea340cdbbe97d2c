"""One POST to a subscriber, guarded as the LLM backend's calls are (ocrengine/services/llm.py,
whose deadline, handlers and redirect refusal this reuses): http(s) only, no redirects, one
deadline of WEBHOOK_TIMEOUT_S however slowly the receiver answers, and, unless
WEBHOOK_ALLOW_PRIVATE, no private, loopback, link-local or otherwise non-public address — checked
on the address actually connected to, so a name that resolves differently later (DNS
rebinding) gains nothing."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings

from ocrengine.services.llm import (
    _Deadline,
    _HttpHandler,
    _HttpsHandler,
    _NoRedirects,
    _WatchedHTTPConnection,
    _WatchedHTTPSConnection,
)

MAX_ANSWER_BYTES = 64 * 1024  # what is kept of an answer: its status is what counts


class UrlRefused(Exception):
    """The URL may not be called (scheme, or a private address)."""


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def url_problem(url: str) -> str | None:
    """Why `url` is no subscriber URL, or None."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "webhook URLs are http:// or https:// with a host"
    if parts.username or parts.password:
        return "webhook URLs carry no credentials; the signature authenticates"
    return None


def address_refused(address: str) -> bool:
    """Whether WEBHOOK_ALLOW_PRIVATE off refuses this IP address."""
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return False
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _check_peer(sock: socket.socket) -> None:
    peer = sock.getpeername()[0]
    if address_refused(peer):
        sock.close()
        raise UrlRefused(f"private_address: {peer} (WEBHOOK_ALLOW_PRIVATE is off)")


class _GuardedHTTPConnection(_WatchedHTTPConnection):
    def connect(self) -> None:
        super().connect()
        _check_peer(self.sock)


class _GuardedHTTPSConnection(_WatchedHTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _check_peer(self.sock)


class _GuardedHttpHandler(_HttpHandler):
    def http_open(self, req):
        return self.do_open(_GuardedHTTPConnection, req, deadline=self._deadline)


class _GuardedHttpsHandler(_HttpsHandler):
    def https_open(self, req):
        return self.do_open(
            _GuardedHTTPSConnection, req, context=self._ssl_context, deadline=self._deadline
        )


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body`; never raises for the receiver's failures, it answers them."""
    started = time.monotonic()

    def answer(status: int | None, error: str = "") -> Answer:
        return Answer(status, error[:300], int((time.monotonic() - started) * 1000))

    if problem := url_problem(url):
        return answer(None, f"invalid_url: {problem}")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    deadline = _Deadline(settings.WEBHOOK_TIMEOUT_S)
    opener = urllib.request.build_opener(
        _NoRedirects, _GuardedHttpHandler(deadline), _GuardedHttpsHandler(deadline)
    )
    try:
        with opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_S) as response:
            response.read(MAX_ANSWER_BYTES)
            return answer(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        if 300 <= error.code < 400:
            return answer(error.code, "redirect_refused: redirects are not followed")
        return answer(error.code, f"http_{error.code}")
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, UrlRefused):
            return answer(None, str(reason))
        if isinstance(reason, TimeoutError) or deadline.expired:
            return answer(None, "timeout")
        return answer(None, f"connection_error: {type(reason).__name__}")
    except UrlRefused as refused:
        return answer(None, str(refused))
    except (TimeoutError, OSError, http.client.HTTPException) as error:
        if deadline.expired or isinstance(error, TimeoutError):
            return answer(None, "timeout")
        return answer(None, f"connection_error: {type(error).__name__}")
    finally:
        deadline.close()
