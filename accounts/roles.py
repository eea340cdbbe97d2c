"""Roles are Django groups, created by a data migration: agent, supervisor, admin."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value, When

AGENT = "agent"
SUPERVISOR = "supervisor"
ADMIN = "admin"
ROLES = (AGENT, SUPERVISOR, ADMIN)
CUSTOMER_SENSITIVE_PERMISSION = ("customers", "view_sensitive")
ANALYSIS_SENSITIVE_PERMISSION = ("ocrengine", "view_sensitive_fields")


def users_with_access_facts() -> QuerySet:
    """Users annotated with their strongest role group and whether they may see customers'
    sensitive ids and analyses' sensitive fields, so authenticating a request is one query
    instead of five."""
    strongest_group = (
        Group.objects.filter(user=OuterRef("pk"), name__in=ROLES)
        .annotate(
            rank=Case(
                When(name=ADMIN, then=Value(0)),
                When(name=SUPERVISOR, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank")
        .values("name")[:1]
    )
    return get_user_model().objects.annotate(
        role_group=Subquery(strongest_group),
        may_view_customer_sensitive=_holds(CUSTOMER_SENSITIVE_PERMISSION),
        may_view_analysis_sensitive=_holds(ANALYSIS_SENSITIVE_PERMISSION),
    )


def _holds(permission: tuple[str, str]):
    """Whether the outer user holds the permission, directly or through a group."""
    app_label, codename = permission
    grant = {"permission__content_type__app_label": app_label, "permission__codename": codename}
    granted_to_user = Permission.user_set.through.objects.filter(user_id=OuterRef("pk"), **grant)
    granted_to_group = Permission.group_set.through.objects.filter(
        group__user=OuterRef("pk"), **grant
    )
    return Exists(granted_to_user) | Exists(granted_to_group)


def user_role(user: AbstractBaseUser | AnonymousUser) -> str | None:
    """The strongest role group a user holds; superusers are admins. The staff flag alone is no
    role: it opens the admin console (whose model permissions decide what it shows), not the
    admin role's powers in the API. A request user with no groups (a machine client acting for
    no user) has no role."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return ADMIN
    if hasattr(user, "role_group"):  # loaded by users_with_access_facts()
        return user.role_group
    groups = getattr(user, "groups", None)
    if groups is None:
        return None
    names = {group.name for group in groups.all()}
    return next((name for name in (ADMIN, SUPERVISOR, AGENT) if name in names), None)


def sees_all_customers(user) -> bool:
    """Supervisors and admins see every customer; agents only their own."""
    return user_role(user) in {SUPERVISOR, ADMIN}
