"""CSV/XLSX exports of banks without a template: column roles, dates, amounts and sign
conventions inferred from the file, and refused with a named reason where the file does not
say (billing/parsers/table_generic.py, table_signs.py)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from billing.parsers import StatementError, parse_statement, statement_status
from billing.parsers.amounts import detect_amount_syntax, parse_amount
from billing.parsers.dates import choose_date_order, read_date

D = Decimal


def _parse(text: str, encoding: str = "utf-8", name: str = "export.csv"):
    return parse_statement(text.encode(encoding), filename=name, templates=[])


def _moves(statement) -> list[tuple[Decimal, str]]:
    return [(t.amount, t.direction) for t in statement.bills[0].transactions]


def _notes(statement) -> str:
    return " ".join(statement.problems)


def _xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_german_export_with_soll_haben_flags_preamble_and_decimal_commas():
    text = (
        '"Kontonummer:";"DE12 1203 0000 0012 3456 78 / Girokonto";\n'
        '"Von:";"01.03.2024";\n"Bis:";"31.03.2024";\n'
        '"Kontostand vom 01.03.2024:";"580,23 EUR";\n'
        '"Kontostand vom 31.03.2024:";"2.345,67 EUR";\n\n'
        '"Buchungstag";"Wertstellung";"Buchungstext";"Auftraggeber / Begünstigter";'
        '"Verwendungszweck";"Umsatz";"Soll/Haben"\n'
        '"05.03.2024";"05.03.2024";"Lastschrift";"Stadtwerke";"Strom März";"1.234,56";"S"\n'
        '"15.03.2024";"15.03.2024";"Gutschrift";"Arbeitgeber GmbH";"Gehalt";"3.000,00";"H"\n'
    )
    statement = _parse(text, "cp1252")
    bill = statement.bills[0]
    assert _moves(statement) == [(D("1234.56"), "debit"), (D("3000.00"), "credit")]
    assert (bill.previous_balance, bill.new_balance) == (D("580.23"), D("2345.67"))
    assert (bill.period_start, bill.statement_date) == (date(2024, 3, 1), date(2024, 3, 31))
    assert (bill.account_kind, bill.currency) == ("current", "EUR")
    assert bill.account.startswith("DE12")
    assert "Strom" in bill.transactions[0].description
    assert statement_status(statement)[0] == "verified"


def test_french_debit_credit_columns_with_preamble_in_cp1252():
    text = (
        "Compte courant n° 00012345678;\nDevise;EUR;\n"
        "Solde initial;1 200,00;\nSolde final;2 654,90;\n;\n"
        "Date opération;Date valeur;Libellé;Débit;Crédit\n"
        "12/03/2024;12/03/2024;VIR SALAIRE MARS;;2 500,00\n"
        "04/03/2024;04/03/2024;PRLV SEPA EDF;1 045,10;\n"
    )
    statement = _parse(text, "cp1252")
    bill = statement.bills[0]
    assert _moves(statement) == [(D("2500.00"), "credit"), (D("1045.10"), "debit")]
    assert (bill.previous_balance, bill.new_balance) == (D("1200.00"), D("2654.90"))
    assert (bill.account_kind, bill.currency) == ("current", "EUR")
    assert bill.transactions[0].description == "VIR SALAIRE MARS"
    assert statement_status(statement)[0] == "verified"


def test_uk_money_in_money_out_with_running_balance_gives_the_balances():
    text = (
        '"Account Name:","FlexAccount ****12345"\n"Account Balance:","£1,460.16"\n\n'
        '"Date","Transaction type","Description","Paid out","Paid in","Balance"\n'
        '"01 Mar 2024","Visa purchase","TESCO STORES","£12.34","","£1,487.66"\n'
        '"02 Mar 2024","Direct debit","COUNCIL TAX","£127.50","","£1,360.16"\n'
        '"04 Mar 2024","Bank credit","ACME LTD","","£100.00","£1,460.16"\n'
    )
    statement = _parse(text, "cp1252")
    bill = statement.bills[0]
    assert _moves(statement) == [
        (D("12.34"), "debit"),
        (D("127.50"), "debit"),
        (D("100.00"), "credit"),
    ]
    assert (bill.previous_balance, bill.new_balance) == (D("1500.00"), D("1460.16"))
    assert (bill.account_kind, bill.currency) == ("current", "GBP")
    assert statement_status(statement)[0] == "verified"


def test_card_export_with_positive_charges_is_decided_by_description_words():
    text = (
        "Date,Description,Amount\n"
        "03/12/2024,AMAZON MARKETPLACE PURCHASE,45.10\n"
        "03/15/2024,PAYMENT - THANK YOU,-500.00\n"
        "03/16/2024,STARBUCKS 1234,4.50\n"
        "03/19/2024,REFUND AMAZON,-12.00\n"
    )
    statement = _parse(text)
    assert _moves(statement) == [
        (D("45.10"), "debit"),
        (D("500.00"), "credit"),
        (D("4.50"), "debit"),
        (D("12.00"), "credit"),
    ]
    assert statement.bills[0].account_kind == "card"
    assert "Sign convention" not in _notes(statement)


def test_running_balance_chooses_the_sign_convention_of_a_card_export():
    # Charges printed positive; nothing in the descriptions says so, the balance owed does.
    text = (
        "Card Number,Date,Description,Amount,Balance\n"
        "************4242,2024-03-01,ACME,100.00,1100.00\n"
        "************4242,2024-03-02,FOO BAR,-50.00,1050.00\n"
        "************4242,2024-03-05,BAZ,20.00,1070.00\n"
    )
    statement = _parse(text)
    bill = statement.bills[0]
    assert _moves(statement) == [
        (D("100.00"), "debit"),
        (D("50.00"), "credit"),
        (D("20.00"), "debit"),
    ]
    assert (bill.account_kind, bill.card_last4) == ("card", "4242")
    assert (bill.previous_balance, bill.new_balance) == (D("1000.00"), D("1070.00"))
    assert statement_status(statement)[0] == "verified"


def test_ambiguous_sign_keeps_the_default_and_names_the_ambiguity():
    text = "Date,Label,Amount\n2018-12-15,LABEL 1,33.50\n2018-12-15,LABEL 2,-1525.00\n"
    statement = _parse(text)
    assert _moves(statement) == [(D("33.50"), "credit"), (D("1525.00"), "debit")]
    assert statement.needs_review
    assert "Sign convention not evident" in _notes(statement)
    assert statement_status(statement)[0] == "review"


def test_running_balance_that_does_not_tie_is_reported_not_fixed():
    text = (
        "Date;Description;Debit;Credit;Balance\n"
        '"2022-02-25";"Pho";"16.46";"0";"28593.10"\n'
        '"2022-02-24";"College";"0";"1359.01";"26028.42"\n'
        '"2022-02-14";"Whole Foods";"64.57";"0";"26275.43"\n'
        '"2022-02-10";"Payroll";"0";"2581.14";"26340.00"\n'
    )
    statement = _parse(text)
    bill = statement.bills[0]
    assert _moves(statement) == [
        (D("16.46"), "debit"),
        (D("1359.01"), "credit"),
        (D("64.57"), "debit"),
        (D("2581.14"), "credit"),
    ]
    assert (bill.previous_balance, bill.new_balance) == (None, None)
    assert "does not tie" in _notes(statement)
    assert statement_status(statement)[0] == "review"


def test_xlsx_with_excel_serial_dates_and_original_currency_column():
    rows = [
        ["Date", "Label", "Currency", "Amount", "Amount Currency", "Partner Name"],
        [43449, "Your best supplier", "USD", -33.5, 0, "John Doe"],
        [43450, "Your payment", "EUR", 1525, 1000, "Azure Interior"],
    ]
    statement = parse_statement(_xlsx(rows), filename="s.xlsx", templates=[])
    bill = statement.bills[0]
    assert [t.posting_date for t in bill.transactions] == [date(2018, 12, 15), date(2018, 12, 16)]
    assert _moves(statement) == [(D("33.50"), "debit"), (D("1525.00"), "credit")]
    assert bill.currency == "USD"  # the rows without an original amount are the account's
    fx = bill.transactions[1]
    assert (fx.fx_currency, fx.fx_amount) == ("EUR", D("1000.00"))
    assert (bill.transactions[0].fx_currency, bill.transactions[0].fx_amount) == ("", None)


def test_csv_with_serial_dates_under_a_date_header():
    statement = _parse("Date;Text;Betrag\n45352;Miete;-800,00\n45353;Lohn;2.000,00\n")
    assert [t.posting_date for t in statement.bills[0].transactions] == [
        date(2024, 3, 1),
        date(2024, 3, 2),
    ]


def test_month_first_dates_are_decided_for_the_whole_document():
    text = (
        "Transaction Date,Description,Debit,Credit\n"
        "02/03/2024,GROCERY,10.00,\n02/07/2024,FUEL,20.00,\n02/13/2024,SALARY,,500.00\n"
    )
    statement = _parse(text)
    dates = [t.posting_date for t in statement.bills[0].transactions]
    assert dates == [date(2024, 2, 3), date(2024, 2, 7), date(2024, 2, 13)]
    assert "Date order" not in _notes(statement)


def test_day_first_undecidable_dates_are_named_for_review():
    text = "Date,Description,Debit,Credit\n01/02/2024,A,1.00,\n02/01/2024,B,2.00,\n"
    statement = _parse(text)
    assert statement.bills[0].transactions[0].posting_date == date(2024, 2, 1)
    assert "Date order not evident" in _notes(statement)


def test_dates_within_days_of_each_other_decide_the_order():
    # 01/02, 01/05, 01/09: January 2-9 month-first, or February to September day-first.
    text = "01/02/2024,COFFEE,-3.00\n01/05/2024,BOOKS,-20.00\n01/09/2024,PAY,1000.00\n"
    statement = _parse(text)
    dates = [t.posting_date for t in statement.bills[0].transactions]
    assert dates == [date(2024, 1, 2), date(2024, 1, 5), date(2024, 1, 9)]


def test_monzo_style_export_with_local_currency_and_timestamps():
    text = (
        "id,created,amount,currency,local_amount,local_currency,category,description\n"
        "tx_1,2024-03-01 12:34:56 +0000,-10.00,GBP,-10.00,GBP,general,Tesco\n"
        "tx_2,2024-03-02 09:00:00 +0000,-8.50,GBP,-10.00,EUR,eating_out,Cafe Paris\n"
        "tx_3,2024-03-03 10:00:00 +0000,250.00,GBP,250.00,GBP,income,Salary ACME\n"
    )
    statement = _parse(text)
    bill = statement.bills[0]
    assert _moves(statement) == [
        (D("10.00"), "debit"),
        (D("8.50"), "debit"),
        (D("250.00"), "credit"),
    ]
    assert bill.currency == "GBP"
    assert [(t.fx_currency, t.fx_amount) for t in bill.transactions] == [
        ("", None),
        ("EUR", D("10.00")),
        ("", None),
    ]


def test_revolut_style_export_leaves_out_rows_not_booked_and_charges_fees():
    text = (
        "Type,Product,Started Date,Completed Date,Description,Amount,Fee,Currency,State,Balance\n"
        "TOPUP,Current,2024-01-02 09:12,2024-01-02 09:12,Top-Up,500.00,0.00,EUR,COMPLETED,620.00\n"
        "CARD_PAYMENT,Current,2024-01-03 18:20,2024-01-04 10:01,Lidl,-23.45,0.00,EUR,COMPLETED,"
        "596.55\n"
        "EXCHANGE,Current,2024-01-07 08:00,2024-01-07 08:00,To USD,-200.00,1.00,EUR,COMPLETED,"
        "395.55\n"
        "CARD_PAYMENT,Current,2024-01-09 20:11,,Uber,-14.20,0.00,EUR,PENDING,\n"
        "CARD_PAYMENT,Current,2024-01-10 13:45,2024-01-11 09:00,Amazon,-39.99,0.00,EUR,REVERTED,\n"
        "CARD_REFUND,Current,2024-01-12 10:00,2024-01-13 10:00,Zara,29.95,0.00,EUR,COMPLETED,"
        "425.50\n"
    )
    statement = _parse(text)
    bill = statement.bills[0]
    assert _moves(statement) == [
        (D("500.00"), "credit"),
        (D("23.45"), "debit"),
        (D("200.00"), "debit"),
        (D("1.00"), "debit"),  # the exchange's fee, a charge of its own
        (D("29.95"), "credit"),
    ]  # the pending and the reverted rows were never booked
    assert bill.transactions[3].description == "Fee: To USD"
    # The running balance ties with the fee counted: it gives the balances.
    assert (bill.previous_balance, bill.new_balance) == (D("120.00"), D("425.50"))
    assert statement_status(statement)[0] == "verified"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "cp1252", "latin-1", "utf-8-sig"])
def test_encodings(encoding):
    text = "Datum\tOmschrijving\tBedrag\tAf Bij\n01-03-2024\tAlbert Heijn café\t12,50\tAf\n"
    text += "02-03-2024\tSalaris\t1.500,00\tBij\n"
    statement = _parse(text, encoding)
    assert _moves(statement) == [(D("12.50"), "debit"), (D("1500.00"), "credit")]
    assert statement.bills[0].transactions[0].description == "Albert Heijn café"


def test_spanish_cargo_abono_and_chinese_income_expense_columns():
    spanish = "Fecha;Concepto;Cargo;Abono;Saldo\n01/03/2024;Nómina;;1.000,00;1.500,00\n"
    spanish += "05/03/2024;Compra supermercado;25,40;;1.474,60\n"
    statement = _parse(spanish)
    assert _moves(statement) == [(D("1000.00"), "credit"), (D("25.40"), "debit")]
    assert statement.bills[0].previous_balance == D("500.00")
    chinese = "交易日期,摘要,支出,收入,余额\n2024-03-01,工资,,8000.00,9000.00\n"
    chinese += "2024-03-02,消费 超市,120.50,,8879.50\n"
    statement = _parse(chinese)
    assert _moves(statement) == [(D("8000.00"), "credit"), (D("120.50"), "debit")]
    assert statement_status(statement)[0] == "verified"


def test_amount_locales_parentheses_trailing_minus_and_cr_dr():
    text = (
        "Date|Details|Amount\n"
        "2024-03-01|Coffee|(4.50)\n2024-03-02|Shoes|1'234.50-\n"
        "2024-03-03|Refund|12.00 CR\n2024-03-04|ATM|60.00 DR\n"
    )
    statement = _parse(text)
    assert _moves(statement) == [
        (D("4.50"), "debit"),
        (D("1234.50"), "debit"),
        (D("12.00"), "credit"),
        (D("60.00"), "debit"),
    ]
    assert detect_amount_syntax(["1 234,56", "-36,99"]).decimal == ","
    assert detect_amount_syntax(["1,234.56", "12.00"]).decimal == "."
    assert parse_amount("1\u202f234,56 €", detect_amount_syntax(["1,00"]))[0] == D("1234.56")


def test_newest_first_rows_with_running_balance():
    text = (
        "Date,Description,Amount,Balance\n"
        "2024-03-05,Card purchase,-20.00,980.00\n"
        "2024-03-03,Salary,500.00,1000.00\n"
        "2024-03-01,ATM withdrawal,-100.00,500.00\n"
    )
    statement = _parse(text)
    bill = statement.bills[0]
    assert (bill.previous_balance, bill.new_balance) == (D("600.00"), D("980.00"))
    assert bill.account_kind == "current"
    assert statement_status(statement)[0] == "verified"


def test_bad_flags_become_row_problems():
    text = "Date;Text;Amount;S/H\n01.03.2024;A;10,00;S\n02.03.2024;B;5,00;X\n03.03.2024;C;7,00;\n"
    text += "04.03.2024;D;9,00;H\n"
    statement = _parse(text)
    bill = statement.bills[0]
    assert _moves(statement) == [(D("10.00"), "debit"), (D("9.00"), "credit")]
    assert [p.line for p in bill.row_problems] == [3, 4]
    assert all("flag" in p.reason for p in bill.row_problems)
    assert statement_status(statement)[0] == "review"


def test_garbage_bytes_are_refused_with_a_code():
    garbage = bytes(range(256)) * 64
    with pytest.raises(StatementError) as caught:
        parse_statement(garbage, filename="x.csv", templates=[])
    assert caught.value.code == "unreadable_csv"


def test_csv_without_a_date_column_ends_in_review_with_the_reason():
    statement = _parse("Name,Amount\nAlice,10.00\nBob,20.00\n")
    assert statement.needs_review and not statement.bills
    assert "column of dates" in _notes(statement)


def test_large_csv_over_the_row_limit_is_refused(settings):
    settings.STATEMENT_MAX_ROWS = 1000
    row = "01.03.2024;" + "x" * 40 + ";12,34\n"
    data = ("Datum;Text;Betrag\n" + row * (10 * 1024 * 1024 // len(row))).encode()
    with pytest.raises(StatementError) as caught:
        parse_statement(data, filename="big.csv", templates=[])
    assert caught.value.code == "too_many_rows"


def test_date_helpers():
    assert read_date("3. März 2024") == date(2024, 3, 3)
    assert read_date("12 févr. 2024") == date(2024, 2, 12)
    assert read_date("2024年3月5日") == date(2024, 3, 5)
    assert read_date("03/04/2024", day_first=False) == date(2024, 3, 4)
    assert choose_date_order(["12/15/2018", "12/01/2018"]) == (False, "")
    assert choose_date_order(["15/12/2018", "01/12/2018"]) == (True, "")


def test_cr_marked_credits_beside_plain_amounts_make_the_plain_ones_debits():
    text = "Date,Description,Amount\n05/03/2024,STARBUCKS,5.45\n06/03/2024,THANK YOU,250.00 CR\n"
    statement = _parse(text)
    assert _moves(statement) == [(D("5.45"), "debit"), (D("250.00"), "credit")]
    assert "Sign convention" not in _notes(statement)


def test_xlsx_with_preamble_header_and_real_dates():
    rows = [
        ["Kontoauszug", None, None, None],
        ["IBAN", "DE12 3456 7890 1234 5678 90", None, None],
        ["Zeitraum", "01.03.2024 - 31.03.2024", None, None],
        [None, None, None, None],
        ["Buchungstag", "Verwendungszweck", "Betrag (EUR)", "Saldo (EUR)"],
        [date(2024, 3, 28), "Miete", -800.0, 1200.0],
        [date(2024, 3, 1), "Gehalt", 2000.0, 2000.0],
    ]
    statement = parse_statement(_xlsx(rows), filename="k.xlsx", templates=[])
    bill = statement.bills[0]
    assert _moves(statement) == [(D("800.00"), "debit"), (D("2000.00"), "credit")]
    assert (bill.previous_balance, bill.new_balance) == (D("0.00"), D("1200.00"))
    assert (bill.period_start, bill.statement_date) == (date(2024, 3, 1), date(2024, 3, 31))
    assert (bill.currency, bill.account_kind) == ("EUR", "current")
    assert statement_status(statement)[0] == "verified"


def test_semicolon_export_with_commas_in_descriptions_and_decimal_commas():
    text = "Datum;Text;Betrag\n01.03.2024;Einkauf, REWE;-12,34\n02.03.2024;Miete, Mai;-800,00\n"
    statement = _parse(text)
    assert _moves(statement) == [(D("12.34"), "debit"), (D("800.00"), "debit")]
    assert statement.bills[0].transactions[0].description == "Einkauf, REWE"


def test_malay_and_italian_headers():
    malay = "Tarikh,Keterangan,Debit,Kredit,Baki\n01/03/2024,GAJI,,3000.00,3500.00\n"
    malay += "05/03/2024,PEMBELIAN KEDAI,45.50,,3454.50\n"
    statement = _parse(malay)
    assert _moves(statement) == [(D("3000.00"), "credit"), (D("45.50"), "debit")]
    assert statement.bills[0].previous_balance == D("500.00")
    italian = "Data operazione;Data valuta;Descrizione;Dare;Avere\n"
    italian += (
        "04/03/2024;04/03/2024;Pagamento POS;23,45;\n15/03/2024;15/03/2024;Stipendio;;2.500,00\n"
    )
    statement = _parse(italian)
    assert _moves(statement) == [(D("23.45"), "debit"), (D("2500.00"), "credit")]
    assert statement.bills[0].transactions[0].posting_date == date(2024, 3, 4)


def test_french_label_value_preamble_and_opening_balance_after_the_rows():
    text = (
        "Code de la banque : 12345;Date de début de téléchargement : 01/03/2024;"
        "Date de fin de téléchargement : 31/03/2024;;\n"
        "Numéro de compte : 04012345678;Devise : EUR;;;\n;;;;\n"
        "Solde en fin de période;;;;31/03/2024;+2454,90\n"
        "Date;Numéro d'opération;Libellé;Débit;Crédit;Détail\n"
        "28/03/2024;1234;PRLV SEPA EDF;-45,10;;FACTURE 123\n"
        "15/03/2024;1235;VIR SEPA ACME;;+2500,00;SALAIRE\n"
        "Solde en début de période;;;;01/03/2024;+0,00\n"
    )
    statement = _parse(text, "cp1252")
    bill = statement.bills[0]
    assert _moves(statement) == [(D("45.10"), "debit"), (D("2500.00"), "credit")]
    assert (bill.previous_balance, bill.new_balance) == (D("0.00"), D("2454.90"))
    assert (bill.period_start, bill.statement_date) == (date(2024, 3, 1), date(2024, 3, 31))
    assert (bill.currency, bill.account) == ("EUR", "04012345678")
    assert statement_status(statement)[0] == "verified"


def test_card_export_direct_debit_settlement_is_money_in_and_daily_balance_rows_skipped():
    card = (
        '"Karte";"Visa Kreditkarte 4998 •••• •••• 1234"\n""\n'
        '"Belegdatum";"Wertstellung";"Beschreibung";"Umsatztyp";"Betrag"\n'
        '"28.08.26";"29.08.26";"HOTEL ROMA";"Im Geschäft";"-42,00 €"\n'
        '"20.08.26";"21.08.26";"Ausgleich Kreditkarte";"Lastschrift";"157,90 €"\n'
        '"20.08.26";"20.08.26";"Kartenpreis";"Entgelt";"-2,49 €"\n'
    )
    statement = _parse(card)
    assert statement.bills[0].account_kind == "card"
    assert _moves(statement) == [
        (D("42.00"), "debit"),
        (D("157.90"), "credit"),
        (D("2.49"), "debit"),
    ]
    assert "Sign convention" not in _notes(statement)
    giro = (
        '"Buchungstag";"Buchungstext";"Betrag (EUR)"\n'
        '"05.01.2023";"Lastschrift Strom";"-1.234,56"\n"02.01.2023";"Tagessaldo";"0,00"\n'
    )
    assert _moves(_parse(giro)) == [(D("1234.56"), "debit")]


def test_currency_from_the_amount_cells():
    statement = _parse(
        "Date,Description,Amount\n01/03/2024,TESCO,-£12.34\n02/03/2024,PAY,£1000.00\n"
    )
    assert statement.bills[0].currency == "GBP"
    assert _moves(statement) == [(D("12.34"), "debit"), (D("1000.00"), "credit")]


def test_unsigned_amounts_with_a_type_column_of_iso_flags():
    text = "Date,Merchant,Billing Amount,Debit or Credit\n01/03/2024,TESCO,12.34,DBIT\n"
    text += "02/03/2024,PAYMENT,100.00,CRDT\n"
    assert _moves(_parse(text)) == [(D("12.34"), "debit"), (D("100.00"), "credit")]


def test_balance_owed_moving_with_positive_charges_is_a_card_when_the_words_say_so():
    text = (
        "Date,Description,Amount,Balance\n"
        "2024-03-01,AMAZON PURCHASE,100.00,1100.00\n"
        "2024-03-02,PAYMENT - THANK YOU,-500.00,600.00\n"
        "2024-03-05,REFUND SHOP,-20.00,580.00\n"
    )
    statement = _parse(text)
    bill = statement.bills[0]
    assert _moves(statement) == [
        (D("100.00"), "debit"),
        (D("500.00"), "credit"),
        (D("20.00"), "credit"),
    ]
    assert (bill.account_kind, bill.previous_balance, bill.new_balance) == (
        "card",
        D("1000.00"),
        D("580.00"),
    )
    assert statement_status(statement)[0] == "verified"


def test_xlsx_summary_sheet_first_is_passed_over_for_the_transactions_sheet():
    book = openpyxl.Workbook()
    book.active.append(["Account summary"])
    book.active.append(["Holder", "J. Doe"])
    sheet = book.create_sheet("Transactions")
    for row in (["Date", "Description", "Amount"], [date(2024, 3, 1), "Coffee", -3.5]):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    statement = parse_statement(out.getvalue(), filename="w.xlsx", templates=[])
    assert _moves(statement) == [(D("3.50"), "debit")]


def test_the_account_every_row_names_is_the_statements_account():
    text = '"Datum","Bedrag","Rekening","Naam","Omschrijving"\n'
    text += '"2018-03-01","-2,56","NL47BUNQ2025181418","bunq","invoice"\n'
    text += '"2018-03-09","750,00","NL47BUNQ2025181418","W. KOELEWIJN","Naar Bunq"\n'
    statement = _parse(text)
    assert (statement.bills[0].account, statement.bills[0].account_kind) == (
        "NL47BUNQ2025181418",
        "current",
    )


def test_an_export_of_several_cards_is_one_bill_per_card():
    data = (
        b"Date;Card number;Description;Debit;Credit\n"
        b"2022-01-23;5258 XXXX XXXX 1234;Coffee shop;4,41;\n"
        b"2022-01-23;5258 XXXX XXXX 9876;Whole Foods;7,09;\n"
        b"2022-01-24;5258 XXXX XXXX 1234;Payment;;100,00\n"
    )
    statement = parse_statement(data, filename="cards.csv", templates=[])
    assert [
        (b.card_last4, [(str(t.amount), t.direction) for t in b.transactions])
        for b in statement.bills
    ] == [
        ("1234", [("4.41", "debit"), ("100.00", "credit")]),
        ("9876", [("7.09", "debit")]),
    ]
