"""Bank templates over the API: new versions, publishing, dry-run preview, export/import."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import BankTemplate, Bill, StatementImport
from billing.services.reference_data import shipped_template_specs
from tests.billing.conftest import fake_statement
from tests.billing.statement_factory import maybank_pdf
from tests.conftest import assert_error_shape

pytestmark = pytest.mark.usefixtures("seeded")
URL = "/api/v1/bank-templates/"


def _maybank() -> BankTemplate:
    return BankTemplate.objects.get(bank__code="maybank", status="active")


def test_only_admins_change_templates(agent_client, supervisor_client, staff_client):
    assert_error_shape(agent_client.get(URL), 403, "permission_denied")
    assert supervisor_client.get(URL).status_code == 200
    spec = _maybank().spec
    response = supervisor_client.post(URL, {"bank": "maybank", "spec": spec}, format="json")
    assert_error_shape(response, 403, "permission_denied")
    assert staff_client.get(URL, {"bank": "maybank"}).json()["count"] == 1


def test_new_version_then_publish_keeps_one_active(staff_client):
    spec = copy.deepcopy(_maybank().spec)
    spec["transactions"]["continuation_lines"] = 1
    created = staff_client.post(
        URL, {"bank": "maybank", "spec": spec, "notes": "one continuation line"}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["version"], body["status"], body["spec"]["version"]) == (2, "draft", 2)
    published = staff_client.post(f"{URL}{body['id']}/publish/")
    assert published.json()["status"] == "active"
    statuses = dict(
        BankTemplate.objects.filter(bank__code="maybank").values_list("version", "status")
    )
    assert statuses == {1: "archived", 2: "active"}


def test_invalid_spec_is_refused_with_every_error(staff_client):
    response = staff_client.post(
        URL, {"bank": "maybank", "spec": {"bank": "maybank", "detect": "nope"}}, format="json"
    )
    error = assert_error_shape(response, 400, "invalid_template")
    assert error["details"]["errors"]
    spec = copy.deepcopy(_maybank().spec)
    response = staff_client.post(URL, {"bank": "cimb", "spec": spec}, format="json")
    assert_error_shape(response, 400, "invalid_template")
    assert BankTemplate.objects.count() == len(shipped_template_specs())


def test_preview_parses_a_sample_and_saves_nothing(staff_client):
    sample = SimpleUploadedFile("sample.pdf", maybank_pdf(fake_statement()))
    response = staff_client.post(
        f"{URL}{_maybank().pk}/preview/", {"file": sample}, format="multipart"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["template_matched"] is True and body["status"] == "verified"
    bill = body["bills"][0]
    assert (bill["card_last4"], bill["new_balance"], len(bill["transactions"])) == (
        "0001",
        "2086.49",
        5,
    )
    assert not StatementImport.objects.exists() and not Bill.objects.exists()


def test_preview_of_an_unsaved_spec_shows_what_breaks(staff_client):
    spec = copy.deepcopy(_maybank().spec)
    spec["card_fields"]["new_balance"] = "^NEVER PRINTED (?P<value>{AMOUNT})$"
    sample = SimpleUploadedFile("sample.pdf", maybank_pdf(fake_statement()))
    response = staff_client.post(
        f"{URL}{_maybank().pk}/preview/",
        {"file": sample, "spec": json.dumps(spec)},
        format="multipart",
    )
    body = response.json()
    assert body["status"] == "review"
    assert "balance_missing" in {p["code"] for p in body["problems"]}


def test_preview_bad_inputs(staff_client):
    pk = _maybank().pk
    sample = SimpleUploadedFile("sample.pdf", maybank_pdf(fake_statement(), password="pw"))
    response = staff_client.post(f"{URL}{pk}/preview/", {"file": sample}, format="multipart")
    assert_error_shape(response, 400, "password_required")
    sample = SimpleUploadedFile("sample.pdf", b"%PDF")
    response = staff_client.post(
        f"{URL}{pk}/preview/", {"file": sample, "spec": "{not json"}, format="multipart"
    )
    assert_error_shape(response, 400, "validation_error")
    assert_error_shape(staff_client.post(f"{URL}999999/preview/", {}, format="multipart"), 404)


def test_export_then_import_round_trip_and_conflict(staff_client):
    exported = staff_client.get(f"{URL}export/").json()
    assert len(exported["templates"]) == len(shipped_template_specs())
    again = staff_client.post(f"{URL}import/", exported, format="json")
    assert again.status_code == 200
    assert len(again.json()["unchanged"]) == len(shipped_template_specs())
    assert again.json()["created"] == []
    conflicting = copy.deepcopy(exported)
    conflicting["templates"][0]["spec"]["transactions"]["continuation_lines"] = 9
    response = staff_client.post(f"{URL}import/", conflicting, format="json")
    error = assert_error_shape(response, 409, "template_import_refused")
    assert "different spec" in error["details"]["errors"][0]
    malformed = staff_client.post(f"{URL}import/", {"templates": []}, format="json")
    assert_error_shape(malformed, 400, "invalid_template_file")
    assert BankTemplate.objects.count() == len(shipped_template_specs())
