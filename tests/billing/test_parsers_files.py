"""CSV, XLSX, OFX, protected PDFs and the generic reader."""

from __future__ import annotations

import json
import tracemalloc
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from billing.parsers import StatementError, parse_statement, statement_status
from billing.parsers.detect import sniff_format
from billing.parsers.xlsx_reader import read_xlsx_rows
from ocrengine.documents import PasswordIncorrect, PasswordRequired
from tests.billing.statement_factory import (
    FakeCard,
    FakeStatement,
    FakeTxn,
    Sheet,
    flagged_csv,
    maybank_pdf,
    maybank_xlsx,
)
from tests.security import hostile_files as hostile

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "billing" / "bank_templates"
TEMPLATES = [json.loads(p.read_text()) for p in sorted(TEMPLATE_DIR.glob("*.json"))]
D = Decimal


def _fake() -> FakeStatement:
    rows = [
        FakeTxn(date(2026, 11, 5), date(2026, 11, 4), "PAYMENT - THANK YOU", D("634.40"), "credit"),
        FakeTxn(date(2026, 11, 7), date(2026, 11, 7), "DEMO MART", D("144.61")),
        FakeTxn(date(2026, 11, 7), date(2026, 11, 7), "DEMO MART", D("144.61")),
    ]
    return FakeStatement(date(2026, 11, 18), [FakeCard("0001", D("2134.90"), rows)])


def test_protected_pdf_missing_and_wrong_password_are_distinct():
    data = maybank_pdf(_fake(), password="s3cret")
    with pytest.raises(PasswordRequired):
        parse_statement(data, filename="p.pdf", templates=TEMPLATES)
    with pytest.raises(PasswordIncorrect):
        parse_statement(data, filename="p.pdf", templates=TEMPLATES, password="nope")
    parsed = parse_statement(data, filename="p.pdf", templates=TEMPLATES, password="s3cret")
    assert parsed.bank_code == "maybank"
    assert len(parsed.bills[0].transactions) == 3


def test_xlsx_export_via_template():
    fake = _fake()
    parsed = parse_statement(maybank_xlsx(fake), filename="x.bin", templates=TEMPLATES)
    assert parsed.file_format == "xlsx"
    assert parsed.bank_code == "maybank"
    bill = parsed.bills[0]
    assert (bill.statement_date, bill.card_last4) == (date(2026, 11, 18), "0001")
    assert bill.new_balance == fake.cards[0].new_balance
    assert [t.direction for t in bill.transactions] == ["credit", "debit", "debit"]
    assert statement_status(parsed)[0] == "verified"


def test_csv_bad_flag_rows_are_reported_not_guessed():
    rows = [
        ("18.09.2017", "HOFER", "33,87", "O"),
        ("20.09.2017", "Gutschrift", "1.024,00", "I"),
        ("21.09.2017", "LIDL", "30,01", "EUR"),
        ("21.09.2017", "LIDL", "30,01", "O"),
        ("21.09.2017", "LIDL", "30,01", "O"),  # identical same-day rows both kept
        ("22.09.2017", "SPAR", "5,00", ""),
    ]
    parsed = parse_statement(flagged_csv(rows), filename="t.csv", templates=TEMPLATES)
    bill = parsed.bills[0]
    got = [(t.amount, t.direction) for t in bill.transactions]
    assert got == [
        (D("33.87"), "debit"),
        (D("1024.00"), "credit"),
        (D("30.01"), "debit"),
        (D("30.01"), "debit"),
    ]
    assert [p.line for p in bill.row_problems] == [3, 6]
    assert "EUR" in bill.row_problems[0].reason
    assert statement_status(parsed)[0] == "review"


def test_csv_latin1_with_split_columns_and_continuation_rows():
    text = (
        "Export:,X\n\nTransaction date,Value date,Description,"
        "Withdrawals (SGD),Deposits (SGD)\n"
        "18/04/2018,18/04/2018,DEBIT PURCHASE,6.66,\n,,UBER EATS Zürich,\n"
        "17/04/2018,17/04/2018,SALARY,,1000.00\n"
    )
    parsed = parse_statement(text.encode("latin-1"), filename="h.csv", templates=TEMPLATES)
    rows = parsed.bills[0].transactions
    assert [(t.description, t.direction) for t in rows] == [
        ("DEBIT PURCHASE UBER EATS Zürich", "debit"),
        ("SALARY", "credit"),
    ]
    assert parsed.needs_review


