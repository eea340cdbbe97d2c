"""Which upload service a file goes to, by content (ingestion/routing.py)."""

from __future__ import annotations

import os

import pytest

from billing.services import reference_data_seed
from ingestion.routing import document_kind
from tests.billing.conftest import fake_statement
from tests.billing.statement_factory import flagged_csv, maybank_pdf
from tests.invoices.documents import invoice_pdf, invoice_png

CSV = flagged_csv([("03.03.2024", "REWE Markt Berlin", "42,17", "D")])


@pytest.mark.django_db
def test_a_bank_statement_pdf_goes_to_the_statement_import_an_invoice_pdf_does_not():
    reference_data_seed()  # the shipped bank templates, whose markers tell a statement
    assert document_kind(maybank_pdf(fake_statement()), "x.pdf", "auto") == "statement"
    assert document_kind(invoice_pdf(), "x.pdf", "auto") == "invoice"


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (invoice_png(), "photo.png", "invoice"),
        (CSV, "march.csv", "statement"),
        (CSV, "signature.asc", "invoice"),  # text without a statement's name: refused there
        (os.urandom(512), "setup.exe", "invoice"),
    ],
)
def test_by_content(data, name, kind, db):
    assert document_kind(data, name, "auto") == kind


def test_a_configured_kind_wins(db):
    assert document_kind(invoice_png(), "photo.png", "statement") == "statement"
    assert document_kind(CSV, "march.csv", "invoice") == "invoice"
