"""Invoices beyond the corpus (#15): labels in Polish, Spanish, Italian, Portuguese, Czech,
Swedish and Japanese; invoice numbers with slashes and letters; due dates from payment terms;
party blocks by layout; tax ids with their country's checksum; IBAN, BIC, purchase order,
service period, the tax breakdown by rate, line items across pages.

Rules are proved on lines built in code (boxes as an engine or a text layer gives them), each
language on a PDF drawn by reportlab and read through its real text layer."""

import pytest

from ocrengine.documents import read_document
from ocrengine.engines.base import DocumentText, OcrLine, PageText
from ocrengine.extraction import extract_invoice
from ocrengine.extraction.bank_details import find_ibans, iban_ok
from ocrengine.extraction.payment_terms import term_days
from ocrengine.extraction.taxids import find_national_tax_ids, national_tax_ids, tax_id_checksum
from tests.ocrengine import invoice_makers

ROW_HEIGHT = 16


def document(rows, *, source="text_layer", confidence=1.0):
    """rows: one list per visual row of (text, x0) pairs; boxes 10 pt high, 6 pt a letter."""
    lines = []
    for number, row in enumerate(rows):
        top = 40 + number * ROW_HEIGHT
        for text, x0 in row:
            lines.append(OcrLine(text, (x0, top, x0 + 6 * len(text), top + 10), confidence))
    text = "\n".join("  ".join(t for t, _ in row) for row in rows)
    return DocumentText([PageText(1, text, lines, 600, 900, source)])


def values(rows, **kwargs):
    return extract_invoice(document(rows, **kwargs)).as_flat_dict()


# --- invoice numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "number"),
    [
        ("Numer faktury:", "FV/2024/03/117"),
        ("Invoice No.", "2024-INV-0042/A"),
        ("Nº de factura:", "A-2024/0017"),
        ("Fattura n.", "2024/FE/00315"),
        ("Faktura č.", "FA-2024-0042"),
        ("Fakturanummer", "SE/24/1187"),
        ("請求書番号:", "JP-2024-0042/B"),
    ],
)
def test_invoice_numbers_keep_slashes_dashes_and_letters(label, number):
    rows = [
        [("ACME Trading Ltd.", 40)],
        [(label, 40), (number, 300)],
        [("Total", 40), ("12.00 EUR", 300)],
    ]
    assert values(rows)["invoice_number"] == number


# --- due dates from payment terms --------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "days"),
    [
        ("Payment terms: Net 30", 30),
        ("Payable within 30 days of the invoice date", 30),
        ("Zahlbar innerhalb 14 Tagen ohne Abzug", 14),
        ("Termin płatności: 14 dni", 14),
        ("Forma de pago: transferencia a 30 días", 30),
        ("Pagamento entro 30 giorni data fattura", 30),
        ("Condições de pagamento: 45 dias", 45),
        ("Splatnost: 14 dní", 14),
        ("Betalningsvillkor: 30 dagar netto", 30),
        ("支払条件: 請求日から30日以内", 30),
        ("Payment due upon receipt", 0),
    ],
)
def test_due_date_is_computed_from_the_payment_terms(terms, days):
    assert term_days(terms) == days
    rows = [
        [("Invoice date: 2024-03-15", 40)],
        [(terms, 40)],
        [("Total", 40), ("100.00 EUR", 300)],
    ]
    result = values(rows)
    expected = {30: "2024-04-14", 14: "2024-03-29", 45: "2024-04-29", 0: "2024-03-15"}[days]
    assert result["due_date"] == expected
    assert result["payment_terms"]


def test_a_printed_due_date_wins_over_the_terms():
    rows = [
        [("Rechnungsdatum: 15.03.2024", 40)],
        [("Zahlbar bis: 10.04.2024", 40)],
        [("Zahlbar innerhalb 14 Tagen", 40)],
    ]
    assert values(rows)["due_date"] == "2024-04-10"


def test_days_without_a_payment_word_are_no_terms():
    rows = [[("Invoice date: 2024-03-15", 40)], [("Returns accepted within 30 days", 40)]]
    result = values(rows)
    assert result["due_date"] is None
    assert result["payment_terms"] is None


# --- party blocks ------------------------------------------------------------------------

