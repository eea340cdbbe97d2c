"""The generic PDF statement reader (billing/parsers/pdf_generic/) on statements of banks
without a template, made here with reportlab in several layouts: separate debit/credit
columns, a running balance, day-first and month-first dates, French and German number
formats, multi-line descriptions, several accounts, dates on their own line, a scanned page.
Reconciliation is the arbiter: each test's layout has one reading under which it ties."""

from __future__ import annotations

import io
import time
from datetime import date
from decimal import Decimal

import pytest

from billing.parsers import StatementError, parse_statement, statement_status
from billing.parsers.layout_tokens import DateOrder, find_amounts, find_dates

D = Decimal


class Page:
    """Rows of text at fixed y steps; each cell is (x, text) left-aligned or (x, text, "r")
    right-aligned at x, the way statements print amounts."""

    def __init__(self, font_size: float = 9) -> None:
        self.pages: list[list[tuple[float, float, str, str]]] = [[]]
        self.y = 60.0
        self.font_size = font_size

    def row(self, *cells: tuple) -> Page:
        for cell in cells:
            align = cell[2] if len(cell) > 2 else "l"
            self.pages[-1].append((cell[0], self.y, str(cell[1]), align))
        self.y += self.font_size * 1.5
        return self

    def newpage(self) -> Page:
        self.pages.append([])
        self.y = 60.0
        return self

    def pdf(self) -> bytes:
        from reportlab.pdfgen import canvas

        buffer = io.BytesIO()
        pdf = canvas.Canvas(buffer, pagesize=(595, 842), invariant=1)
        for page in self.pages:
            pdf.setFont("Helvetica", self.font_size)
            for x, y, text, align in page:
                draw = pdf.drawRightString if align == "r" else pdf.drawString
                draw(x, 842 - y, text)
            pdf.showPage()
        pdf.save()
        return buffer.getvalue()


def read(data: bytes):
    statement = parse_statement(data, filename="statement.pdf", templates=[])
    assert statement.bank_code == "generic"
    return statement


def rows_of(bill) -> list[tuple[str, str]]:
    return [(str(t.amount), t.direction) for t in bill.transactions]


# --- French current account: Débit / Crédit columns, two accounts ----------------------------


def french_statement(closing: str = "2.988,49") -> bytes:
    page = Page()
    page.row((40, "BANQUE EXEMPLE"), (380, "Caisse 01234"))
    page.row((40, "RELEVE ET INFORMATIONS BANCAIRES"))
    page.row((40, "02 juin 2014"))
    page.row((60, "C/C COMPTE CHEQUES N° 00020324201 en euros"))
    page.row((60, "IBAN : FR76 1027 8072 2800 0203 2420 139"))
    header = [(40, "Date"), (95, "Date valeur"), (160, "Opération"), (440, "Débit euros", "r")]
    page.row(*header, (530, "Crédit euros", "r"))
    page.row((160, "SOLDE CREDITEUR AU 30/04/2014"), (530, "1.591,73", "r"))
    page.row(
        (40, "02/05/2014"), (95, "02/05/2014"), (160, "PAIEMENT CB 0105 RUST"), (440, "29,50", "r")
    )
    page.row((160, "EUROPA PARK GMBH CARTE 02892630"))
    page.row((40, "03/05/2014"), (95, "03/05/2014"), (160, "VIR PARENTS"), (530, "350,00", "r"))
    page.row(
        (40, "14/05/2014"),
        (95, "14/05/2014"),
        (160, "PAIEMENT CB 1305 14,00 USD"),
        (440, "10,22", "r"),
    )
    page.row((160, "USCUSTOMS ESTA CARTE 02892630"))
    page.row(
        (40, "28/05/2014"), (95, "28/05/2014"), (160, "VIR SARL CONSULTING"), (530, "1.086,48", "r")
    )
    page.row((60, "Réf : 005"), (160, "SOLDE CREDITEUR AU 02/06/2014"), (530, closing, "r"))
    page.row((200, "Sous réserve des extournes ou annulations éventuelles Page 1"))
    page.newpage()
    page.row((40, "RELEVE ET INFORMATIONS BANCAIRES"))
    page.row((60, "LIVRET BLEU N° 00020324203 en euros"))
    page.row(*header, (530, "Crédit euros", "r"))
    page.row((160, "SOLDE CREDITEUR AU 01/05/2014"), (530, "6.181,66", "r"))
    page.row(
        (40, "09/05/2014"),
        (95, "01/05/2014"),
        (160, "VIR PROVISIONS DEBUT MAI"),
        (440, "181,66", "r"),
    )
    page.row((40, "29/05/2014"), (95, "01/06/2014"), (160, "PAIE MAI"), (530, "200,00", "r"))
    page.row((160, "SOLDE CREDITEUR AU 02/06/2014"), (530, "6.200,00", "r"))
    page.row((40, "N° de compte"), (160, "TOTAL DES FRAIS EN AVR 2014"), (530, "3,30", "r"))
    return page.pdf()


def test_a_current_account_with_debit_and_credit_columns_and_two_accounts_reconciles():
    statement = read(french_statement())
    main, savings = statement.bills
    assert main.account_kind == savings.account_kind == "current"
    assert rows_of(main) == [
        ("29.50", "debit"),
        ("350.00", "credit"),
        ("10.22", "debit"),
        ("1086.48", "credit"),
    ]
    assert (main.previous_balance, main.new_balance) == (D("1591.73"), D("2988.49"))
    assert (
        main.transactions[0].description == "PAIEMENT CB 0105 RUST EUROPA PARK GMBH CARTE 02892630"
    )
    fx = main.transactions[2]
    assert (fx.fx_amount, fx.fx_currency) == (D("14.00"), "USD")
    assert main.transactions[0].posting_date == date(2014, 5, 2)
    assert main.statement_date == date(2014, 6, 2)
    assert "00020324201" in main.account
    assert rows_of(savings) == [("181.66", "debit"), ("200.00", "credit")]
    assert (savings.previous_balance, savings.new_balance) == (D("6181.66"), D("6200.00"))
    assert "LIVRET BLEU" in savings.account
    assert statement_status(statement)[0] == "verified"


