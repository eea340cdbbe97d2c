"""JWT lifecycle through the HTTP API: login, me, refresh rotation, reuse, logout, deactivation,
and two concurrent refreshes of one token."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connections
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from tests.conftest import assert_error_shape
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def _login(client: APIClient, username: str) -> dict:
    response = client.post(
        "/api/v1/auth/login/", {"username": username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200, response.content
    return response.json()


def _bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_login_returns_tokens_and_the_user_with_role(anon_client, agent):
    body = _login(anon_client, "agent_ann")
    assert body["user"] == {
        "id": agent.pk,
        "username": "agent_ann",
        "email": agent.email,
        "full_name": "",
        "role": "agent",
        "can_view_sensitive": False,
    }
    agent.refresh_from_db()
    assert agent.last_login is not None
    me = _bearer(body["access"]).get("/api/v1/auth/me/")
    assert me.status_code == 200
    assert me.json()["role"] == "agent"


def test_me_without_a_token_is_401(anon_client):
    assert_error_shape(anon_client.get("/api/v1/auth/me/"), 401, "not_authenticated")


def test_me_with_a_forged_token_is_401(anon_client):
    client = _bearer("eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.forged")
    assert_error_shape(client.get("/api/v1/auth/me/"), 401, "token_not_valid")


def test_refresh_rotates_and_the_used_token_is_refused_after(anon_client, agent):
    first = _login(anon_client, "agent_ann")
    response = anon_client.post("/api/v1/auth/refresh/", {"refresh": first["refresh"]})
    assert response.status_code == 200
    second = response.json()
    assert second["refresh"] != first["refresh"]
    assert _bearer(second["access"]).get("/api/v1/auth/me/").status_code == 200

    reuse = anon_client.post("/api/v1/auth/refresh/", {"refresh": first["refresh"]})
    error = assert_error_shape(reuse, 401, "token_not_valid")
    assert "blacklisted" in error["message"].lower()
    # The rotated-in token still works.
    assert (
        anon_client.post("/api/v1/auth/refresh/", {"refresh": second["refresh"]}).status_code == 200
    )


def test_refresh_with_an_access_token_or_garbage_is_401(anon_client, agent):
    tokens = _login(anon_client, "agent_ann")
    assert_error_shape(
        anon_client.post("/api/v1/auth/refresh/", {"refresh": tokens["access"]}),
        401,
        "token_not_valid",
    )
    assert_error_shape(
        anon_client.post("/api/v1/auth/refresh/", {"refresh": "not-a-jwt"}), 401, "token_not_valid"
    )


def test_refresh_without_a_token_is_400(anon_client):
    error = assert_error_shape(
        anon_client.post("/api/v1/auth/refresh/", {}), 400, "validation_error"
    )
    assert "refresh" in error["details"]["fields"]


def test_logout_blacklists_the_refresh_token_and_is_idempotent(anon_client, agent):
    tokens = _login(anon_client, "agent_ann")
    assert (
        anon_client.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]}).status_code == 204
    )
    assert (
        anon_client.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]}).status_code == 204
    )
    assert_error_shape(
        anon_client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}),
        401,
        "token_not_valid",
    )


def test_deactivated_user_loses_access_and_refresh_at_once(anon_client, agent):
    tokens = _login(anon_client, "agent_ann")
    client = _bearer(tokens["access"])
    assert client.get("/api/v1/customers/").status_code == 200
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert_error_shape(client.get("/api/v1/customers/"), 401, "user_inactive")
    assert_error_shape(
        anon_client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}),
        401,
        "no_active_account",
    )
    assert_error_shape(
        anon_client.post(
            "/api/v1/auth/login/", {"username": "agent_ann", "password": DEFAULT_PASSWORD}
        ),
        401,
        "invalid_credentials",
    )


def _in_memory_sqlite() -> bool:
    database = connections["default"]
    return database.vendor == "sqlite" and database.is_in_memory_db()


# SQLite's shared-cache in-memory test database answers a second writer with "table is locked"
# at once instead of waiting on the busy timeout as the file database in production does, so the
# race is proven on PostgreSQL (make test's second run) or a file-backed SQLite test database.
@pytest.mark.skipif("_in_memory_sqlite()", reason="in-memory SQLite cannot run concurrent writers")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the role groups
def test_two_concurrent_refreshes_of_one_token_give_exactly_one_success(agent):
    refresh = _login(APIClient(), "agent_ann")["refresh"]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def spend() -> None:
        try:
            barrier.wait(timeout=10)
            response = APIClient().post("/api/v1/auth/refresh/", {"refresh": refresh})
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=spend) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200, 401]


def test_an_expired_access_token_is_refused(agent):
    token = AccessToken.for_user(agent)
    token.set_exp(
        from_time=datetime.now(UTC) - timedelta(minutes=10), lifetime=timedelta(minutes=5)
    )
    assert_error_shape(_bearer(str(token)).get("/api/v1/auth/me/"), 401)
