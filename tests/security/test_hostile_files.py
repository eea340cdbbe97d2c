"""Hostile files (issue #13) through the real endpoints: bombs, truncations and encryptions of
every accepted format, uploaded as invoices (then the job runs), as statements (then the job
runs) and to the analyse API. Each gets a clear 4xx or a `failed` job with the reader's
reason; an accepted original is kept byte for byte; nothing stored before changes.

Bounds are proven by size, never by a clock: the bombs inflate to several times the limit
set here, and the peak of Python allocations while the request and its job run (tracemalloc)
stays far below what inflating them would take.
"""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import Bill, CreditCard, StatementImport, Transaction
from billing.services import reference_data_seed
from customers.models import Customer
from invoices.models import Invoice, InvoiceLine
from jobs.models import ProcessingJob
from tests.billing.conftest import fake_statement
from tests.billing.statement_factory import maybank_pdf
from tests.conftest import assert_error_shape
from tests.factories import CustomerFactory
from tests.ocrengine.analysis_support import fresh_analysis_state
from tests.security import hostile_files as hostile

pytestmark = pytest.mark.django_db
MIB = hostile.MIB
BOMB = 64 * MIB  # what each bomb inflates to: eight times the PDF limit set below
PEAK_BOUND = 24 * MIB  # far below one inflated bomb
TRACKED = (Customer, Invoice, InvoiceLine, StatementImport, Bill, Transaction, CreditCard,
           ProcessingJob)  # fmt: skip


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def limits(settings, db):
    fresh_analysis_state()
    reference_data_seed()
    settings.PDF_MAX_DECODED_BYTES = 8 * MIB
    settings.OCR_MAX_PAGES = 5
    settings.STATEMENT_MAX_ROWS = 500
    settings.XLSX_MAX_MEMBERS = 50
    settings.XLSX_MAX_UNCOMPRESSED_BYTES = 4 * MIB


@pytest.fixture
def customer(agent):
    return CustomerFactory(name="Ahmad Demo", assigned_agent=agent)


@pytest.fixture
def stored_world(agent_client, customer, media_root, django_capture_on_commit_callbacks):
    """An invoice and a statement imported before the hostile upload, and the snapshot of
    every row and stored file at that point."""
    with django_capture_on_commit_callbacks(execute=True):
        invoice = agent_client.post(
            "/api/v1/invoices/",
            {"files": [SimpleUploadedFile("good.pdf", hostile.pdf_with_text())]},
            format="multipart",
        )
        statement = agent_client.post(
            "/api/v1/statements/",
            {"file": SimpleUploadedFile("good.pdf", maybank_pdf(fake_statement())),
             "customer": customer.pk},
            format="multipart",
        )  # fmt: skip
    assert (invoice.status_code, statement.status_code) == (202, 202)
    assert StatementImport.objects.get().status == "verified"
    return snapshot(media_root)


def snapshot(root: Path) -> tuple[dict, dict]:
    rows = {model.__name__: {row["id"]: row for row in model.objects.values()} for model in TRACKED}
    files = {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }
    return rows, files


def assert_only_added(before, root: Path, *, rows: dict[str, set] | None = None, files=()):
    """Every row and file of `before` is unchanged; the only new ones are those named."""
    after_rows, after_files = snapshot(root)
    before_rows, before_files = before
    for model, table in before_rows.items():
        for pk, row in table.items():
            assert after_rows[model].get(pk) == row, f"{model} {pk} changed"
        added = set(after_rows[model]) - set(table)
        assert added == (rows or {}).get(model, set()), f"unexpected new {model} rows {added}"
    assert {name: after_files[name] for name in before_files} == before_files
    assert set(after_files) - set(before_files) == set(files)


@contextmanager
def allocation_peak() -> Iterator[dict]:
    tracemalloc.start()
    tracemalloc.reset_peak()
    measured: dict = {}
    try:
        yield measured
    finally:
        measured["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- invoices: POST /api/v1/invoices/, then the job ------------------------------------------

INVOICE_CASES = [
    ("stream-bomb.pdf", lambda: hostile.pdf_stream_bomb(BOMB), "content_too_large"),
    ("attachment-bomb.pdf", lambda: hostile.pdf_attachment_bomb(BOMB, decoys=2),
     "content_too_large"),
    ("huge-image.pdf", hostile.pdf_huge_image, "image_too_large"),
    ("path-bomb.pdf", lambda: hostile.pdf_path_bomb(300_000), "too_many_objects"),
    ("many-pages.pdf", lambda: hostile.many_page_pdf(8), "too_many_pages"),
    ("truncated.pdf", lambda: hostile.truncated(hostile.pdf_with_text()), "corrupt_file"),
    ("encrypted.pdf", hostile.encrypted_pdf, "encrypted"),
    ("pixel-bomb.png", hostile.huge_png_header, "image_too_large"),
    ("truncated.png", lambda: hostile.truncated(hostile.huge_png_header(2000, 2000), 0.7),
     "corrupt_file"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "build", "code"), INVOICE_CASES, ids=[c[0] for c in INVOICE_CASES]
)
def test_hostile_invoice_fails_its_job_keeps_the_original_and_changes_nothing_else(
    name, build, code, agent_client, stored_world, media_root, django_capture_on_commit_callbacks
):
    data = build()
    with allocation_peak() as measured, django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            "/api/v1/invoices/", {"files": [SimpleUploadedFile(name, data)]}, format="multipart"
        )
    assert response.status_code == 202, response.content
    entry = response.json()["results"][0]
    invoice = Invoice.objects.get(pk=entry["invoice_id"])
    assert (invoice.status, invoice.error_code) == ("failed", code), invoice.error
    job = agent_client.get(entry["status_url"]).json()
    assert (job["status"], job["error_code"]) == ("failed", code)
    assert invoice.error and job["error"]  # a reason a person can read
    assert measured["peak"] < PEAK_BOUND
    assert_only_added(
        stored_world,
        media_root,
        rows={"Invoice": {invoice.pk}, "ProcessingJob": {invoice.job_id}},
        files={invoice.file.name},
    )
    assert (media_root / invoice.file.name).read_bytes() == data


