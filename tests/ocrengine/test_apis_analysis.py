"""POST /api/v1/ocr/analyze/ and /batch-analyze/: results, cache, masking, errors, logging,
rate limit."""

import io

import pytest
from django.test import override_settings
from reportlab.pdfgen import canvas
from rest_framework.throttling import SimpleRateThrottle

from ocrengine.models import AnalysisLog, DocumentType, PromptTemplate
from ocrengine.services.templates import template_create_draft, template_publish
from tests.conftest import assert_error_shape, jwt_client
from tests.ocrengine.analysis_support import (
    fresh_analysis_state,
    grant_sensitive,
    id_card_text,
    invoice_text,
    prc_id,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/ocr/analyze/"
BATCH_URL = "/api/v1/ocr/batch-analyze/"


@pytest.fixture(autouse=True)
def _state(db):
    fresh_analysis_state()


def _analyze(client, **body):
    return client.post(
        URL, {"document_type": "invoice", "raw_texts": [invoice_text()], **body}, format="json"
    )


def test_analyze_raw_text_returns_fields_confidence_and_template_version(agent_client):
    response = _analyze(agent_client)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["fields"]["invoice_number"] == "INV-2024-0042"
    assert body["fields"]["total_amount"] == "1190.00"
    assert body["fields"]["date"] == "2024-03-15"
    assert 0 < body["confidence"]["total_amount"] <= 1
    assert 0 < body["overall_confidence"] <= 1
    assert body["template_version"] == 1
    assert body["backend"] == "rules"
    assert body["engine"] == "raw_text"
    assert body["cache_hit"] is False
    assert body["masked"] == ["seller_tax_id"]  # an agent lacks the sensitive-field permission
    assert body["fields"]["seller_tax_id"] == "DE1****6789"


def test_repeat_is_a_cache_hit_and_publish_makes_the_next_call_miss(
    agent_client, staff_user, django_capture_on_commit_callbacks
):
    first = _analyze(agent_client).json()
    second = _analyze(agent_client).json()
    assert (first["cache_hit"], second["cache_hit"]) == (False, True)
    assert second["fields"] == first["fields"]
    spec = DocumentType.objects.get(code="invoice").templates.get(version=1).spec
    draft = template_create_draft(
        document_type=DocumentType.objects.get(code="invoice"), spec=spec, created_by=staff_user
    )
    with django_capture_on_commit_callbacks(execute=True):
        template_publish(template=draft, published_by=staff_user)
    third = _analyze(agent_client).json()
    assert (third["cache_hit"], third["template_version"]) == (False, 2)
    logs = list(AnalysisLog.objects.order_by("id").values_list("cache_hit", "template_version"))
    assert logs == [(False, 1), (True, 1), (False, 2)]


def test_first_use_freezes_the_template(agent_client):
    _analyze(agent_client)
    template = PromptTemplate.objects.get(document_type__code="invoice", version=1)
    assert template.used_at is not None


def test_older_published_version_can_be_asked_for_but_not_a_draft(agent_client, staff_user):
    invoice = DocumentType.objects.get(code="invoice")
    v2 = template_create_draft(document_type=invoice, spec=invoice.templates.get().spec)
    template_publish(template=v2, published_by=staff_user)
    assert _analyze(agent_client, template_version=1).json()["template_version"] == 1
    template_create_draft(document_type=invoice, spec=v2.spec)
    assert_error_shape(_analyze(agent_client, template_version=3), 409, "template_not_published")
    assert_error_shape(
        _analyze(agent_client, template_version=99), 404, "template_version_not_found"
    )


def test_id_card_masked_without_permission_and_clear_with_it(agent, other_agent):
    body = {"document_type": "id_card", "raw_texts": [id_card_text()]}
    masked = jwt_client(agent).post(URL, body, format="json").json()
    assert masked["fields"]["id_number"] == "110***********002X"
    assert masked["fields"]["name"] == "张*"
    assert masked["fields"]["birth_date"] == "****-**-**"
    assert set(masked["masked"]) == {"id_number", "name", "address", "birth_date"}
    assert masked["fields"]["sex"] == "F"
    grant_sensitive(other_agent)
    clear = jwt_client(other_agent).post(URL, body, format="json").json()
    assert clear["cache_hit"] is True  # the cache holds one unmasked copy for both callers
    assert clear["fields"]["id_number"] == prc_id()
    assert clear["fields"]["birth_date"] == "1949-12-31"
    assert clear["masked"] == []


def test_id_card_with_a_wrong_check_digit_is_flagged(staff_client):
    bad = prc_id()[:17] + "1"
    body = staff_client.post(
        URL, {"document_type": "id_card", "raw_texts": [id_card_text(bad)]}, format="json"
    ).json()
    assert {"name": "prc_id_checksum", "ok": False} in body["checks"]
    assert body["confidence"]["id_number"] < 0.7


def _pdf(text_lines: list[str]) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    for index, line in enumerate(text_lines):
        page.drawString(72, 760 - 16 * index, line)
    page.save()
    return buffer.getvalue()


def test_file_upload_goes_through_the_document_reader(agent_client):
    pdf = io.BytesIO(_pdf(invoice_text("INV-PDF-7").splitlines()))
    pdf.name = "invoice.pdf"
    response = agent_client.post(URL, {"document_type": "invoice", "file": pdf}, format="multipart")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["fields"]["invoice_number"] == "INV-PDF-7"
    assert body["engine"] != "raw_text"


def test_corrupt_and_unsupported_files_are_clear_4xx(agent_client):
    broken = io.BytesIO(b"%PDF-1.7\nnot really a pdf")
    broken.name = "broken.pdf"
    assert_error_shape(
        agent_client.post(URL, {"document_type": "invoice", "file": broken}, format="multipart"),
        400,
        "corrupt_file",
    )
    text = io.BytesIO(b"just words")
    text.name = "notes.txt"
    assert_error_shape(
        agent_client.post(URL, {"document_type": "invoice", "file": text}, format="multipart"),
        415,
        "unsupported_type",
    )
    assert AnalysisLog.objects.filter(success=False).count() == 2


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"document_type": "invoice"}, 400, "validation_error"),
        ({"document_type": "invoice", "raw_texts": []}, 400, "validation_error"),
        ({"document_type": "invoice", "raw_texts": ["  ", ""]}, 400, "empty_text"),
        ({"document_type": "invoice", "raw_texts": "not a list"}, 400, "validation_error"),
        ({"document_type": "passport", "raw_texts": ["x"]}, 404, "unknown_document_type"),
        (
            {"document_type": "invoice", "raw_texts": ["x"], "backend": "magic"},
            400,
            "validation_error",
        ),
        (
            {"document_type": "invoice", "raw_texts": ["x"], "template_version": 0},
            400,
            "validation_error",
        ),
    ],
)
def test_bad_requests_get_the_one_error_shape(agent_client, body, status, code):
    assert_error_shape(agent_client.post(URL, body, format="json"), status, code)
    log = AnalysisLog.objects.get()  # refused calls are logged too
    assert (log.success, log.error_code) == (False, code)


