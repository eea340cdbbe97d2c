"""Reading customers: what a user may see, with the joins every list needs."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, Permission
from django.db.models import Q, QuerySet

from config.auth.roles import sees_all_customers
from config.errors import NotFoundError
from customers.models import Customer


def customers_visible_to(user: AbstractBaseUser) -> QuerySet[Customer]:
    """Supervisors and admins see every customer; an agent only those assigned to them."""
    queryset = Customer.objects.select_related("assigned_agent")
    if not user.is_authenticated:
        return queryset.none()
    if sees_all_customers(user):
        return queryset
    return queryset.filter(assigned_agent=user)


def customer_get(*, user: AbstractBaseUser, customer_id: int) -> Customer:
    """The customer, or NotFoundError when it does not exist or is not the user's to see (the
    two answer alike, so ids of other agents' customers cannot be probed)."""
    customer = customers_visible_to(user).filter(pk=customer_id).first()
    if customer is None:
        raise NotFoundError("No such customer.", code="not_found")
    return customer


def user_can_view_sensitive(user: AbstractBaseUser) -> bool:
    """user.has_perm("customers.view_sensitive") in one query instead of ModelBackend's two
    (all the user's permissions, then all their groups'): it runs on every list request."""
    if not user.is_active or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return Permission.objects.filter(
        Q(user=user) | Q(group__user=user),
        content_type__app_label="customers",
        codename="view_sensitive",
    ).exists()
