"""/metrics: served to internal addresses or with the token; counts requests and analyses."""

import os

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


# nginx at 10.0.0.5 forwarding a caller: it appends the caller's address to X-Forwarded-For.
PROXY = "10.0.0.5"


@pytest.mark.parametrize("proxies", [0, 1])
@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_FORWARDED_FOR": "8.8.4.4"},  # a caller on the internet
        {"HTTP_X_FORWARDED_FOR": "10.1.2.3"},  # a private caller, but through the proxy
        {"HTTP_X_FORWARDED_FOR": "127.0.0.1, 8.8.4.4"},  # a forged entry on the left
        {"HTTP_FORWARDED": "for=8.8.4.4"},
        {"HTTP_X_REAL_IP": "8.8.4.4"},
    ],
)
def test_a_request_through_the_proxy_is_never_internal(settings, proxies, headers):
    settings.METRICS_ALLOW_INTERNAL, settings.METRICS_TOKEN = True, ""
    settings.TRUSTED_PROXY_COUNT = proxies
    response = Client(REMOTE_ADDR=PROXY).get("/metrics", **headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_through_the_proxy_the_token_still_works(settings):
    settings.METRICS_ALLOW_INTERNAL, settings.METRICS_TOKEN = True, "s3cret-token"
    settings.TRUSTED_PROXY_COUNT = 1
    proxied = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="8.8.4.4")
    assert proxied.get("/metrics").status_code == 401
    assert proxied.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200


def test_a_direct_private_caller_is_internal_with_trusted_proxies_configured(settings):
    # Prometheus scraping the pod directly, beside the proxy: no X-Forwarded-For.
    settings.METRICS_ALLOW_INTERNAL, settings.METRICS_TOKEN = True, ""
    settings.TRUSTED_PROXY_COUNT = 1
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="8.8.4.4").get("/metrics").status_code == 403


def test_internal_access_is_off_by_default():
    from config.settings import base

    if "METRICS_ALLOW_INTERNAL" in os.environ:
        pytest.skip("METRICS_ALLOW_INTERNAL is set in this environment")
    assert base.METRICS_ALLOW_INTERNAL is False


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
