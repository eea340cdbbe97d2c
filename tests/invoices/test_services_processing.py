"""The invoice.process job: outcomes, hostile files, idempotence, templates, column fit."""

from decimal import Decimal

import pytest
from django.core.files.storage import default_storage

from invoices.models import Invoice, InvoiceLine
from invoices.services import invoice_process, invoice_reprocess, invoice_update
from invoices.services.processing import _apply_outcome
from jobs.models import ProcessingJob
from jobs.services import job_run
from ocrengine.models import DocumentType, PromptTemplate
from tests.invoices import documents
from tests.invoices.conftest import post_upload, stored_files, upload_processed

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("truncated.pdf", documents.invoice_pdf()[:400], "corrupt_file"),
        ("locked.pdf", documents.invoice_pdf(password="s3cret"), "encrypted"),
        ("bomb.png", documents.huge_png_header(), "image_too_large"),
    ],
)
def test_hostile_file_fails_the_job_with_a_reason_and_keeps_the_original(
    agent_client, media_root, django_capture_on_commit_callbacks, name, data, code
):
    invoice = upload_processed(agent_client, name, data, django_capture_on_commit_callbacks)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.FAILED
    assert invoice.error_code == code
    assert invoice.error
    assert invoice.job.status == ProcessingJob.Status.FAILED
    assert invoice.job.attempts == 1  # permanent: no pointless retries
    assert stored_files(media_root) == [invoice.file.name]
    assert default_storage.open(invoice.file.name).read() == data
    assert not invoice.lines.exists()


