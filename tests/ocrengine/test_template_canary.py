"""Canary releases of prompt templates (#16): a candidate version answers a deterministic share
of the analyse traffic, the stats compare it with the default, and it is promoted or rolled
back in one call, through the API and the admin, audited."""

import hashlib
import json

import pytest
from django.contrib.admin.models import LogEntry
from django.db import IntegrityError, transaction
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from ocrengine.models import AnalysisLog, PromptTemplate
from ocrengine.services.templates import template_canary_start, template_create_draft
from tests.conftest import assert_error_shape
from tests.factories import DEFAULT_PASSWORD
from tests.ocrengine.analysis_support import fresh_analysis_state, invoice_text

pytestmark = pytest.mark.django_db
ANALYZE = "/api/v1/ocr/analyze/"
TEMPLATES = "/api/v1/ocr/templates/"
STATS = "/api/v1/ocr/stats/"
ADMIN = "/admin/ocrengine/prompttemplate/"


@pytest.fixture(autouse=True)
def _state(db, monkeypatch):
    fresh_analysis_state()
    # 200 documents in one test: the per-caller rate limit is not what is tested here.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"analyze": "100000/min"})


def _default() -> PromptTemplate:
    return PromptTemplate.objects.get(document_type__code="invoice", is_default=True)


@pytest.fixture
def candidate(staff_user) -> PromptTemplate:
    """Invoice v2: a draft with the default's spec and a note, to be the canary."""
    return template_create_draft(
        document_type=_default().document_type,
        spec=_default().spec,
        notes="candidate",
        created_by=staff_user,
    )


def _texts(i: int) -> list[str]:
    return [invoice_text(number=f"INV-2024-{i:04d}")]


def _expected_canary(raw_texts: list[str], percent: int, code: str = "invoice") -> bool:
    """The documented rule, written out independently of the service."""
    content = "t" + hashlib.sha256(json.dumps(raw_texts, ensure_ascii=False).encode()).hexdigest()
    bucket = int(hashlib.sha256(f"{code}:{content}".encode()).hexdigest()[:8], 16) % 100
    return bucket < percent


