"""Login lock-out: after LOGIN_FAILURE_LIMIT failures within LOGIN_FAILURE_WINDOW_S, per
username and per client IP, logins are refused with 429 until the window slides past.

Every password check (the API's login and the admin's) goes through `login_guarded`, so both
share one set of counters. Checking the lock and counting the attempt are one atomic step: an
attempt is recorded as a failure *before* its password is checked and forgiven if the password
was right. Parallel guesses therefore cannot all pass a check that none of them has yet been
counted against: at most LIMIT attempts per username or IP are ever in flight or failed.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import LoginFailure
from core.errors import TooManyRequestsError

User = TypeVar("User")


def _username_key(username: str) -> str:
    # Stored lower-cased: "Ann" and "ann" are the same target for a guesser.
    return username.lower()[:150]


def _window_start(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_S)


def _unlock_at(failures: list[datetime]) -> datetime | None:
    """failures: newest first, within the window. The lock lifts when the LIMIT-th newest
    failure leaves the window, because then fewer than LIMIT remain in it."""
    limit = settings.LOGIN_FAILURE_LIMIT
    if len(failures) < limit:
        return None
    return failures[limit - 1] + timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_S)


def _advisory_lock_id(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def _serialize_attempts(keys: list[str]) -> None:
    """Make the rest of the current transaction exclusive per username and per IP, so that
    counting the failures and recording this attempt cannot interleave with another attempt's.

    PostgreSQL: transaction-scoped advisory locks, taken in one order (no deadlock), released at
    commit; nothing to create or clean up per key. SQLite: the settings open every transaction
    with BEGIN IMMEDIATE, which already holds the database's one write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for key in sorted(keys):
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_advisory_lock_id(key)])
    elif connection.vendor != "sqlite":
        raise ImproperlyConfigured(f"Login lock-out cannot serialize on {connection.vendor}.")


def _locked_for_s(*, username: str, ip_address: str | None, now: datetime) -> int | None:
    """Seconds until the username and the IP are both below the limit; None when neither is
    locked now."""
    limit = settings.LOGIN_FAILURE_LIMIT
    recent = LoginFailure.objects.filter(created_at__gt=_window_start(now)).order_by("-created_at")
    groups = [recent.filter(username=username)]
    if ip_address:
        groups.append(recent.filter(ip_address=ip_address))
    unlock_times = [
        when
        for group in groups
        if (when := _unlock_at(list(group.values_list("created_at", flat=True)[:limit])))
        and when > now
    ]
    if not unlock_times:
        return None
    return math.ceil((max(unlock_times) - now).total_seconds())


def login_attempt_begin(*, username: str, ip_address: str | None) -> None:
    """Refuse a locked username or IP with TooManyRequestsError (and the seconds to wait), or
    else count this attempt as a failure; both in one transaction serialized per username and
    IP. Called before the password is checked, so a locked account cannot be guessed, and so
    attempts still checking their password count against the ones that follow."""
    key = _username_key(username)
    lock_keys = [f"login:user:{key}"]
    if ip_address:
        lock_keys.append(f"login:ip:{ip_address}")
    with transaction.atomic():
        _serialize_attempts(lock_keys)
        now = timezone.now()  # after waiting for the lock
        wait = _locked_for_s(username=key, ip_address=ip_address, now=now)
        if wait is not None:
            raise TooManyRequestsError(
                "Too many failed logins. Try again later.",
                code="login_locked",
                details={"retry_after_s": wait},
                retry_after=wait,
            )
        LoginFailure.objects.create(username=key, ip_address=ip_address, created_at=now)
    # Drop failures too old to matter so the table stays small (outside the serialized step).
    LoginFailure.objects.filter(created_at__lte=_window_start(now)).delete()


def login_failures_clear(*, username: str) -> None:
    """A successful login forgives the username's failures, this attempt's included (not the
    IP's other failures: an address guessing many usernames stays limited even if one guess is
    right)."""
    LoginFailure.objects.filter(username=_username_key(username)).delete()


def login_guarded(
    *, username: str, ip_address: str | None, check_password: Callable[[], User | None]
) -> User | None:
    """Run one password check under the lock-out: refuse (429) when locked, count the attempt,
    run `check_password`, and forgive the username's failures when it returned a user. Raises
    TooManyRequestsError; returns what `check_password` returned."""
    login_attempt_begin(username=username, ip_address=ip_address)
    user = check_password()
    if user is not None:
        login_failures_clear(username=username)
    return user
