"""The API's one error shape and the domain errors services raise.

Every 4xx/5xx under /api/ answers
`{"error": {"code", "message", "details"}, "request_id"}`; nothing internal leaks.
"""

from __future__ import annotations

import errno
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from . import request_context

logger = logging.getLogger("ledgerlens.errors")


class DomainError(Exception):
    """A business rule refused the request; services raise these, the API renders them."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.details = details or {}


class InvalidFieldsError(DomainError):
    """A request whose fields a business rule refuses: the same 400 `validation_error` as a
    serializer's, with the reasons per field in `details.fields`."""

    code = "validation_error"

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__("The request has invalid fields.", details={"fields": fields})


class ConflictError(DomainError):
    status = 409
    code = "conflict"


class NotFoundError(DomainError):
    status = 404
    code = "not_found"


class PayloadTooLargeError(DomainError):
    status = 413
    code = "file_too_large"


class UnsupportedMediaTypeError(DomainError):
    status = 415
    code = "unsupported_media_type"


class TooManyRequestsError(DomainError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {
        "error": {"code": code, "message": message, "details": details or {}},
        "request_id": request_context.get_current().request_id,
    }


def error_response(
    status: int, code: str, message: str, details: dict | None = None
) -> JsonResponse:
    return JsonResponse(error_body(code, message, details), status=status)


def body_limit_error(exc: BaseException | None) -> tuple[str, str, dict] | None:
    """(code, message, details) when `exc` is Django refusing a request body over one of its
    limits (DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_NUMBER_FIELDS / _FILES): a 413, not
    the 500 (DRF parse time) or HTML 400 (middleware time) Django would answer."""
    if isinstance(exc, RequestDataTooBig):
        limit, code = settings.DATA_UPLOAD_MAX_MEMORY_SIZE, "request_too_large"
        message = "The request body is larger than the server accepts."
    elif isinstance(exc, TooManyFieldsSent):
        limit, code = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS, "too_many_fields"
        message = "The request has more fields than the server accepts."
    elif isinstance(exc, TooManyFilesSent):
        limit, code = settings.DATA_UPLOAD_MAX_NUMBER_FILES, "too_many_files"
        message = "The request has more files than the server accepts."
    else:
        return None
    return code, message, {"limit": limit}


_DRF_CODES: dict[type, str] = {
    drf.ValidationError: "validation_error",
    drf.ParseError: "parse_error",
    drf.NotAuthenticated: "not_authenticated",
    drf.AuthenticationFailed: "authentication_failed",
    drf.PermissionDenied: "permission_denied",
    drf.NotFound: "not_found",
    drf.MethodNotAllowed: "method_not_allowed",
    drf.NotAcceptable: "not_acceptable",
    drf.UnsupportedMediaType: "unsupported_media_type",
    drf.Throttled: "too_many_requests",
}


def api_exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's EXCEPTION_HANDLER: every exception a view raises becomes the one shape."""
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        # A service's reason ("Agents cannot delete customers; ...") reaches the caller.
        exc = drf.PermissionDenied(str(exc) or None)

    headers: dict[str, str] = {}
    if isinstance(exc, DomainError):
        status, code, message, details = exc.status, exc.code, exc.message, exc.details
        if isinstance(exc, TooManyRequestsError):
            headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, drf.APIException):
        status = exc.status_code
        code, message, details = _describe_drf_error(exc)
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None) is not None:
            headers["Retry-After"] = str(int(exc.wait) + 1)
    elif (refused := body_limit_error(exc)) is not None:
        logger.warning("request body refused: %s", refused[0])
        status, (code, message, details) = 413, refused
    elif isinstance(exc, SuspiciousOperation):
        logger.warning("suspicious request refused: %s", type(exc).__name__)
        status, code, message, details = 400, "bad_request", _BAD_REQUEST, {}
    elif (unavailable := dependency_unavailable(exc)) is not None:
        logger.warning("request refused: %s (%s)", unavailable[1], type(exc).__name__)
        status, code, message, details = unavailable
        headers["Retry-After"] = str(RETRY_AFTER_S)
    else:
        logger.exception("unhandled error in API view", exc_info=exc)
        status, code, message, details = 500, "server_error", "An internal error occurred.", {}

    set_rollback()
    return Response(error_body(code, message, details), status=status, headers=headers)


# A restarting database or a full disk is over in seconds to minutes: clients may try again.
RETRY_AFTER_S = 10
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def dependency_unavailable(exc: BaseException) -> tuple[int, str, str, dict] | None:
    """(status, code, message, details) when `exc` says a dependency failed, not the request:
    the database unreachable (restarting, connections refused or dropped): 503
    `database_unavailable`, the request changed nothing (its transaction is rolled back);
    Redis unreachable (the cache, the rate-limit counters, the broker): 503
    `service_unavailable`; the file storage full: 507 `insufficient_storage`. None otherwise.
    Each answers Retry-After.

    A task that Redis refused after its job committed is not lost: the job stays queued and
    the sweeper enqueues it again after JOB_QUEUED_STALE_S (jobs/services.py)."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        message = "The database is unavailable; nothing was changed. Try again shortly."
        return 503, "database_unavailable", message, {}
    if _is_redis_down(exc):
        message = (
            "A backing service (cache, rate limits or the job queue) is unavailable. Try again "
            "shortly; work already accepted is kept and resumes when it returns."
        )
        return 503, "service_unavailable", message, {}
    if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
        message = "The server has no room to store the file; nothing was stored. Try again later."
        return 507, "insufficient_storage", message, {}
    return None


def _is_redis_down(exc: BaseException) -> bool:
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # redis is only needed when REDIS_URL is set
        return False
    return isinstance(exc, (RedisConnectionError, RedisTimeoutError))


def _describe_drf_error(exc: drf.APIException) -> tuple[str, str, dict]:
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    if isinstance(exc, drf.ValidationError):
        return code, "The request has invalid fields.", {"fields": exc.detail}
    detail = exc.detail
    if isinstance(detail, dict):
        # simplejwt puts its own code ("token_not_valid") and messages in a dict.
        code = str(detail.get("code", code))
        message = str(detail.get("detail", "The request failed."))
        return code, message, {k: v for k, v in detail.items() if k not in {"code", "detail"}}
    return code, str(detail), {}


_BAD_REQUEST = "The request could not be understood."


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: what Django answers when a middleware or a plain view raises a
    SuspiciousOperation (a body over the limits, a bad Host). Under /api/ the one shape, 413
    for a body over the limits; elsewhere Django's own page."""
    if not request.path.startswith("/api/"):
        return defaults.bad_request(request, exception)
    refused = body_limit_error(exception)
    if refused is not None:
        return error_response(413, *refused)
    return error_response(400, "bad_request", _BAD_REQUEST)
