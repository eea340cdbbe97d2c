"""The invoice admin: review list, upload form through the same service, actions, corrections."""

import pytest
from django.urls import reverse

from invoices.models import Invoice, InvoiceFieldChange
from tests.invoices import documents
from tests.invoices.conftest import stored_files, upload_file
from tests.invoices.factories import InvoiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_changelist_filters_and_search(admin_client):
    InvoiceFactory(seller="Nordwind GmbH", status=Invoice.Status.NEEDS_REVIEW)
    url = reverse("admin:invoices_invoice_changelist")
    response = admin_client.get(url, {"status__exact": "needs_review", "q": "nordwind"})
    assert response.status_code == 200
    assert b"Nordwind GmbH" in response.content


def test_add_view_uploads_through_the_service(admin_client, media_root):
    response = admin_client.post(
        reverse("admin:invoices_invoice_add"),
        {"upload": upload_file("scan.pdf", documents.invoice_pdf())},
    )
    assert response.status_code == 302, response.content
    invoice = Invoice.objects.get()
    assert invoice.document_type.code == "invoice"
    assert stored_files(media_root) == [f"invoices/pdf/{invoice.sha256}.pdf"]
    assert invoice.job is not None


def test_add_view_shows_the_refusal_on_the_form(admin_client, media_root):
    response = admin_client.post(
        reverse("admin:invoices_invoice_add"), {"upload": upload_file("x.pdf", b"not a pdf at all")}
    )
    assert response.status_code == 200
    assert b"Only PDF, PNG, JPEG, TIFF and WebP" in response.content
    assert not Invoice.objects.exists() and stored_files(media_root) == []


def test_change_view_shows_raw_text_and_confidences_and_audits_edits(admin_client, staff_user):
    invoice = InvoiceFactory(raw_text="RAW INVOICE TEXT", field_confidence={"seller": 0.42})
    url = reverse("admin:invoices_invoice_change", args=[invoice.pk])
    page = admin_client.get(url)
    assert b"RAW INVOICE TEXT" in page.content and b"0.42" in page.content
    form = {name: getattr(invoice, name) or "" for name in (
        "invoice_number", "invoice_code", "date", "due_date", "total_amount", "net_amount",
        "tax_amount", "currency", "seller", "seller_tax_id", "buyer", "buyer_tax_id")}  # fmt: skip
    form.update({"seller": "Corrected GmbH", "customer": ""})
    for prefix in ("lines", "changes"):
        form.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content
    change = InvoiceFieldChange.objects.get()
    assert (change.field, change.new_value, change.changed_by) == (
        "seller",
        "Corrected GmbH",
        staff_user,
    )


def test_approve_action_approves_reviewable_and_reports_refusals(admin_client):
    reviewable = InvoiceFactory(status=Invoice.Status.NEEDS_REVIEW)
    failed = InvoiceFactory(status=Invoice.Status.FAILED)
    response = admin_client.post(
        reverse("admin:invoices_invoice_changelist"),
        {"action": "approve_selected", "_selected_action": [reviewable.pk, failed.pk]},
        follow=True,
    )
    assert response.status_code == 200
    reviewable.refresh_from_db()
    failed.refresh_from_db()
    assert (reviewable.status, failed.status) == ("approved", "failed")
    assert b"Refused" in response.content


def test_reprocess_action_queues_a_new_job(admin_client):
    invoice = InvoiceFactory(status=Invoice.Status.FAILED)
    admin_client.post(
        reverse("admin:invoices_invoice_changelist"),
        {"action": "reprocess_selected", "_selected_action": [invoice.pk]},
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.QUEUED and invoice.job is not None


def test_deleting_an_invoice_removes_its_stored_file(
    admin_client, media_root, django_capture_on_commit_callbacks
):
    admin_client.post(
        reverse("admin:invoices_invoice_add"),
        {"upload": upload_file("scan.pdf", documents.invoice_pdf())},
    )
    invoice = Invoice.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:invoices_invoice_delete", args=[invoice.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert not Invoice.objects.exists()
    assert stored_files(media_root) == []
