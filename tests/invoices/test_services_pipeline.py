"""The extraction pipeline reads a document with the extractor registered for its type."""

from invoices.services import pipeline
from tests.invoices import documents

STATEMENT_HEADER = (
    "Example Bank plc",
    "Account holder: Jane Doe",
    "Account number: 12-3456-7890123",
    "Statement date: 2024-03-31",
    "Period from 2024-03-01 to 2024-03-31",
    "Closing balance 2,000.00",
)


def test_an_upload_typed_as_an_invoice_is_read_by_the_invoice_extractor():
    outcome = pipeline.document_extract(data=documents.invoice_pdf())
    assert outcome.result.fields["total_amount"].value == "238.00"
    assert outcome.result.lines  # line items: only the invoice extractor reads them


def test_another_document_type_is_read_by_its_own_extractor_and_spec():
    outcome = pipeline.document_extract(
        data=documents.invoice_pdf(STATEMENT_HEADER), document_type="bank_statement"
    )
    values = outcome.result.as_flat_dict()
    assert "total_amount" not in values  # the bank statement spec's fields, not the invoice's
    assert values["account_number"] == "1234567890123"
    assert (values["period_start"], values["period_end"]) == ("2024-03-01", "2024-03-31")
    assert outcome.result.checks == [{"name": "period_order", "ok": True}]


def test_a_type_without_a_shipped_spec_or_extractor_is_read_as_an_invoice():
    outcome = pipeline.document_extract(
        data=documents.invoice_pdf(), document_type="purchase_order"
    )
    assert outcome.result.fields["total_amount"].value == "238.00"
