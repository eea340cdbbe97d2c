"""The operator console for the analysis API: template edit/publish/export/import, machine
client secrets shown once (in the response, never stored in messages or the session) and
rotated, scopes, evaluation of an uploaded labelled set."""

import io
import json
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from reportlab.pdfgen import canvas

from ocrengine.models import ApiClient, PromptTemplate, TemplateEvaluation
from ocrengine.services.hmac_auth import api_client_create
from tests.ocrengine.analysis_support import fresh_analysis_state, invoice_text

pytestmark = pytest.mark.django_db
TEMPLATES = "/admin/ocrengine/prompttemplate/"


@pytest.fixture
def console(staff_user):
    fresh_analysis_state()
    client = Client()
    client.force_login(staff_user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _receipt(version=1) -> PromptTemplate:
    return PromptTemplate.objects.get(document_type__code="receipt", version=version)


def test_add_and_edit_follow_the_immutability_rule(console):
    receipt = _receipt()
    form = {
        "document_type": receipt.document_type_id,
        "spec": json.dumps(receipt.spec),
        "prompt": "p {text}",
        "notes": "new",
    }
    assert console.post(f"{TEMPLATES}add/", form).status_code == 302
    draft = _receipt(2)
    assert (draft.status, draft.prompt) == ("draft", "p {text}")
    edited = console.post(
        f"{TEMPLATES}{receipt.pk}/change/", {**form, "prompt": "changed {text}"}, follow=True
    )
    assert any("saved as draft v3" in m for m in _messages(edited))
    assert _receipt(1).prompt == receipt.prompt and _receipt(3).prompt == "changed {text}"
    bad = console.post(f"{TEMPLATES}add/", {**form, "spec": json.dumps({"fields": []})})
    assert bad.status_code == 200 and b"required non-empty list" in bad.content


def test_publish_and_export_actions(console):
    draft = PromptTemplate.objects.create(
        document_type=_receipt().document_type, version=2, spec=_receipt().spec
    )
    console.post(TEMPLATES, {"action": "publish_selected", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.is_default and _receipt(1).status == "archived"
    exported = console.post(
        TEMPLATES, {"action": "export_selected", "_selected_action": [draft.pk]}
    )
    bundle = json.loads(exported.content)
    assert [(t["document_type"], t["version"]) for t in bundle["templates"]] == [("receipt", 2)]


def test_import_view_reports_created_and_conflicts(console):
    bundle = console.get("/api/v1/ocr/templates/export/", {"document_type": "receipt"})
    data = json.loads(bundle.content)
    data["templates"][0]["version"] = 7
    upload = SimpleUploadedFile("b.json", json.dumps(data).encode(), "application/json")
    response = console.post(f"{TEMPLATES}import/", {"file": upload})
    assert response.status_code == 200 and b"receipt v7" in response.content
    assert _receipt(7).status == "draft"  # the type already has a default: not activated
    data["templates"][0]["prompt"] = "different"
    upload = SimpleUploadedFile("b.json", json.dumps(data).encode(), "application/json")
    response = console.post(f"{TEMPLATES}import/", {"file": upload})
    assert b"a different template already has this version" in response.content
    junk = console.post(f"{TEMPLATES}import/", {"file": SimpleUploadedFile("x.json", b"{")})
    assert b"Not a JSON file" in junk.content


CLIENTS = "/admin/ocrengine/apiclient/"


def _session_and_messages_hold(console, response, secret: str) -> bool:
    """Whether the secret went anywhere that outlives the response: the messages framework
    (its cookie or the session, read back on the next page) or the session itself."""
    stored = _messages(response) + _messages(console.get(CLIENTS))
    session = dict(console.session.items())
    return any(secret in m for m in stored) or secret in json.dumps(session, default=str)


def test_a_new_clients_secret_is_shown_in_the_response_and_kept_nowhere(console):
    response = console.post(
        f"{CLIENTS}add/", {"name": "Partner", "scopes": ["analyze"], "is_active": "on"}
    )
    client = ApiClient.objects.get(name="Partner")
    assert response.status_code == 200, response.content
    page = response.content.decode()
    assert client.secret in page and client.key_id in page
    assert "no-store" in response["Cache-Control"]
    assert not _session_and_messages_hold(console, response, client.secret)
    assert client.secret not in console.get(f"{CLIENTS}{client.pk}/change/").content.decode()
    assert client.scopes == ["analyze"]


def test_rotation_shows_the_new_secrets_once_and_keeps_the_old_ones(console):
    first, _ = api_client_create(name="First")
    second, _ = api_client_create(name="Second")
    old = {first.pk: first.secret, second.pk: second.secret}
    response = console.post(
        CLIENTS, {"action": "rotate_secret", "_selected_action": [first.pk, second.pk]}
    )
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    for client in ApiClient.objects.filter(pk__in=old):
        assert client.previous_secret == old[client.pk] and client.secret != old[client.pk]
        assert client.secret in page
        assert not _session_and_messages_hold(console, response, client.secret)


def test_scopes_are_chosen_from_the_known_ones(console):
    page = console.get(f"{CLIENTS}add/").content.decode()
    assert 'value="analyze"' in page and 'value="batch-analyze"' in page
    bad = console.post(f"{CLIENTS}add/", {"name": "Greedy", "scopes": ["everything"]})
    assert bad.status_code == 200 and b"not one of the available choices" in bad.content
    assert not ApiClient.objects.filter(name="Greedy").exists()
    client, _ = api_client_create(name="Partner")
    console.post(
        f"{CLIENTS}{client.pk}/change/",
        {"name": "Partner", "scopes": ["batch-analyze"], "is_active": "on"},
    )
    client.refresh_from_db()
    assert client.scopes == ["batch-analyze"]


def _labelled_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        pdf = io.BytesIO()
        page = canvas.Canvas(pdf)
        for index, line in enumerate(invoice_text("INV-Z-1").splitlines()):
            page.drawString(72, 760 - 16 * index, line)
        page.save()
        bundle.writestr("set/docs/a.pdf", pdf.getvalue())
        bundle.writestr(
            "set/gt/a.json", json.dumps({"invoice_number": "INV-Z-1", "total_amount": "1190.00"})
        )
        bundle.writestr("set/MANIFEST.tsv", "doc\tgt\ndocs/a.pdf\tgt/a.json\n")
    return buffer.getvalue()


def test_evaluation_of_an_uploaded_set_runs_as_a_job(console, django_capture_on_commit_callbacks):
    receipt_type = _receipt().document_type
    invoice_type = type(receipt_type).objects.get(code="invoice")
    upload = SimpleUploadedFile("set.zip", _labelled_zip(), "application/zip")
    with django_capture_on_commit_callbacks(execute=True):
        response = console.post(
            "/admin/ocrengine/templateevaluation/add/",
            {"document_type": invoice_type.pk, "versions_text": "1", "archive": upload},
        )
    assert response.status_code == 302, response.content
    evaluation = TemplateEvaluation.objects.get()
    assert evaluation.job.status == "succeeded", evaluation.job.error
    assert evaluation.report["versions"][0]["per_field"]["invoice_number"] == {
        "accuracy": 1.0,
        "n": 1,
    }
    page = console.get(f"/admin/ocrengine/templateevaluation/{evaluation.pk}/change/")
    assert b"invoice_number" in page.content


def test_evaluation_refuses_bad_uploads(console):
    invoice_type = _receipt().document_type
    not_zip = SimpleUploadedFile("set.zip", b"plain text", "application/zip")
    response = console.post(
        "/admin/ocrengine/templateevaluation/add/",
        {"document_type": invoice_type.pk, "versions_text": "", "archive": not_zip},
        follow=True,
    )
    assert any("Upload a .zip" in m for m in _messages(response))
    upload = SimpleUploadedFile("set.zip", _labelled_zip(), "application/zip")
    response = console.post(
        "/admin/ocrengine/templateevaluation/add/",
        {"document_type": invoice_type.pk, "versions_text": "9", "archive": upload},
        follow=True,
    )
    assert any("no version" in m for m in _messages(response))
    assert not TemplateEvaluation.objects.exists()