PARTY_LAYOUTS = [
    # (seller heading, buyer heading, seller tax line, buyer tax line, seller id, buyer id)
    ("Sprzedawca", "Nabywca", "NIP: 526-104-08-28", "NIP: 677-002-54-18", "5261040828", "6770025418"),
    ("Vendedor", "Cliente", "CIF: B12345674", "NIF: A58818501", "B12345674", "A58818501"),
    ("Fornitore", "Cliente", "P.IVA 07643520567", "P.IVA 00743110157", "07643520567", "00743110157"),
    ("Fornecedor", "Adquirente", "NIF: 501964843", "CNPJ: 11.222.333/0001-81", "501964843",
     "11222333000181"),
    ("Dodavatel", "Odběratel", "IČO: 27082440", "DIČ: CZ27082440", "27082440", "CZ27082440"),
    ("Säljare", "Köpare", "Org.nr 556036-0793", "Momsreg.nr SE556036079301", "5560360793",
     "SE556036079301"),
    ("Bill from", "Bill to", "VAT No: DE811907980", "VAT No: BE0403170701", "DE811907980",
     "BE0403170701"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("seller_heading", "buyer_heading", "seller_tax", "buyer_tax", "seller_id", "buyer_id"),
    PARTY_LAYOUTS,
)
def test_party_blocks_give_each_party_its_name_address_and_tax_id(
    seller_heading, buyer_heading, seller_tax, buyer_tax, seller_id, buyer_id
):
    rows = [
        [("Invoice 2024-0042", 40)],
        [(seller_heading, 40), (buyer_heading, 320)],
        [("Nordlicht Trading Ltd.", 40), ("Globex Industries Ltd.", 320)],
        [("Harbour Street 12", 40), ("Market Square 7", 320)],
        [("00-950 Port Town", 40), ("30-002 Old Town", 320)],
        [(seller_tax, 40), (buyer_tax, 320)],
    ]
    if seller_heading == "Bill from":
        rows[1][0] = ("Sold by", 40)
    result = values(rows)
    assert result["seller"] == "Nordlicht Trading Ltd."
    assert result["buyer"] == "Globex Industries Ltd."
    assert result["seller_address"] == "Harbour Street 12, 00-950 Port Town"
    assert result["buyer_address"] == "Market Square 7, 30-002 Old Town"
    assert result["seller_tax_id"] == seller_id
    assert result["buyer_tax_id"] == buyer_id


def test_a_delivery_block_is_neither_party():
    rows = [
        [("Bill to", 40), ("Ship to", 320)],
        [("Globex Industries Ltd.", 40), ("Globex Warehouse", 320)],
        [("Market Square 7", 40), ("Dock Road 1", 320)],
    ]
    result = values(rows)
    assert result["buyer"] == "Globex Industries Ltd."
    assert result["buyer_address"] == "Market Square 7"
    assert result["seller"] != "Globex Warehouse"


def test_the_issuer_in_the_footer_is_the_seller_when_no_heading_names_it():
    rows = [
        [("FAKTURA", 40)],
        [("Numer faktury: FV/2024/03/117", 40)],
        [("Razem do zapłaty", 40), ("123,00 zł", 300)],
        *([[]] * 20),
        [("Nordpol Sp. z o.o. · ul. Długa 5, 00-001 Warszawa · NIP 526-104-08-28", 40)],
    ]
    result = values(rows)
    assert result["seller"] == "Nordpol Sp. z o.o."
    assert result["seller_tax_id"] == "5261040828"


def test_a_japanese_buyer_is_addressed_with_onchu():
    rows = [[("株式会社山田商事 御中", 40)], [("請求書番号: 42", 300)]]
    assert values(rows)["buyer"] == "株式会社山田商事"


# --- tax ids -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("printed", "valid", "invalid"),
    [
        ("NIP: {}", "526-104-08-28", "526-104-08-27"),
        ("Partita IVA {}", "07643520567", "07643520568"),
        ("CIF: {}", "B12345674", "B12345675"),
        ("NIF {}", "501964843", "501964844"),
        ("CNPJ: {}", "11.222.333/0001-81", "11.222.333/0001-82"),
        ("IČO: {}", "27082440", "27082441"),
        ("Org.nr {}", "556036-0793", "556036-0794"),
        ("登録番号: {}", "T7000012050002", "T7000012050003"),
    ],
)
def test_national_tax_ids_are_checked_by_their_countrys_checksum(printed, valid, invalid):
    assert national_tax_ids(printed.format(valid))[0][1] is True
    assert national_tax_ids(printed.format(invalid))[0][1] is False


@pytest.mark.parametrize(
    ("vat_id", "ok"),
    [
        ("DE811907980", True), ("DE811907981", False), ("FR40303265045", True),
        ("FR41303265045", False), ("NL004495445B01", True), ("NL004495446B01", False),
        ("BE0403170701", True), ("BE0403170702", False), ("PL5261040828", True),
        ("IT07643520567", True), ("ESB12345674", True), ("PT501964843", True),
        ("SE556036079301", True), ("SE556036079401", False), ("CZ27082440", True),
    ],
)  # fmt: skip
def test_eu_vat_ids_are_checked_where_the_country_defines_a_checksum(vat_id, ok):
    assert tax_id_checksum(vat_id) is ok


def test_a_checksum_valid_tax_id_beats_an_invalid_one():
    # A misread digit (…27) printed before the real id (…28): the valid one wins.
    assert find_national_tax_ids("NIP 526-104-08-27  NIP 526-104-08-28")[0] == "5261040828"
    rows = [
        [("Nordpol Sp. z o.o.", 40)],
        [("NIP: 526-104-08-27", 40)],
        [("NIP: 526-104-08-28", 40)],
    ]
    result = extract_invoice(document(rows))
    assert result.fields["seller_tax_id"].value == "5261040828"
    assert {"name": "seller_tax_id_checksum", "ok": True} in result.checks


def test_an_invalid_tax_id_alone_is_kept_but_flagged():
    result = extract_invoice(document([[("Nordpol Sp. z o.o.", 40)], [("NIP: 526-104-08-27", 40)]]))
    assert result.fields["seller_tax_id"].value == "5261040827"
    assert {"name": "seller_tax_id_checksum", "ok": False} in result.checks


# --- bank details ------------------------------------------------------------------------


def test_iban_is_validated_by_mod_97():
    assert iban_ok("DE89 3704 0044 0532 0130 00")
    assert not iban_ok("DE89 3704 0044 0532 0130 01")  # one digit misread
    assert not iban_ok("DE89 3704 0044 0532 0130")  # too short for Germany
    assert find_ibans("IBAN: DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX") == [
        "DE89370400440532013000"
    ]
    assert find_ibans("IBAN: DE89 3704 0044 0532 0130 01") == []


