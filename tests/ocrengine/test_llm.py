"""The llm backend against a small chat-completions server on 127.0.0.1: success, malformed
output, timeout, transient errors, and the fallback to rules with the reason logged. Callers
use it with ocrengine.use_llm_backend (the supervisor role has it); hardening against the
outside service is in test_llm_hardening.py."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ocrengine.models import AnalysisLog
from ocrengine.services.llm import LlmFailure, LlmSettings, llm_extract, validate_output
from tests.ocrengine.analysis_support import fresh_analysis_state, invoice_text

pytestmark = pytest.mark.django_db
URL = "/api/v1/ocr/analyze/"


class ChatServer:
    """Answers POST /v1/chat/completions from a queue of scripted behaviours: ("content", text),
    ("raw", body), ("status", code), ("sleep", seconds), ("redirect", (code, url)), ("hang",
    None: never answers) and ("drip", None: an answer trickled a byte at a time, forever).
    Every request (any method) is recorded."""

    def __init__(self) -> None:
        self.script: list[tuple[str, object]] = []
        self.requests: list[dict] = []
        self.release = threading.Event()  # set at teardown: hanging and dripping answers end
        self.hung_up = threading.Event()  # the client closed the connection mid-answer
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's naming
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw_body = self.rfile.read(length)
                server.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "auth": self.headers["Authorization"],
                        "body": json.loads(raw_body) if raw_body else None,
                    }
                )
                kind, value = server.script.pop(0) if server.script else ("status", 500)
                if kind == "sleep":
                    time.sleep(value)
                    kind, value = "content", "{}"
                if kind == "hang":
                    server.release.wait(120)
                    return
                if kind == "drip":
                    self._drip()
                    return
                if kind == "redirect":
                    code, location = value
                    self.send_response(code)
                    self.send_header("Location", location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if kind == "status":
                    self.send_response(value)
                    self.end_headers()
                    return
                raw = (
                    value
                    if kind == "raw"
                    else json.dumps(
                        {"choices": [{"message": {"role": "assistant", "content": value}}]}
                    )
                )
                data = raw.encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the timeout tests hang up before a slow answer: that is the point

            def _drip(self) -> None:
                # Each byte comes long before any per-read timeout, so only a deadline on the
                # whole call ends it.
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "1000000")
                    self.end_headers()
                    while not server.release.wait(0.01):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    server.hung_up.set()

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def start(self) -> ChatServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def chat(settings):
    server = ChatServer().start()
    settings.LLM_BASE_URL = server.base_url
    settings.LLM_API_KEY = "test-key"
    settings.LLM_DEFAULT_MODEL = "tiny-model"
    settings.LLM_TIMEOUT_S = 0.3
    settings.LLM_MAX_RETRIES = 1
    settings.LLM_RETRY_BACKOFF_S = 0.01
    yield server
    server.stop()


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


def _analyse(client):
    return client.post(
        URL,
        {"document_type": "invoice", "raw_texts": [invoice_text()], "backend": "llm"},
        format="json",
    )


def test_llm_answer_is_validated_normalised_and_used(chat, supervisor_client):
    chat.script.append(("content", json.dumps(GOOD)))
    response = _analyse(supervisor_client)
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
    assert _analyse(supervisor_client).json()["cache_hit"] is True
    assert len(chat.requests) == 1


def test_the_document_types_model_wins_over_the_default(chat, supervisor_client):
    from ocrengine.models import DocumentType

    DocumentType.objects.filter(code="invoice").update(llm_model="invoice-model")
    chat.script.append(("content", json.dumps(GOOD)))
    _analyse(supervisor_client)
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
        ([("sleep", 1.0), ("sleep", 1.0)], "timeout after 2 attempts"),
        ([("status", 503), ("status", 503)], "http_503 after 2 attempts"),
        ([("status", 401)], "http_401"),
    ],
)
def test_failures_fall_back_to_rules_with_the_reason_logged(
    chat, supervisor_client, script, reason
):
    chat.script.extend(script)
    response = _analyse(supervisor_client)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["backend"] == "rules"
    assert body["fields"]["invoice_number"] == "INV-2024-0042"
    assert body["fallback_reason"].startswith(reason)
    log = AnalysisLog.objects.get()
    assert log.fallback_reason.startswith(reason) and log.success
    # A fallback is not cached: the next call tries the model again.
    chat.script.append(("content", json.dumps(GOOD)))
    again = _analyse(supervisor_client).json()
    assert (again["backend"], again["cache_hit"]) == ("llm", False)


def test_a_transient_error_is_retried(chat, supervisor_client):
    chat.script.extend([("status", 500), ("content", json.dumps(GOOD))])
    body = _analyse(supervisor_client).json()
    assert body["backend"] == "llm"
    assert len(chat.requests) == 2


def test_unconfigured_llm_falls_back(settings, supervisor_client):
    settings.LLM_BASE_URL = ""
    body = _analyse(supervisor_client).json()
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
