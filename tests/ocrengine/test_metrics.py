"""/metrics: served to internal addresses or with the token; counts requests and analyses."""

import pytest
from django.test import Client

from tests.ocrengine.analysis_support import fresh_analysis_state, invoice_text

pytestmark = pytest.mark.django_db


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_loopback_is_served_when_internal_access_is_allowed(settings):
    settings.METRICS_ALLOW_INTERNAL, settings.METRICS_TOKEN = True, ""
    response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "ledgerlens_queue_depth" in response.content.decode()
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200


def test_public_addresses_need_the_token(settings):
    settings.METRICS_ALLOW_INTERNAL, settings.METRICS_TOKEN = True, "s3cret-token"
    public = Client(REMOTE_ADDR="8.8.8.8")
    refused = public.get("/metrics")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "not_authenticated"
    assert public.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert public.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200


def test_without_a_token_or_internal_access_nobody_is_served(settings):
    settings.METRICS_ALLOW_INTERNAL, settings.METRICS_TOKEN = False, ""
    response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_requests_and_analyses_are_counted(settings, agent_client):
    settings.METRICS_ALLOW_INTERNAL = True
    fresh_analysis_state()
    scrape = Client(REMOTE_ADDR="127.0.0.1")
    before = scrape.get("/metrics").content.decode()
    body = {"document_type": "invoice", "raw_texts": [invoice_text("INV-METRICS-1")]}
    for _ in range(2):
        assert agent_client.post("/api/v1/ocr/analyze/", body, format="json").status_code == 200
    after = scrape.get("/metrics").content.decode()

    def grew(name: str, **labels: str) -> float:
        return _sample(after, name, **labels) - _sample(before, name, **labels)

    assert (
        grew(
            "ledgerlens_analysis_total", document_type="invoice", backend="rules", outcome="success"
        )
        == 2
    )
    assert grew("ledgerlens_analysis_cache_total", result="hit") == 1
    assert grew("ledgerlens_analysis_cache_total", result="miss") == 1
    assert grew("ledgerlens_http_requests_total", route="/api/v1/ocr/analyze/", status="200") == 2
    assert (
        grew("ledgerlens_analysis_duration_seconds_count", document_type="invoice", cache="hit")
        == 1
    )