def test_a_figure_changed_on_the_page_sends_the_statement_to_review_with_the_reason():
    statement = read(french_statement(closing="2.988,50"))
    status, problems = statement_status(statement)
    assert status == "review"
    assert any(p["code"] == "balance_mismatch" for p in problems)


# --- US card statement: month-first dates, one signed column, summary box ------------------


def us_card_statement(new_balance: str = "1,308.87") -> bytes:
    page = Page()
    page.row((40, "EXAMPLE CARD SERVICES"), (400, "Account ending 4421"))
    page.row((40, "Visa Signature Card 4000 12XX XXXX 4421"))
    page.row(
        (40, "Statement Closing Date"), (200, "Payment Due Date"), (360, "Minimum Payment Due")
    )
    page.row((40, "01/05/2015"), (200, "01/30/2015"), (360, "$35.00"))
    page.row((40, "Previous Balance"), (300, "$1,250.00", "r"))
    page.row((40, "New Balance"), (300, f"${new_balance}", "r"))
    page.row((40, "Trans Date"), (110, "Description"), (520, "Amount", "r"))
    page.row((40, "12/28"), (110, "AMAZON MKTPLACE SEATTLE WA"), (520, "45.99", "r"))
    page.row((40, "12/30"), (110, "PAYMENT THANK YOU"), (520, "-500.00", "r"))
    page.row((40, "01/02"), (110, "WHOLE FOODS MARKET"), (520, "512.88", "r"))
    page.row((40, "01/03"), (110, "RETURN STORE CREDIT"), (520, "-0.00", "r"))
    page.row((40, "Total fees charged this period"), (520, "$0.00", "r"))
    return page.pdf()


def test_a_card_statement_with_month_first_dates_and_a_signed_amount_column():
    statement = read(us_card_statement())
    bill = statement.bills[0]
    assert bill.account_kind == "card"
    assert bill.card_last4 == "4421"
    assert rows_of(bill) == [
        ("45.99", "debit"),
        ("500.00", "credit"),
        ("512.88", "debit"),
        ("0.00", "credit"),
    ]
    assert bill.statement_date == date(2015, 1, 5)
    assert bill.due_date == date(2015, 1, 30)
    assert bill.minimum_payment == D("35.00")
    # December rows on a January statement belong to the year before.
    assert bill.transactions[0].posting_date == date(2014, 12, 28)
    assert bill.transactions[2].posting_date == date(2015, 1, 2)
    assert (bill.previous_balance, bill.new_balance) == (D("1250.00"), D("1308.87"))
    assert statement_status(statement)[0] == "verified"


def test_a_card_statement_that_does_not_add_up_is_review_never_verified():
    statement = read(us_card_statement(new_balance="1,308.86"))
    status, problems = statement_status(statement)
    assert status == "review"
    assert {"balance_mismatch", "reader_note"} <= {p["code"] for p in problems}


# --- German current account: Soll / Haben, dates without a year, a period line --------------


def german_statement() -> bytes:
    page = Page()
    page.row((40, "Beispielbank AG"), (380, "Girokonto 123 456 789"))
    page.row((40, "Kontoauszug 8/2014 vom 01.08.2014 bis 31.08.2014"))
    page.row((40, "IBAN DE89 3704 0044 0532 0130 00"))
    page.row(
        (40, "Buchung"),
        (90, "Valuta"),
        (150, "Vorgang / Verwendungszweck"),
        (470, "Soll", "r"),
        (540, "Haben", "r"),
    )
    page.row((150, "alter Kontostand vom 31.07.2014"), (540, "2.345,67", "r"))
    page.row(
        (40, "04.08."), (90, "04.08."), (150, "Lastschrift STADTWERKE"), (470, "1.120,50", "r")
    )
    page.row((150, "Abschlag August Kunden-Nr. 4711"))
    page.row(
        (40, "15.08."), (90, "15.08."), (150, "Gutschrift GEHALT AUGUST"), (540, "2.500,00", "r")
    )
    page.row((40, "29.08."), (90, "29.08."), (150, "Kartenzahlung REWE"), (470, "87,15", "r"))
    page.row((150, "neuer Kontostand vom 31.08.2014"), (540, "3.638,02", "r"))
    return page.pdf()


def test_a_german_statement_with_soll_haben_columns_and_dates_without_a_year():
    statement = read(german_statement())
    bill = statement.bills[0]
    assert bill.account_kind == "current"
    assert rows_of(bill) == [("1120.50", "debit"), ("2500.00", "credit"), ("87.15", "debit")]
    assert bill.transactions[0].description == (
        "Lastschrift STADTWERKE Abschlag August Kunden-Nr. 4711"
    )
    assert bill.transactions[1].posting_date == date(2014, 8, 15)
    assert bill.period_start == date(2014, 8, 1)
    assert bill.statement_date == date(2014, 8, 31)
    assert (bill.previous_balance, bill.new_balance) == (D("2345.67"), D("3638.02"))
    assert statement_status(statement)[0] == "verified"


# --- UK current account: paid out / paid in / running balance, no balance lines -------------


def uk_statement(newest_first: bool = False) -> bytes:
    rows = [
        ("03 Mar 2024", "CARD PAYMENT TESCO STORES", "42.10", "", "957.90"),
        ("05 Mar 2024", "SALARY ACME LTD", "", "2,100.00", "3,057.90"),
        ("09 Mar 2024", "DIRECT DEBIT COUNCIL TAX", "156.00", "", "2,901.90"),
        ("11 Mar 2024", "TRANSFER TO SAVINGS", "1,000.00", "", "1,901.90"),
    ]
    page = Page()
    page.row((40, "Example Bank plc"), (380, "Sort code 12-34-56"))
    page.row((40, "Your current account statement"))
    page.row(
        (40, "Date"),
        (120, "Description"),
        (400, "Paid out", "r"),
        (470, "Paid in", "r"),
        (550, "Balance", "r"),
    )
    for when, text, out, paid_in, balance in reversed(rows) if newest_first else rows:
        page.row((40, when), (120, text), (400, out, "r"), (470, paid_in, "r"), (550, balance, "r"))
    return page.pdf()