def test_blank_image_is_unrecognized_and_moved(
    agent_client, media_root, django_capture_on_commit_callbacks
):
    invoice = upload_processed(
        agent_client, "blank.png", documents.blank_png(), django_capture_on_commit_callbacks
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.UNRECOGNIZED
    assert invoice.file.name == f"invoices/unrecognized/{invoice.sha256}.png"
    assert stored_files(media_root) == [invoice.file.name]
    assert invoice.job.status == ProcessingJob.Status.SUCCEEDED


def test_rendered_image_is_read_by_rapidocr_end_to_end(
    agent_client, django_capture_on_commit_callbacks
):
    invoice = upload_processed(
        agent_client, "scan.png", documents.invoice_png(), django_capture_on_commit_callbacks
    )
    invoice.refresh_from_db()
    assert invoice.status in (Invoice.Status.RECOGNIZED, Invoice.Status.NEEDS_REVIEW)
    assert invoice.engine == "rapidocr"
    assert "rapidocr" in invoice.engine_version
    assert invoice.invoice_number == "INV-2024-0042"
    assert invoice.total_amount == Decimal("238.00")
    assert invoice.field_sources["invoice_number"]["source"] == "ocr"
    assert invoice.boxes[0]["source"] == "ocr" and invoice.boxes[0]["lines"]


def test_scanned_pdf_takes_the_ocr_path(agent_client, django_capture_on_commit_callbacks):
    invoice = upload_processed(
        agent_client, "scan.pdf", documents.scanned_pdf(), django_capture_on_commit_callbacks
    )
    invoice.refresh_from_db()
    assert invoice.status in (Invoice.Status.RECOGNIZED, Invoice.Status.NEEDS_REVIEW)
    assert (invoice.engine, invoice.boxes[0]["source"]) == ("rapidocr", "ocr")
    assert invoice.invoice_number == "INV-2024-0042"
    assert invoice.file.name.startswith("invoices/pdf/")


def test_text_pdf_stores_fields_confidence_sources_and_lines(
    agent_client, django_capture_on_commit_callbacks
):
    invoice = upload_processed(
        agent_client, "a.pdf", documents.invoice_pdf(), django_capture_on_commit_callbacks
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.RECOGNIZED
    assert invoice.confidence >= 0.7
    assert invoice.date.isoformat() == "2024-03-15"
    assert invoice.due_date.isoformat() == "2024-04-14"
    assert (invoice.net_amount, invoice.tax_amount) == (Decimal("200.00"), Decimal("38.00"))
    assert invoice.currency == "EUR"
    assert invoice.field_confidence["invoice_number"] > 0.7
    assert invoice.field_sources["invoice_number"]["page"] == 1
    assert invoice.field_sources["invoice_number"]["source"] == "text_layer"
    assert "Invoice Number: INV-2024-0042" in invoice.raw_text
    assert invoice.pages == 1
    assert invoice.engine_version.startswith("pdfplumber")
    assert list(invoice.lines.values_list("amount", flat=True)) == [Decimal("100.00")] * 2


def test_running_the_job_again_keeps_one_set_of_lines(
    agent_client, django_capture_on_commit_callbacks
):
    invoice = upload_processed(
        agent_client, "a.pdf", documents.invoice_pdf(), django_capture_on_commit_callbacks
    )
    job = invoice.job
    # A worker died after storing: the broker redelivers the same job, which runs again.
    ProcessingJob.objects.filter(pk=job.pk).update(status=ProcessingJob.Status.RUNNING)
    job_run(job_id=job.pk)
    invoice_process(ProcessingJob.objects.get(pk=job.pk))
    assert Invoice.objects.count() == 1
    assert InvoiceLine.objects.filter(invoice=invoice).count() == 2
    assert list(invoice.lines.values_list("position", flat=True)) == [1, 2]


def test_reprocess_runs_a_new_job_and_replaces_lines(
    agent_client, agent, django_capture_on_commit_callbacks
):
    invoice = upload_processed(
        agent_client, "a.pdf", documents.invoice_pdf(), django_capture_on_commit_callbacks
    )
    first_job = invoice.job_id
    with django_capture_on_commit_callbacks(execute=True):
        job = invoice_reprocess(invoice=invoice, requested_by=agent)
    invoice.refresh_from_db()
    assert job.pk != first_job and invoice.job_id == job.pk
    assert invoice.status == Invoice.Status.RECOGNIZED
    assert invoice.lines.count() == 2
    # The superseded job, redelivered late, changes nothing.
    old = ProcessingJob.objects.get(pk=first_job)
    assert invoice_process(old) == {"skipped": "superseded"}


def test_reprocess_keeps_the_corrections_people_made(
    agent_client, agent, django_capture_on_commit_callbacks
):
    invoice = upload_processed(
        agent_client, "a.pdf", documents.invoice_pdf(), django_capture_on_commit_callbacks
    )
    invoice_update(invoice=invoice, changes={"seller": "Nordwind (corrected)"}, changed_by=agent)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_reprocess(invoice=invoice, requested_by=agent)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.RECOGNIZED
    assert invoice.seller == "Nordwind (corrected)"
    assert invoice.field_sources["seller"]["source"] == "manual"
    assert invoice.field_confidence["seller"] == 1.0
    assert invoice.invoice_number == "INV-2024-0042"


def test_active_default_template_is_used_and_marked(
    agent_client, django_capture_on_commit_callbacks
):
    from ocrengine.extraction import load_default_spec

    template = PromptTemplate.objects.create(
        document_type=DocumentType.objects.get(code="invoice"),
        version=3,
        status=PromptTemplate.Status.ACTIVE,
        is_default=True,
        spec=load_default_spec("invoice"),
    )
    invoice = upload_processed(
        agent_client, "a.pdf", documents.invoice_pdf(), django_capture_on_commit_callbacks
    )
    invoice.refresh_from_db()
    template.refresh_from_db()
    assert invoice.template_version == 3
    assert template.used_at is not None


def test_value_that_does_not_fit_its_column_is_blanked_and_flagged(
    agent_client, django_capture_on_commit_callbacks
):
    invoice = upload_processed(
        agent_client, "a.pdf", documents.invoice_pdf(), django_capture_on_commit_callbacks
    )
    from invoices.services import pipeline

    outcome = pipeline.document_extract(data=documents.invoice_pdf(), threshold=0.7)
    outcome.result.fields["seller"].value = "S" * 400
    outcome.result.fields["total_amount"].value = "1" * 20
    outcome.result.fields["date"].value = "2024-02-31"
    _apply_outcome(invoice, outcome)
    assert (invoice.seller, invoice.total_amount, invoice.date) == ("", None, None)
    assert invoice.field_confidence["seller"] == 0.0
    assert invoice.status == Invoice.Status.NEEDS_REVIEW
    assert invoice.confidence < 0.7
    failed = {check["field"] for check in invoice.checks if check["name"] == "fits_column"}
    assert failed == {"seller", "total_amount", "date"}
    invoice.save()  # and the blanked values store without error


def test_low_confidence_goes_to_review(agent_client, settings, django_capture_on_commit_callbacks):
    settings.OCR_CONFIDENCE_THRESHOLD = 0.999
    invoice = upload_processed(
        agent_client, "a.pdf", documents.invoice_pdf(), django_capture_on_commit_callbacks
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.NEEDS_REVIEW


def test_missing_stored_file_fails_permanently(agent_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = post_upload(agent_client, ("a.pdf", documents.invoice_pdf()))
    invoice = Invoice.objects.get(pk=response.json()["results"][0]["invoice_id"])
    default_storage.delete(invoice.file.name)
    job_run(job_id=invoice.job_id)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.error_code) == (Invoice.Status.FAILED, "file_missing")


def test_crashing_extraction_is_retried_then_the_invoice_fails_with_the_reason(
    agent_client, media_root, monkeypatch, django_capture_on_commit_callbacks
):
    from invoices.services import pipeline

    calls = []

    def crash(**kwargs):
        calls.append(1)
        raise RuntimeError("engine segfaulted")

    monkeypatch.setattr(pipeline, "document_extract", crash)
    invoice = upload_processed(
        agent_client, "a.pdf", documents.invoice_pdf(), django_capture_on_commit_callbacks
    )
    invoice.refresh_from_db()
    assert len(calls) == invoice.job.max_attempts == invoice.job.attempts
    assert (invoice.status, invoice.error_code) == (Invoice.Status.FAILED, "attempts_exhausted")
    # The crash's own text is for the log; the invoice says what the job service says.
    assert invoice.error == invoice.job.error and "engine segfaulted" not in invoice.error
    assert stored_files(media_root) == [invoice.file.name]


def test_a_late_redelivery_never_overwrites_an_approved_invoice(
    agent_client, agent, django_capture_on_commit_callbacks
):
    from invoices.services import invoice_approve

    invoice = upload_processed(
        agent_client, "a.pdf", documents.invoice_pdf(), django_capture_on_commit_callbacks
    )
    invoice_update(invoice=invoice, changes={"seller": "Checked GmbH"}, changed_by=agent)
    invoice_approve(invoice=invoice, approved_by=agent)
    assert invoice_process(ProcessingJob.objects.get(pk=invoice.job_id)) == {"skipped": "approved"}
    invoice.refresh_from_db()
    assert (invoice.status, invoice.seller) == (Invoice.Status.APPROVED, "Checked GmbH")
