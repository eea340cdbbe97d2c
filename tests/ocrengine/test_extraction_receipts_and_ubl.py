"""Receipts as OCR reads them (glued words, tall skewed boxes) and UBL e-invoices."""

import xml.etree.ElementTree as ET

from ocrengine.engines.base import DocumentText, OcrLine, PageText
from ocrengine.extraction import extract_invoice, load_default_spec
from ocrengine.extraction.xml_einvoice import parse_ubl


def ocr_document(lines, *, confidence=0.95):
    """lines: (text, (x0, y0, x1, y1)) as an OCR engine reports them, in pixels."""
    ocr_lines = [OcrLine(text, box, confidence) for text, box in lines]
    return DocumentText([PageText(1, "", ocr_lines, 500, 1000, "ocr")])


RECEIPT = [
    ("SUNRISE HARDWARE", (114, 295, 625, 366)),
    ("TRADING (SETIA", (111, 324, 630, 398)),
    ("ALAM) SDNBHD (822737-X)", (170, 362, 567, 422)),
    ("GST No:000394528768", (150, 430, 560, 460)),
    ("Date:", (49, 500, 99, 520)),
    ("25/12/20188:13:39PM", (164, 500, 345, 520)),
    ("Total Qty", (40, 600, 140, 620)),
    ("2", (400, 600, 420, 620)),
    ("Total:", (242, 640, 298, 660)),
    ("RM9.00", (380, 640, 447, 660)),
    ("CASH", (203, 700, 245, 720)),
    ("10.00", (400, 700, 446, 720)),
    ("CHANGE", (203, 730, 271, 750)),
    ("1.00", (410, 730, 447, 750)),
]


def test_receipt_fields_from_ocr_lines():
    result = extract_invoice(ocr_document(RECEIPT), spec=load_default_spec("receipt"))
    flat = result.as_flat_dict()
    assert flat["date"] == "2018-12-25"
    assert flat["total_amount"] == "9.00"
    assert flat["currency"] == "MYR"
    # a name wrapped over three skewed lines, without its registration number
    assert flat["seller"] == "SUNRISE HARDWARE TRADING (SETIA ALAM) SDNBHD"


def test_two_column_headers_in_one_segment_read_their_own_columns():
    lines = [
        ("Grondslag BTW bedrag", (100, 100, 300, 115)),
        ("Totaal", (400, 100, 450, 115)),
        ("41,31", (110, 120, 150, 135)),
        ("8,68", (250, 120, 290, 135)),
        ("49,99", (400, 120, 450, 135)),
    ]
    flat = extract_invoice(ocr_document(lines)).as_flat_dict()
    assert (flat["net_amount"], flat["tax_amount"], flat["total_amount"]) == (
        "41.31",
        "8.68",
        "49.99",
    )


def test_tax_base_inside_the_label_does_not_hide_the_tax():
    lines = [
        ("Subtotal", (40, 100, 120, 115)),
        ("$ 262.90", (400, 100, 460, 115)),
        ("Tax 15% on $ 112.90", (40, 120, 200, 135)),
        ("$ 16.94", (400, 120, 460, 135)),
        ("Total", (40, 140, 90, 155)),
        ("$ 279.84", (400, 140, 460, 155)),
    ]
    flat = extract_invoice(ocr_document(lines)).as_flat_dict()
    assert (flat["net_amount"], flat["tax_amount"], flat["total_amount"]) == (
        "262.90",
        "16.94",
        "279.84",
    )
    assert flat["currency"] == "USD"


UBL = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:ID>UBL-42</cbc:ID><cbc:IssueDate>2024-02-01</cbc:IssueDate>
 <cbc:DueDate>2024-03-01</cbc:DueDate><cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
 <cac:AccountingSupplierParty><cac:Party>
  <cac:PartyTaxScheme><cbc:CompanyID>NL810433941B01</cbc:CompanyID></cac:PartyTaxScheme>
  <cac:PartyLegalEntity><cbc:RegistrationName>Leverancier B.V.</cbc:RegistrationName></cac:PartyLegalEntity>
 </cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party>
  <cac:PartyName><cbc:Name>Klant BV</cbc:Name></cac:PartyName>
 </cac:Party></cac:AccountingCustomerParty>
 <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">21.00</cbc:TaxAmount></cac:TaxTotal>
 <cac:LegalMonetaryTotal>
  <cbc:TaxExclusiveAmount currencyID="EUR">100.00</cbc:TaxExclusiveAmount>
  <cbc:TaxInclusiveAmount currencyID="EUR">121.00</cbc:TaxInclusiveAmount>
 </cac:LegalMonetaryTotal>
 <cac:InvoiceLine><cbc:InvoicedQuantity unitCode="C62">4</cbc:InvoicedQuantity>
  <cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
  <cac:Item><cbc:Name>Toner</cbc:Name>
   <cac:ClassifiedTaxCategory><cbc:Percent>21</cbc:Percent></cac:ClassifiedTaxCategory></cac:Item>
  <cac:Price><cbc:PriceAmount currencyID="EUR">25.00</cbc:PriceAmount></cac:Price>
 </cac:InvoiceLine>
</Invoice>"""


def test_ubl_invoice_fields_and_lines():
    fields, lines = parse_ubl(ET.fromstring(UBL))
    assert fields == {
        "invoice_number": "UBL-42",
        "date": "2024-02-01",
        "due_date": "2024-03-01",
        "currency": "EUR",
        "seller": "Leverancier B.V.",
        "seller_tax_id": "NL810433941B01",
        "buyer": "Klant BV",
        "buyer_tax_id": None,
        "total_amount": "121.00",
        "net_amount": "100.00",
        "tax_amount": "21.00",
    }
    assert lines == [
        {
            "description": "Toner",
            "quantity": "4",
            "unit_price": "25.00",
            "amount": "100.00",
            "tax_rate": "21",
        }
    ]