def test_a_body_that_is_not_an_object_is_400(agent_client):
    for body in ([1, 2], "just a string", 42):
        assert_error_shape(agent_client.post(URL, body, format="json"), 400, "validation_error")
    assert_error_shape(agent_client.post(BATCH_URL, [1], format="json"), 400)
    assert_error_shape(agent_client.post(BATCH_URL, {"items": [1, "x"]}, format="json"), 400)
    assert_error_shape(
        agent_client.post(URL, b"{not json", content_type="application/json"), 400, "parse_error"
    )


@override_settings(UPLOAD_MAX_BYTES=1000)
def test_oversized_file_is_413_and_nothing_is_read(agent_client):
    pdf = io.BytesIO(_pdf(invoice_text().splitlines() * 20))
    pdf.name = "big.pdf"
    response = agent_client.post(URL, {"document_type": "invoice", "file": pdf}, format="multipart")
    assert_error_shape(response, 413, "file_too_large")


@override_settings(ANALYSIS_MAX_TEXT_CHARS=100)
def test_oversized_text_is_413(agent_client):
    response = agent_client.post(
        URL, {"document_type": "invoice", "raw_texts": ["x" * 101]}, format="json"
    )
    assert_error_shape(response, 413, "text_too_large")


def test_anonymous_callers_are_refused(anon_client):
    assert_error_shape(_analyze(anon_client), 401)


def test_every_call_is_logged_with_caller_and_outcome(agent_client, agent):
    agent_client.post(
        URL,
        {"document_type": "invoice", "raw_texts": [invoice_text()]},
        format="json",
        HTTP_X_CLIENT="mobile",
    )
    agent_client.post(URL, {"document_type": "passport", "raw_texts": ["x"]}, format="json")
    ok, failed = AnalysisLog.objects.order_by("id")
    assert (ok.success, ok.user, ok.client_kind, ok.backend, ok.document_type) == (
        True,
        agent,
        "mobile",
        "rules",
        "invoice",
    )
    assert ok.latency_ms > 0 and ok.confidence > 0 and ok.engine == "raw_text"
    assert (failed.success, failed.error_code, failed.template_version) == (
        False,
        "unknown_document_type",
        None,
    )