@pytest.mark.parametrize("newest_first", [False, True])
def test_a_running_balance_gives_the_balances_when_no_line_prints_them(newest_first):
    statement = read(uk_statement(newest_first))
    bill = statement.bills[0]
    assert bill.account_kind == "current"
    assert (bill.previous_balance, bill.new_balance) == (D("1000.00"), D("1901.90"))
    assert sorted(rows_of(bill)) == sorted(
        [("42.10", "debit"), ("2100.00", "credit"), ("156.00", "debit"), ("1000.00", "debit")]
    )
    assert statement_status(statement)[0] == "verified"


# --- the arbiter: columns without a heading -------------------------------------------------


@pytest.mark.parametrize(
    ("cue", "kind", "directions"),
    [
        ("Credit card statement, card 4000 1234 5678 9010", "card", ("credit", "debit")),
        ("Current account IBAN GB29 NWBK 6016 1331 9268 19", "current", ("debit", "credit")),
    ],
)
def test_unlabelled_columns_are_read_the_way_the_balances_tie(cue, kind, directions):
    """Two amount columns with no heading. Which one is the debit column is whatever makes
    the balances tie in the account's sign convention (a card owes, an account holds)."""
    page = Page()
    page.row((40, "SOMEBANK"), (300, "Statement date 31/01/2024"))
    page.row((40, cue))
    page.row((40, "Opening balance"), (520, "500.00", "r"))
    page.row((40, "05/01/2024"), (100, "SHOP"), (440, "20.00", "r"))
    page.row((40, "09/01/2024"), (100, "GROCERIES"), (520, "70.00", "r"))
    page.row((40, "15/01/2024"), (100, "RESTAURANT"), (520, "30.00", "r"))
    page.row((40, "Closing balance"), (520, "580.00", "r"))
    statement = read(page.pdf())
    bill = statement.bills[0]
    assert (bill.previous_balance, bill.new_balance) == (D("500.00"), D("580.00"))
    assert bill.account_kind == kind
    left, right = directions
    assert rows_of(bill) == [("20.00", left), ("70.00", right), ("30.00", right)]
    assert statement_status(statement)[0] == "verified"


def test_the_running_balance_tells_the_balance_column_from_the_amounts():
    """Three unlabelled columns: only one of them moves by each row's amount."""
    page = Page()
    page.row((40, "Statement date 31/01/2024"), (300, "Current account IBAN"))
    page.row((40, "02/01/2024"), (100, "SALARY"), (380, "1,000.00", "r"), (540, "1,250.00", "r"))
    page.row((40, "05/01/2024"), (100, "RENT"), (460, "600.00", "r"), (540, "650.00", "r"))
    page.row((40, "09/01/2024"), (100, "SHOP"), (460, "25.50", "r"), (540, "624.50", "r"))
    statement = read(page.pdf())
    bill = statement.bills[0]
    assert rows_of(bill) == [("1000.00", "credit"), ("600.00", "debit"), ("25.50", "debit")]
    assert (bill.previous_balance, bill.new_balance) == (D("250.00"), D("624.50"))
    assert statement_status(statement)[0] == "verified"


def test_dates_printed_on_the_line_above_the_description_still_make_one_row():
    page = Page()
    page.row((40, "DEMO BANK BERHAD"))
    page.row((40, "Tarikh Penyata"), (150, "11/11/26"))
    page.row((40, "Tarikh Bayaran Perlu Dibuat"), (180, "01/12/26"))
    page.row((40, "VISA PLATINUM 1234 5678 9012 0005"))
    page.row((40, "PREVIOUS STATEMENT BALANCE"), (420, "574.06", "r"))
    page.row((40, "03/11/26"), (100, "04/11/26"))
    page.row((40, "PAYMENT - THANK YOU"), (420, "47.78CR", "r"))
    page.row((40, "05/11/26"), (100, "06/11/26"))
    page.row((40, "APOTEK PHARMACY"), (420, "56.75", "r"))
    page.row((40, "CURRENT BALANCE"), (420, "583.03", "r"))
    statement = read(page.pdf())
    bill = statement.bills[0]
    assert rows_of(bill) == [("47.78", "credit"), ("56.75", "debit")]
    assert bill.statement_date == date(2026, 11, 11)
    assert bill.due_date == date(2026, 12, 1)
    assert statement_status(statement)[0] == "verified"


def test_a_transaction_called_balance_transfer_is_a_row_not_a_balance():
    page = Page()
    page.row((40, "Statement Date 18 Nov 2026"), (300, "Payment Due Date 08 Dec 2026"))
    page.row((40, "CARD NO 1234-5678-9012-0001"))
    page.row((40, "PREVIOUS STATEMENT BALANCE"), (480, "2,134.90", "r"))
    page.row((40, "05/11"), (80, "PAYMENT - THANK YOU"), (480, "634.40CR", "r"))
    page.row((40, "20/11"), (80, "BALANCE TRANSFER 24M :04/24"), (480, "312.50", "r"))
    page.row((40, "SUB TOTAL / JUMLAH"), (480, "1,813.00", "r"))
    statement = read(page.pdf())
    bill = statement.bills[0]
    assert rows_of(bill) == [("634.40", "credit"), ("312.50", "debit")]
    assert bill.new_balance == D("1813.00")  # the sub-total is the figure the rows tie to
    assert statement_status(statement)[0] == "verified"


# --- a scanned statement: OCR'd by the invoices' engine, read by the same reader ------------


def scanned(pdf: bytes) -> bytes:
    """The statement as a scan: its first page rendered to pixels, wrapped in an image-only
    PDF (no text layer)."""
    import pypdfium2 as pdfium
    from PIL import Image

    document = pdfium.PdfDocument(pdf)
    image = document[0].render(scale=200 / 72).to_pil().convert("L")
    document.close()
    out = io.BytesIO()
    Image.Image.save(image, out, format="PDF", resolution=200)
    return out.getvalue()


