"""The bank template admin: edit → new version, publish action, preview, export and import."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from billing.models import BankTemplate, Bill
from tests.billing.conftest import fake_statement
from tests.billing.statement_factory import maybank_pdf

pytestmark = pytest.mark.usefixtures("seeded")
BASE = "/admin/billing/banktemplate/"


@pytest.fixture
def admin_client(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def _maybank() -> BankTemplate:
    return BankTemplate.objects.get(bank__code="maybank", status="active")


def test_editing_saves_a_new_version_and_leaves_the_old_one(admin_client):
    template = _maybank()
    spec = copy.deepcopy(template.spec)
    spec["transactions"]["continuation_lines"] = 1
    response = admin_client.post(
        f"{BASE}{template.pk}/change/", {"spec": json.dumps(spec), "notes": "wrap 1"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    template.refresh_from_db()
    assert template.spec["transactions"]["continuation_lines"] == 2  # untouched
    new = BankTemplate.objects.get(bank__code="maybank", version=2)
    assert (new.status, new.notes, new.spec["version"]) == ("draft", "wrap 1", 2)


def test_invalid_spec_is_shown_not_saved(admin_client):
    template = _maybank()
    response = admin_client.post(
        f"{BASE}{template.pk}/change/", {"spec": json.dumps({"bank": "maybank"}), "notes": ""}
    )
    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert BankTemplate.objects.filter(bank__code="maybank").count() == 1


def test_publish_action_keeps_one_active(admin_client):
    template = _maybank()
    draft = BankTemplate.objects.create(
        bank=template.bank, version=2, spec={**template.spec, "version": 2}
    )
    response = admin_client.post(
        BASE, {"action": "publish_selected", "_selected_action": [draft.pk]}
    )
    assert response.status_code == 302
    assert dict(
        BankTemplate.objects.filter(bank=template.bank).values_list("version", "status")
    ) == {
        1: "archived",
        2: "active",
    }


def test_preview_shows_bill_rows_and_checks_without_saving(admin_client):
    template = _maybank()
    response = admin_client.get(f"{BASE}{template.pk}/preview/")
    assert response.status_code == 200
    response = admin_client.post(
        f"{BASE}{template.pk}/preview/",
        {
            "sample": SimpleUploadedFile("s.pdf", maybank_pdf(fake_statement())),
            "spec": json.dumps(template.spec),
        },
    )
    page = response.content.decode()
    assert "Result: verified" in page and "DEMO MART GROCERS" in page and "2086.49" in page
    assert not Bill.objects.exists()


def test_export_and_import_pages(admin_client):
    exported = admin_client.get(f"{BASE}export/")
    assert exported["Content-Type"] == "application/json"
    document = json.loads(exported.content)
    response = admin_client.post(
        f"{BASE}import/",
        {"export_file": SimpleUploadedFile("t.json", json.dumps(document).encode())},
    )
    assert "Unchanged: " in response.content.decode()
    document["templates"][0]["spec"]["detect"]["within_lines"] = 77
    response = admin_client.post(
        f"{BASE}import/",
        {"export_file": SimpleUploadedFile("t.json", json.dumps(document).encode())},
    )
    assert "nothing was imported" in response.content.decode()
    response = admin_client.post(
        f"{BASE}import/", {"export_file": SimpleUploadedFile("t.json", b"\xff\xfe")}
    )
    assert "Not a JSON file" in response.content.decode()


def test_admin_lists_render(admin_client, django_capture_on_commit_callbacks):
    from tests.billing.conftest import import_file

    statement = import_file(django_capture_on_commit_callbacks, maybank_pdf(fake_statement()))
    bill = statement.bills.get()
    for url in (
        BASE,
        "/admin/billing/bank/",
        "/admin/billing/creditcard/",
        "/admin/billing/statementimport/",
        f"/admin/billing/statementimport/{statement.pk}/change/",
        "/admin/billing/bill/",
        f"/admin/billing/bill/{bill.pk}/change/",
        "/admin/billing/transaction/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_preview_refuses_a_sample_larger_than_an_import_may_be(admin_client, settings):
    template = _maybank()
    sample = maybank_pdf(fake_statement())
    settings.UPLOAD_MAX_BYTES = len(sample) - 1
    response = admin_client.post(
        f"{BASE}{template.pk}/preview/",
        {"sample": SimpleUploadedFile("s.pdf", sample), "spec": json.dumps(template.spec)},
    )
    page = response.content.decode()
    assert f"The sample is {len(sample)} bytes; the limit is {len(sample) - 1}." in page
    assert "Result:" not in page


def test_preview_stops_a_slow_pattern_and_says_so(admin_client, settings):
    template = _maybank()
    spec = copy.deepcopy(template.spec)
    spec["detect"]["patterns"].append("(a|a)+$")
    statement = fake_statement()
    statement.cards[0].transactions[0].wrapped.append("a" * 60 + "!")
    settings.TEMPLATE_REGEX_TIMEOUT_S = 0.05
    response = admin_client.post(
        f"{BASE}{template.pk}/preview/",
        {"sample": SimpleUploadedFile("s.pdf", maybank_pdf(statement)), "spec": json.dumps(spec)},
    )
    page = response.content.decode()
    assert "<strong>pattern_timeout</strong>" in page and "was stopped" in page