def test_batch_results_in_order_with_per_item_errors(agent_client):
    items = [
        {"document_type": "invoice", "raw_texts": [invoice_text("INV-A-1")]},
        {"document_type": "passport", "raw_texts": ["x"]},
        {"document_type": "invoice"},
        {"document_type": "id_card", "raw_texts": [id_card_text()]},
    ]
    response = agent_client.post(BATCH_URL, {"items": items}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["succeeded"], body["failed"]) == (2, 2)
    results = body["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3]
    assert [r["status"] for r in results] == [200, 404, 400, 200]
    assert results[0]["result"]["fields"]["invoice_number"] == "INV-A-1"
    assert set(results[1]["error"]) == {"code", "message", "details"}
    assert results[1]["error"]["code"] == "unknown_document_type"
    assert results[2]["error"]["code"] == "validation_error"
    assert results[3]["result"]["document_type"] == "id_card"
    logged = list(AnalysisLog.objects.order_by("id").values_list("success", "error_code"))
    assert logged.count((False, "validation_error")) == 1  # every item is logged, bad ones too
    assert len(logged) == 4


@override_settings(ANALYSIS_BATCH_MAX_ITEMS=3)
def test_batch_over_the_limit_or_empty_is_refused(agent_client):
    items = [{"document_type": "invoice", "raw_texts": ["x"]}] * 4
    assert_error_shape(
        agent_client.post(BATCH_URL, {"items": items}, format="json"), 400, "validation_error"
    )
    assert_error_shape(
        agent_client.post(BATCH_URL, {"items": []}, format="json"), 400, "validation_error"
    )


@pytest.fixture(params=["database", "cache"])
def rate_limit_store(request, settings) -> str:
    """Each rate-limit rule holds for both stores of its counters."""
    settings.RATE_LIMIT_STORE = request.param
    return request.param


def test_rate_limit_answers_429_with_retry_after(
    agent_client, other_agent, monkeypatch, rate_limit_store
):
    # DRF reads the rates into the class at import; ANALYZE_RATE_LIMIT feeds the same dict.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"analyze": "3/min"})
    statuses = [_analyze(agent_client).status_code for _ in range(3)]
    limited = _analyze(agent_client)
    other = _analyze(jwt_client(other_agent))
    batch = jwt_client(other_agent).post(
        BATCH_URL, {"items": [{"document_type": "invoice", "raw_texts": ["x"]}] * 3}, format="json"
    )
    assert statuses == [200, 200, 200]
    assert_error_shape(limited, 429, "too_many_requests")
    assert 1 <= int(limited["Retry-After"]) <= 61
    assert other.status_code == 200  # the limit is per caller
    assert_error_shape(batch, 429, "too_many_requests")  # a batch costs one unit per item


def test_rate_limit_window_slides_rather_than_resetting(
    agent_client, monkeypatch, rate_limit_store
):
    """Three calls late in one minute still count early in the next, fading with time."""
    from ocrengine.apis import throttling

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"analyze": "3/min"})
    clock = [6000 * 60 + 50.0]  # 50 s into a minute
    monkeypatch.setattr(throttling.time, "time", lambda: clock[0])
    assert [_analyze(agent_client).status_code for _ in range(3)] == [200, 200, 200]
    clock[0] += 15  # 5 s into the next minute: the last minute still weighs 11/12 of 3
    limited = _analyze(agent_client)
    assert_error_shape(limited, 429, "too_many_requests")
    # 15 s until the weight of 3 drops to 2, plus the error handler's one-second margin.
    assert int(limited["Retry-After"]) == 16
    clock[0] += 15  # 20 s in: 3 x 2/3 = 2 → room for one
    assert _analyze(agent_client).status_code == 200


def test_database_counters_keep_only_the_two_latest_windows(agent_client, monkeypatch, settings):
    from ocrengine.apis import throttling
    from ocrengine.models import RateLimitCounter

    settings.RATE_LIMIT_STORE = "database"
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"analyze": "100/min"})
    clock = [7000 * 60 + 1.0]
    monkeypatch.setattr(throttling.time, "time", lambda: clock[0])
    for _ in range(4):
        assert _analyze(agent_client).status_code == 200
        assert _analyze(agent_client).status_code == 200
        clock[0] += 60
    windows = dict(RateLimitCounter.objects.values_list("window", "calls"))
    assert windows == {7002: 2, 7003: 2}


def test_database_counters_keep_a_caller_longer_than_the_column_apart():
    from ocrengine.services.rate_counters import DatabaseCounters

    counters = DatabaseCounters()
    long_a, long_b = "ip:" + "1.2.3.4," * 100, "ip:" + "5.6.7.8," * 100
    counters.add(long_a, 10, 2, window_s=60, seen=0)
    counters.add(long_a, 10, 1, window_s=60, seen=2)
    counters.add(long_b, 10, 5, window_s=60, seen=0)
    assert counters.counts(long_a, 10) == (3, 0)
    assert counters.counts(long_b, 10) == (5, 0)
