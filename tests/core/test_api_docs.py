"""Swagger UI from local assets and an OpenAPI schema without warnings from our views; both
for back-office users only unless API_DOCS_PUBLIC (core/api_docs.py)."""

import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.conftest import assert_error_shape
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OPENAPI_JSON = "application/vnd.oai.openapi+json"


@pytest.fixture
def staff_session(staff_user) -> APIClient:
    client = APIClient()
    client.force_login(staff_user)  # signed in at /admin/, as a browser opening the docs is
    return client


def test_swagger_ui_loads_only_local_assets(staff_session):
    response = staff_session.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert urls, html
    assert all(url.startswith("/static/") for url in urls), urls
    assert "cdn" not in html.lower() and "https://" not in html
    assert "/api/v1/schema/" in html


def test_schema_is_served(agent_client):
    response = agent_client.get("/api/v1/schema/", HTTP_ACCEPT=OPENAPI_JSON)
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/auth/login/", "/api/v1/auth/refresh/", "/api/v1/auth/logout/", "/api/v1/auth/me/",
            "/api/v1/customers/", "/api/v1/customers/{id}/", "/api/v1/health/",
            "/api/v1/health/live/", "/api/v1/health/ready/"} <= set(paths)  # fmt: skip
    listing = paths["/api/v1/customers/"]["get"]
    assert {
        "kind",
        "is_active",
        "assigned_agent",
        "created_after",
        "search",
        "ordering",
        "page",
    } <= {parameter["name"] for parameter in listing["parameters"]}


def test_schema_generation_has_no_warnings_from_any_view(tmp_path):
    # Every app's views, serializers and enums describe themselves fully: --fail-on-warn turns
    # any drf-spectacular warning (an untyped field, an enum name clash) into an error.
    call_command(
        "spectacular", "--file", str(tmp_path / "schema.yaml"), "--validate", "--fail-on-warn"
    )
    assert (tmp_path / "schema.yaml").stat().st_size > 1000


@pytest.mark.parametrize(
    ("url", "accept"),
    [
        ("/api/v1/schema/", OPENAPI_JSON),
        ("/api/v1/schema/", "application/vnd.oai.openapi"),
        ("/api/v1/schema/", "*/*"),
        ("/api/v1/docs/", "text/html,application/xhtml+xml,*/*;q=0.8"),
        ("/api/v1/docs/", "*/*"),
    ],
)
def test_an_anonymous_caller_gets_neither_schema_nor_ui(anon_client, url, accept):
    response = anon_client.get(url, HTTP_ACCEPT=accept)
    assert_error_shape(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "/api/v1/customers/" not in response.content.decode()


def test_an_account_without_a_role_gets_neither(db):
    client = APIClient()
    client.force_login(UserFactory(username="no_role"))
    for url in ("/api/v1/schema/", "/api/v1/docs/"):
        assert_error_shape(client.get(url), 403, "permission_denied")


def test_a_user_with_a_role_reads_the_schema_with_a_token_and_staff_the_ui(
    agent_client, staff_session
):
    assert agent_client.get("/api/v1/schema/", HTTP_ACCEPT=OPENAPI_JSON).status_code == 200
    assert staff_session.get("/api/v1/schema/", HTTP_ACCEPT=OPENAPI_JSON).status_code == 200
    assert staff_session.get("/api/v1/docs/").status_code == 200


def test_api_docs_public_serves_both_to_anyone(anon_client, settings):
    settings.API_DOCS_PUBLIC = True
    assert anon_client.get("/api/v1/schema/", HTTP_ACCEPT=OPENAPI_JSON).status_code == 200
    assert anon_client.get("/api/v1/docs/").status_code == 200
