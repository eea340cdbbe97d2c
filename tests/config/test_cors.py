"""CORS: only origins listed in CORS_ALLOWED_ORIGINS get the allow headers."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

ALLOWED = "https://app.ledgerlens.example"


def _preflight(client, origin: str):
    return client.options(
        "/api/v1/customers/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, x-request-id",
    )


@override_settings(CORS_ALLOWED_ORIGINS=[ALLOWED])
def test_allowed_origin_gets_preflight_and_response_headers(anon_client, agent_client):
    preflight = _preflight(anon_client, ALLOWED)
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    assert "authorization" in preflight["Access-Control-Allow-Headers"]
    response = agent_client.get("/api/v1/customers/", HTTP_ORIGIN=ALLOWED)
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    # The SPA can read the request id and the lock-out wait.
    assert {"x-request-id", "retry-after"} <= set(
        response["Access-Control-Expose-Headers"].lower().split(", ")
    )


@override_settings(CORS_ALLOWED_ORIGINS=[ALLOWED])
@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://app.ledgerlens.example", f"{ALLOWED}.evil.example"]
)
def test_other_origins_get_no_allow_headers(anon_client, agent_client, origin):
    preflight = _preflight(anon_client, origin)
    assert "Access-Control-Allow-Origin" not in preflight
    response = agent_client.get("/api/v1/customers/", HTTP_ORIGIN=origin)
    assert "Access-Control-Allow-Origin" not in response
