"""Prompt templates over the API: read for any user, write with the template permissions,
publish, export → import round trip, import reports."""

import pytest

from ocrengine.models import DocumentType, PromptTemplate
from tests.conftest import assert_error_shape
from tests.ocrengine.analysis_support import fresh_analysis_state

pytestmark = pytest.mark.django_db
URL = "/api/v1/ocr/templates/"


@pytest.fixture(autouse=True)
def _state(db):
    fresh_analysis_state()


def _receipt_spec() -> dict:
    return PromptTemplate.objects.get(document_type__code="receipt", version=1).spec


def test_list_filter_and_detail(agent_client):
    response = agent_client.get(URL, {"document_type__code": "id_card"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(t["document_type"], t["version"], t["is_default"]) for t in results] == [
        ("id_card", 1, True)
    ]
    detail = agent_client.get(f"{URL}{results[0]['id']}/").json()
    assert detail["spec"]["fields"][0]["name"] == "name"
    assert detail["editable"] is False
    assert_error_shape(agent_client.get(f"{URL}999999/"), 404, "not_found")


def test_agents_cannot_change_templates(agent_client):
    response = agent_client.post(
        URL, {"document_type": "receipt", "spec": _receipt_spec()}, format="json"
    )
    assert_error_shape(response, 403, "permission_denied")
    template = PromptTemplate.objects.get(document_type__code="receipt")
    assert_error_shape(agent_client.post(f"{URL}{template.pk}/publish/"), 403)
    assert_error_shape(agent_client.post(f"{URL}import/", {}, format="json"), 403)


def test_staff_create_revise_and_publish(staff_client, django_capture_on_commit_callbacks):
    created = staff_client.post(
        URL,
        {"document_type": "receipt", "spec": _receipt_spec(), "notes": "tighter totals"},
        format="json",
    )
    assert created.status_code == 201, created.content
    draft = created.json()
    assert (draft["version"], draft["status"], draft["editable"]) == (2, "draft", True)
    assert draft["created_by"] == "staff_sam"
    revised = staff_client.patch(
        f"{URL}{draft['id']}/", {"prompt": "Receipt: {text}"}, format="json"
    )
    assert revised.status_code == 200 and revised.json()["prompt"] == "Receipt: {text}"
    with django_capture_on_commit_callbacks(execute=True):
        published = staff_client.post(f"{URL}{draft['id']}/publish/")
    assert published.status_code == 200
    assert (published.json()["status"], published.json()["is_default"]) == ("active", True)
    used = staff_client.patch(f"{URL}{draft['id']}/", {"notes": "again"}, format="json")
    assert used.status_code == 201 and used.json()["version"] == 3  # a used one is immutable


def test_invalid_spec_and_unknown_type_are_400(staff_client):
    bad = staff_client.post(
        URL, {"document_type": "receipt", "spec": {"fields": "nope"}}, format="json"
    )
    error = assert_error_shape(bad, 400, "invalid_spec")
    assert error["details"]["errors"] == ["fields: required non-empty list"]
    unknown = staff_client.post(
        URL, {"document_type": "passport", "spec": _receipt_spec()}, format="json"
    )
    assert_error_shape(unknown, 400, "validation_error")


def test_export_import_round_trip_through_the_api(staff_client):
    exported = staff_client.get(f"{URL}export/", {"document_type": "receipt"})
    assert exported.status_code == 200
    assert "attachment" in exported["Content-Disposition"]
    bundle = exported.json()
    receipt = DocumentType.objects.get(code="receipt")
    PromptTemplate.objects.filter(document_type=receipt).update(is_default=False)
    PromptTemplate.objects.filter(document_type=receipt).delete()
    imported = staff_client.post(f"{URL}import/", bundle, format="json")
    assert imported.status_code == 201, imported.content
    assert imported.json()["created"] == ["receipt v1"]
    assert imported.json()["activated"] == ["receipt v1"]
    assert receipt.templates.get().is_default
    again = staff_client.post(f"{URL}import/", bundle, format="json")
    assert again.status_code == 200 and again.json()["created"] == []


def test_import_reports_malformed_and_conflicting_bundles(staff_client):
    bundle = staff_client.get(f"{URL}export/", {"document_type": "receipt"}).json()
    bundle["templates"][0]["prompt"] = "not what is stored"
    conflict = assert_error_shape(
        staff_client.post(f"{URL}import/", bundle, format="json"), 409, "template_conflict"
    )
    assert conflict["details"]["conflicts"][0].startswith("receipt v1:")
    bundle["templates"][0]["spec"] = "nonsense"
    malformed = assert_error_shape(
        staff_client.post(f"{URL}import/", bundle, format="json"), 400, "invalid_bundle"
    )
    assert malformed["details"]["errors"] == ["templates[0].spec: spec: must be a JSON object"]
    junk = staff_client.post(f"{URL}import/", [1, 2], format="json")
    assert_error_shape(junk, 400, "invalid_bundle")
