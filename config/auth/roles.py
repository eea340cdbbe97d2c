"""Roles are Django groups, created by a data migration: agent, supervisor, admin."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

AGENT = "agent"
SUPERVISOR = "supervisor"
ADMIN = "admin"
ROLES = (AGENT, SUPERVISOR, ADMIN)


def user_role(user: AbstractBaseUser | AnonymousUser) -> str | None:
    """The strongest role a user holds; superusers and staff count as admin."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return ADMIN
    names = {group.name for group in user.groups.all()}
    for role in (ADMIN, SUPERVISOR, AGENT):
        if role in names:
            return role
    return ADMIN if user.is_staff else None


def sees_all_customers(user) -> bool:
    """Supervisors, admins and staff see every customer; agents only their own."""
    return user_role(user) in {SUPERVISOR, ADMIN}
