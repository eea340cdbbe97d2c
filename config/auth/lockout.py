"""Login lock-out: after LOGIN_FAILURE_LIMIT failures within LOGIN_FAILURE_WINDOW_S, per
username and per client IP, logins are refused with 429 until the window slides past."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from config.auth.models import LoginFailure
from config.errors import TooManyRequestsError


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address: REMOTE_ADDR, or the entry TRUSTED_PROXY_COUNT hops from the right of
    X-Forwarded-For when that many proxies we run append to it (the left part is client-forged)."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR") or None


def _window_start(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_S)


def _unlock_at(failures: list[datetime]) -> datetime | None:
    """failures: newest first, within the window. The lock lifts when the LIMIT-th newest
    failure leaves the window, because then fewer than LIMIT remain in it."""
    limit = settings.LOGIN_FAILURE_LIMIT
    if len(failures) < limit:
        return None
    return failures[limit - 1] + timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_S)


def login_lockout_check(*, username: str, ip_address: str | None) -> None:
    """Raise TooManyRequestsError (with the seconds to wait) when the username or the IP is
    locked out. Called before the password is checked, so a locked account cannot be guessed."""
    now = timezone.now()
    since = _window_start(now)
    limit = settings.LOGIN_FAILURE_LIMIT
    recent = LoginFailure.objects.filter(created_at__gt=since).order_by("-created_at")
    candidates = [
        _unlock_at(
            list(
                recent.filter(username=username.lower()).values_list("created_at", flat=True)[
                    :limit
                ]
            )
        )
    ]
    if ip_address:
        by_ip = recent.filter(ip_address=ip_address).values_list("created_at", flat=True)[:limit]
        candidates.append(_unlock_at(list(by_ip)))
    unlock_times = [when for when in candidates if when is not None and when > now]
    if unlock_times:
        wait = math.ceil((max(unlock_times) - now).total_seconds())
        raise TooManyRequestsError(
            "Too many failed logins. Try again later.",
            code="login_locked",
            details={"retry_after_s": wait},
            retry_after=wait,
        )


def login_failure_record(*, username: str, ip_address: str | None) -> None:
    """Count one failed login, and drop failures too old to matter so the table stays small."""
    now = timezone.now()
    LoginFailure.objects.filter(created_at__lte=_window_start(now)).delete()
    LoginFailure.objects.create(
        username=username.lower()[:150], ip_address=ip_address, created_at=now
    )


def login_failures_clear(*, username: str) -> None:
    """A successful login forgives the username's failures (not the IP's: an address guessing
    many usernames stays limited even if one guess is right)."""
    LoginFailure.objects.filter(username=username.lower()).delete()
