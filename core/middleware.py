"""Request id, client kind and access logging; JSON errors for API URLs Django itself answers."""

from __future__ import annotations

import logging
import time

from django.http import HttpRequest, HttpResponse

from . import request_context
from .errors import error_response

access_log = logging.getLogger("ledgerlens.access")


class RequestContextMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        context = request_context.RequestContext(
            request_id=request_context.new_request_id(request.headers.get("X-Request-ID")),
            client_kind=request_context.client_kind(
                request.headers.get("X-Client"), request.headers.get("User-Agent")
            ),
            path=request.path,
        )
        request.request_id = context.request_id
        request.client_kind = context.client_kind
        token = request_context.current.set(context)
        try:
            response = self.get_response(request)
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                context.user = user.get_username()
            response["X-Request-ID"] = context.request_id
            access_log.info(
                "request",
                extra={
                    "method": request.method,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_context.current.reset(token)


class ApiErrorMiddleware:
    """Django answers unresolved URLs and CSRF failures itself, as HTML; under /api/ the one
    JSON error shape is promised, so plain-Django error responses are rewritten."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/") or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        if (
            response.get("Content-Type", "").startswith("text/plain")
            and request.path == "/api/v1/metrics/"
        ):
            return response
        code, message = _plain_error(response.status_code)
        replacement = error_response(response.status_code, code, message)
        for header in ("Allow", "Retry-After"):
            if header in response:
                replacement[header] = response[header]
        return replacement


def _plain_error(status: int) -> tuple[str, str]:
    return {
        400: ("bad_request", "The request could not be understood."),
        403: ("permission_denied", "You do not have permission to perform this action."),
        404: ("not_found", "No such resource."),
        405: ("method_not_allowed", "That method is not allowed here."),
        413: ("file_too_large", "The request body is too large."),
    }.get(status, ("server_error" if status >= 500 else "error", "The request failed."))