def test_bank_details_iban_bic_and_domestic_account():
    rows = [
        [("Bankverbindung: Commerzbank", 40)],
        [("IBAN DE89 3704 0044 0532 0130 00", 40), ("BIC: COBADEFFXXX", 340)],
        [("Číslo účtu: 123456789/0800", 40)],
    ]
    result = extract_invoice(document(rows))
    assert result.fields["iban"].value == "DE89370400440532013000"
    assert result.fields["bic"].value == "COBADEFFXXX"
    assert result.fields["bank_account"].value == "123456789/0800"
    assert {"name": "iban_checksum", "ok": True} in result.checks
    assert result.fields["iban"].box is not None


def test_a_polish_account_number_is_the_iban_without_pl():
    rows = [[("Nr rachunku: 61 1090 1014 0000 0712 1981 2874", 40)]]
    assert values(rows)["iban"] == "PL61109010140000071219812874"


def test_a_misread_iban_is_not_offered():
    assert values([[("IBAN: DE89 3704 0044 0532 0130 01", 40)]])["iban"] is None


# --- purchase order, service period, tax breakdown ----------------------------------------


@pytest.mark.parametrize(
    ("label", "number"),
    [
        ("PO Number:", "PO-2024-0815"),
        ("Bestellnummer", "4500012345"),
        ("Numer zamówienia:", "ZAM/2024/55"),
        ("Número de pedido:", "PED-7781"),
        ("Číslo objednávky:", "OBJ-2024-17"),
        ("注文番号:", "A-100/22"),
    ],
)
def test_purchase_order_number(label, number):
    rows = [[("Invoice No: INV-1", 40)], [(label, 40), (number, 300)]]
    result = values(rows)
    assert result["purchase_order_number"] == number
    assert result["invoice_number"] == "INV-1"


@pytest.mark.parametrize(
    ("line", "start", "end"),
    [
        ("Leistungszeitraum: 01.03.2024 - 31.03.2024", "2024-03-01", "2024-03-31"),
        ("Okres rozliczeniowy: 2024-03-01 do 2024-03-31", "2024-03-01", "2024-03-31"),
        ("Billing period: March 2024", "2024-03-01", "2024-03-31"),
        ("Período de facturación: 02/2024", "2024-02-01", "2024-02-29"),
        ("請求期間: 2024年3月1日〜2024年3月31日", "2024-03-01", "2024-03-31"),
    ],
)
def test_service_period(line, start, end):
    result = values([[("Invoice date: 2024-04-02", 40)], [(line, 40)]])
    assert (result["service_period_start"], result["service_period_end"]) == (start, end)
    assert result["date"] == "2024-04-02"


def test_tax_breakdown_by_rate_adds_up_to_the_tax():
    rows = [
        [("Beschreibung", 40), ("Menge", 240), ("MwSt", 300), ("Betrag", 420)],
        [("Buch", 40), ("1", 240), ("7%", 300), ("50,00", 420)],
        [("Lampe", 40), ("1", 240), ("19%", 300), ("100,00", 420)],
        [],
        [("Nettobetrag", 300), ("150,00 EUR", 420)],
        [("MwSt. 7% auf 50,00", 40), ("3,50 EUR", 420)],
        [("MwSt. 19% auf 100,00", 40), ("19,00 EUR", 420)],
        [("Gesamtbetrag", 300), ("172,50 EUR", 420)],
    ]
    result = extract_invoice(document(rows))
    assert result.fields["tax_amount"].value == "22.50"
    assert result.fields["tax_breakdown"].value == [
        {"rate": "7", "net": "50.00", "tax": "3.50"},
        {"rate": "19", "net": "100.00", "tax": "19.00"},
    ]
    assert {"name": "tax_breakdown_matches_tax", "ok": True} in result.checks


def test_a_line_item_with_a_rate_is_no_breakdown_row():
    rows = [[("Widget  2 x 50.00  20%  100.00", 40)], [("Total", 40), ("100.00 EUR", 300)]]
    assert values(rows)["tax_breakdown"] is None


# --- languages, end to end on a text layer ------------------------------------------------

