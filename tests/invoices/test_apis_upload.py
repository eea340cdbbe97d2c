"""POST /api/v1/invoices/: size, type by content, empty, duplicate, names, customers, many files."""

import pytest

from invoices.models import Invoice
from jobs.models import ProcessingJob
from tests.conftest import assert_error_shape
from tests.invoices import documents
from tests.invoices.conftest import INVOICES_URL, post_upload, stored_files, upload_file

pytestmark = pytest.mark.django_db


def test_text_pdf_upload_is_accepted_stored_by_hash_and_processed(
    agent_client, agent, text_pdf, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_upload(agent_client, ("march.pdf", text_pdf))
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (1, 0)
    entry = body["results"][0]
    invoice = Invoice.objects.get(pk=entry["invoice_id"])
    assert entry["status_url"] == f"/api/v1/jobs/{invoice.job_id}/"
    assert invoice.original_name == "march.pdf"
    assert invoice.uploaded_by == agent
    assert invoice.file.name == f"invoices/pdf/{invoice.sha256}.pdf"
    assert stored_files(media_root) == [invoice.file.name]
    assert invoice.job.status == ProcessingJob.Status.SUCCEEDED
    assert invoice.status == Invoice.Status.RECOGNIZED
    assert invoice.invoice_number == "INV-2024-0042"
    assert str(invoice.total_amount) == "238.00"
    assert invoice.engine == "pdfplumber"
    job = agent_client.get(entry["status_url"]).json()
    assert job["status"] == "succeeded"


def test_single_file_field_is_accepted_too(agent_client, text_pdf):
    response = agent_client.post(
        INVOICES_URL, {"file": upload_file("a.pdf", text_pdf)}, format="multipart"
    )
    assert response.status_code == 202
    assert response.json()["results"][0]["accepted"] is True


def test_oversize_file_is_refused_with_413_and_nothing_stored(agent_client, settings, media_root):
    settings.UPLOAD_MAX_BYTES = 1000
    response = post_upload(agent_client, ("big.pdf", documents.invoice_pdf()))
    error = assert_error_shape(response, 413, "file_too_large")
    assert error["details"]["limit"] == 1000
    assert not Invoice.objects.exists()
    assert stored_files(media_root) == []


def test_wrong_magic_with_pdf_name_is_415(agent_client, media_root):
    response = post_upload(
        agent_client, ("invoice.pdf", b"MZ\x90\x00 this is a program, not a PDF")
    )
    assert_error_shape(response, 415, "unsupported_media_type")
    assert not Invoice.objects.exists()
    assert stored_files(media_root) == []


def test_zero_byte_file_is_400(agent_client):
    response = post_upload(agent_client, ("empty.pdf", b""))
    assert_error_shape(response, 400, "empty_file")
    assert not ProcessingJob.objects.exists()


def test_duplicate_is_409_naming_the_existing_invoice(agent_client, supervisor_client, text_pdf):
    first = post_upload(agent_client, ("one.pdf", text_pdf)).json()["results"][0]
    response = post_upload(supervisor_client, ("copy-of-one.pdf", text_pdf))
    error = assert_error_shape(response, 409, "duplicate_file")
    assert error["details"]["invoice_id"] == first["invoice_id"]
    assert Invoice.objects.count() == 1


def test_path_traversal_name_is_kept_as_data_never_as_a_path(agent_client, media_root, tmp_path):
    data = documents.invoice_pdf(pages=2)
    response = post_upload(agent_client, ("../../etc/passwd.pdf", data))
    assert response.status_code == 202
    invoice = Invoice.objects.get()
    assert "/" not in invoice.original_name and ".." not in invoice.original_name
    assert stored_files(media_root) == [f"invoices/pdf/{invoice.sha256}.pdf"]
    assert not (tmp_path / "etc").exists()


def test_image_types_are_stored_under_images(agent_client):
    jpeg = documents.invoice_png(fmt="JPEG")
    response = post_upload(agent_client, ("photo.png", jpeg))
    assert response.status_code == 202
    invoice = Invoice.objects.get()
    assert invoice.mime == "image/jpeg"
    assert invoice.file.name == f"invoices/images/{invoice.sha256}.jpg"


def test_many_files_one_bad_the_good_ones_are_accepted(agent_client, text_pdf):
    other = documents.invoice_pdf(pages=2)
    response = post_upload(
        agent_client, ("a.pdf", text_pdf), ("evil.pdf", b"<html>nope</html>"), ("b.pdf", other)
    )
    assert response.status_code == 202
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, 1)
    assert [entry["accepted"] for entry in body["results"]] == [True, False, True]
    assert body["results"][1]["error"]["code"] == "unsupported_media_type"
    assert Invoice.objects.count() == 2


