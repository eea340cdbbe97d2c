"""The llm backend is an outside service (security audit #13): only holders of
ocrengine.use_llm_backend may use it (403 otherwise), the key goes only to https (http only to
loopback) and never along a redirect, one call's time is bounded across its tries however the
endpoint answers, and a document over LLM_MAX_INPUT_CHARS is a 413 before anything is sent."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from ocrengine.models import AnalysisLog
from ocrengine.services.hmac_auth import api_client_create
from ocrengine.services.llm import llm_url_problem
from tests.conftest import assert_error_shape, jwt_client
from tests.factories import UserFactory
from tests.ocrengine.analysis_support import fresh_analysis_state, invoice_text
from tests.ocrengine.llm_support import ChatServer
from tests.ocrengine.test_hmac import signed_post
from tests.ocrengine.test_llm import GOOD

pytestmark = pytest.mark.django_db
URL = "/api/v1/ocr/analyze/"
BATCH_URL = "/api/v1/ocr/batch-analyze/"
LLM_INVOICE = {"document_type": "invoice", "raw_texts": [invoice_text()], "backend": "llm"}


@pytest.fixture(autouse=True)
def _state(db):
    fresh_analysis_state()


@pytest.fixture
def catcher():
    """Where a redirect points: it must never be asked anything."""
    server = ChatServer().start()
    yield server
    server.stop()


# --- who may use it -------------------------------------------------------------------------


def test_a_caller_without_the_permission_is_403_and_nothing_is_sent(chat, agent_client):
    response = agent_client.post(URL, LLM_INVOICE, format="json")
    error = assert_error_shape(response, 403, "llm_not_permitted")
    assert error["details"]["permission"] == "ocrengine.use_llm_backend"
    assert chat.requests == []
    log = AnalysisLog.objects.get()
    assert (log.success, log.error_code, log.document_type) == (
        False,
        "llm_not_permitted",
        "invoice",
    )
    rules = agent_client.post(URL, {**LLM_INVOICE, "backend": "rules"}, format="json")
    assert rules.status_code == 200, rules.content


def test_the_default_backend_is_held_to_the_permission_too(chat, settings, agent_client):
    settings.ANALYSIS_DEFAULT_BACKEND = "llm"
    body = {"document_type": "invoice", "raw_texts": [invoice_text()]}
    assert_error_shape(agent_client.post(URL, body, format="json"), 403, "llm_not_permitted")
    assert chat.requests == []


def test_a_cached_llm_result_is_not_served_to_a_caller_without_the_permission(
    chat, supervisor_client, agent_client
):
    chat.script.append(("content", json.dumps(GOOD)))
    assert supervisor_client.post(URL, LLM_INVOICE, format="json").json()["backend"] == "llm"
    assert_error_shape(agent_client.post(URL, LLM_INVOICE, format="json"), 403, "llm_not_permitted")


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_the_supervisor_and_admin_roles_hold_it(chat, role):
    user = UserFactory(username=f"{role}_llm")
    user.groups.add(Group.objects.get(name=role))
    chat.script.append(("content", json.dumps(GOOD)))
    response = jwt_client(user).post(URL, LLM_INVOICE, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["backend"] == "llm"


def test_the_agent_role_does_not_but_a_direct_grant_does(chat, agent):
    assert not Group.objects.get(name="agent").permissions.filter(codename="use_llm_backend")
    agent.user_permissions.add(Permission.objects.get(codename="use_llm_backend"))
    chat.script.append(("content", json.dumps(GOOD)))
    response = jwt_client(agent).post(URL, LLM_INVOICE, format="json")
    assert response.json()["backend"] == "llm"


def test_a_machine_client_uses_it_only_through_a_permitted_user(chat, supervisor):
    bare, bare_secret = api_client_create(name="Partner")
    assert_error_shape(signed_post(bare.key_id, bare_secret, LLM_INVOICE), 403, "llm_not_permitted")
    assert chat.requests == []
    linked, linked_secret = api_client_create(name="Trusted", user=supervisor)
    chat.script.append(("content", json.dumps(GOOD)))
    assert signed_post(linked.key_id, linked_secret, LLM_INVOICE).json()["backend"] == "llm"


def test_a_batch_refuses_the_llm_items_in_place(chat, agent_client):
    rules_item = {**LLM_INVOICE, "backend": "rules"}
    response = agent_client.post(BATCH_URL, {"items": [LLM_INVOICE, rules_item]}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["status"] for r in body["results"]] == [403, 200]
    assert body["results"][0]["error"]["code"] == "llm_not_permitted"
    assert set(body["results"][0]["error"]) == {"code", "message", "details"}
    assert (body["succeeded"], body["failed"]) == (1, 1)
    assert chat.requests == []
    assert sorted(AnalysisLog.objects.values_list("error_code", flat=True)) == [
        "",
        "llm_not_permitted",
    ]


# --- where the key may go -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://api.example.com/v1", True),
        ("http://127.0.0.1:8000/v1", True),
        ("http://127.8.9.1/v1", True),
        ("http://[::1]:8000/v1", True),
        ("http://localhost:11434/v1", True),
        ("http://api.example.com/v1", False),
        ("http://10.0.0.5/v1", False),
        ("http://127.0.0.1.example.com/v1", False),
        ("ftp://api.example.com/v1", False),
        ("https:///v1", False),
        ("api.example.com/v1", False),
    ],
)
def test_only_https_or_loopback_http_is_an_acceptable_endpoint(url, safe):
    assert (llm_url_problem(url) is None) is safe


def test_a_plain_http_endpoint_elsewhere_is_refused_at_call_time(chat, settings, supervisor_client):
    # Nothing listens there: the call must be refused before any connection is tried.
    settings.LLM_BASE_URL = "http://llm.example.invalid/v1"
    body = supervisor_client.post(URL, LLM_INVOICE, format="json").json()
    assert body["backend"] == "rules"
    assert body["fallback_reason"].startswith("llm_insecure_url: LLM_BASE_URL must be https://")
    assert AnalysisLog.objects.get().fallback_reason.startswith("llm_insecure_url")


def test_the_system_check_refuses_a_plain_http_endpoint(settings):
    settings.LLM_BASE_URL = "http://llm.example.com/v1"
    with pytest.raises(SystemCheckError, match=r"ocrengine\.E001"):
        call_command("check")
    settings.LLM_BASE_URL = "https://llm.example.com/v1"
    call_command("check")


def test_the_system_check_refuses_limits_that_are_not_positive(settings):
    settings.LLM_TOTAL_TIMEOUT_S = 0
    with pytest.raises(SystemCheckError, match="LLM_TOTAL_TIMEOUT_S must be greater than 0"):
        call_command("check")


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_followed_and_the_key_goes_nowhere_else(
    chat, catcher, supervisor_client, code
):
    chat.script.append(("redirect", (code, f"{catcher.base_url}/chat/completions")))
    body = supervisor_client.post(URL, LLM_INVOICE, format="json").json()
    assert body["backend"] == "rules"
    assert body["fallback_reason"].startswith(f"http_{code}: redirects are not followed")
    assert len(chat.requests) == 1  # not retried either
    assert catcher.requests == []


# --- how long it may take -------------------------------------------------------------------


def test_an_endpoint_that_never_answers_is_given_up_at_the_total_deadline(
    chat, settings, supervisor_client
):
    # Per try, the endpoint would be waited on for far longer than the call may take.
    settings.LLM_TIMEOUT_S = 600
    settings.LLM_MAX_RETRIES = 3
    settings.LLM_TOTAL_TIMEOUT_S = 0.3
    chat.script.extend([("hang", None)] * 4)
    body = supervisor_client.post(URL, LLM_INVOICE, format="json").json()
    assert body["backend"] == "rules"
    assert body["fallback_reason"].startswith("deadline_exceeded after ")
    assert "LLM_TOTAL_TIMEOUT_S=0.3 s" in body["fallback_reason"]
    assert AnalysisLog.objects.get().fallback_reason.startswith("deadline_exceeded")


def test_an_answer_trickled_a_byte_at_a_time_is_cut_off_at_the_deadline(
    chat, settings, supervisor_client
):
    # Every byte comes well within the per-read timeout: only the call's deadline stops it.
    settings.LLM_TIMEOUT_S = 600
    settings.LLM_MAX_RETRIES = 0
    settings.LLM_TOTAL_TIMEOUT_S = 0.3
    chat.script.append(("drip", None))
    body = supervisor_client.post(URL, LLM_INVOICE, format="json").json()
    assert body["fallback_reason"].startswith("deadline_exceeded after 1 attempt")
    # The connection was closed under the server while it was still trickling.
    assert chat.hung_up.wait(60)


# --- how much may be sent -------------------------------------------------------------------


def test_text_over_the_llm_cap_is_413_and_nothing_is_sent(chat, settings, supervisor_client):
    settings.LLM_MAX_INPUT_CHARS = 100
    response = supervisor_client.post(URL, LLM_INVOICE, format="json")
    error = assert_error_shape(response, 413, "text_too_large_for_llm")
    assert error["details"]["limit"] == 100
    assert error["details"]["characters"] > 100
    assert chat.requests == []
    assert AnalysisLog.objects.get().error_code == "text_too_large_for_llm"
    # The cap is the llm's: the same text goes to rules.
    rules = supervisor_client.post(URL, {**LLM_INVOICE, "backend": "rules"}, format="json")
    assert rules.status_code == 200, rules.content


def test_text_within_the_llm_cap_is_sent(chat, settings, supervisor_client):
    settings.LLM_MAX_INPUT_CHARS = len(invoice_text())
    chat.script.append(("content", json.dumps(GOOD)))
    body = supervisor_client.post(URL, LLM_INVOICE, format="json").json()
    assert body["backend"] == "llm"