LANGUAGES = {
    "pl": {
        "rows": [
            [("Faktura VAT nr FV/2024/03/117", 40), ("Data wystawienia: 15.03.2024", 330)],
            [("Termin płatności: 14 dni", 330)],
            [("Sprzedawca", 40), ("Nabywca", 330)],
            [("Nordpol Sp. z o.o.", 40), ("Kowalski Handel S.A.", 330)],
            [("NIP: 526-104-08-28", 40), ("NIP: 677-002-54-18", 330)],
            [("Razem netto", 300), ("1 000,00 zł", 430)],
            [("Kwota VAT", 300), ("230,00 zł", 430)],
            [("Do zapłaty", 300), ("1 230,00 zł", 430)],
        ],
        "expect": {"invoice_number": "FV/2024/03/117", "due_date": "2024-03-29",
                   "currency": "PLN", "seller_tax_id": "5261040828"},
    },
    "es": {
        "rows": [
            [("Factura nº: A-2024/0017", 40), ("Fecha de emisión: 15/03/2024", 330)],
            [("Vencimiento: 14/04/2024", 330)],
            [("Vendedor", 40), ("Cliente", 330)],
            [("Iberia Servicios S.L.", 40), ("Comercial Norte S.A.", 330)],
            [("CIF: B12345674", 40), ("NIF: A58818501", 330)],
            [("Base imponible", 300), ("1.000,00 €", 430)],
            [("IVA 21%", 300), ("210,00 €", 430)],
            [("Total factura", 300), ("1.210,00 €", 430)],
        ],
        "expect": {"invoice_number": "A-2024/0017", "due_date": "2024-04-14", "currency": "EUR",
                   "buyer_tax_id": "A58818501", "total_amount": "1210.00"},
    },
    "it": {
        "rows": [
            [("Fattura n. 2024/FE/00315", 40), ("Data: 15/03/2024", 330)],
            [("Pagamento entro 30 giorni", 330)],
            [("Fornitore", 40), ("Cliente", 330)],
            [("Rossi Forniture S.r.l.", 40), ("Bianchi S.p.A.", 330)],
            [("P.IVA 07643520567", 40), ("P.IVA 00743110157", 330)],
            [("Imponibile", 300), ("500,00 €", 430)],
            [("IVA 22%", 300), ("110,00 €", 430)],
            [("Totale documento", 300), ("610,00 €", 430)],
        ],
        "expect": {"invoice_number": "2024/FE/00315", "due_date": "2024-04-14",
                   "seller": "Rossi Forniture S.r.l.", "buyer_tax_id": "00743110157"},
    },
    "pt": {
        "rows": [
            [("Fatura nº FT2024/117", 40), ("Data de emissão: 15-03-2024", 330)],
            [("Data de vencimento: 14-04-2024", 330)],
            [("Fornecedor", 40), ("Cliente", 330)],
            [("Lusitana Comércio Lda", 40), ("Porto Digital S.A.", 330)],
            [("NIF: 501964843", 40)],
            [("Valor sem IVA", 300), ("200,00 €", 430)],
            [("IVA 23%", 300), ("46,00 €", 430)],
            [("Total a pagar", 300), ("246,00 €", 430)],
        ],
        "expect": {"invoice_number": "FT2024/117", "date": "2024-03-15",
                   "seller_tax_id": "501964843", "net_amount": "200.00"},
    },
    "cs": {
        "rows": [
            [("Faktura č. FA-2024-0042", 40), ("Datum vystavení: 15.03.2024", 330)],
            [("Datum splatnosti: 29.03.2024", 330)],
            [("Dodavatel", 40), ("Odběratel", 330)],
            [("Praha Systems s.r.o.", 40), ("Brno Trade a.s.", 330)],
            [("IČO: 27082440", 40)],
            [("Základ daně", 300), ("1 000,00 Kč", 430)],
            [("DPH 21%", 300), ("210,00 Kč", 430)],
            [("Celkem k úhradě", 300), ("1 210,00 Kč", 430)],
        ],
        "expect": {"invoice_number": "FA-2024-0042", "due_date": "2024-03-29", "currency": "CZK",
                   "buyer": "Brno Trade a.s.", "seller_tax_id": "27082440"},
    },
    "sv": {
        "rows": [
            [("Fakturanummer: SE/24/1187", 40), ("Fakturadatum: 2024-03-15", 330)],
            [("Betalningsvillkor: 30 dagar netto", 330)],
            [("Säljare", 40), ("Köpare", 330)],
            [("Norrsken AB", 40), ("Göta Handel AB", 330)],
            [("Org.nr 556036-0793", 40)],
            [("Summa exkl. moms", 300), ("800,00 SEK", 430)],
            [("Moms 25%", 300), ("200,00 SEK", 430)],
            [("Att betala", 300), ("1 000,00 SEK", 430)],
        ],
        "expect": {"invoice_number": "SE/24/1187", "due_date": "2024-04-14", "currency": "SEK",
                   "seller": "Norrsken AB", "seller_tax_id": "5560360793"},
    },
}  # fmt: skip


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_each_language_reads_from_a_real_text_layer(language):
    case = LANGUAGES[language]
    data = invoice_makers.invoice_pdf([case["rows"]])
    result = extract_invoice(read_document(data), pdf_bytes=data).as_flat_dict()
    for name, expected in case["expect"].items():
        assert result[name] == expected, name
    assert result["total_amount"]
    assert result["seller"]
    assert result["buyer"]


def test_japanese_reads_from_a_real_text_layer():
    data = invoice_makers.invoice_pdf([invoice_makers.JAPANESE], japanese=True)
    result = extract_invoice(read_document(data), pdf_bytes=data).as_flat_dict()
    assert result["invoice_number"] == "2024-INV-0042/A"
    assert result["date"] == "2024-03-15"
    assert result["due_date"] == "2024-04-30"
    assert (result["net_amount"], result["tax_amount"], result["total_amount"]) == (
        "10000.00", "1000.00", "11000.00",
    )  # fmt: skip
    assert result["currency"] == "JPY"
    assert result["seller"] == "株式会社東京テック"
    assert result["buyer"] == "株式会社山田商事"
    assert result["seller_tax_id"] == "T7000012050002"
    assert result["tax_breakdown"] == [{"rate": "10", "net": "10000.00", "tax": "1000.00"}]


def test_line_items_go_on_across_a_page_break():
    header = [("Nazwa", 40), ("Ilość", 260), ("Cena", 320), ("Wartość", 420)]
    first = [
        [("Faktura nr FV/2024/9", 40)],
        header,
        [("Usługa A", 40), ("1", 260), ("100,00", 320), ("100,00", 420)],
        [("Usługa B", 40), ("2", 260), ("50,00", 320), ("100,00", 420)],
        [("Przeniesienie", 40), ("200,00", 420)],
    ]
    second = [
        [("Faktura nr FV/2024/9, strona 2", 40)],
        header,
        [("Usługa C", 40), ("1", 260), ("300,00", 320), ("300,00", 420)],
        [("Razem", 40), ("500,00", 420)],
    ]
    data = invoice_makers.invoice_pdf([first, second])
    result = extract_invoice(read_document(data), pdf_bytes=data)
    assert [line["description"] for line in result.lines] == ["Usługa A", "Usługa B", "Usługa C"]
    assert [line["amount"] for line in result.lines] == ["100.00", "100.00", "300.00"]