def test_page_viewer_of_a_failed_bomb_is_a_clear_422(
    agent_client, django_capture_on_commit_callbacks
):
    """The viewer renders in a web thread: the bomb is measured there too, never inflated."""
    data = hostile.pdf_stream_bomb(BOMB)
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            "/api/v1/invoices/", {"files": [SimpleUploadedFile("b.pdf", data)]}, format="multipart"
        )
    invoice_id = response.json()["results"][0]["invoice_id"]
    with allocation_peak() as measured:
        page = agent_client.get(f"/api/v1/invoices/{invoice_id}/pages/1.png")
    error = assert_error_shape(page, 422, "document_unreadable")
    assert error["details"] == {"reason": "content_too_large"}
    assert measured["peak"] < PEAK_BOUND


def test_oversized_einvoice_attachment_is_ignored_without_being_inflated(
    agent_client, settings, media_root, django_capture_on_commit_callbacks
):
    """Within the PDF limit but past the XML one: the invoice is read from its text layer,
    and the attachment (and its two decoys) never expand in memory."""
    settings.PDF_MAX_DECODED_BYTES = 4 * BOMB
    settings.EINVOICE_MAX_XML_BYTES = 1 * MIB
    data = hostile.pdf_attachment_bomb(BOMB, decoys=2)
    with allocation_peak() as measured, django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            "/api/v1/invoices/", {"files": [SimpleUploadedFile("a.pdf", data)]}, format="multipart"
        )
    invoice = Invoice.objects.get(pk=response.json()["results"][0]["invoice_id"])
    assert invoice.status in ("recognized", "needs_review")
    assert invoice.invoice_number == "INV-2024-0042"
    assert measured["peak"] < PEAK_BOUND


def test_lying_declared_size_is_checked_against_the_decoded_bytes(settings):
    """An attachment that declares 100 bytes but inflates to 64 MiB is read no further than
    the limit."""
    from ocrengine.extraction.xml_einvoice import embedded_invoice_xml

    data = hostile.pdf_attachment_bomb(BOMB, declared=100)
    with allocation_peak() as measured:
        assert embedded_invoice_xml(data, max_bytes=MIB) is None
    assert measured["peak"] < 4 * MIB


# --- analyse: POST /api/v1/ocr/analyze/ with a file -----------------------------------------

ANALYSE_CASES = [
    ("stream-bomb.pdf", lambda: hostile.pdf_stream_bomb(BOMB), 413, "content_too_large"),
    ("attachment-bomb.pdf", lambda: hostile.pdf_attachment_bomb(BOMB, decoys=2), 413,
     "content_too_large"),
    ("huge-image.pdf", hostile.pdf_huge_image, 413, "image_too_large"),
    ("path-bomb.pdf", lambda: hostile.pdf_path_bomb(300_000, in_form=True), 413,
     "too_many_objects"),
    ("many-pages.pdf", lambda: hostile.many_page_pdf(8), 413, "too_many_pages"),
    ("truncated.pdf", lambda: hostile.truncated(hostile.pdf_with_text()), 400, "corrupt_file"),
    ("encrypted.pdf", hostile.encrypted_pdf, 400, "encrypted"),
    ("pixel-bomb.png", hostile.huge_png_header, 413, "image_too_large"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "build", "status", "code"), ANALYSE_CASES, ids=[c[0] for c in ANALYSE_CASES]
)
def test_hostile_file_to_analyze_is_a_clear_4xx(
    name, build, status, code, agent_client, stored_world, media_root
):
    data = build()
    with allocation_peak() as measured:
        response = agent_client.post(
            "/api/v1/ocr/analyze/",
            {"document_type": "invoice", "file": SimpleUploadedFile(name, data)},
            format="multipart",
        )
    assert_error_shape(response, status, code)
    assert measured["peak"] < PEAK_BOUND
    assert_only_added(stored_world, media_root)


