from __future__ import annotations

from collections.abc import Callable

import django_filters
from django.db.models import Model, QuerySet
from django_filters.rest_framework import DjangoFilterBackend

from customers.models import Customer
from customers.selectors import customers_visible_to

# What a database integer key holds (SQLite's INTEGER, PostgreSQL's bigint). A filter by id
# refuses a number outside it with a 400: SQLite cannot even bind one (OverflowError, a 500).
ID_RANGE = {"min_value": -(2**63), "max_value": 2**63 - 1}


def visible_choice(
    model: type[Model], visible_to: Callable[..., QuerySet], **kwargs
) -> django_filters.ModelChoiceFilter:
    """A filter by id over the rows `visible_to(request.user)` gives (none without a user): an
    id the caller may not see answers the same 400 "select a valid choice" as one that does not
    exist, so list filters cannot be used to probe other agents' records."""

    def queryset(request) -> QuerySet:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return model.objects.none()
        return visible_to(user)

    return django_filters.ModelChoiceFilter(queryset=queryset, **kwargs)


def customer_choice(**kwargs) -> django_filters.ModelChoiceFilter:
    """`?customer=<id>` among the customers the caller may see (other apps' lists use it)."""
    return visible_choice(Customer, customers_visible_to, **kwargs)


class CustomerFilter(django_filters.FilterSet):
    """?kind=company&is_active=true&assigned_agent=7&assigned=false&created_after=2026-01-01"""

    kind = django_filters.ChoiceFilter(choices=Customer.Kind.choices)
    is_active = django_filters.BooleanFilter()
    # A plain number, not a user lookup: no extra query, and an unknown id simply matches nothing,
    # as another agent's id does for an agent (they see only their own customers).
    assigned_agent = django_filters.NumberFilter(field_name="assigned_agent_id", **ID_RANGE)
    assigned = django_filters.BooleanFilter(
        field_name="assigned_agent", lookup_expr="isnull", exclude=True
    )
    created = django_filters.DateFromToRangeFilter(field_name="created_at")

    class Meta:
        model = Customer
        fields = ["kind", "is_active", "assigned_agent", "assigned", "created"]


class CustomerFilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend that builds and validates the filter form only when a filter is
    asked for: on a plain list page that form is a quarter of the request's cost."""

    def filter_queryset(self, request, queryset, view):
        if not FILTER_PARAMS.intersection(request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


# Query parameters CustomerFilter reads (the date range filter reads created_after/_before).
FILTER_PARAMS = frozenset(
    {
        "kind",
        "is_active",
        "assigned_agent",
        "assigned",
        "created",
        "created_after",
        "created_before",
    }
)