def test_a_page_footer_does_not_end_a_table_the_next_page_goes_on_with():
    header = [("Beschreibung", 40), ("Menge", 260), ("MwSt.", 330), ("Betrag", 420)]
    first = [
        [("Rechnungsnr. 30064443", 40)],
        header,
        [("Hosting S", 40), ("1", 260), ("0 %", 330), ("3,89", 420)],
        [("Hosting M", 40), ("1", 260), ("0 %", 330), ("5,39", 420)],
        *[[("", 40)]] * 6,
        [("Muster AG  Vorstand: A. Beispiel  IBAN DE30507500940000048567", 40)],
    ]
    second = [
        [("Rechnungsnr. 30064443 Seite 2", 40)],
        header,
        [("Hosting L", 40), ("1", 260), ("0 %", 330), ("3,89", 420)],
        [("Total EUR", 40), ("13,17", 420)],
    ]
    data = invoice_makers.invoice_pdf([first, second])
    result = extract_invoice(read_document(data), pdf_bytes=data)
    assert [line["amount"] for line in result.lines] == ["3.89", "5.39", "3.89"]
    flat = result.as_flat_dict()
    # "MwSt." heads a column: the item's figure under it is no tax of the document's.
    assert (flat["total_amount"], flat["net_amount"], flat["tax_amount"]) == (
        "13.17",
        "13.17",
        None,
    )


def test_the_totals_row_of_the_item_table_gives_net_and_tax():
    rows = [
        [("Product", 40), ("Qty", 250), ("Price", 300), ("Tax", 380), ("Total", 450)],
        [("Memory card 16 GB", 40), ("1", 250), ("278.61", 300), ("40.39", 380), ("319.00", 450)],
        [("Total", 40), ("1", 250), ("278.61", 300), ("40.39", 380), ("319.00", 450)],
        [("Service tax #: AAACW8725FSD001", 40)],
    ]
    result = values(rows)
    assert (result["net_amount"], result["tax_amount"], result["total_amount"]) == (
        "278.61", "40.39", "319.00",
    )  # fmt: skip


def test_a_registration_number_after_a_tax_label_is_no_amount():
    rows = [[("Service tax #: AAACW8725FSD001", 40)], [("Grand Total", 40), ("319.00", 300)]]
    result = values(rows)
    assert result["tax_amount"] is None
    assert result["net_amount"] == "319.00"


def test_the_bare_marked_number_under_an_invoice_title():
    rows = [
        [("Sammy Maystone", 40), ("INVOICE", 400)],
        [("# INV_2022-0001", 400)],
        [("Bill To:", 40), ("Ship To:", 200)],
        [("Taylor Riddel", 40), ("Taylor's Store", 200)],
        [("Total:", 300), ("$127.50", 400)],
    ]
    result = values(rows)
    assert result["invoice_number"] == "INV_2022-0001"
    assert result["buyer"] == "Taylor Riddel"  # the heading beside "Bill To:" is no name


def test_a_bare_marker_without_an_invoice_title_is_no_number():
    rows = [[("Packing list", 40)], [("# 42", 400)], [("Total:", 300), ("$127.50", 400)]]
    assert values(rows)["invoice_number"] is None


def test_an_indian_gst_invoice_in_lakh_grouping_with_cgst_and_sgst_lines():
    rows = [
        [("Sharma Textiles Pvt. Ltd.", 40), ("Invoice No. ST/24-25/0142", 330)],
        [("GSTIN/UIN: 27AAGCS4821K1Z4", 40), ("Dated 12-Apr-2024", 330)],
        [("Sl", 40), ("Description of Goods", 70), ("Quantity", 300), ("Amount", 450)],
        [("1", 40), ("Cotton shirting fabric", 70), ("2,500 m", 300), ("1,25,000.00", 450)],
        [("CGST @ 9%", 70), ("11,250.00", 450)],
        [("SGST @ 9%", 70), ("11,250.00", 450)],
        [("Total", 70), ("₹ 1,47,500.00", 450)],
    ]
    result = values(rows)
    # No line prints the tax total or the net: the two tax lines together and the items'
    # sum are what net + tax = total ties.
    assert (result["net_amount"], result["tax_amount"], result["total_amount"]) == (
        "125000.00", "22500.00", "147500.00",
    )  # fmt: skip
    assert (result["date"], result["currency"]) == ("2024-04-12", "INR")


def test_a_summary_of_several_tax_rates_gives_its_totals_row():
    rows = [
        [("Stawka", 40), ("Netto", 200), ("Kwota VAT", 300), ("Brutto", 420)],
        [("23%", 40), ("2 450,00", 200), ("563,50", 300), ("3 013,50", 420)],
        [("23%", 40), ("420,00", 200), ("96,60", 300), ("516,60", 420)],
        [("Razem", 40), ("2 870,00", 200), ("660,10", 300), ("3 530,10", 420)],
    ]
    result = values(rows)
    assert (result["net_amount"], result["tax_amount"], result["total_amount"]) == (
        "2870.00", "660.10", "3530.10",
    )  # fmt: skip