def _analyze(client, raw_texts: list[str], **body) -> dict:
    response = client.post(
        ANALYZE, {"document_type": "invoice", "raw_texts": raw_texts, **body}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def _start(client, template: PromptTemplate, percent) -> object:
    return client.post(
        f"{TEMPLATES}{template.pk}/canary/", {"canary_percent": percent}, format="json"
    )


def _canary_document(percent: int, *, canary: bool) -> list[str]:
    return next(_texts(i) for i in range(1000) if _expected_canary(_texts(i), percent) is canary)


# --- routing --------------------------------------------------------------------------------


def test_a_30_percent_canary_answers_the_documents_whose_bucket_is_below_30(
    staff_client, agent_client, candidate
):
    started = _start(staff_client, candidate, 30)
    assert started.status_code == 200, started.content
    body = started.json()
    assert (body["status"], body["canary_percent"], body["is_default"]) == ("canary", 30, False)
    assert body["canary_started_by"] == "staff_sam"

    documents = [_texts(i) for i in range(200)]
    expected = {i for i, texts in enumerate(documents) if _expected_canary(texts, 30)}
    assert 40 <= len(expected) <= 80  # the rule is a fair split of this fixed set
    answered = {
        i: _analyze(agent_client, texts)["template_version"] for i, texts in enumerate(documents)
    }
    assert {i for i, version in answered.items() if version == 2} == expected
    assert {i for i, version in answered.items() if version == 1} == set(range(200)) - expected

    logs = AnalysisLog.objects.filter(document_type="invoice")
    assert logs.count() == 200
    assert logs.filter(template_route="canary", template_version=2).count() == len(expected)
    assert logs.filter(template_route="default", template_version=1).count() == 200 - len(expected)


def test_the_same_document_gets_the_same_version_and_its_cached_result(
    staff_client, agent_client, candidate
):
    _start(staff_client, candidate, 30)
    on_canary, on_default = _canary_document(30, canary=True), _canary_document(30, canary=False)
    first, again = _analyze(agent_client, on_canary), _analyze(agent_client, on_canary)
    assert (first["template_version"], again["template_version"]) == (2, 2)
    assert (first["cache_hit"], again["cache_hit"]) == (False, True)
    # The default's result for the same text is cached under its own version.
    assert _analyze(agent_client, on_canary, template_version=1)["cache_hit"] is False
    assert [_analyze(agent_client, on_default)["template_version"] for _ in range(2)] == [1, 1]
    assert list(
        AnalysisLog.objects.order_by("created_at", "id").values_list(
            "template_version", "template_route", "cache_hit"
        )
    ) == [
        (2, "canary", False),
        (2, "canary", True),
        (1, "requested", False),
        (1, "default", False),
        (1, "default", True),
    ]


def test_a_named_version_bypasses_the_canary(staff_client, agent_client, candidate):
    _start(staff_client, candidate, 30)
    on_canary, on_default = _canary_document(30, canary=True), _canary_document(30, canary=False)
    assert _analyze(agent_client, on_canary, template_version=1)["template_version"] == 1
    assert _analyze(agent_client, on_default, template_version=2)["template_version"] == 2
    routes = set(AnalysisLog.objects.values_list("template_route", flat=True))
    assert routes == {"requested"}


def test_raising_the_share_keeps_the_canarys_documents_and_adds_more(
    staff_client, agent_client, candidate
):
    _start(staff_client, candidate, 10)
    documents = [_texts(i) for i in range(60)]
    at_10 = {
        i for i, t in enumerate(documents) if _analyze(agent_client, t)["template_version"] == 2
    }
    changed = _start(staff_client, candidate, 50)
    assert changed.status_code == 200 and changed.json()["canary_percent"] == 50
    at_50 = {
        i for i, t in enumerate(documents) if _analyze(agent_client, t)["template_version"] == 2
    }
    assert at_10 < at_50
    assert at_50 == {i for i, t in enumerate(documents) if _expected_canary(t, 50)}
    history = LogEntry.objects.filter(object_id=str(candidate.pk)).order_by("action_time", "id")
    assert [entry.change_message for entry in history] == [
        "Canary started at 10%.",
        "Canary share changed from 10% to 50%.",
    ]


# --- stats ----------------------------------------------------------------------------------


def test_stats_show_the_canary_and_the_default_side_by_side(
    staff_client, agent_client, supervisor_client, candidate
):
    _start(staff_client, candidate, 30)
    documents = [_texts(i) for i in range(20)]
    canary_docs = [t for t in documents if _expected_canary(t, 30)]
    for texts in documents:
        _analyze(agent_client, texts)
    _analyze(agent_client, documents[0], template_version=2)  # named: left out of the split
    # A failed call the canary answered counts against its success rate.
    AnalysisLog.objects.create(
        document_type="invoice",
        template_version=2,
        template_route="canary",
        backend="rules",
        success=False,
        error_code="pattern_timeout",
        latency_ms=900,
    )

    response = supervisor_client.get(STATS, {"document_type": "invoice"})
    assert response.status_code == 200, response.content
    comparison = response.json()["canaries"]["invoice"]
    assert comparison["canary_percent"] == 30
    assert comparison["canary_started_by"] == "staff_sam"
    active, canary = comparison["active"], comparison["canary"]
    assert (active["version"], active["template_id"]) == (1, _default().pk)
    assert (canary["version"], canary["template_id"]) == (2, candidate.pk)
    assert active["calls"] == len(documents) - len(canary_docs)
    assert canary["calls"] == len(canary_docs) + 1
    assert active["success_rate"] == 1.0
    assert canary["success_rate"] == round(len(canary_docs) / (len(canary_docs) + 1), 4)
    assert 0 < active["average_confidence"] <= 1 and 0 < canary["average_confidence"] <= 1
    assert canary["latency_ms"]["p95"] == 900.0
    assert set(active["latency_ms"]) == {"p50", "p95"}
    # The per-type numbers still count every call.
    assert response.json()["by_document_type"]["invoice"]["calls"] == len(documents) + 2


def test_stats_without_a_canary_have_none(supervisor_client):
    assert supervisor_client.get(STATS).json()["canaries"] == {}


# --- promote and roll back through the API --------------------------------------------------


def test_promote_makes_the_canary_the_default_and_archives_the_previous(
    staff_client, agent_client, candidate
):
    _start(staff_client, candidate, 30)
    on_default = _canary_document(30, canary=False)
    assert _analyze(agent_client, on_default)["template_version"] == 1
    promoted = staff_client.post(f"{TEMPLATES}{candidate.pk}/promote/")
    assert promoted.status_code == 200, promoted.content
    body = promoted.json()
    assert (body["status"], body["is_default"], body["canary_percent"]) == ("active", True, None)
    previous = PromptTemplate.objects.get(document_type__code="invoice", version=1)
    assert (previous.status, previous.is_default) == ("archived", False)
    assert _analyze(agent_client, on_default)["template_version"] == 2  # all traffic now
    entry = LogEntry.objects.get(object_id=str(candidate.pk), change_message__contains="promoted")
    assert entry.user.username == "staff_sam"
    assert entry.change_message == "Canary at 30% promoted to the default; v1 archived."
    again = staff_client.post(f"{TEMPLATES}{candidate.pk}/promote/")
    assert_error_shape(again, 409, "no_canary")
    assert_error_shape(staff_client.post(f"{TEMPLATES}{candidate.pk}/rollback/"), 409, "no_canary")


def test_rollback_archives_the_canary_and_leaves_the_default(staff_client, agent_client, candidate):
    _start(staff_client, candidate, 30)
    on_canary = _canary_document(30, canary=True)
    assert _analyze(agent_client, on_canary)["template_version"] == 2
    rolled = staff_client.post(f"{TEMPLATES}{candidate.pk}/rollback/")
    assert rolled.status_code == 200, rolled.content
    assert (rolled.json()["status"], rolled.json()["canary_percent"]) == ("archived", None)
    default = _default()
    assert (default.version, default.status) == (1, "active")
    assert _analyze(agent_client, on_canary)["template_version"] == 1
    assert LogEntry.objects.filter(
        object_id=str(candidate.pk), change_message="Canary at 30% rolled back; archived."
    ).exists()
    assert_error_shape(staff_client.post(f"{TEMPLATES}{candidate.pk}/rollback/"), 409, "no_canary")
    # A rolled-back version may run again: it is copied into a new version, as a republish.
    restarted = _start(staff_client, candidate, 20)
    assert restarted.status_code == 200, restarted.content
    assert (restarted.json()["version"], restarted.json()["status"]) == (3, "canary")


def test_publishing_the_canary_promotes_it(staff_client, candidate):
    _start(staff_client, candidate, 30)
    published = staff_client.post(f"{TEMPLATES}{candidate.pk}/publish/")
    assert published.status_code == 200
    assert (published.json()["version"], published.json()["is_default"]) == (2, True)
    assert not PromptTemplate.objects.filter(canary_percent__isnull=False).exists()


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("percent", [0, 100, -5, "thirty", None, 12.5])
def test_a_bad_percent_is_400(staff_client, candidate, percent):
    assert_error_shape(_start(staff_client, candidate, percent), 400, "validation_error")
    assert PromptTemplate.objects.get(pk=candidate.pk).status == "draft"


def test_refusals_are_in_the_error_shape(staff_client, candidate):
    assert_error_shape(
        staff_client.post(f"{TEMPLATES}{candidate.pk}/canary/", {}, format="json"),
        400,
        "validation_error",
    )
    assert_error_shape(_start(staff_client, _default(), 30), 409, "template_is_default")
    assert_error_shape(staff_client.post(f"{TEMPLATES}{candidate.pk}/promote/"), 409, "no_canary")
    assert_error_shape(_start(staff_client, PromptTemplate(pk=999999), 30), 404, "not_found")
    assert _start(staff_client, candidate, 30).status_code == 200
    other = template_create_draft(document_type=candidate.document_type, spec=candidate.spec)
    error = assert_error_shape(_start(staff_client, other, 30), 409, "canary_exists")
    assert error["details"] == {"canary_id": candidate.pk, "canary_version": 2}
    not_canary = assert_error_shape(staff_client.post(f"{TEMPLATES}{other.pk}/promote/"), 409)
    assert not_canary["details"] == {"canary_id": candidate.pk}


def test_agents_and_supervisors_cannot_run_canaries(
    agent_client, supervisor_client, anon_client, staff_user, candidate
):
    for client, status in ((agent_client, 403), (supervisor_client, 403), (anon_client, 401)):
        assert_error_shape(_start(client, candidate, 30), status)
    template_canary_start(template=candidate, percent=30, started_by=staff_user)
    for action in ("promote", "rollback"):
        assert_error_shape(agent_client.post(f"{TEMPLATES}{candidate.pk}/{action}/"), 403)
    assert PromptTemplate.objects.get(pk=candidate.pk).canary_percent == 30
    # Reading is open to every role: the canary shows in the list.
    listed = agent_client.get(TEMPLATES, {"status": "canary"}).json()["results"]
    assert [(t["version"], t["canary_percent"]) for t in listed] == [(2, 30)]


def test_the_database_allows_one_canary_per_type_with_a_share_of_1_to_99(staff_user, candidate):
    template_canary_start(template=candidate, percent=30, started_by=staff_user)
    other = template_create_draft(document_type=candidate.document_type, spec=candidate.spec)
    with pytest.raises(IntegrityError), transaction.atomic():
        PromptTemplate.objects.filter(pk=other.pk).update(status="canary", canary_percent=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        PromptTemplate.objects.filter(pk=candidate.pk).update(canary_percent=100)
    with pytest.raises(IntegrityError), transaction.atomic():
        PromptTemplate.objects.filter(pk=_default().pk).update(canary_percent=None, status="canary")


# --- the admin ------------------------------------------------------------------------------


@pytest.fixture
def console(staff_user) -> Client:
    client = Client()
    assert client.login(username=staff_user.username, password=DEFAULT_PASSWORD)
    return client


def _action(console: Client, action: str, template: PromptTemplate, **extra):
    return console.post(
        ADMIN, {"action": action, "_selected_action": [template.pk], **extra}, follow=True
    )


def test_admin_starts_a_canary_shows_both_versions_and_promotes_it(
    console, agent_client, candidate
):
    asked = console.post(ADMIN, {"action": "start_canary", "_selected_action": [candidate.pk]})
    assert asked.status_code == 200 and b"Start canary" in asked.content
    bad = _action(console, "start_canary", candidate, apply="1", canary_percent="150")
    assert bad.status_code == 200 and PromptTemplate.objects.get(pk=candidate.pk).status == "draft"
    started = _action(console, "start_canary", candidate, apply="1", canary_percent="30")
    assert b"answers 30% of the analyse traffic" in started.content
    assert PromptTemplate.objects.get(pk=candidate.pk).canary_percent == 30

    _analyze(agent_client, _canary_document(30, canary=True))
    _analyze(agent_client, _canary_document(30, canary=False))
    listing = console.get(ADMIN, {"document_type__id__exact": candidate.document_type_id})
    assert b"canary 30%" in listing.content and b"default 70%" in listing.content
    assert b"1 calls" in listing.content
    page = console.get(f"{ADMIN}canaries/")
    assert page.status_code == 200
    assert b"canary v2 at 30%" in page.content and b"Promote v2" in page.content

    promoted = _action(console, "promote_canary", candidate)
    assert b"v2 is now the default" in promoted.content
    assert _default().pk == candidate.pk
    assert LogEntry.objects.filter(
        object_id=str(candidate.pk), user__username="staff_sam", change_message__contains="promoted"
    ).exists()
    assert b"No canary is running" in console.get(f"{ADMIN}canaries/").content


def test_admin_rolls_back_and_refuses_what_is_not_a_canary(console, staff_user, candidate):
    refused = _action(console, "rollback_canary", candidate)
    assert b"is not a canary" in refused.content
    template_canary_start(template=candidate, percent=25, started_by=staff_user)
    rolled = _action(console, "rollback_canary", candidate)
    assert b"rolled back; the default answers all traffic" in rolled.content
    candidate.refresh_from_db()
    assert (candidate.status, candidate.canary_percent) == ("archived", None)
    assert _default().version == 1
    history = console.get(f"{ADMIN}{candidate.pk}/history/")
    assert b"Canary at 25% rolled back" in history.content