def test_analyze_counts_characters_per_page(agent_client, settings):
    settings.PDF_MAX_CHARS_PER_PAGE = 40
    response = agent_client.post(
        "/api/v1/ocr/analyze/",
        {"document_type": "invoice", "file": SimpleUploadedFile("a.pdf", hostile.pdf_with_text())},
        format="multipart",
    )
    error = assert_error_shape(response, 413, "too_many_characters")
    assert error["details"]["page"] == 1


# --- statements: POST /api/v1/statements/, then the job -------------------------------------

REFUSED_AT_UPLOAD = [
    ("stream-bomb.pdf", lambda: hostile.pdf_stream_bomb(BOMB), {}, 413, "content_too_large"),
    ("encrypted-bomb.pdf", lambda: hostile.encrypted_pdf_bomb(16 * MIB),
     {"password": "s3cret-pw"}, 413, "content_too_large"),
    ("huge-image.pdf", hostile.pdf_huge_image, {}, 413, "image_too_large"),
    ("many-pages.pdf", lambda: hostile.many_page_pdf(8), {}, 413, "too_many_pages"),
    ("truncated.pdf", lambda: hostile.truncated(hostile.pdf_with_text()), {}, 400,
     "unreadable_pdf"),
    ("encrypted.pdf", hostile.encrypted_pdf, {}, 400, "password_required"),
    ("encrypted-wrong.pdf", hostile.encrypted_pdf, {"password": "nope"}, 400,
     "password_incorrect"),
    ("sheet-bomb.xlsx", lambda: hostile.xlsx_sheet_bomb(16 * MIB), {}, 413,
     "workbook_too_large"),
    ("many-parts.xlsx", lambda: hostile.xlsx_many_members(60), {}, 413, "workbook_too_large"),
    ("truncated.xlsx", lambda: hostile.truncated(hostile.xlsx_huge_dimension(), 0.6), {}, 415,
     "unsupported_media_type"),
    ("pixel-bomb.png", hostile.huge_png_header, {}, 415, "unsupported_media_type"),
    # Bank exports are read at upload: CAMT with DTDs forbidden (nothing expanded or fetched),
    # OFX by a tokenizer that refuses aggregates left open.
    ("billion-laughs.camt.xml", hostile.camt_billion_laughs, {}, 400, "xml_forbidden"),
    ("unclosed-tags.ofx", lambda: hostile.ofx_unclosed(100_000), {}, 400, "malformed_ofx"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "build", "fields", "status", "code"),
    REFUSED_AT_UPLOAD,
    ids=[c[0] for c in REFUSED_AT_UPLOAD],
)
def test_hostile_statement_is_refused_at_upload_storing_nothing(
    name, build, fields, status, code, agent_client, customer, stored_world, media_root
):
    data = build()
    with allocation_peak() as measured:
        response = agent_client.post(
            "/api/v1/statements/",
            {"file": SimpleUploadedFile(name, data), "customer": customer.pk, **fields},
            format="multipart",
        )
    error = assert_error_shape(response, status, code)
    assert "s3cret-pw" not in str(error)
    assert measured["peak"] < PEAK_BOUND
    assert_only_added(stored_world, media_root)


def _chars_page_limit(settings):
    settings.PDF_MAX_CHARS_PER_PAGE = 40


FAILED_JOB = [
    ("dense-page.pdf", hostile.pdf_with_text, _chars_page_limit, "too_many_characters"),
    ("path-bomb.pdf", lambda: hostile.pdf_path_bomb(300_000), None, "too_many_objects"),
    ("huge-dimension.xlsx", lambda: hostile.xlsx_huge_dimension_rows(600), None, "too_many_rows"),
    ("many-rows.csv", lambda: hostile.csv_many_rows(600), None, "too_many_rows"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "build", "tighten", "code"), FAILED_JOB, ids=[c[0] for c in FAILED_JOB]
)
def test_hostile_statement_fails_its_job_keeps_the_original_and_changes_nothing_else(
    name,
    build,
    tighten,
    code,
    agent_client,
    customer,
    settings,
    stored_world,
    media_root,
    django_capture_on_commit_callbacks,
):
    if tighten is not None:
        tighten(settings)
    data = build()
    with allocation_peak() as measured, django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            "/api/v1/statements/",
            {"file": SimpleUploadedFile(name, data), "customer": customer.pk},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    body = agent_client.get(f"/api/v1/statements/{response.json()['id']}/").json()
    job = agent_client.get(response.json()["job_url"]).json()
    assert body["status"] == job["status"] == "failed", body
    assert job["error_code"] == code
    assert job["error"]
    assert measured["peak"] < PEAK_BOUND
    statement = StatementImport.objects.get(pk=body["id"])
    assert_only_added(
        stored_world,
        media_root,
        rows={"StatementImport": {statement.pk}, "ProcessingJob": {statement.job_id}},
        files={statement.file.name},
    )
    assert (media_root / statement.file.name).read_bytes() == data
