"""Field rules on OCR-like input built in code: label geometry, validation, tax ids, lines,
confidence, and the spec's own labels."""

from ocrengine.engines.base import DocumentText, OcrLine, PageText
from ocrengine.extraction import extract_invoice, load_default_spec
from ocrengine.extraction.taxids import find_tax_ids, is_cn_tax_id, is_eu_vat

ROW_HEIGHT = 20


def make_document(rows, *, confidence=0.97, source="ocr"):
    """rows: one list per visual row of (text, x0) pairs; every word box is 10 pt high."""
    lines = []
    for number, row in enumerate(rows):
        top = 40 + number * ROW_HEIGHT
        for text, x0 in row:
            lines.append(OcrLine(text, (x0, top, x0 + 6 * len(text), top + 10), confidence))
    page = PageText(1, "\n".join(t for row in rows for t, _ in row), lines, 600, 800, source)
    return DocumentText([page])


def values(document, **kwargs):
    return extract_invoice(document, **kwargs).as_flat_dict()


def test_value_right_of_its_label_on_the_same_row():
    document = make_document(
        [[("ACME Trading GmbH", 40)], [("Invoice No:", 40), ("INV-2024-0173", 300)]]
    )
    assert values(document)["invoice_number"] == "INV-2024-0173"


def test_value_below_its_label_in_the_same_column():
    document = make_document(
        [
            [("Rechnungsdatum", 40), ("Kundennummer", 300)],
            [("05.01.2023", 40), ("K-4711", 300)],
        ]
    )
    assert values(document)["date"] == "2023-01-05"


def test_due_date_label_is_not_taken_for_the_issue_date():
    document = make_document([[("Due date: 2023-02-05", 40)], [("Invoice date: 2023-01-05", 40)]])
    result = values(document)
    assert result["date"] == "2023-01-05"
    assert result["due_date"] == "2023-02-05"


def test_qualified_dates_lose_to_the_invoice_date():
    document = make_document([[("Delivery date: 2023-01-02", 40)], [("Date: 2023-01-05", 40)]])
    assert values(document)["date"] == "2023-01-05"


def test_net_plus_tax_equals_total_picks_the_consistent_total():
    document = make_document(
        [
            [("Total", 40), ("129.00 EUR", 400)],  # a running total before a credit
            [("Subtotal", 40), ("100.00 EUR", 400)],
            [("VAT 19%", 40), ("19.00 EUR", 400)],
            [("Total", 40), ("119.00 EUR", 400)],
        ]
    )
    result = extract_invoice(document)
    flat = result.as_flat_dict()
    assert (flat["net_amount"], flat["tax_amount"], flat["total_amount"]) == (
        "100.00",
        "19.00",
        "119.00",
    )
    assert {"name": "net_plus_tax_equals_total", "ok": True} in result.checks


def test_missing_net_is_derived_from_total_and_tax():
    document = make_document(
        [[("Total TTC", 40), ("120,00 €", 300)], [("TVA 20%", 40), ("20,00 €", 300)]]
    )
    result = extract_invoice(document)
    assert result.fields["net_amount"].value == "100.00"
    assert result.fields["net_amount"].source == "derived"
    assert result.fields["currency"].value == "EUR"


def test_quantities_and_rates_are_not_amounts():
    document = make_document(
        [[("Total Qty", 40), ("3", 300)], [("Total", 40), ("RM 9.00", 300)], [("GST 6%", 40)]]
    )
    result = values(document)
    assert result["total_amount"] == "9.00"
    assert result["currency"] == "MYR"


def test_tax_id_formats():
    assert is_eu_vat("DE 232 446 240")
    assert is_eu_vat("NL810433941B01")
    assert is_eu_vat("FR60421938861")
    assert not is_eu_vat("DE12345")
    assert is_cn_tax_id("91420200562725281Y")
    assert not is_cn_tax_id("9142020056272528")
    assert find_tax_ids("USt-IdNr.: DE 136 695 976, GSTIN 06AABCO6063D1ZQ") == [
        "DE136695976",
        "06AABCO6063D1ZQ",
    ]
    # a lowercase "de" in running text is no country prefix
    assert find_tax_ids("capital de 3.441.812 Euros") == []


def test_seller_tax_id_by_label_and_format():
    document = make_document([[("Lieferant GmbH", 40)], [("USt-IdNr.", 40), ("DE123456789", 300)]])
    result = extract_invoice(document)
    assert result.fields["seller_tax_id"].value == "DE123456789"
    assert {"name": "seller_tax_id_format", "ok": True} in result.checks


def test_seller_is_the_letterhead_company():
    document = make_document(
        [[("INVOICE", 40)], [("Northwind Traders Ltd.", 40)], [("ATTN: Contoso Limited", 40)]]
    )
    assert values(document)["seller"] == "Northwind Traders Ltd."


def test_line_items_from_a_table():
    document = make_document(
        [
            [("Description", 40), ("Qty", 300), ("Unit price", 380), ("Amount", 480)],
            [("Blue widget", 40), ("2", 300), ("10.00", 380), ("20.00", 480)],
            [("Red widget, large", 40), ("1", 300), ("5.50", 380), ("5.50", 480)],
            [("Total", 40), ("25.50", 480)],
        ]
    )
    lines = extract_invoice(document).lines
    assert [(line["description"], line["quantity"], line["amount"]) for line in lines] == [
        ("Blue widget", "2", "20.00"),
        ("Red widget, large", "1", "5.50"),
    ]
    assert lines[0]["unit_price"] == "10.00"