def test_a_scanned_statement_is_ocrd_and_read_by_the_same_reader():
    page = Page(font_size=12)
    page.row((40, "SOMEBANK STATEMENT"), (330, "Statement date 31/01/2024"))
    page.row((40, "Date"), (140, "Description"), (440, "Debit", "r"), (540, "Credit", "r"))
    page.row((40, "Opening balance"), (540, "500.00", "r"))
    page.row((40, "05/01/2024"), (140, "GROCERIES MARKET"), (440, "70.00", "r"))
    page.row((40, "09/01/2024"), (140, "SALARY PAYMENT"), (540, "1200.00", "r"))
    page.row((40, "15/01/2024"), (140, "RESTAURANT DINNER"), (440, "30.00", "r"))
    page.row((40, "Closing balance"), (540, "1600.00", "r"))
    statement = read(scanned(page.pdf()))
    bill = statement.bills[0]
    assert bill.account_kind == "current"
    assert rows_of(bill) == [("70.00", "debit"), ("1200.00", "credit"), ("30.00", "debit")]
    assert (bill.previous_balance, bill.new_balance) == (D("500.00"), D("1600.00"))
    assert statement_status(statement)[0] == "verified"


# --- bad input -----------------------------------------------------------------------------


def test_a_truncated_statement_fails_with_a_reason_at_once():
    started = time.process_time()
    with pytest.raises(StatementError) as error:
        parse_statement(french_statement()[:700], filename="s.pdf", templates=[])
    assert error.value.code == "unreadable_pdf"
    assert time.process_time() - started < 30  # a generous bound on CPU, not a timing test


def test_a_page_with_text_but_no_transaction_table_is_review_with_the_reason():
    page = Page().row((40, "Dear customer, thank you for banking with us.")).row((40, "Page 1"))
    statement = read(page.pdf())
    status, problems = statement_status(statement)
    assert status == "review"
    assert any("No transaction table" in p["message"] for p in problems)


def test_long_lines_of_digits_and_separators_are_read_in_linear_time():
    page = Page()
    page.row((40, "Statement date 31/01/2024"))
    for _ in range(20):
        page.row((40, "1,111" * 150))
        page.row((40, "01/01/2024 " + "12.05." * 150))
    statement = read(page.pdf())
    assert statement_status(statement)[0] == "review"


# --- tokens ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "sign", "marker"),
    [
        ("1,234.56", "1234.56", 1, ""),
        ("1.234,56", "1234.56", 1, ""),
        ("1 234,56", "1234.56", 1, ""),
        ("1'234.56", "1234.56", 1, ""),
        ("-45.00", "45.00", -1, ""),
        ("45.00-", "45.00", -1, ""),
        ("(45.00)", "45.00", -1, ""),
        ("45.00 CR", "45.00", 1, "CR"),
        ("RM12.00DR", "12.00", 1, "DR"),
        ("$1,234.56", "1234.56", 1, ""),
        ("€ 9,99", "9.99", 1, ""),
    ],
)
def test_amounts_in_every_common_locale(text, value, sign, marker):
    (amount,) = find_amounts(text)
    assert (str(amount.value), amount.sign, amount.marker) == (value, sign, marker)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/08/2014", date(2014, 8, 15)),
        ("2014-08-15", date(2014, 8, 15)),
        ("15 août 2014", date(2014, 8, 15)),
        ("15. August 2014", date(2014, 8, 15)),
        ("AUG 15, 2014", date(2014, 8, 15)),
        ("15 Ago 2014", date(2014, 8, 15)),
        ("15.08.2014", date(2014, 8, 15)),
        ("2014年8月15日", date(2014, 8, 15)),
        ("15AUG2014", date(2014, 8, 15)),  # printed without separators (HK, SG cards)
        ("AUG 15,2014", date(2014, 8, 15)),  # OCR dropped the space after the comma
        ("15/AGO/2014", date(2014, 8, 15)),  # Mexico
    ],
)
def test_dates_in_every_common_form(text, expected):
    (token,) = find_dates(text)
    assert token.resolve(DateOrder(month_first=False, decided=True), None) == expected


def test_the_date_order_is_decided_by_the_document_not_the_row():
    tokens = [t for text in ("03/04", "12/28", "01/02") for t in find_dates(text)]
    order = DateOrder.of(tokens)
    assert order.month_first and order.decided
    assert tokens[0].resolve(order, date(2015, 1, 5)) == date(2014, 3, 4)


# --- end to end: the upload API and the worker ---------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_a_statement_of_a_bank_without_a_template_is_imported_through_the_api(
    agent_client, customer, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from billing.models import Bill

    upload = SimpleUploadedFile("releve.pdf", french_statement())
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            "/api/v1/statements/", {"file": upload, "customer": customer.pk}, format="multipart"
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert agent_client.get(body["job_url"]).json()["status"] == "succeeded"
    detail = agent_client.get(f"/api/v1/statements/{body['id']}/").json()
    assert (detail["status"], detail["bank"]) == ("verified", "generic")
    bills = Bill.objects.filter(statement_import_id=body["id"]).order_by("id")
    assert [(b.account_kind, b.card.last4, b.status) for b in bills] == [
        ("current", "4201", "verified"),
        ("current", "4203", "verified"),
    ]
    assert [str(b.new_balance) for b in bills] == ["2988.49", "6200.00"]
    assert bills[0].transactions.count() == 4


def test_rows_under_a_date_printed_once_per_day_take_that_date_when_the_balance_says_so():
    page = Page()
    page.row((40, "Example Bank plc"), (380, "Sort code 12-34-56"))
    page.row(
        (40, "Date"),
        (120, "Payment type and details"),
        (400, "Paid out", "r"),
        (470, "Paid in", "r"),
        (550, "Balance", "r"),
    )
    page.row((40, "01 Mar 24"), (120, "BALANCE BROUGHT FORWARD"), (550, "1,000.00", "r"))
    page.row((40, "03 Mar 24"), (120, "VIS TESCO STORES"), (400, "42.10", "r"))
    page.row((120, "VIS COSTA COFFEE"), (400, "3.20", "r"), (550, "954.70", "r"))
    page.row(
        (40, "05 Mar 24"),
        (120, "BGC ACME LTD SALARY"),
        (470, "2,100.00", "r"),
        (550, "3,054.70", "r"),
    )
    page.row((120, "BALANCE CARRIED FORWARD"), (550, "3,054.70", "r"))
    statement = read(page.pdf())
    bill = statement.bills[0]
    assert rows_of(bill) == [("42.10", "debit"), ("3.20", "debit"), ("2100.00", "credit")]
    assert bill.transactions[1].posting_date == date(2024, 3, 3)
    assert (bill.previous_balance, bill.new_balance) == (D("1000.00"), D("3054.70"))
    assert statement_status(statement)[0] == "verified"