def test_a_canadian_invoice_in_dollars_with_gst_and_qst():
    rows = [
        [("Érablière Laval Inc.", 40), ("Invoice # 2024-311", 330)],
        [("GST/HST 123456789 RT0001", 40), ("Date: 2024-03-15", 330)],
        [("Subtotal", 300), ("$1,925.00", 450)],
        [("GST 5%", 300), ("$96.25", 450)],
        [("QST 9.975%", 300), ("$192.02", 450)],
        [("Total", 300), ("$2,213.27", 450)],
    ]
    result = values(rows)
    assert (result["tax_amount"], result["total_amount"]) == ("288.27", "2213.27")
    assert result["currency"] == "CAD"  # a bare "$" on a Canadian invoice
    assert values([[("Total", 300), ("$20.00", 450)]])["currency"] == "USD"


def test_swiss_totals_excluding_and_including_mwst():
    rows = [
        [("Muster AG", 40), ("Rechnung Nr. 2024-118", 330)],
        [("Total exkl. MWST", 300), ("4'200.00", 450)],
        [("MWST 8.1%", 300), ("340.20", 450)],
        [("Total inkl. MWST CHF", 300), ("4'540.20", 450)],
    ]
    result = values(rows)
    assert (result["net_amount"], result["tax_amount"], result["total_amount"]) == (
        "4200.00", "340.20", "4540.20",
    )  # fmt: skip
    # Whatever else fails to add up, the tax is never the whole amount.
    alone = values([[("Total exkl. MWST", 300), ("4'200.00", 450)]])
    assert alone["tax_amount"] != alone["total_amount"]


def test_the_net_term_not_the_discount_gives_the_due_date():
    rows = [
        [("Rechnungsdatum: 14.06.2024", 40)],
        [("Zahlbar innerhalb von 10 Tagen mit 2 % Skonto, 30 Tage netto", 40)],
    ]
    assert values(rows)["due_date"] == "2024-07-14"


@pytest.mark.parametrize(
    "sentence",
    [
        "Bitte überweisen Sie den Betrag bis zum 22.05.2024 ohne Abzug.",
        "Please pay by 22 May 2024.",
        "Merci de régler avant le 22/05/2024.",
    ],
)
def test_a_payment_sentence_names_the_due_date(sentence):
    rows = [[("Rechnung Nr. 7", 40), ("Datum: 08.05.2024", 330)], [(sentence, 40)]]
    assert values(rows)["due_date"] == "2024-05-22"


def test_a_receipt_ticket_number_and_its_vat_id_over_the_siret():
    rows = [
        [("BOULANGERIE DU MARCHÉ", 40)],
        [("SIRET 41234567800012", 40)],
        [("TVA FR23412345678", 40)],
        [("Ticket n° 004217", 40)],
        [("TOTAL TTC", 40), ("13,10 €", 300)],
    ]
    result = values(rows)
    assert (result["invoice_number"], result["seller_tax_id"]) == ("004217", "FR23412345678")


def test_fatturapa_courtesy_copy_party_blocks_with_their_name_labels():
    rows = [
        [("Cedente/prestatore (fornitore)", 40), ("Cessionario/committente (cliente)", 320)],
        [("Identificativo fiscale ai fini IVA: IT01874520396", 40),
         ("Identificativo fiscale ai fini IVA: IT06320184515", 320)],
        [("Denominazione: Tipografia Adriatica S.r.l.", 40),
         ("Denominazione: Studio Legale Ferri & Associati", 320)],
        [("Indirizzo: Via del Porto 18", 40), ("Indirizzo: Corso Mazzini 7", 320)],
        [("Numero documento", 40), ("Data documento", 200), ("Codice destinatario", 400)],
        [("145/2024", 40), ("18-04-2024", 200), ("M5UXCR1", 400)],
    ]  # fmt: skip
    result = values(rows)
    assert (result["seller"], result["buyer"]) == (
        "Tipografia Adriatica S.r.l.", "Studio Legale Ferri & Associati",
    )  # fmt: skip
    assert result["buyer_tax_id"] == "IT06320184515"  # the buyer block's, not a seller's


def test_a_heading_with_a_bracketed_gloss_opens_the_buyer_block():
    rows = [
        [("Sharma Textiles Pvt. Ltd.", 40)],
        [("GSTIN/UIN: 27AAGCS4821K1Z4", 40)],
        [("Buyer (Bill to)", 40)],
        [("Patel Garments LLP", 40)],
        [("GSTIN/UIN: 27AABCP7734M1ZY", 40)],
    ]
    result = values(rows)
    assert (result["buyer"], result["buyer_tax_id"]) == ("Patel Garments LLP", "27AABCP7734M1ZY")
    assert result["seller_tax_id"] == "27AAGCS4821K1Z4"


def test_the_issuer_named_first_on_a_footer_line_with_its_bank_details():
    rows = [
        [("Van der Berg Installatietechniek", 40)],
        [("Factuur 2024-0311", 320)],
        *[[(f"Snoeiwerk dag {day}", 40), ("100,00", 450)] for day in range(1, 13)],
        [("Totaal", 320), ("€ 1.210,00", 450)],
        *[[("", 40)]] * 8,
        [("Groenrijk Hoveniers B.V. · Dorpsstraat 4, Utrecht · IBAN NL91ABNA0417164300", 40)],
    ]
    assert values(rows)["seller"] == "Groenrijk Hoveniers B.V."


# --- OCR'd amounts -----------------------------------------------------------------------


def test_an_ocr_misread_digit_is_repaired_by_net_plus_tax_equals_total():
    rows = [
        [("Subtotal", 40), ("100.00 EUR", 300)],
        [("VAT 19%", 40), ("19.00 EUR", 300)],
        [("Total", 40), ("179.00 EUR", 300)],  # 119.00 with its 1 read as 7
    ]
    result = extract_invoice(document(rows, source="ocr", confidence=0.9))
    assert result.fields["total_amount"].value == "119.00"
    assert {"name": "net_plus_tax_equals_total", "ok": True} in result.checks
    assert result.fields["total_amount"].confidence < result.fields["net_amount"].confidence