CLEAN_INVOICE = [
    [("Northwind Traders GmbH", 40)],
    [("Rechnungsnummer:", 40), ("R-2023-001", 300)],
    [("Rechnungsdatum:", 40), ("05.01.2023", 300)],
    [("Nettobetrag", 40), ("100,00 EUR", 400)],
    [("MwSt 19%", 40), ("19,00 EUR", 400)],
    [("Gesamtbetrag", 40), ("119,00 EUR", 400)],
]


def test_clean_validated_text_layer_invoice_scores_high():
    result = extract_invoice(make_document(CLEAN_INVOICE, confidence=1.0, source="text_layer"))
    assert result.overall_confidence >= 0.85
    assert result.fields["total_amount"].confidence >= 0.9
    assert result.fields["total_amount"].source == "text_layer"


def test_garbled_scan_scores_below_the_review_threshold():
    garbled = [[("N0rthw1nd Tr@ders", 40)], [("R-2023-0O1", 40)], [("1l9,0O", 400)]]
    result = extract_invoice(make_document(garbled, confidence=0.45))
    assert result.overall_confidence < 0.7


def test_unvalidated_totals_score_lower_than_validated_ones():
    validated = extract_invoice(make_document(CLEAN_INVOICE))
    broken = [row for row in CLEAN_INVOICE if "MwSt" not in row[0][0]]
    broken.append([("MwSt 19%", 40), ("17,00 EUR", 400)])
    unvalidated = extract_invoice(make_document(broken))
    assert (
        unvalidated.fields["total_amount"].confidence < validated.fields["total_amount"].confidence
    )
    assert unvalidated.overall_confidence < validated.overall_confidence


def test_spec_labels_change_what_is_found():
    document = make_document([[("Belegkennung", 40), ("BK-991", 300)]])
    assert values(document)["invoice_number"] is None
    spec = load_default_spec("invoice")
    number = next(f for f in spec["fields"] if f["name"] == "invoice_number")
    number["labels"]["de"].append("Belegkennung")
    assert values(document, spec=spec)["invoice_number"] == "BK-991"


def test_spec_patterns_constrain_values():
    document = make_document([[("发票号码:", 40), ("24112000000012345678", 300)]])
    spec = load_default_spec("cn_vat_invoice")
    assert values(document, spec=spec)["invoice_number"] == "24112000000012345678"
    number = next(f for f in spec["fields"] if f["name"] == "invoice_number")
    number["patterns"] = [r"(?<!\d)\d{8}(?!\d)"]
    assert values(document, spec=spec)["invoice_number"] is None


def test_result_has_every_spec_field():
    result = extract_invoice(make_document([[("hello", 40)]]), spec=load_default_spec("receipt"))
    names = [field["name"] for field in load_default_spec("receipt")["fields"]]
    assert list(result.fields) == names


def test_address_block_under_a_buyer_heading_is_not_the_seller():
    document = make_document(
        [
            [("Factuuradres", 40), ("Afleveradres", 300)],
            [("Strategic Corp B.V.", 40), ("Warehouse 4", 300)],
            [("Fakestreet 46", 40)],
            [("Leverancier Nederland B.V.", 40)],
        ]
    )
    result = values(document)
    assert result["buyer"] == "Strategic Corp B.V."
    assert result["seller"] == "Leverancier Nederland B.V."


def test_letterhead_running_into_the_title_or_department_is_the_name_alone():
    titled = make_document([[("Northwind Web Services Invoice", 40)], [("Invoice No: 4711", 40)]])
    assert values(titled)["seller"] == "Northwind Web Services"
    department = make_document([[("Nordlys Service Abonnés", 40)], [("Facture n° 562044", 40)]])
    assert values(department)["seller"] == "Nordlys"


def test_a_copy_title_or_the_item_table_header_is_never_the_seller():
    document = make_document(
        [
            [("Kopie factuur", 40)],
            [("Artikel Omschrijving", 40), ("Bedrag", 400)],
            [("E103184 Onderhoudsset", 40), ("49,99", 400)],
        ]
    )
    assert values(document).get("seller") is None


def test_the_account_holder_to_pay_names_the_seller_over_the_first_line():
    # The first line is the buyer's company name (no legal form); the bank line names the payee.
    document = make_document(
        [
            [("ALEXINUX", 40)],
            [("27 rue Henri Rolland", 40)],
            [("Facture n° 2022089083", 40)],
            [("Total TTC : 56,02 €", 40)],
            [("Virement BRED – Titulaire du compte : NETPRESSE", 40)],  # noqa: RUF001
            [("IBAN : FR76 1010 7002 4500 6170 5231 739", 40)],
        ]
    )
    assert values(document)["seller"] == "NETPRESSE"


def test_a_booking_id_is_the_number_of_a_receipt_without_an_invoice_number():
    receipt = make_document(
        [
            [("PAYMENT RECEIPT", 40)],
            [("Booking ID", 40), ("Payment Mode", 300)],
            [("IBZY2087", 40), ("Cash at Hotel", 300)],
        ]
    )
    assert values(receipt)["invoice_number"] == "IBZY2087"
    both = make_document([[("Invoice No: INV-77", 40)], [("Booking ID", 40)], [("IBZY2087", 40)]])
    assert values(both)["invoice_number"] == "INV-77"
