"""A role is the API's default permission: a signed-in account without one (never given, or
taken away) is refused by every endpoint that does not opt out on purpose, and the staff flag
alone is no role. Login, refresh, logout, health and /auth/me/ stay reachable; machine clients
signing with HMAC still analyse documents."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.roles import user_role
from ocrengine.services.hmac_auth import api_client_create
from tests.conftest import assert_error_shape, jwt_client
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.ocrengine.analysis_support import fresh_analysis_state, grant_sensitive, invoice_text
from tests.ocrengine.test_hmac import signed_post

pytestmark = pytest.mark.django_db

# Endpoints that choose their own access on purpose; every other one must demand a role.
OPTED_OUT = {
    "api/v1/auth/login/",  # credentials in the body
    "api/v1/auth/refresh/",
    "api/v1/auth/logout/",
    "api/v1/auth/me/",  # any signed-in account: tells a role-less user why they are refused
    "api/v1/health/",  # probes
    "api/v1/health/live/",
    "api/v1/health/ready/",
    "api/v1/schema/",  # the API docs decide for themselves (API_DOCS_PUBLIC)
    "api/v1/docs/",
}


def _routes(patterns=None, prefix: str = ""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
            yield route  # a DRF view


API_ROUTES = sorted(
    route for route in _routes() if route.startswith("api/v1/") and route not in OPTED_OUT
)


def _url(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?\w+>", "1", route)


@pytest.fixture
def role_taken_away(agent):
    """An agent whose role an administrator removed: still active, still holding a token."""
    client = jwt_client(agent)
    agent.groups.clear()
    return client


def test_the_sweep_covers_the_endpoints_named_in_the_audit():
    assert {
        "api/v1/bills/",
        "api/v1/transactions/",
        "api/v1/dashboard/summary/",
        "api/v1/statements/",
        "api/v1/jobs/<int:pk>/",
        "api/v1/ocr/templates/",
        "api/v1/ocr/analyze/",
        "api/v1/invoices/",
        "api/v1/customers/",
    } <= set(API_ROUTES)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("route", API_ROUTES)
def test_every_endpoint_refuses_a_user_whose_role_was_removed(role_taken_away, route, method):
    response = getattr(role_taken_away, method)(_url(route))
    error = assert_error_shape(response, 403, "permission_denied")
    assert error["message"]


@pytest.mark.parametrize("route", API_ROUTES)
def test_every_endpoint_refuses_anonymous_callers(anon_client, route):
    assert_error_shape(anon_client.get(_url(route)), 401)


def test_the_same_user_with_the_role_back_reads_and_uploads(agent, role_taken_away):
    agent.groups.add(Group.objects.get(name="agent"))
    assert role_taken_away.get("/api/v1/bills/").status_code == 200
    assert role_taken_away.get("/api/v1/dashboard/summary/").status_code == 200
    upload = role_taken_away.post("/api/v1/statements/", {}, format="multipart")
    assert_error_shape(upload, 400)  # past the permission, into validation


def test_a_role_less_user_can_log_in_and_learn_they_have_no_role(anon_client, agent):
    agent.groups.clear()
    login = anon_client.post(
        "/api/v1/auth/login/", {"username": "agent_ann", "password": DEFAULT_PASSWORD}
    )
    assert login.status_code == 200
    assert login.json()["user"]["role"] is None
    me = jwt_client(agent).get("/api/v1/auth/me/")
    assert me.status_code == 200
    assert me.json()["role"] is None


def test_health_and_refresh_need_no_role_or_login(anon_client):
    assert anon_client.get("/api/v1/health/").status_code in (200, 503)
    assert_error_shape(anon_client.post("/api/v1/auth/refresh/", {"refresh": "x"}), 401)


def test_the_staff_flag_alone_is_no_role():
    clerk = UserFactory(username="clerk", is_staff=True)
    assert user_role(clerk) is None
    client = jwt_client(clerk)
    assert client.get("/api/v1/auth/me/").json()["role"] is None
    # Before: staff counted as admin and read the analysis statistics and every customer.
    assert_error_shape(client.get("/api/v1/ocr/stats/"), 403, "permission_denied")
    assert_error_shape(client.get("/api/v1/customers/"), 403, "permission_denied")
    assert_error_shape(client.get("/api/v1/bank-templates/"), 403, "permission_denied")


def test_staff_with_a_role_group_get_that_role_and_superusers_stay_admins(staff_user):
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.groups.add(Group.objects.get(name="supervisor"))
    assert user_role(clerk) == "supervisor"
    assert jwt_client(clerk).get("/api/v1/ocr/stats/").status_code == 200
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    assert user_role(root) == "admin"
    assert jwt_client(root).get("/api/v1/bank-templates/").status_code == 200


def test_analysis_needs_a_role_for_users_too(agent, role_taken_away):
    fresh_analysis_state()
    body = {"document_type": "invoice", "raw_texts": [invoice_text()]}
    refused = role_taken_away.post("/api/v1/ocr/analyze/", body, format="json")
    assert_error_shape(refused, 403, "permission_denied")
    agent.groups.add(Group.objects.get(name="agent"))
    assert role_taken_away.post("/api/v1/ocr/analyze/", body, format="json").status_code == 200


def test_machine_clients_still_analyse_and_act_with_their_users_permissions(agent):
    """A signed request is authorised by its client's registration; a linked user lends the
    client that user's permissions (here: unmasked fields). The role check is for people."""
    fresh_analysis_state()
    body = {"document_type": "invoice", "raw_texts": [invoice_text()]}
    bare, bare_secret = api_client_create(name="Partner ERP")
    linked, linked_secret = api_client_create(name="Agent's scanner", user=agent)
    for client, secret in ((bare, bare_secret), (linked, linked_secret)):
        response = signed_post(client.key_id, secret, body)
        assert response.status_code == 200, response.content
        assert response.json()["fields"]["seller_tax_id"] == "DE1****6789"
    grant_sensitive(agent)
    unmasked = signed_post(linked.key_id, linked_secret, body).json()
    assert unmasked["fields"]["seller_tax_id"] == "DE123456789"
    assert unmasked["masked"] == []
