"""Creating users with a role: the one place that decides what each role means."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from config.auth.roles import ADMIN, ROLES
from core.errors import ConflictError, DomainError


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
