"""POST/GET /api/v1/statements/: the upload contract, its errors, and who sees what."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import StatementImport
from tests.billing.conftest import fake_statement
from tests.billing.statement_factory import flagged_csv, maybank_pdf
from tests.conftest import assert_error_shape

pytestmark = pytest.mark.usefixtures("seeded")
URL = "/api/v1/statements/"


def _post(client, data: bytes, name: str = "statement.pdf", **fields):
    return client.post(URL, {"file": SimpleUploadedFile(name, data), **fields}, format="multipart")


def test_upload_answers_202_with_the_job_and_imports(
    agent_client, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(agent_client, maybank_pdf(fake_statement()), customer=customer.pk)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["job_url"] == f"/api/v1/jobs/{body['job']}/"
    job = agent_client.get(body["job_url"]).json()
    assert job["status"] == "succeeded"
    detail = agent_client.get(f"{URL}{body['id']}/").json()
    assert detail["status"] == "verified" and detail["bank"] == "maybank"
    assert len(detail["bills"]) == 1


def test_duplicate_upload_answers_200_naming_the_original(
    agent_client, customer, django_capture_on_commit_callbacks
):
    data = maybank_pdf(fake_statement())
    with django_capture_on_commit_callbacks(execute=True):
        first = _post(agent_client, data, customer=customer.pk).json()
    response = _post(agent_client, data, "maybank_copy.pdf", customer=customer.pk)
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["duplicate_of"], body["job"]) == ("duplicate", first["id"], None)
    assert body["problems"][0]["code"] == "duplicate_file"


def test_protected_pdf_errors_are_distinct_and_never_echo_the_password(
    agent_client, customer, django_capture_on_commit_callbacks
):
    data = maybank_pdf(fake_statement(), password="foobar123")
    mine = {"customer": customer.pk}
    assert_error_shape(_post(agent_client, data, **mine), 400, "password_required")
    wrong = _post(agent_client, data, password="wrong-one", **mine)
    assert_error_shape(wrong, 400, "password_incorrect")
    assert b"wrong-one" not in wrong.content
    with django_capture_on_commit_callbacks(execute=True):
        ok = _post(agent_client, data, password="foobar123", **mine)
    assert ok.status_code == 202 and b"foobar123" not in ok.content
    assert StatementImport.objects.get().status == "verified"


def test_bad_input_gets_clear_4xx(agent_client, customer, other_customer, settings):
    assert_error_shape(agent_client.post(URL, {}, format="multipart"), 400, "validation_error")
    no_customer = assert_error_shape(
        _post(agent_client, b"a,b\n1,2\n", "x.csv"), 400, "validation_error"
    )
    assert no_customer["details"]["fields"] == {
        "customer": ["Agents must say whose statement this is."]
    }
    settings.UPLOAD_MAX_BYTES = 1000
    mine = {"customer": customer.pk}
    big = _post(agent_client, b"a,b\n" * 400, "big.csv", **mine)
    assert_error_shape(big, 413, "file_too_large")
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    assert_error_shape(_post(agent_client, png, "photo.png", **mine), 415, "unsupported_media_type")
    assert_error_shape(_post(agent_client, b"", "empty.csv", **mine), 400)
    # An agent cannot file a statement under another agent's customer.
    error = assert_error_shape(
        _post(agent_client, b"a,b\n1,2\n", "x.csv", customer=other_customer.pk),
        400,
        "validation_error",
    )
    assert "customer" in error["details"]["fields"]
    assert_error_shape(_post(agent_client, b"a,b\n1,2\n", "x.csv", bank="nope", **mine), 400)
    short = _post(agent_client, b"a,b\n1,2\n", "x.csv", card_last4="12", **mine)
    assert_error_shape(short, 400)
    assert not StatementImport.objects.exists()


def test_bad_flag_rows_are_reported_not_guessed(staff_client, django_capture_on_commit_callbacks):
    rows = [
        ("02.11.2026", "GROCERIES", "12,50", "O"),
        ("02.11.2026", "BAKERY", "3,20", "O"),
        ("02.11.2026", "BAKERY", "3,20", "O"),
        ("03.11.2026", "SALARY REFUND", "100,00", "I"),
        ("04.11.2026", "MYSTERY ONE", "7,00", "EUR"),
        ("05.11.2026", "MYSTERY TWO", "8,00", ""),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            staff_client, flagged_csv(rows), "flags.csv", bank="public_bank", card_last4="9876"
        )
    assert response.status_code == 202, response.content
    statement = staff_client.get(f"{URL}{response.json()['id']}/").json()
    assert statement["status"] == "review", statement
    unreadable = [p for p in statement["problems"] if p["code"] == "row_unreadable"]
    assert len(unreadable) == 2, statement["problems"]
    bill = staff_client.get(f"/api/v1/bills/{statement['bills'][0]}/").json()
    descriptions = {t["description"] for t in bill["transactions"]}
    assert not descriptions & {"MYSTERY ONE", "MYSTERY TWO"}  # not guessed into the data
    directions = sorted((t["description"], t["direction"]) for t in bill["transactions"])
    assert directions == [
        ("BAKERY", "debit"),
        ("BAKERY", "debit"),
        ("GROCERIES", "debit"),
        ("SALARY REFUND", "credit"),
    ]


def test_agents_see_only_their_imports(
    agent_client, other_agent, customer, django_capture_on_commit_callbacks
):
    from tests.conftest import jwt_client

    with django_capture_on_commit_callbacks(execute=True):
        mine = _post(agent_client, maybank_pdf(fake_statement()), customer=customer.pk).json()
    other = jwt_client(other_agent)
    assert other.get(URL).json()["count"] == 0
    assert_error_shape(other.get(f"{URL}{mine['id']}/"), 404, "not_found")
    assert agent_client.get(URL).json()["count"] == 1


def test_anonymous_is_refused(anon_client):
    assert_error_shape(anon_client.get(URL), 401)
