"""Fixtures shared by every app's tests: users by role and authenticated API clients."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _no_cache_carried_between_tests():
    """Each test's database starts empty (rolled back), so nothing cached from another test's
    rows may answer it: every cache starts empty too."""
    for cache in caches.all():
        cache.clear()


def _user_with_role(role: str, **kwargs):
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def agent(db):
    return _user_with_role("agent", username="agent_ann")


@pytest.fixture
def other_agent(db):
    return _user_with_role("agent", username="agent_bob")


@pytest.fixture
def supervisor(db):
    return _user_with_role("supervisor", username="supervisor_sue")


@pytest.fixture
def staff_user(db):
    return _user_with_role("admin", username="staff_sam", is_staff=True, is_superuser=True)


def jwt_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def agent_client(agent) -> APIClient:
    return jwt_client(agent)


@pytest.fixture
def supervisor_client(supervisor) -> APIClient:
    return jwt_client(supervisor)


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    return jwt_client(staff_user)


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


def assert_error_shape(response, status: int, code: str | None = None) -> dict:
    """Every API error has the one shape; returns the `error` object."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "request_id"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert body["request_id"] == response["X-Request-ID"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]
