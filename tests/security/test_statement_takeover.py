"""Re-uploading the bytes of a failed statement import re-runs it (issue #13): only for someone
who may see that import. Anyone else is refused with nothing of the other import revealed,
and the import stays exactly as it was."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import StatementImport
from billing.services import reference_data_seed
from tests.conftest import assert_error_shape, jwt_client
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/statements/"
EXPORT = b"Date,Description,Amount\n2026-11-05,DEMO MART,144.61\n2026-11-07,CAFE,9.50\n"


@pytest.fixture(autouse=True)
def _banks(db):
    reference_data_seed()


def _upload(client, customer, capture, name="export.csv"):
    with capture(execute=True):
        return client.post(
            URL,
            {"file": SimpleUploadedFile(name, EXPORT), "customer": customer.pk},
            format="multipart",
        )


@pytest.fixture
def failed_import(agent_client, agent, django_capture_on_commit_callbacks):
    customer = CustomerFactory(name="Ahmad Private", assigned_agent=agent)
    response = _upload(agent_client, customer, django_capture_on_commit_callbacks, "ahmad.csv")
    assert response.status_code == 202
    statement = StatementImport.objects.get(pk=response.json()["id"])
    # Read without a template, filed under "other bank": it prints no card number.
    assert (statement.status, statement.error_code) == ("failed", "card_number_missing")
    return statement


def test_another_agent_cannot_take_over_a_failed_import(
    failed_import, other_agent, django_capture_on_commit_callbacks
):
    before = StatementImport.objects.filter(pk=failed_import.pk).values().get()
    theirs = CustomerFactory(name="Bea Other", assigned_agent=other_agent)
    response = _upload(jwt_client(other_agent), theirs, django_capture_on_commit_callbacks)
    error = assert_error_shape(response, 409, "duplicate_file")
    text = response.content.decode()
    for secret in ("Ahmad", "ahmad.csv", "card_number_missing", "failed"):
        assert secret not in text
    assert not any(char.isdigit() for char in error["message"])  # no import number
    assert error["details"] == {}
    assert StatementImport.objects.count() == 1
    assert StatementImport.objects.filter(pk=failed_import.pk).values().get() == before


def test_the_uploader_and_a_supervisor_may_rerun_it(
    failed_import, agent_client, supervisor_client, django_capture_on_commit_callbacks
):
    customer = failed_import.customer
    for client in (agent_client, supervisor_client):
        response = _upload(client, customer, django_capture_on_commit_callbacks)
        assert response.status_code == 202, response.content
        assert response.json()["id"] == failed_import.pk
    assert StatementImport.objects.count() == 1
