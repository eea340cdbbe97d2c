"""Reading customers: what a user may see, with the joins every list needs."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, Permission
from django.db.models import Q, QuerySet

from accounts.roles import sees_all_customers
from core.errors import NotFoundError
from customers.models import Customer


def customers_visible_to(user: AbstractBaseUser) -> QuerySet[Customer]:
    """Supervisors and admins see every customer; an agent only those assigned to them."""
    queryset = Customer.objects.select_related("assigned_agent")
    if not user.is_authenticated:
        return queryset.none()
    if sees_all_customers(user):
        return queryset
    return queryset.filter(assigned_agent=user)


def customers_assignable_by(user: AbstractBaseUser) -> QuerySet[Customer]:
    """Customers a user may file invoices and statements under, or assign an invoice to: an
    agent only their own, supervisors and admins any."""
    customers = Customer.objects.all()
    if sees_all_customers(user):
        return customers
    return customers.filter(assigned_agent=user)


def customer_get(*, user: AbstractBaseUser, customer_id: int) -> Customer:
    """The customer, or NotFoundError when it does not exist or is not the user's to see (the
    two answer alike, so ids of other agents' customers cannot be probed)."""
    customer = customers_visible_to(user).filter(pk=customer_id).first()
    if customer is None:
        raise NotFoundError("No such customer.", code="not_found")
    return customer


def user_can_view_sensitive(user: AbstractBaseUser) -> bool:
    """user.has_perm("customers.view_sensitive") in one query instead of ModelBackend's two
    (all the user's permissions, then all their groups'): it runs on every list request.

    The user's and the groups' grants are two indexed IN-subqueries: an OR across both m2m joins
    makes SQLite scan every permission row."""
    if not user.is_active or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if hasattr(user, "may_view_customer_sensitive"):  # loaded with the user on authentication
        return user.may_view_customer_sensitive
    granted_to_user = Permission.user_set.through.objects.filter(user_id=user.pk)
    granted_to_groups = Permission.group_set.through.objects.filter(group__user=user)
    return Permission.objects.filter(
        Q(pk__in=granted_to_user.values("permission_id"))
        | Q(pk__in=granted_to_groups.values("permission_id")),
        content_type__app_label="customers",
        codename="view_sensitive",
    ).exists()
