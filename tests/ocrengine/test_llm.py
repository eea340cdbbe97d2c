"""The llm backend against a small chat-completions server on 127.0.0.1: success, malformed
output, timeout, transient errors, and the fallback to rules with the reason logged. Callers
use it with ocrengine.use_llm_backend (the supervisor role has it); hardening against the
outside service is in test_llm_hardening.py."""

from __future__ import annotations

import json

import pytest

from ocrengine.models import AnalysisLog
from ocrengine.services.llm import LlmFailure, LlmSettings, llm_extract, validate_output
from tests.ocrengine.analysis_support import fresh_analysis_state, invoice_text

pytestmark = pytest.mark.django_db
URL = "/api/v1/ocr/analyze/"


@pytest.fixture(autouse=True)
def _state(db):
    fresh_analysis_state()


GOOD = {
    "invoice_number": "INV-2024-0042",
    "date": "15.03.2024",
    "total_amount": "1,190.00",
    "currency": "EUR",
    "seller": "ACME Supplies GmbH",
    "buyer": None,
    "extra": "ignored",
}


def _analyze(client):
    return client.post(
        URL,
        {"document_type": "invoice", "raw_texts": [invoice_text()], "backend": "llm"},
        format="json",
    )


def test_llm_answer_is_validated_normalised_and_used(chat, supervisor_client):
    chat.script.append(("content", json.dumps(GOOD)))
    response = _analyze(supervisor_client)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["backend"] == "llm"
    assert body["fallback_reason"] is None
    assert body["fields"]["date"] == "2024-03-15"
    assert body["fields"]["total_amount"] == "1190.00"
    assert body["fields"]["buyer"] is None and "extra" not in body["fields"]
    assert body["confidence"]["invoice_number"] == 0.85  # found in the text
    sent = chat.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["auth"] == "Bearer test-key"
    assert sent["body"]["model"] == "tiny-model"
    assert "INV-2024-0042" in sent["body"]["messages"][1]["content"]
    log = AnalysisLog.objects.get()
    assert (log.backend, log.fallback_reason, log.success) == ("llm", "", True)
    assert _analyze(supervisor_client).json()["cache_hit"] is True
    assert len(chat.requests) == 1


def test_the_document_types_model_wins_over_the_default(chat, supervisor_client):
    from ocrengine.models import DocumentType

    DocumentType.objects.filter(code="invoice").update(llm_model="invoice-model")
    chat.script.append(("content", json.dumps(GOOD)))
    _analyze(supervisor_client)
    assert chat.requests[0]["body"]["model"] == "invoice-model"


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        (
            [("content", "Sure! The invoice number is INV-1")],
            "malformed_output: the answer is not JSON",
        ),
        ([("content", "[1, 2]")], "malformed_output: the answer is not a JSON object"),
        ([("content", json.dumps({"date": "yesterday"}))], "malformed_output: date="),
        ([("raw", "<html>oops</html>")], "malformed_response"),
        ([("sleep", 3.0), ("sleep", 3.0)], "timeout after 2 attempts"),
        ([("status", 503), ("status", 503)], "http_503 after 2 attempts"),
        ([("status", 401)], "http_401"),
    ],
)
def test_failures_fall_back_to_rules_with_the_reason_logged(
    chat, supervisor_client, settings, script, reason
):
    settings.LLM_TIMEOUT_S = 0.3  # the sleeping answers come ten times later
    chat.script.extend(script)
    response = _analyze(supervisor_client)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["backend"] == "rules"
    assert body["fields"]["invoice_number"] == "INV-2024-0042"
    assert body["fallback_reason"].startswith(reason)
    log = AnalysisLog.objects.get()
    assert log.fallback_reason.startswith(reason) and log.success
    # A fallback is not cached: the next call tries the model again.
    chat.script.append(("content", json.dumps(GOOD)))
    again = _analyze(supervisor_client).json()
    assert (again["backend"], again["cache_hit"]) == ("llm", False)


def test_a_transient_error_is_retried(chat, supervisor_client):
    chat.script.extend([("status", 500), ("content", json.dumps(GOOD))])
    body = _analyze(supervisor_client).json()
    assert body["backend"] == "llm"
    assert len(chat.requests) == 2


def test_unconfigured_llm_falls_back(settings, supervisor_client):
    settings.LLM_BASE_URL = ""
    body = _analyze(supervisor_client).json()
    assert body["backend"] == "rules"
    assert body["fallback_reason"].startswith("llm_not_configured")


def test_unreachable_endpoint_is_a_connection_error(settings):
    config = LlmSettings(
        base_url="http://127.0.0.1:9/v1",
        api_key="",
        model="m",
        timeout_s=0.5,
        max_retries=0,
        backoff_s=0,
    )
    spec = {"fields": [{"name": "a", "type": "string"}]}
    with pytest.raises(LlmFailure, match="connection_error after 1 attempt"):
        llm_extract(text="x", spec=spec, prompt="{text}", config=config)


def test_fenced_json_is_accepted_and_objects_are_not_values():
    spec = {"fields": [{"name": "total", "type": "amount"}, {"name": "code", "type": "string"}]}
    assert validate_output('```json\n{"total": "12,50", "code": 7}\n```', spec) == {
        "total": "12.50",
        "code": "7",
    }
    with pytest.raises(LlmFailure, match="code is not a scalar"):
        validate_output('{"code": {"nested": 1}}', spec)