@pytest.mark.parametrize(
    ("heading", "words"),
    [
        (("Withdrawal Amt.", "Deposit Amt.", "Closing Balance"), "Narration"),
        (("Debit", "Credit", "Balance"), "Description"),
    ],
)
def test_indian_style_statement_with_lakh_grouping(heading, words):
    page = Page()
    page.row((40, "Statement of account"), (300, "Account No : 50100123456789"))
    page.row(
        (40, "Date"),
        (100, words),
        (380, heading[0], "r"),
        (460, heading[1], "r"),
        (550, heading[2], "r"),
    )
    page.row(
        (40, "01/04/23"),
        (100, "NEFT CR-SALARY APRIL"),
        (460, "1,25,000.00", "r"),
        (550, "2,37,345.50", "r"),
    )
    page.row(
        (40, "03/04/23"),
        (100, "UPI-GROCERY STORE"),
        (380, "2,345.50", "r"),
        (550, "2,35,000.00", "r"),
    )
    page.row(
        (40, "Opening Balance"), (200, "Dr Count"), (300, "Cr Count"), (550, "Closing Bal", "r")
    )
    page.row((40, "1,12,345.50"), (200, "1"), (300, "1"), (550, "2,35,000.00", "r"))
    statement = read(page.pdf())
    bill = statement.bills[0]
    assert rows_of(bill) == [("125000.00", "credit"), ("2345.50", "debit")]
    assert (bill.previous_balance, bill.new_balance) == (D("112345.50"), D("235000.00"))
    assert statement_status(statement)[0] == "verified"


def test_a_us_card_statement_with_an_opening_closing_period_and_grouped_activity():
    page = Page()
    page.row((40, "ACCOUNT SUMMARY"))
    page.row((40, "Account Number: XXXX XXXX XXXX 1234"))
    page.row((40, "Previous Balance"), (300, "$1,234.56", "r"))
    page.row((40, "Payment, Credits"), (300, "-$1,234.56", "r"))
    page.row((40, "Purchases"), (300, "+$523.19", "r"))
    page.row((40, "New Balance"), (300, "$523.19", "r"))
    page.row((40, "Opening/Closing Date"), (200, "12/06/23 - 01/05/24"))
    page.row((40, "Payment Due Date:"), (200, "02/01/24"))
    page.row((40, "Minimum Payment Due:"), (300, "$40.00", "r"))
    page.row(
        (40, "Date of"), (120, "Merchant Name or Transaction Description"), (520, "$ Amount", "r")
    )
    page.row((40, "PAYMENTS AND OTHER CREDITS"))
    page.row((40, "12/15"), (120, "Payment Thank You-Mobile"), (520, "-1,234.56", "r"))
    page.row((40, "PURCHASE"))
    page.row((40, "12/08"), (120, "AMAZON MKTPL*AB12CD3 Amzn.com/bill WA"), (520, "45.99", "r"))
    page.row((40, "12/22"), (120, "UBER *EATS HELP.UBER.COM CA"), (520, "32.20", "r"))
    page.row((40, "01/03"), (120, "DELTA AIR 0062345 DELTA.COM GA"), (520, "445.00", "r"))
    page.row((40, "Total fees charged in 2024"), (520, "$0.00", "r"))
    statement = read(page.pdf())
    bill = statement.bills[0]
    assert (bill.account_kind, bill.card_last4) == ("card", "1234")
    assert (bill.period_start, bill.statement_date) == (date(2023, 12, 6), date(2024, 1, 5))
    assert (bill.due_date, bill.minimum_payment) == (date(2024, 2, 1), D("40.00"))
    assert rows_of(bill) == [
        ("1234.56", "credit"),
        ("45.99", "debit"),
        ("32.20", "debit"),
        ("445.00", "debit"),
    ]
    assert bill.transactions[3].posting_date == date(2024, 1, 3)
    assert statement_status(statement) == ("verified", [])


def test_a_chinese_card_statement():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    rows = [
        [(40, "信用卡对账单")],
        [(40, "账单日"), (140, "2024/03/05"), (300, "到期还款日"), (400, "2024/03/23")],
        [(40, "卡号 6225 88** **** 1234")],
        [(40, "上期账单金额"), (260, "1,200.00", "r")],
        [(40, "本期应还金额"), (260, "2,050.50", "r")],
        [(40, "最低还款额"), (260, "205.05", "r")],
        [(40, "交易日"), (100, "记账日"), (160, "交易摘要"), (520, "人民币金额", "r")],
        [(40, "02/10"), (100, "02/11"), (160, "财付通-美团外卖"), (520, "58.50", "r")],
        [(40, "02/15"), (100, "02/15"), (160, "还款"), (520, "-1,200.00", "r")],
        [(40, "02/28"), (100, "02/29"), (160, "京东商城"), (520, "1,992.00", "r")],
    ]
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595, 842), invariant=1)
    pdf.setFont("STSong-Light", 9)
    for index, row in enumerate(rows):
        for cell in row:
            draw = pdf.drawRightString if cell[2:] == ("r",) else pdf.drawString
            draw(cell[0], 842 - 60 - 14 * index, cell[1])
    pdf.showPage()
    pdf.save()
    statement = read(buffer.getvalue())
    bill = statement.bills[0]
    assert (bill.statement_date, bill.due_date) == (date(2024, 3, 5), date(2024, 3, 23))
    assert (bill.previous_balance, bill.new_balance, bill.minimum_payment) == (
        D("1200.00"),
        D("2050.50"),
        D("205.05"),
    )
    assert rows_of(bill) == [("58.50", "debit"), ("1200.00", "credit"), ("1992.00", "debit")]
    assert (bill.card_last4, bill.currency) == ("1234", "CNY")
    assert statement_status(statement)[0] == "verified"