OFX = b"""OFXHEADER:100
DATA:OFXSGML

<OFX><CREDITCARDMSGSRSV1><CCSTMTTRNRS><CCSTMTRS><CURDEF>USD<CCACCTFROM><ACCTID>379700001111222
</CCACCTFROM><BANKTRANLIST><STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20131201000000<TRNAMT>-9.99
<FITID>1<NAME>SPOTIFY</STMTTRN><STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20131205<TRNAMT>20.00
<FITID>2<NAME>REFUND</STMTTRN></BANKTRANLIST><LEDGERBAL><BALAMT>-100.00
<DTASOF>20131218</LEDGERBAL></CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>"""


def test_ofx_credit_card_statement():
    assert sniff_format(OFX, "download.txt") == "ofx"
    parsed = parse_statement(OFX, filename="download.txt", templates=TEMPLATES)
    bill = parsed.bills[0]
    assert bill.new_balance == D("100.00")  # OFX owes as negative; a bill owes as positive
    assert [(t.amount, t.direction) for t in bill.transactions] == [
        (D("9.99"), "debit"),
        (D("20.00"), "credit"),
    ]
    assert bill.statement_date == date(2013, 12, 18)


def _unseen_layout(new_balance: str) -> bytes:
    s = Sheet().line((40, "ZETA CARD SERVICES")).line((40, "Statement Date: 05/03/2026"))
    s.line((40, "Opening balance"), (430, "100.00"))
    s.line((40, "02/03 COFFEE PLACE"), (430, "12.50"))
    s.line((40, "03/03 PAYMENT RECEIVED"), (430, "(50.00)"))
    return s.line((40, "New balance"), (430, new_balance)).pdf()


def test_generic_reader_verifies_only_when_it_reconciles():
    good = parse_statement(_unseen_layout("62.50"), filename="z.pdf", templates=TEMPLATES)
    assert good.bank_code == "generic"
    assert [(t.amount, t.direction) for t in good.bills[0].transactions] == [
        (D("12.50"), "debit"),
        (D("50.00"), "credit"),
    ]
    assert statement_status(good)[0] == "verified"
    bad = parse_statement(_unseen_layout("70.00"), filename="z.pdf", templates=TEMPLATES)
    assert bad.needs_review
    assert statement_status(bad)[0] == "review"


def test_ocbc_csv_template_reads_continuation_rows():
    text = (
        'Account details for:,FRANK Account 666-666666-666\nAvailable Balance,"1,000.00"\n'
        'Ledger Balance,"1,000.00"\n\nTransaction History\n'
        "Transaction date,Value date,Description,Withdrawals (SGD),Deposits (SGD)\n"
        "18/04/2018,18/04/2018,DEBIT PURCHASE,6.66,\n,,UBER EATS HELP.UBER\n"
        "17/04/2018,17/04/2018,DEBIT PURCHASE,6.66,\n,,UBER EATS HELP.UBER\n"
    )
    parsed = parse_statement(text.encode(), filename="TransactionHistory.csv", templates=TEMPLATES)
    assert parsed.bank_code == "ocbc"
    bill = parsed.bills[0]
    assert bill.new_balance == D("-1000.00")  # money held in the account, not owed
    assert [t.description for t in bill.transactions] == ["DEBIT PURCHASE UBER EATS HELP.UBER"] * 2


def test_template_validation_reports_errors():
    from billing.parsers import validate_template

    spec = json.loads((TEMPLATE_DIR / "maybank.json").read_text())
    spec["transactions"]["pattern"] = "(?P<date>{DATE}) (?P<description>.+)"
    spec["card_fields"]["new_balance"] = "^SUB TOTAL ({AMOUNT})$"
    errors = validate_template(spec)
    assert any("amount" in e for e in errors)
    assert any("(?P<value>" in e for e in errors)
    assert validate_template([]) == ["A template must be a JSON object."]


def test_broken_template_falls_back_to_generic_reader():
    spec = json.loads((TEMPLATE_DIR / "maybank.json").read_text())
    spec["card_fields"]["new_balance"] = "(?P<value>"  # does not compile
    parsed = parse_statement(maybank_pdf(_fake()), filename="m.pdf", templates=[spec])
    assert parsed.bank_code == "generic"
    assert any("maybank" in note for note in parsed.problems)
    assert statement_status(parsed)[0] == "review"


