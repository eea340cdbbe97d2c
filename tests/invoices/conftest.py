"""Invoice test fixtures: a private media root per test and upload helpers."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from invoices.models import Invoice
from tests.factories import CustomerFactory
from tests.invoices import documents

INVOICES_URL = "/api/v1/invoices/"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Each test stores into its own folder, so "nothing else touched" can be checked."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def upload_file(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def post_upload(client, *files, **fields):
    """POST files (name, bytes) as repeated `files` parts."""
    payload = {"files": [upload_file(name, data) for name, data in files], **fields}
    return client.post(INVOICES_URL, payload, format="multipart")


def upload_processed(client, name: str, data: bytes, capture) -> Invoice:
    """Upload one file through the API and run its processing job (on commit); the invoice."""
    with capture(execute=True):
        response = post_upload(client, (name, data))
    assert response.status_code == 202, response.content
    return Invoice.objects.get(pk=response.json()["results"][0]["invoice_id"])


@pytest.fixture
def text_pdf() -> bytes:
    return documents.invoice_pdf()


@pytest.fixture
def agent_customer(agent):
    return CustomerFactory(assigned_agent=agent)


@pytest.fixture
def other_customer(other_agent):
    return CustomerFactory(assigned_agent=other_agent)