# --- layout hints: what a supervisor marked on a sample ------------------------------------


def test_the_reading_of_a_sample_is_a_layout_spec_that_reads_it_again_the_same_way():
    from billing.parsers.pdf_generic import LayoutHints, layout_suggestion, parse_generic_document
    from billing.parsers.pdf_reader import read_pdf_document

    document = read_pdf_document(german_statement())
    spec = layout_suggestion(document)
    assert spec["kind"] == "current" and spec["date_order"] == "day_first"
    assert [column["role"] for column in spec["columns"]] == ["debit", "credit"]
    assert spec["labels"]["previous_balance"].lower().startswith("alter kontostand")
    again = parse_generic_document(document, LayoutHints.from_spec(spec))
    assert rows_of(again.bills[0]) == rows_of(read(german_statement()).bills[0])
    assert statement_status(again)[0] == "verified"


def test_marked_columns_and_labels_are_taken_as_given():
    """A bank whose labels no language list knows, and columns with no heading: marked once,
    read every time."""
    from billing.parsers.pdf_generic import LayoutHints, parse_generic_document
    from billing.parsers.pdf_reader import read_pdf_document

    page = Page()
    page.row((40, "ZORG BANK"), (300, "Uitgiftedag 31/01/2024"))
    page.row((40, "Beginstand"), (520, "500.00", "r"))
    page.row((40, "05/01/2024"), (100, "WINKEL"), (440, "20.00", "r"))
    page.row((40, "09/01/2024"), (100, "LOON"), (520, "70.00", "r"))
    page.row((40, "Eindstand"), (520, "550.00", "r"))
    document = read_pdf_document(page.pdf())
    hints = LayoutHints.from_spec(
        {
            "kind": "current",
            "date_order": "day_first",
            "columns": [
                {"role": "debit", "x0": 0.68, "x1": 0.75},
                {"role": "credit", "x0": 0.82, "x1": 0.88},
            ],
            "labels": {
                "statement_date": "Uitgiftedag",
                "previous_balance": "Beginstand",
                "new_balance": "Eindstand",
            },
        }
    )
    statement = parse_generic_document(document, hints)
    bill = statement.bills[0]
    assert bill.statement_date == date(2024, 1, 31)
    assert (bill.previous_balance, bill.new_balance) == (D("500.00"), D("550.00"))
    assert rows_of(bill) == [("20.00", "debit"), ("70.00", "credit")]
    assert statement_status(statement)[0] == "verified"


