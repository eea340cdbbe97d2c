"""Accounts: creating users with a role (the one place that decides what each role means), and
agent authentication: login with lock-out, refresh rotation with an atomic blacklist, logout.

Tokens are simplejwt's; what this module adds is that a refresh token is spent exactly once, even
when two requests present it at the same moment, and that inactive users get nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, update_last_login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.lockout import login_guarded
from accounts.roles import ADMIN, ROLES
from core.errors import ConflictError, DomainError


class AuthenticationError(DomainError):
    status = 401
    code = "authentication_failed"


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    user: AbstractBaseUser


def user_login(
    *, username: str, password: str, ip_address: str | None, request: HttpRequest | None = None
) -> TokenPair:
    """Check the password under the lock-out (429 when locked; the attempt counts as a failure
    unless the password was right) and hand out a token pair."""
    user = login_guarded(
        username=username,
        ip_address=ip_address,
        check_password=lambda: authenticate(request, username=username, password=password),
    )
    if user is None:
        # Inactive users fail here too (ModelBackend refuses them): no hint which it was.
        raise AuthenticationError("Invalid username or password.", code="invalid_credentials")
    refresh = RefreshToken.for_user(user)
    if api_settings.UPDATE_LAST_LOGIN:
        update_last_login(None, user)
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh), user=user)


class _PresentedRefreshToken(RefreshToken):
    """Checks signature, expiry and type only: whether it was already spent is decided by the
    atomic insert in `_spend`, not by a separate read that two requests could both pass."""

    def check_blacklist(self) -> None:
        return None


def _parse_refresh(raw: str) -> RefreshToken:
    try:
        return _PresentedRefreshToken(raw)
    except TokenError as error:
        raise AuthenticationError(str(error), code="token_not_valid") from error


def _active_user_of(token: RefreshToken) -> AbstractBaseUser:
    user_id = token.payload.get(api_settings.USER_ID_CLAIM)
    user = get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first()
    if user is None or not user.is_active:
        raise AuthenticationError(
            "No active account found for the given token.", code="no_active_account"
        )
    return user


def _spend(token: RefreshToken) -> bool:
    """Blacklist the token; False when it was already blacklisted. The one-to-one unique
    constraint on BlacklistedToken.token makes check-and-insert a single atomic step: of two
    concurrent spends, the second insert fails (PostgreSQL waits for the first to commit;
    SQLite's IMMEDIATE transactions queue) and that request is refused."""
    jti = token[api_settings.JTI_CLAIM]
    try:
        with transaction.atomic():
            outstanding, _ = OutstandingToken.objects.get_or_create(
                jti=jti,
                defaults={
                    "user_id": token.payload.get(api_settings.USER_ID_CLAIM),
                    "token": str(token),
                    "expires_at": datetime_from_epoch(token["exp"]),
                },
            )
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError:
        return False
    return True


def token_refresh(*, refresh: str) -> TokenPair:
    """Spend a refresh token and issue a new pair. A token already spent (rotated or logged
    out) is refused with 401, so a stolen copy is useless once its owner refreshes."""
    token = _parse_refresh(refresh)
    user = _active_user_of(token)
    if not _spend(token):
        raise AuthenticationError("Token is blacklisted", code="token_not_valid")
    new_refresh = RefreshToken.for_user(user)
    return TokenPair(access=str(new_refresh.access_token), refresh=str(new_refresh), user=user)


def token_logout(*, refresh: str) -> None:
    """Blacklist a refresh token. Logging out twice is not an error: the token is dead either way."""
    _spend(_parse_refresh(refresh))


def user_refresh_tokens_revoke(*, user_id: int) -> int:
    """Blacklist every refresh token of the user that has not expired or been spent yet, so a
    password change ends the sessions opened with the old password (access tokens still run out
    within their short lifetime). Returns how many were revoked. A token spent at the same moment
    is skipped, not an error: it is dead either way."""
    alive = OutstandingToken.objects.filter(
        user_id=user_id, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    ).values_list("pk", flat=True)
    revoked = [BlacklistedToken(token_id=pk) for pk in alive]
    BlacklistedToken.objects.bulk_create(revoked, ignore_conflicts=True)
    return len(revoked)


def user_create_with_role(
    *, username: str, password: str, role: str, email: str = ""
) -> AbstractBaseUser:
    """Create an active user in one role group. `admin` users are superusers and staff, so they
    can run the admin console; agents and supervisors use the API only. The password must pass
    AUTH_PASSWORD_VALIDATORS."""
    User = get_user_model()
    username = username.strip()
    if role not in ROLES:
        raise DomainError(
            f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.", code="invalid_role"
        )
    if not username:
        raise DomainError("The username must not be empty.", code="invalid_username")
    if User.objects.filter(username__iexact=username).exists():
        raise ConflictError(f"A user named {username!r} already exists.", code="user_exists")
    candidate = User(username=username, email=email)
    try:
        candidate.full_clean(exclude=["password"])
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise DomainError(
            "The user could not be created: " + " ".join(error.messages),
            code="invalid_user",
            details={"messages": error.messages},
        ) from error
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username,
                email=email,
                password=password,
                is_staff=role == ADMIN,
                is_superuser=role == ADMIN,
            )
            user.groups.add(Group.objects.get(name=role))
    except IntegrityError as error:
        raise ConflictError(
            f"A user named {username!r} already exists.", code="user_exists"
        ) from error
    return user
