"""GET /api/v1/ocr/stats/: rates, percentiles, groupings, periods, who may see them."""

import datetime as dt

import pytest
from django.utils import timezone

from ocrengine.models import AnalysisLog
from tests.conftest import assert_error_shape

pytestmark = pytest.mark.django_db
URL = "/api/v1/ocr/stats/"


def _log(
    document_type: str,
    latency: float,
    *,
    success=True,
    cache_hit=False,
    confidence=0.8,
    fallback="",
):
    return AnalysisLog.objects.create(
        document_type=document_type,
        backend="rules",
        latency_ms=latency,
        success=success,
        cache_hit=cache_hit,
        confidence=confidence if success else None,
        fallback_reason=fallback,
    )


@pytest.fixture
def logs():
    for latency in range(1, 11):  # 1..10 ms
        _log("invoice", latency, cache_hit=latency <= 4)
    _log("invoice", 500, success=False)
    _log("id_card", 20, confidence=0.5, fallback="timeout after 3 attempts")
    old = _log("invoice", 999)
    AnalysisLog.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=30))


def test_supervisor_sees_overall_and_per_type_numbers(supervisor_client, logs):
    response = supervisor_client.get(URL)
    assert response.status_code == 200, response.content
    body = response.json()
    overall = body["overall"]
    assert overall["calls"] == 12  # the 30-day-old call is outside the default 7 days
    assert overall["success_rate"] == round(11 / 12, 4)
    assert overall["cache_hit_rate"] == round(4 / 12, 4)
    assert overall["fallbacks"] == 1
    invoice = body["by_document_type"]["invoice"]
    assert invoice["calls"] == 11
    assert invoice["latency_ms"] == {"p50": 6.0, "p95": 500.0}
    assert invoice["average_confidence"] == 0.8
    assert body["by_document_type"]["id_card"]["latency_ms"] == {"p50": 20.0, "p95": 20.0}
    assert body["series"][-1]["calls"] == 12


def test_filters_by_type_and_window_and_hourly_series(staff_client, logs):
    since = (timezone.now() - dt.timedelta(days=40)).isoformat()
    body = staff_client.get(
        URL, {"document_type": "invoice", "since": since, "period": "day"}
    ).json()
    assert body["overall"]["calls"] == 12
    assert list(body["by_document_type"]) == ["invoice"]
    assert len(body["series"]) == 2
    hourly = staff_client.get(
        URL, {"period": "hour", "since": (timezone.now() - dt.timedelta(hours=2)).isoformat()}
    )
    assert hourly.json()["overall"]["calls"] == 12


def test_empty_window_has_no_rates(staff_client):
    body = staff_client.get(URL).json()
    assert body["overall"]["calls"] == 0
    assert body["overall"]["success_rate"] is None
    assert body["overall"]["latency_ms"] == {"p50": None, "p95": None}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"period": "fortnight"}, "validation_error"),
        ({"since": "yesterday"}, "validation_error"),
        ({"since": "2030-01-01T00:00:00Z", "until": "2029-01-01T00:00:00Z"}, "invalid_period"),
        ({"since": "2020-01-01T00:00:00Z", "until": "2024-01-01T00:00:00Z"}, "invalid_period"),
        (
            {"since": "2024-01-01T00:00:00Z", "until": "2024-03-01T00:00:00Z", "period": "hour"},
            "invalid_period",
        ),
    ],
)
def test_bad_parameters_are_400(staff_client, params, code):
    assert_error_shape(staff_client.get(URL, params), 400, code)


def test_agents_and_anonymous_callers_are_refused(agent_client, anon_client):
    assert_error_shape(agent_client.get(URL), 403, "permission_denied")
    assert_error_shape(anon_client.get(URL), 401)
