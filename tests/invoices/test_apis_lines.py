"""PUT /api/v1/invoices/{id}/lines/: people replace the extracted line items; audited, kept by
a reprocess, refused with the one error shape when the input or the invoice's state is wrong."""

import json
from decimal import Decimal

import pytest

from invoices.models import Invoice, InvoiceFieldChange, InvoiceLine
from invoices.serializers import MAX_LINES
from invoices.services import invoice_reprocess
from jobs.models import ProcessingJob
from tests.conftest import assert_error_shape
from tests.invoices import documents
from tests.invoices.conftest import upload_processed
from tests.invoices.factories import InvoiceFactory

pytestmark = pytest.mark.django_db

CORRECTED = [
    {"description": "Consulting, March", "quantity": "10", "unit_price": "100.00",
     "amount": "1000.00", "tax_rate": "19"},
    {"description": "Travel (flat fee)", "amount": "190.00"},
]  # fmt: skip


def url(invoice: Invoice) -> str:
    return f"/api/v1/invoices/{invoice.pk}/lines/"


def test_lines_are_replaced_in_order_and_the_change_is_audited(agent_client, agent):
    invoice = InvoiceFactory(uploaded_by=agent, status=Invoice.Status.NEEDS_REVIEW)
    InvoiceLine.objects.create(invoice=invoice, position=1, description="Consultng", amount=1)

    response = agent_client.put(url(invoice), {"lines": CORRECTED}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert [(line["position"], line["description"], line["amount"]) for line in body["lines"]] == [
        (1, "Consulting, March", "1000.00"),
        (2, "Travel (flat fee)", "190.00"),
    ]
    assert body["lines"][1]["quantity"] is None
    assert body["field_sources"]["lines"]["source"] == "manual"
    assert "lines" not in body["field_confidence"]
    change = InvoiceFieldChange.objects.get(invoice=invoice)
    assert (change.field, change.changed_by) == ("lines", agent)
    assert json.loads(change.old_value)[0]["description"] == "Consultng"
    assert json.loads(change.new_value)[0] == {
        "position": 1, "description": "Consulting, March", "quantity": "10",
        "unit_price": "100", "amount": "1000", "tax_rate": "19",
    }  # fmt: skip
    trail = agent_client.get(f"/api/v1/invoices/{invoice.pk}/changes/").json()["results"]
    assert [item["field"] for item in trail] == ["lines"]


def test_sending_the_same_lines_again_changes_and_audits_nothing(agent_client, agent):
    invoice = InvoiceFactory(uploaded_by=agent)
    assert agent_client.put(url(invoice), {"lines": CORRECTED}, format="json").status_code == 200
    assert agent_client.put(url(invoice), {"lines": CORRECTED}, format="json").status_code == 200
    assert InvoiceFieldChange.objects.filter(invoice=invoice).count() == 1


def test_an_empty_list_removes_every_line(agent_client, agent):
    invoice = InvoiceFactory(uploaded_by=agent)
    InvoiceLine.objects.create(invoice=invoice, position=1, description="Wrong line")
    response = agent_client.put(url(invoice), {"lines": []}, format="json")
    assert response.status_code == 200 and response.json()["lines"] == []
    assert not invoice.lines.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"lines": "all of them"},
        {"lines": [{"quantity": "1"}]},  # no description
        {"lines": [{"description": "x" * 501}]},
        {"lines": [{"description": "Item", "amount": "12abc"}]},
        {"lines": [{"description": "Item", "amount": "1" * 20}]},  # more digits than the column
        {"lines": [{"description": "Item", "tax_rate": "19.12345"}]},  # more places
        {"lines": [{"description": "Item", "position": 7}]},  # positions follow the order
        {"lines": ["Item"]},
        {"lines": [{"description": "Item"}] * (MAX_LINES + 1)},
    ],
)
def test_bad_input_is_400_and_keeps_the_stored_lines(agent_client, agent, payload):
    invoice = InvoiceFactory(uploaded_by=agent)
    InvoiceLine.objects.create(invoice=invoice, position=1, description="Kept", amount=5)

    response = agent_client.put(url(invoice), payload, format="json")

    assert_error_shape(response, 400, "validation_error")
    assert list(invoice.lines.values_list("description", "amount")) == [("Kept", Decimal("5"))]
    assert not InvoiceFieldChange.objects.exists()


def test_approved_processing_and_foreign_invoices_are_refused(agent_client, agent, other_customer):
    approved = InvoiceFactory(uploaded_by=agent, status=Invoice.Status.APPROVED)
    assert_error_shape(
        agent_client.put(url(approved), {"lines": CORRECTED}, format="json"),
        409,
        "invoice_approved",
    )
    job = ProcessingJob.objects.create(kind="invoice.process", status=ProcessingJob.Status.RUNNING)
    running = InvoiceFactory(uploaded_by=agent, job=job, status=Invoice.Status.PROCESSING)
    error = assert_error_shape(
        agent_client.put(url(running), {"lines": CORRECTED}, format="json"),
        409,
        "invoice_processing",
    )
    assert error["details"]["job_id"] == job.pk
    foreign = InvoiceFactory(customer=other_customer)
    assert_error_shape(agent_client.put(url(foreign), {"lines": CORRECTED}, format="json"), 404)
    assert_error_shape(agent_client.get(url(approved)), 405)
    assert not InvoiceLine.objects.exists()


def test_a_reprocess_keeps_the_corrected_lines(
    agent_client, agent, django_capture_on_commit_callbacks
):
    invoice = upload_processed(
        agent_client, "a.pdf", documents.invoice_pdf(), django_capture_on_commit_callbacks
    )
    assert invoice.lines.count() == 2  # as extracted
    assert (
        agent_client.put(url(invoice), {"lines": CORRECTED[:1]}, format="json").status_code == 200
    )

    with django_capture_on_commit_callbacks(execute=True):
        invoice_reprocess(invoice=invoice, requested_by=agent)

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.RECOGNIZED
    assert list(invoice.lines.values_list("description", flat=True)) == ["Consulting, March"]
    assert invoice.invoice_number == "INV-2024-0042"  # the fields were extracted again