def test_headerless_flag_column_with_several_dirty_flags_reports_them_not_guesses():
    data = (
        b"01/03/2024,Coffee,4.50,DR\n"
        b"02/03/2024,Refund,10.00,EUR\n"
        b"03/03/2024,Salary,100.00,CR\n"
        b"04/03/2024,Books,20.00,\n"
    )
    statement = parse_statement(data, filename="export.csv", templates=[])
    bill = statement.bills[0]
    assert {(str(t.amount), t.direction) for t in bill.transactions} == {
        ("4.50", "debit"),
        ("100.00", "credit"),
    }
    assert len(bill.row_problems) == 2


# --- hostile files (issue #13) -------------------------------------------------------------


def _statement_error(data: bytes, name: str) -> StatementError:
    with pytest.raises(StatementError) as caught:
        parse_statement(data, filename=name, templates=TEMPLATES)
    return caught.value


def test_ofx_with_many_unclosed_tags_is_refused_and_finishes():
    # The OFX reader (ofxtools' one-pass tokenizer) is proved in test_parsers_exports.py.
    error = _statement_error(hostile.ofx_unclosed(50_000), "x.ofx")
    assert error.code == "malformed_ofx"


def test_xlsx_dimension_is_reset_not_trusted():
    claimed_everything = read_xlsx_rows(hostile.xlsx_huge_dimension())
    assert claimed_everything == [["Date", "Description", "Amount"], ["2026-11-05", "X", "1.00"]]
    rows = hostile._cells(1, ("Date", "Amount")) + hostile._cells(2, ("2026-11-05", "9.99"))
    claimed_one_cell = read_xlsx_rows(hostile.xlsx_sheet(rows, dimension="A1"))
    assert claimed_one_cell == [["Date", "Amount"], ["2026-11-05", "9.99"]]


def test_xlsx_cells_far_out_are_never_padded_to(settings):
    settings.STATEMENT_MAX_ROWS = 100
    tracemalloc.start()
    try:
        rows = read_xlsx_rows(hostile.xlsx_far_cells())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows == [["Date"]]  # row 1,048,576 lies beyond the rows read
    assert peak < 2 * hostile.MIB  # not a million rows, not 16,384 columns


def test_xlsx_and_csv_rows_and_columns_past_the_limits_fail(settings):
    settings.STATEMENT_MAX_ROWS, settings.STATEMENT_MAX_COLUMNS = 5, 3
    five = b"".join(hostile._cells(row, ("a", "b", "c")) for row in range(1, 6))
    assert len(read_xlsx_rows(hostile.xlsx_sheet(five + b'<row r="9"/>'))) == 5
    six = five + hostile._cells(6, ("a",))
    assert _statement_error(hostile.xlsx_sheet(six), "s.xlsx").code == "too_many_rows"
    wide = hostile._cells(1, ("a", "b", "c", "d"))
    error = _statement_error(hostile.xlsx_sheet(wide), "s.xlsx")
    assert (error.code, error.details["row"]) == ("too_many_columns", 1)
    assert _statement_error(b"a,b\n" * 6, "s.csv").code == "too_many_rows"
    assert _statement_error(b"a,b\n1,2,3,4\n", "s.csv").code == "too_many_columns"


def test_xlsx_archive_with_too_many_parts_or_bytes_is_refused_unopened(settings):
    settings.XLSX_MAX_MEMBERS, settings.XLSX_MAX_UNCOMPRESSED_BYTES = 50, 4 * hostile.MIB
    error = _statement_error(hostile.xlsx_many_members(60), "s.xlsx")
    assert (error.code, error.details["members"]) == ("workbook_too_large", 65)
    error = _statement_error(hostile.xlsx_sheet_bomb(16 * hostile.MIB), "s.xlsx")
    assert error.code == "workbook_too_large" and error.details["uncompressed"] > 16 * hostile.MIB


def test_statement_pdf_pages_and_characters_are_limited(settings):
    settings.OCR_MAX_PAGES = 3
    error = _statement_error(hostile.many_page_pdf(4), "s.pdf")
    assert (error.code, error.details["pages"]) == ("too_many_pages", 4)
    settings.PDF_MAX_CHARS_PER_PAGE = 40
    error = _statement_error(maybank_pdf(_fake()), "s.pdf")
    assert (error.code, error.details["page"]) == ("too_many_characters", 1)


def test_statement_pdf_bomb_is_refused_before_it_is_inflated(settings):
    settings.PDF_MAX_DECODED_BYTES = 8 * hostile.MIB
    error = _statement_error(hostile.pdf_stream_bomb(64 * hostile.MIB), "s.pdf")
    assert error.code == "content_too_large"