def test_ocr_splits_at_a_decimal_point_and_doubled_separators_are_joined_again():
    rows = [
        [("LIGHTROOM GALLERY SDN BHD", 40)],
        [("PAID 13 MAR 2018", 300)],  # a stamp across the paper
        [("Sub Total", 40), ("RM 37. 55", 300)],
        [("GST 6%", 40), ("RM 2 .25", 300)],
        [("TOTAL :", 40), ("RM 39. 80", 300)],
        [("14--03-18 21:49 SH03ZJ20", 40)],
    ]
    result = values(rows, source="ocr", confidence=0.9)
    assert (result["net_amount"], result["tax_amount"], result["total_amount"]) == (
        "37.55", "2.25", "39.80",
    )  # fmt: skip
    assert result["date"] == "2018-03-14"  # the receipt's stamp with its time, not the "PAID"
    text_layer = values([[("Total", 40), ("39. 80", 300)]])
    assert text_layer["total_amount"] != "39.80"  # a text layer prints what it prints


def test_a_date_ocr_split_into_two_boxes_is_read_whole():
    rows = [[("Invoice No: 77", 40)], [("Due Date:", 40), ("3", 200), ("May 2024", 215)]]
    assert values(rows, source="ocr", confidence=0.9)["due_date"] == "2024-05-03"


def test_polish_labels_whose_l_with_stroke_ocr_read_as_t():
    rows = [
        [("Faktura VAT nr FV/2024/03/117", 40)],
        [("Data wystawienia: 12.03.2024", 40)],
        [("Termin ptatnosci: 26.03.2024", 40)],  # "płatności", its ł read as t
        [("Do zaptaty:", 40), ("3 530,10 PLN", 300)],
    ]
    result = values(rows, source="ocr", confidence=0.9)
    assert (result["due_date"], result["total_amount"]) == ("2024-03-26", "3530.10")


def test_a_text_layer_amount_is_never_repaired():
    rows = [
        [("Subtotal", 40), ("100.00 EUR", 300)],
        [("VAT 19%", 40), ("19.00 EUR", 300)],
        [("Total", 40), ("179.00 EUR", 300)],
    ]
    assert values(rows)["total_amount"] == "179.00"


# --- what a scan leaves out ---------------------------------------------------------------


def test_the_currency_follows_the_sellers_country_when_no_sign_is_printed():
    rows = [[("N° TVA : FR40303265045", 40)], [("Total TTC", 40), ("600,00", 300)]]
    result = extract_invoice(document(rows, source="ocr"))
    assert result.fields["currency"].value == "EUR"
    assert result.fields["currency"].confidence < 0.7  # a guess: a person confirms it
    rows = [[("IBAN: PL61 1090 1014 0000 0712 1981 2874", 40)]]
    assert values(rows)["currency"] == "PLN"


def test_end_of_month_terms_run_to_the_months_last_day():
    rows = [[("Date : 15/03/2024", 40)], [("Conditions de paiement : 30 jours fin de mois", 40)]]
    assert values(rows)["due_date"] == "2024-04-30"


def test_the_letterhead_address_and_a_block_that_stops_at_the_item_table():
    rows = [
        [("Atelier Lumière SARL", 40)],
        [("12 rue des Lilas, 75011 Paris", 40)],
        [("Facture N° F-1", 300)],
        [("Client", 40)],
        [("Boulangerie Martin SAS", 40)],
        [("8 avenue Foch, 69006 Lyon", 40)],
        [("Désignation", 40), ("Qté", 280), ("Montant", 400)],
        [("Conseil", 40), ("2", 280), ("500,00", 400)],
    ]
    result = values(rows, source="ocr")
    assert result["seller_address"] == "12 rue des Lilas, 75011 Paris"
    assert result["buyer_address"] == "8 avenue Foch, 69006 Lyon"


def test_a_single_rate_breakdown_from_the_tax_line():
    rows = [
        [("Total HT", 40), ("500,00 €", 300)],
        [("TVA 20%", 40), ("100,00 €", 300)],
        [("Total TTC", 40), ("600,00 €", 300)],
    ]
    assert values(rows)["tax_breakdown"] == [{"rate": "20", "net": "500.00", "tax": "100.00"}]


@pytest.mark.parametrize(
    "heading",
    ["Spett.le", "Dane nabywcy", "Datos del cliente", "Příjemce", "Faktureringsadress",
     "Rechnungsempfänger", "Bill to", "Sold to", "Destinataire"],
)  # fmt: skip
def test_buyer_headings_name_the_buyer_below_them(heading):
    rows = [
        [("Nordlicht Trading Ltd.", 40)],
        [(heading, 40)],
        [("Globex Industries Ltd.", 40)],
        [("Market Square 7", 40)],
    ]
    result = values(rows)
    assert result["buyer"] == "Globex Industries Ltd."
    assert result["buyer_address"] == "Market Square 7"
    assert result["seller"] == "Nordlicht Trading Ltd."


def test_a_window_envelope_sender_line_and_addressee():
    rows = [
        [("Muster GmbH · Hauptstr. 1 · 10115 Berlin", 40)],
        [("Herrn", 40)],
        [("Max Mustermann", 40)],
        [("Ringstr. 5", 40)],
        [("80331 München", 40)],
        [("Rechnung Nr. RE-2024/0815", 40), ("Datum: 15.03.2024", 360)],
    ]
    result = values(rows)
    assert result["seller"] == "Muster GmbH"
    assert result["buyer"] == "Max Mustermann"
    assert result["buyer_address"] == "Ringstr. 5, 80331 München"


