"""CompiledLookup: compiled once, the same rows as the queryset it stands for."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models.expressions import RawSQL
from rest_framework_simplejwt.tokens import AccessToken

from config.auth.authentication import ActiveUserJWTAuthentication
from config.auth.roles import users_with_access_facts
from config.compiled_lookup import CompiledLookup
from customers.models import Customer

pytestmark = pytest.mark.django_db


def test_the_lookup_returns_what_the_queryset_returns_for_each_value(agent, supervisor):
    lookup = CompiledLookup(lambda pk: users_with_access_facts().filter(pk=pk))

    for user in (agent, supervisor):
        found = lookup.get(user.pk)
        expected = users_with_access_facts().get(pk=user.pk)
        assert (found.pk, found.username, found.role_group) == (
            expected.pk, expected.username, expected.role_group,
        )  # fmt: skip
        assert found.date_joined == expected.date_joined  # converted like the ORM does
    assert lookup.get(10**9) is None


def test_sql_is_compiled_once_per_database(agent, django_assert_num_queries):
    lookup = CompiledLookup(lambda pk: get_user_model().objects.filter(pk=pk))
    lookup.get(agent.pk)
    compiled = lookup._compiled["default"]

    with django_assert_num_queries(1):
        assert lookup.get(agent.pk).username == agent.username
    assert lookup._compiled["default"] is compiled


def test_a_build_that_does_not_bind_its_argument_once_is_refused():
    lookup = CompiledLookup(lambda pk: get_user_model().objects.filter(is_active=True))

    with pytest.raises(ValueError, match="exactly once"):
        lookup.get(1)


def test_a_build_that_follows_relations_is_refused():
    lookup = CompiledLookup(
        lambda pk: Customer.objects.filter(pk=pk).select_related("assigned_agent")
    )

    with pytest.raises(ValueError, match="select_related"):
        lookup.get(1)


def test_authentication_gives_the_role_and_boolean_sensitive_permissions(agent, supervisor):
    supervisor.user_permissions.add(
        Permission.objects.get(content_type__app_label="customers", codename="view_sensitive")
    )
    Group.objects.get(name="supervisor").permissions.add(
        Permission.objects.get(
            content_type__app_label="ocrengine", codename="view_sensitive_fields"
        )
    )
    authentication = ActiveUserJWTAuthentication()

    for user, role, sensitive in ((agent, "agent", False), (supervisor, "supervisor", True)):
        found = authentication.get_user(AccessToken.for_user(user))
        assert found.role_group == role
        assert found.may_view_customer_sensitive is sensitive  # granted to the user
        assert found.may_view_analysis_sensitive is sensitive  # granted to their group


def test_percent_signs_in_the_sql_and_in_values_pass_through(agent):
    # The compiled SQL is run with named parameters: a literal "%%" in it must still reach the
    # database as one "%", and a value that looks like a placeholder must stay a value.
    lookup = CompiledLookup(
        lambda pk: (
            get_user_model()
            .objects.annotate(percent=RawSQL("%s || '%%'", ("%(p0)s and %s",)))
            .filter(pk=pk)
        )
    )

    found = lookup.get(agent.pk)
    assert (found.pk, found.percent) == (agent.pk, "%(p0)s and %s%")