def test_many_files_all_bad_answer_the_first_error_listing_all(agent_client):
    response = post_upload(agent_client, ("a.pdf", b""), ("b.pdf", b"plain text"))
    error = assert_error_shape(response, 400, "empty_file")
    assert [item["code"] for item in error["details"]["files"]] == [
        "empty_file",
        "unsupported_media_type",
    ]


def test_too_many_files_is_400(agent_client, settings, text_pdf):
    settings.INVOICE_UPLOAD_MAX_FILES = 1
    response = post_upload(agent_client, ("a.pdf", text_pdf), ("b.pdf", text_pdf))
    assert_error_shape(response, 400, "validation_error")


def test_no_file_is_400(agent_client):
    response = agent_client.post(INVOICES_URL, {}, format="multipart")
    error = assert_error_shape(response, 400, "validation_error")
    assert "files" in error["details"]["fields"]


def test_agent_files_for_own_customer_only(agent_client, agent_customer, other_customer, text_pdf):
    refused = post_upload(agent_client, ("a.pdf", text_pdf), customer=other_customer.pk)
    error = assert_error_shape(refused, 400, "validation_error")
    assert "customer" in error["details"]["fields"]
    accepted = post_upload(agent_client, ("a.pdf", text_pdf), customer=agent_customer.pk)
    assert accepted.status_code == 202
    assert Invoice.objects.get().customer == agent_customer


def test_supervisor_files_for_any_customer_and_other_document_types(
    supervisor_client, other_customer, text_pdf
):
    response = post_upload(
        supervisor_client,
        ("a.pdf", text_pdf),
        customer=other_customer.pk,
        document_type="cn_vat_invoice",
    )
    assert response.status_code == 202
    invoice = Invoice.objects.get()
    assert (invoice.customer, invoice.document_type.code) == (other_customer, "cn_vat_invoice")


def test_unknown_document_type_is_400(agent_client, text_pdf):
    response = post_upload(agent_client, ("a.pdf", text_pdf), document_type="nonsense")
    assert_error_shape(response, 400, "validation_error")


@pytest.mark.parametrize("code", ["id_card", "driver_license", "bank_statement"])
def test_non_invoice_document_types_are_400_and_store_nothing(
    agent_client, staff_client, text_pdf, media_root, code
):
    # Security audit #13: an ID card uploaded here served its raw text and fields unmasked.
    for client in (agent_client, staff_client):
        response = post_upload(
            client, ("a.pdf", text_pdf), ("b.pdf", b"%PDF-1.4"), document_type=code
        )
        error = assert_error_shape(response, 400, "validation_error")
        assert "document_type" in error["details"]["fields"]
    assert not Invoice.objects.exists()
    assert not ProcessingJob.objects.exists()
    assert stored_files(media_root) == []


def test_an_admin_added_type_outside_the_invoice_family_is_refused(agent_client, text_pdf):
    from ocrengine.models import DocumentType

    DocumentType.objects.create(code="passport", name="Passport", sensitive_fields=["number"])
    response = post_upload(agent_client, ("a.pdf", text_pdf), document_type="passport")
    assert_error_shape(response, 400, "validation_error")
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("code", ["invoice", "cn_vat_invoice", "receipt"])
def test_invoice_family_document_types_are_accepted(agent_client, text_pdf, code):
    response = post_upload(agent_client, ("a.pdf", text_pdf), document_type=code)
    assert response.status_code == 202, response.content
    assert Invoice.objects.get().document_type.code == code


def test_anonymous_upload_is_401(anon_client, text_pdf):
    assert_error_shape(post_upload(anon_client, ("a.pdf", text_pdf)), 401)


def test_json_body_is_415(agent_client):
    response = agent_client.post(INVOICES_URL, {"file": "x"}, format="json")
    assert_error_shape(response, 415, "unsupported_media_type")


def test_body_larger_than_any_allowed_upload_is_refused_before_parsing(agent_client, settings):
    settings.UPLOAD_MAX_BYTES = 100
    settings.INVOICE_UPLOAD_MAX_FILES = 1
    response = agent_client.post(
        INVOICES_URL,
        {"file": upload_file("a.pdf", b"%PDF-1.4 small")},
        format="multipart",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert_error_shape(response, 413, "file_too_large")
    assert not Invoice.objects.exists()