def test_a_tax_id_label_qualified_by_whose_it_is():
    rows = [
        [("Iberia Servicios S.L. - CIF B12345674 - C/ Mayor 1, 28013 Madrid", 40)],
        [("Cliente: Comercial Norte S.A.", 40)],
        [("NIF cliente: A58818501", 40)],
    ]
    result = values(rows)
    assert result["seller"] == "Iberia Servicios S.L."
    assert result["seller_tax_id"] == "B12345674"
    assert result["buyer_tax_id"] == "A58818501"


def test_a_japanese_bill_with_yen_amounts_without_decimals():
    rows = [
        [("御請求書", 260)],
        [("株式会社山田商事 御中", 40)],
        [("株式会社東京テック", 400)],
        [("登録番号 T7000012050002", 400)],
        [("ご請求金額 ¥110,000-", 40)],  # the dash closes the amount
        [("小計", 300), ("100,000", 420)],
        [("消費税(10%)", 300), ("10,000", 420)],
        [("合計", 300), ("110,000", 420)],
    ]
    result = values(rows)
    assert result["seller"] == "株式会社東京テック"  # not the 御請求書 heading
    assert (result["net_amount"], result["tax_amount"], result["total_amount"]) == (
        "100000.00", "10000.00", "110000.00",
    )  # fmt: skip
    assert result["currency"] == "JPY"


def test_ocr_reading_a_leading_i_as_l_still_finds_the_label():
    rows = [[("lnvoice No : INV/2024/0042", 40)], [("Sub Total", 300), ("100.00", 430)]]
    result = values(rows, source="ocr")
    assert result["invoice_number"] == "INV/2024/0042"
    assert result["seller"] != "Sub Total"  # a line of labels is never the issuer


def test_a_series_before_the_number_belongs_to_it_and_kr_is_sek_in_sweden():
    assert values([[("Fatura FT 2024/117", 40)]])["invoice_number"] == "FT 2024/117"
    rows = [[("Org.nr: 556036-0793", 40)], [("Att betala", 40), ("1 000,00 kr", 300)]]
    assert values(rows)["currency"] == "SEK"


@pytest.mark.parametrize(
    ("rows", "number", "date", "due"),
    [
        ([[("Bill Number: 2024/BN/7", 40)], [("Date issued: 03/15/2024", 40)],
          [("Due: 04/14/2024", 40)]], "2024/BN/7", "2024-03-15", "2024-04-14"),
        ([[("Rg.-Nr. 2024-0815/B", 40)], [("Datum: 15.03.2024", 40)],
          [("Fällig am: 14.04.2024", 40)]], "2024-0815/B", "2024-03-15", "2024-04-14"),
    ],
)  # fmt: skip
def test_more_spellings_of_number_date_and_due_date(rows, number, date, due):
    result = values(rows)
    assert (result["invoice_number"], result["date"], result["due_date"]) == (number, date, due)


def test_labels_match_when_a_scan_drops_their_accents():
    rows = [
        [("ELECTRO SERVICES", 40)],
        [("SAS au capital de 10 000 €", 40)],
        [("45, boulevard Haussmann", 40)],
        [("75009 PARIS", 40)],
        [("Facture a :", 330)],  # "Facturé à"
        [("SARL Dupont & Fils", 330)],
        [("3 place Bellecour", 330)],
        [("FACTURE N° FA-2024-0317", 40)],
        [("Date de facture : 12 mars 2024", 40)],
        [("Echeance : 11 avril 2024", 40)],  # "Échéance"
        [("Termin platnosci: 14 dni", 40)],
    ]
    result = values(rows, source="ocr")
    assert result["buyer"] == "SARL Dupont & Fils"
    assert result["buyer_address"] == "3 place Bellecour"
    assert result["due_date"] == "2024-04-11"
    assert result["seller_address"] == "45, boulevard Haussmann, 75009 PARIS"  # not the capital


@pytest.mark.parametrize(
    ("other", "issue"),
    [
        ("Data sprzedaży: 14.03.2024", "Data: 15.03.2024"),
        ("Fecha de entrega: 14/03/2024", "Fecha: 15/03/2024"),
        ("Datum uskutečnění zdanitelného plnění: 14.03.2024", "Datum: 15.03.2024"),
    ],
)
def test_a_date_qualified_after_its_label_is_not_the_issue_date(other, issue):
    assert values([[(other, 40)], [(issue, 40)]])["date"] == "2024-03-15"


def test_a_window_envelope_address_without_heading_is_the_buyer():
    rows = [
        [("Nordlicht Handel GmbH", 40)],
        [("Hafenstraße 12", 40)],
        [("20457 Hamburg", 40)],
        [],
        [("Muster AG", 40)],
        [("Ringstraße 5", 40)],
        [("80331 München", 40)],
        [],
        [("Rechnung Nr. RE-2024/0815", 40), ("Datum: 15.03.2024", 360)],
    ]
    result = values(rows)
    assert result["seller"] == "Nordlicht Handel GmbH"
    assert result["seller_address"] == "Hafenstraße 12, 20457 Hamburg"
    assert result["buyer"] == "Muster AG"
    assert result["buyer_address"] == "Ringstraße 5, 80331 München"
    # The letterhead's own address block alone is nobody's window.
    assert values(rows[:3] + rows[7:])["buyer"] is None
