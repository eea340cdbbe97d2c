"""The accountant fields (#15) end to end: a file uploaded through the API, read by the worker's
job, stored in the invoice's columns with confidence and boxes, shown by the API and corrected
through it. One test per field group, on invoices drawn by reportlab."""

import datetime as dt
from decimal import Decimal

import pytest

from invoices.models import Invoice, InvoiceFieldChange
from tests.invoices.conftest import INVOICES_URL, upload_processed
from tests.ocrengine import invoice_makers

pytestmark = pytest.mark.django_db


@pytest.fixture
def polish_invoice(agent_client, django_capture_on_commit_callbacks) -> Invoice:
    data = invoice_makers.invoice_pdf([invoice_makers.POLISH])
    invoice = upload_processed(
        agent_client, "faktura.pdf", data, django_capture_on_commit_callbacks
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.RECOGNIZED, invoice.checks
    return invoice


def _located(invoice: Invoice, *names: str) -> None:
    """Each field has a confidence and the page box it was read from."""
    for name in names:
        assert invoice.field_confidence[name] > 0.7, name
        source = invoice.field_sources[name]
        assert source["page"] == 1 and len(source["box"]) == 4, name


def test_references_and_terms_purchase_order_and_due_date_from_the_terms(polish_invoice):
    invoice = polish_invoice
    assert invoice.invoice_number == "FV/2024/03/117"
    assert invoice.purchase_order_number == "ZAM-2024/55"
    assert invoice.payment_terms == "14 dni"
    assert invoice.date == dt.date(2024, 3, 15)
    assert invoice.due_date == dt.date(2024, 3, 29)  # 14 days after the issue date
    _located(invoice, "purchase_order_number", "payment_terms", "due_date")


def test_bank_details_iban_bic_and_account(polish_invoice):
    invoice = polish_invoice
    assert invoice.iban == "PL61109010140000071219812874"
    assert invoice.bic == "WBKPPLPP"
    assert invoice.bank_account == "61109010140000071219812874"
    assert {"name": "iban_checksum", "ok": True} in invoice.checks
    _located(invoice, "iban", "bic", "bank_account")


def test_parties_names_addresses_and_checked_tax_ids(polish_invoice):
    invoice = polish_invoice
    assert (invoice.seller, invoice.buyer) == ("Nordpol Sp. z o.o.", "Kowalski Handel S.A.")
    assert invoice.seller_address == "ul. Długa 5, 00-001 Warszawa"
    assert invoice.buyer_address == "ul. Krótka 7, 30-002 Kraków"
    assert (invoice.seller_tax_id, invoice.buyer_tax_id) == ("5261040828", "6770025418")
    assert {"name": "buyer_tax_id_checksum", "ok": True} in invoice.checks
    _located(invoice, "seller_address", "buyer_address", "buyer_tax_id")


def test_service_period_and_tax_breakdown(polish_invoice):
    invoice = polish_invoice
    assert invoice.service_period_start == dt.date(2024, 3, 1)
    assert invoice.service_period_end == dt.date(2024, 3, 31)
    assert invoice.tax_breakdown == [{"rate": "23", "net": "1000.00", "tax": "230.00"}]
    assert (invoice.net_amount, invoice.tax_amount, invoice.total_amount) == (
        Decimal("1000.00"), Decimal("230.00"), Decimal("1230.00"),
    )  # fmt: skip
    assert invoice.currency == "PLN"
    _located(invoice, "service_period_start", "service_period_end", "tax_breakdown")


def test_the_api_shows_and_corrects_the_new_fields(agent_client, polish_invoice):
    url = f"{INVOICES_URL}{polish_invoice.pk}/"
    shown = agent_client.get(url).json()
    assert shown["iban"] == "PL61109010140000071219812874"
    assert shown["tax_breakdown"] == [{"rate": "23", "net": "1000.00", "tax": "230.00"}]
    assert shown["service_period_end"] == "2024-03-31"

    response = agent_client.patch(
        url, {"purchase_order_number": "ZAM-2024/56", "payment_terms": "30 dni"}, format="json"
    )
    assert response.status_code == 200, response.content
    polish_invoice.refresh_from_db()
    assert polish_invoice.purchase_order_number == "ZAM-2024/56"
    assert InvoiceFieldChange.objects.filter(
        invoice=polish_invoice, field="purchase_order_number", old_value="ZAM-2024/55"
    ).exists()
    # The breakdown is read, not typed: the correction form does not offer it.
    refused = agent_client.patch(url, {"tax_breakdown": []}, format="json")
    assert refused.status_code == 400


def test_line_items_across_pages(agent_client, django_capture_on_commit_callbacks):
    header = [("Nazwa", 40), ("Ilość", 260), ("Cena", 320), ("Wartość", 420)]
    first = [
        [("Nordpol Sp. z o.o.", 40)],
        [("Faktura nr FV/2024/9", 40), ("Data wystawienia: 02.04.2024", 330)],
        header,
        [("Usługa A", 40), ("1", 260), ("100,00", 320), ("100,00", 420)],
        [("Przeniesienie", 40), ("100,00", 420)],
    ]
    second = [
        header,
        [("Usługa B", 40), ("2", 260), ("50,00", 320), ("100,00", 420)],
        [("Razem netto", 300), ("200,00 zł", 420)],
        [("VAT 23%", 300), ("46,00 zł", 420)],
        [("Do zapłaty", 300), ("246,00 zł", 420)],
    ]
    data = invoice_makers.invoice_pdf([first, second])
    invoice = upload_processed(agent_client, "dwie.pdf", data, django_capture_on_commit_callbacks)
    invoice.refresh_from_db()
    assert invoice.pages == 2
    assert [(line.description, line.amount) for line in invoice.lines.all()] == [
        ("Usługa A", Decimal("100.00")),
        ("Usługa B", Decimal("100.00")),
    ]
    assert invoice.total_amount == Decimal("246.00")


def test_a_japanese_invoice(agent_client, django_capture_on_commit_callbacks):
    data = invoice_makers.invoice_pdf([invoice_makers.JAPANESE], japanese=True)
    invoice = upload_processed(agent_client, "seikyu.pdf", data, django_capture_on_commit_callbacks)
    invoice.refresh_from_db()
    assert invoice.invoice_number == "2024-INV-0042/A"
    assert invoice.due_date == dt.date(2024, 4, 30)
    assert invoice.seller_tax_id == "T7000012050002"
    assert invoice.buyer == "株式会社山田商事"
    assert invoice.total_amount == Decimal("11000.00")
    assert invoice.currency == "JPY"
    assert invoice.seller_address == "東京都千代田区丸の内1-1-1"


def test_a_scanned_french_invoice_through_ocr(agent_client, django_capture_on_commit_callbacks):
    # A scan fed 2 degrees askew: the real OCR engine reads it, the same rules apply.
    data = invoice_makers.invoice_png(invoice_makers.FRENCH_SCAN, angle=2)
    invoice = upload_processed(agent_client, "scan.png", data, django_capture_on_commit_callbacks)
    invoice.refresh_from_db()
    assert invoice.engine == "rapidocr"
    assert invoice.invoice_number == "F-2024/0117"
    assert invoice.due_date == dt.date(2024, 4, 30)  # 30 days, end of month
    assert invoice.iban == "FR7630006000011234567890189"
    assert invoice.currency == "EUR"  # no € printed: the seller's country
    assert invoice.seller_tax_id == "FR40303265045"
    assert invoice.buyer == "Boulangerie Martin SAS"
    assert invoice.buyer_address == "8 avenue Foch, 69006 Lyon"
    assert invoice.tax_breakdown == [{"rate": "20", "net": "500.00", "tax": "100.00"}]
    assert invoice.total_amount == Decimal("600.00")
    assert invoice.field_sources["iban"]["source"] == "ocr"


def test_a_corrected_iban_must_pass_its_check_digits(agent_client, polish_invoice):
    url = f"{INVOICES_URL}{polish_invoice.pk}/"
    refused = agent_client.patch(url, {"iban": "DE89 3704 0044 0532 0130 01"}, format="json")
    assert refused.status_code == 400
    assert "iban" in refused.json()["error"]["details"]["fields"]
    accepted = agent_client.patch(url, {"iban": "de89 3704 0044 0532 0130 00"}, format="json")
    assert accepted.status_code == 200, accepted.content
    polish_invoice.refresh_from_db()
    assert polish_invoice.iban == "DE89370400440532013000"