@pytest.mark.usefixtures("seeded")
def test_a_foreign_currency_row_keeps_its_original_amount_and_the_implied_rate(
    agent_client, customer, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("releve.pdf", french_statement())
    with django_capture_on_commit_callbacks(execute=True):
        body = agent_client.post(
            "/api/v1/statements/", {"file": upload, "customer": customer.pk}, format="multipart"
        ).json()
    rows = agent_client.get("/api/v1/transactions/", {"page_size": 50}).json()["results"]
    fx = next(r for r in rows if r["fx_currency"])
    assert (fx["amount"], fx["fx_amount"], fx["fx_currency"], fx["fx_rate"]) == (
        "10.22",
        "14.00",
        "USD",
        "0.730000",
    )
    assert body["status"] == "queued"


def test_an_fx_memo_line_is_the_rows_original_amount_not_another_row():
    page = Page()
    page.row((40, "Credit card statement"), (300, "Statement Date 05 Mar 2024"))
    page.row((40, "Previous balance"), (520, "100.00", "r"))
    page.row((40, "02 Mar"), (100, "HOTEL LISBOA PT"), (520, "217.40", "r"))
    page.row((100, "EUR 200.00 @ 1.0870 incl. fee"))
    page.row((40, "New balance"), (520, "317.40", "r"))
    bill = read(page.pdf()).bills[0]
    (row,) = bill.transactions
    assert (row.amount, row.fx_amount, row.fx_currency) == (D("217.40"), D("200.00"), "EUR")
    assert bill.new_balance == D("317.40")


def test_balances_printed_on_dates_in_a_summary_box_are_the_opening_and_closing_ones():
    page = Page()
    page.row((40, "Example Bank plc"), (380, "Sort code 12-34-56"))
    page.row((40, "Your statement 1 May 2024 to 31 May 2024"))
    page.row((40, "Balance on 1 May 2024"), (300, "£1,234.56", "r"))
    page.row((40, "Money in"), (300, "£2,000.00", "r"))
    page.row((40, "Money out"), (300, "£1,100.00", "r"))
    page.row((40, "Balance on 31 May 2024"), (300, "£2,134.56", "r"))
    page.row((40, "Date"), (120, "Description"), (430, "Money out", "r"), (520, "Money in", "r"))
    page.row((40, "02 May"), (120, "SALARY"), (520, "2,000.00", "r"))
    page.row((40, "10 May"), (120, "RENT"), (430, "1,100.00", "r"))
    statement = read(page.pdf())
    bill = statement.bills[0]
    assert (bill.period_start, bill.statement_date) == (date(2024, 5, 1), date(2024, 5, 31))
    assert (bill.previous_balance, bill.new_balance) == (D("1234.56"), D("2134.56"))
    assert bill.currency == "GBP"
    assert statement_status(statement)[0] == "verified"


@pytest.mark.parametrize("one_run_of_text", [False, True])
def test_a_summary_table_of_two_cards_gives_their_balances_together(one_run_of_text):
    page = Page()
    page.row((40, "Example Card Services"), (380, "Statement Date 05 Nov 2026"))
    page.row((40, "Payment Due Date 25 Nov 2026"))
    headings = ["CARD", "PREV BAL", "PURCHASES", "PAYMENTS", "STMT BAL"]
    page.row(*[(x, text) for x, text in zip((40, 230, 310, 390, 470), headings, strict=True)])
    for card, figures in (
        ("4111-0000-0000-0002", ("1,000.00", "300.00", "500.00", "800.00")),
        ("4111-0000-0000-0003", ("20.00CR", "50.00", "0.00", "30.00")),
    ):
        if one_run_of_text:  # the whole row drawn as one string, as some issuers do
            page.row((40, " ".join((card, *figures))))
        else:
            columns = zip((280, 360, 440, 520), figures, strict=True)
            page.row((40, card), *[(x, figure, "r") for x, figure in columns])
    page.row((40, "Date"), (120, "Description"), (520, "Amount", "r"))
    page.row((40, "02 Nov"), (120, "PAYMENT THANK YOU"), (520, "500.00CR", "r"))
    page.row((40, "08 Nov"), (120, "GROCER"), (520, "300.00", "r"))
    page.row((40, "12 Nov"), (120, "BOOKSHOP"), (520, "50.00", "r"))
    bill = read(page.pdf()).bills[0]
    # 1,000.00 - 20.00 before; 800.00 + 30.00 after: every card's balance together.
    assert (bill.previous_balance, bill.new_balance) == (D("980.00"), D("830.00"))


def test_a_current_account_paid_by_debit_card_with_long_references_stays_a_current_account():
    # The debit card's masked number on purchase rows and long SEPA references are no cue of
    # a card statement; balances marked H (Haben) are money held.
    page = Page()
    page.row((40, "Volksbank Musterstadt eG"), (380, "Kontoauszug 3/2024"))
    page.row((40, "IBAN DE02 1203 0000 0000 2020 51"))
    page.row((40, "Bu-Tag"), (120, "Vorgang"), (520, "Betrag EUR", "r"))
    page.row((120, "alter Kontostand vom 29.02.2024"), (520, "1.000,00 H", "r"))
    page.row((40, "01.03."), (120, "Kartenzahlung 4532****1234 REWE"), (520, "67,43 S", "r"))
    page.row((120, "EREF: 7461230001 MREF: TK1234567"))
    page.row((40, "06.03."), (120, "Lastschrift PayPal 1039582736412"), (520, "10,99 S", "r"))
    page.row((40, "27.03."), (120, "Lohn/Gehalt 03/2024"), (520, "2.000,00 H", "r"))
    page.row((120, "neuer Kontostand vom 31.03.2024"), (520, "2.921,58 H", "r"))
    statement = read(page.pdf())
    bill = statement.bills[0]
    assert bill.account_kind == "current"
    assert (bill.previous_balance, bill.new_balance) == (D("1000.00"), D("2921.58"))
    assert rows_of(bill) == [("67.43", "debit"), ("10.99", "debit"), ("2000.00", "credit")]
    assert statement_status(statement)[0] == "verified"


def test_a_signed_amount_and_a_running_balance_read_as_a_current_account_when_nothing_else_says():
    page = Page()
    page.row((40, "Kontoutdrag"), (330, "Period 2024-03-01 - 2024-03-31"))
    page.row((40, "Bokföringsdag"), (190, "Text"), (470, "Belopp", "r"), (555, "Saldo", "r"))
    page.row((190, "Ingående saldo 2024-02-29"), (555, "18 452,10", "r"))
    page.row(
        (40, "2024-03-01"),
        (190, "ICA NARA HOGDALEN"),
        (470, "-412,35", "r"),
        (555, "18 039,75", "r"),
    )
    page.row(
        (40, "2024-03-05"), (190, "SWISH FRAN ANNA"), (470, "250,00", "r"), (555, "18 289,75", "r")
    )
    page.row((40, "2024-03-08"), (190, "SL ACCESS"), (470, "-970,00", "r"), (555, "17 319,75", "r"))
    page.row((190, "Utgående saldo 2024-03-31"), (555, "17 319,75", "r"))
    statement = read(page.pdf())
    bill = statement.bills[0]
    assert bill.account_kind == "current"
    assert rows_of(bill) == [("412.35", "debit"), ("250.00", "credit"), ("970.00", "debit")]
    assert (bill.previous_balance, bill.new_balance) == (D("18452.10"), D("17319.75"))
    assert bill.statement_date == date(2024, 3, 31)


def test_a_summary_box_above_the_table_and_its_brought_forward_are_one_account():
    page = Page()
    page.row((40, "Example Bank"), (380, "Statement Date 31 JAN 2024"))
    page.row((40, "Sort Code 60-12-34"), (200, "Account No 87654321"))
    page.row((380, "Previous Balance"), (540, "£2,841.17", "r"))
    page.row((380, "Paid In"), (540, "£100.00", "r"))
    page.row((380, "Withdrawn"), (540, "£23.40", "r"))
    page.row((380, "New Balance"), (540, "£2,917.77", "r"))
    page.row((40, "Date"), (120, "Description"), (380, "Paid In", "r"), (460, "Withdrawn", "r"),
             (540, "Balance", "r"))  # fmt: skip
    page.row((40, "01 JAN 2024"), (120, "BROUGHT FORWARD"), (540, "2,841.17", "r"))
    page.row((40, "02 JAN 2024"), (120, "CARD PAYMENT TO COSTA"), (460, "23.40", "r"),
             (540, "2,817.77", "r"))  # fmt: skip
    page.row((40, "03 JAN 2024"), (120, "AUTOMATED CREDIT"), (380, "100.00", "r"),
             (540, "2,917.77", "r"))  # fmt: skip
    statement = read(page.pdf())
    assert len(statement.bills) == 1
    bill = statement.bills[0]
    assert (bill.previous_balance, bill.new_balance) == (D("2841.17"), D("2917.77"))
    assert statement_status(statement)[0] == "verified"


@pytest.mark.parametrize(
    ("period", "opening_label", "closing_label"),
    [
        ("Okres: od 01.03.2024 do 31.03.2024", "Saldo początkowe", "Saldo końcowe"),
        ("Periode 01-03-2024 t/m 31-03-2024", "Beginsaldo", "Eindsaldo"),
        ("01/03/2024 - 31/03/2024", "Opening balance", "Closing balance"),
    ],
)
def test_the_period_and_balances_in_more_languages(period, opening_label, closing_label):
    page = Page()
    page.row((40, "Example Bank"))
    page.row((40, period))
    page.row((40, opening_label), (540, "1 000,00", "r"))
    page.row((40, "Data"), (120, "Opis"), (460, "Obciążenia", "r"), (540, "Uznania", "r"))
    page.row((40, "04.03.2024"), (120, "Sklep"), (460, "200,00", "r"))
    page.row((40, "10.03.2024"), (120, "Wynagrodzenie"), (540, "500,00", "r"))
    page.row((40, closing_label), (540, "1 300,00", "r"))
    bill = read(page.pdf()).bills[0]
    assert (bill.period_start, bill.statement_date) == (date(2024, 3, 1), date(2024, 3, 31))
    assert (bill.previous_balance, bill.new_balance) == (D("1000.00"), D("1300.00"))


def test_day_and_month_name_dates_two_per_row_take_the_periods_year():
    page = Page()
    page.row((40, "BBVA Ejemplo"), (330, "Periodo del 01/01/2024 al 31/01/2024"))
    page.row((40, "Saldo anterior"), (540, "10,000.00", "r"))
    page.row((40, "Oper"), (90, "Liq"), (150, "Descripción"), (400, "Cargos", "r"),
             (470, "Abonos", "r"), (540, "Saldo", "r"))  # fmt: skip
    page.row((40, "02/ENE"), (90, "02/ENE"), (150, "PAGO TARJETA"), (400, "500.00", "r"),
             (540, "9,500.00", "r"))  # fmt: skip
    page.row((40, "15/ENE"), (90, "16/ENE"), (150, "DEPOSITO NOMINA"), (470, "2,000.00", "r"),
             (540, "11,500.00", "r"))  # fmt: skip
    page.row((40, "Saldo final"), (540, "11,500.00", "r"))
    bill = read(page.pdf()).bills[0]
    assert [t.posting_date for t in bill.transactions] == [date(2024, 1, 2), date(2024, 1, 15)]
    assert rows_of(bill) == [("500.00", "debit"), ("2000.00", "credit")]


def test_a_us_checking_statement_with_check_rows_and_a_for_period():
    page = Page()
    page.row((40, "Example Bank"), (300, "for January 1, 2024 to January 31, 2024"))
    page.row((40, "Beginning balance on January 1, 2024"), (540, "$2,000.00", "r"))
    page.row((40, "Ending balance on January 31, 2024"), (540, "$2,650.00", "r"))
    page.row((40, "Date"), (120, "Description"), (540, "Amount", "r"))
    page.row((40, "01/05/24"), (120, "Payroll deposit ACME"), (540, "1,000.00", "r"))
    page.row((40, "01/12/24"), (120, "1023"), (540, "-250.00", "r"))  # a check: its number
    page.row((40, "01/20/24"), (120, "Card purchase GROCER"), (540, "-100.00", "r"))
    statement = read(page.pdf())
    bill = statement.bills[0]
    assert rows_of(bill) == [("1000.00", "credit"), ("250.00", "debit"), ("100.00", "debit")]
    assert bill.statement_date == date(2024, 1, 31)
    assert statement_status(statement)[0] == "verified"


def test_a_current_account_paying_its_credit_card_is_still_a_current_account():
    page = Page()
    page.row((40, "CommBank"), (330, "Statement Period 1 Jan 2024 - 31 Jan 2024"))
    page.row((40, "Date"), (120, "Transaction"), (380, "Debit", "r"), (460, "Credit", "r"),
             (540, "Balance", "r"))  # fmt: skip
    page.row((40, "01 Jan"), (120, "OPENING BALANCE"), (540, "$2,500.00 CR", "r"))
    page.row((40, "05 Jan"), (120, "Transfer To CBA Credit Card"), (380, "169.20", "r"),
             (540, "$2,330.80 CR", "r"))  # fmt: skip
    page.row((40, "15 Jan"), (120, "Salary ACME"), (460, "1,000.00", "r"),
             (540, "$3,330.80 CR", "r"))  # fmt: skip
    page.row((40, "31 Jan"), (120, "CLOSING BALANCE"), (540, "$3,330.80 CR", "r"))
    bill = read(page.pdf()).bills[0]
    assert bill.account_kind == "current"
    assert (bill.previous_balance, bill.new_balance) == (D("2500.00"), D("3330.80"))


@pytest.mark.parametrize(
    ("label", "value"),
    [("Previous Account Balance", "1,000.00"), ("Emissão: 06/02/2024 Saldo anterior", "1.000,00")],
)
def test_more_summary_labels(label, value):
    page = Page()
    page.row((40, "Example Bank"), (330, "Statement Date 06/02/2024"))
    page.row((40, label), (540, value, "r"))
    page.row((40, "Date"), (120, "Description"), (540, "Amount", "r"))
    page.row((40, "01/02"), (120, "SHOP"), (540, "100,00" if "," in value[-3:] else "100.00", "r"))
    bill = read(page.pdf()).bills[0]
    assert bill.previous_balance == D("1000.00")
    assert bill.statement_date == date(2024, 2, 6)


def test_many_amount_columns_are_bounded_to_the_rightmost_ones():
    page = Page()
    page.row((40, "Statement date 31/01/2024"), (300, "Current account IBAN"))
    page.row((40, "Opening balance"), (560, "100.00", "r"))
    for day in range(1, 21):
        cells = [(40, f"{day:02d}/01/2024"), (90, "SHOP")]
        cells += [(x, f"{day}.{x % 100:02d}", "r") for x in (200, 250, 300, 350, 400)]
        page.row(*cells, (480, "1.00", "r"), (560, f"{100 - day}.00", "r"))
    page.row((40, "Closing balance"), (560, "80.00", "r"))
    started = time.process_time()
    statement = read(page.pdf())
    assert time.process_time() - started < 60  # a generous bound on CPU, not a timing test
    bill = statement.bills[0]
    assert (bill.previous_balance, bill.new_balance) == (D("100.00"), D("80.00"))
    assert {(str(t.amount), t.direction) for t in bill.transactions} == {("1.00", "debit")}
