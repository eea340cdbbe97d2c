"""Every shipped template reads a statement generated in its layout exactly; template regexes
are validated, bounded in size and time, and read lines cut to MAX_LINE_CHARS."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import override_settings

from billing.parsers import (
    StatementError,
    parse_statement,
    statement_status,
    validate_template,
)
from billing.parsers.amounts import amount_regex
from ocrengine.extraction.patterns import MAX_LINE_CHARS, MAX_PATTERN_CHARS
from tests.billing.statement_factory import PDF_MAKERS, FakeCard, FakeStatement, FakeTxn

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "billing" / "bank_templates"
TEMPLATES = [json.loads(p.read_text()) for p in sorted(TEMPLATE_DIR.glob("*.json"))]
D = Decimal


def _txns(year: int, month: int) -> list[FakeTxn]:
    day = date(year, month, 3)
    return [
        FakeTxn(day, day, "DEMO MART GROCERS", D("1,234.56".replace(",", ""))),
        FakeTxn(day, day, "DEMO MART GROCERS", D("1234.56")),  # identical same-day row
        FakeTxn(date(year, month, 5), date(year, month, 4), "PAYMENT - THANK YOU", D("900.00"), "credit"),
        FakeTxn(date(year, month, 9), date(year, month, 8), "CLOUD HOST 12.99 USD", D("59.94")),
        FakeTxn(date(year, month, 12), date(year, month, 11), "INSTL LAPTOP-12M :05/12", D("400.00")),
    ]  # fmt: skip


def _statement(bank: str, sdate: date = date(2026, 10, 18)) -> FakeStatement:
    cards = [FakeCard("0001", D("2134.90"), _txns(sdate.year, sdate.month))]
    if bank in ("cimb", "alliance"):
        cards.append(FakeCard("0009", D("-15.00"), []))
    return FakeStatement(sdate, cards)


def _expected_rows(statement: FakeStatement) -> list[tuple]:
    return sorted(
        (t.posting_date, t.transaction_date, t.description, t.amount, t.direction)
        for c in statement.cards
        for t in c.transactions
    )


def _parsed_rows(parsed) -> list[tuple]:
    return sorted(
        (t.posting_date, t.transaction_date, t.description, t.amount, t.direction)
        for b in parsed.bills
        for t in b.transactions
    )


def test_shipped_templates_validate():
    assert {t["bank"] for t in TEMPLATES} >= set(PDF_MAKERS)
    for spec in TEMPLATES:
        assert validate_template(spec) == [], spec["bank"]


@pytest.mark.parametrize("bank", sorted(PDF_MAKERS))
def test_template_reads_generated_statement(bank):
    fake = _statement(bank)
    parsed = parse_statement(PDF_MAKERS[bank](fake), filename="s.pdf", templates=TEMPLATES)
    assert parsed.bank_code == bank
    assert parsed.template_version == 1
    bills = parsed.bills
    assert all(b.statement_date == fake.statement_date for b in bills)
    assert all(b.due_date == fake.due_date for b in bills)
    assert sum(b.previous_balance for b in bills) == sum(c.previous_balance for c in fake.cards)
    assert sum(b.new_balance for b in bills) == sum(c.new_balance for c in fake.cards)
    assert _parsed_rows(parsed) == _expected_rows(fake)
    status, problems = statement_status(parsed)
    assert status == "verified", problems


def test_multi_card_statement_gives_one_bill_per_card():
    fake = _statement("alliance")
    parsed = parse_statement(PDF_MAKERS["alliance"](fake), filename="a.pdf", templates=TEMPLATES)
    assert [b.card_last4 for b in parsed.bills] == ["0001", "0009"]
    assert parsed.bills[1].new_balance == D("-15.00")  # a CR balance is negative


@pytest.mark.parametrize("bank", ["maybank", "hsbc", "rhb"])
def test_december_rows_on_january_statement_belong_to_previous_year(bank):
    december = date(2026, 12, 28)
    fake = FakeStatement(
        date(2027, 1, 8),
        [
            FakeCard(
                "0001",
                D("100.00"),
                [
                    FakeTxn(december, december, "NEW YEAR EVE DINNER", D("88.10")),
                    FakeTxn(date(2027, 1, 2), date(2027, 1, 2), "KEDAI KOPI", D("5.00")),
                ],
            )
        ],
    )
    parsed = parse_statement(PDF_MAKERS[bank](fake), filename="j.pdf", templates=TEMPLATES)
    dates = [t.posting_date for t in parsed.bills[0].transactions]
    assert dates == [date(2026, 12, 28), date(2027, 1, 2)]


def test_wrapped_description_lines_are_joined():
    txn = FakeTxn(date(2026, 10, 2), date(2026, 10, 1), "AIRLINE DEMO", D("450.00"))
    txn.wrapped = ["KUL-SIN RETURN"]
    fake = FakeStatement(date(2026, 10, 18), [FakeCard("0001", D("0.00"), [txn])])
    parsed = parse_statement(PDF_MAKERS["maybank"](fake), filename="m.pdf", templates=TEMPLATES)
    assert parsed.bills[0].transactions[0].description == "AIRLINE DEMO KUL-SIN RETURN"


def test_account_scope_tags_rows_with_their_card():
    fake = _statement("cimb")
    fake.cards[1].transactions = [
        FakeTxn(date(2026, 10, 6), date(2026, 10, 6), "DEMO DEPT STORE", D("172.47"))
    ]
    parsed = parse_statement(PDF_MAKERS["cimb"](fake), filename="c.pdf", templates=TEMPLATES)
    (bill,) = parsed.bills
    assert {t.card_last4 for t in bill.transactions} == {"0001", "0009"}
    assert statement_status(parsed)[0] == "verified"


@pytest.mark.parametrize(
    ("section", "value"),
    [("detect", "nope"), ("transactions", ["a"]), ("table", 3), ("verify", "balance")],
)
def test_template_sections_of_the_wrong_json_type_are_reported_not_crashed(section, value):
    spec = {"bank": "maybank", "version": 1, "detect": {"patterns": ["x"]}, section: value}
    kind = "list" if section == "verify" else "object"
    assert f"'{section}' must be a JSON {kind}." in validate_template(spec)


# --- bounded patterns and lines (issue #13) -------------------------------------------------


def _maybank_spec() -> dict:
    return copy.deepcopy(next(t for t in TEMPLATES if t["bank"] == "maybank"))


def test_every_template_regex_is_compiled_and_bounded_in_size_by_validation():
    spec = _maybank_spec()
    spec["detect"]["patterns"].append("(unclosed")  # only column regexes were compiled before
    spec["table"]["skip"] = ["^TOTAL", 7]
    assert validate_template(spec) == [
        "detect.patterns[1]: invalid regex (missing ) at position 9).",
        "table.skip[1]: must be a string.",
    ]
    spec = _maybank_spec()
    spec["card_fields"]["new_balance"] = "(?P<value>" + "x" * MAX_PATTERN_CHARS + ")"
    assert validate_template(spec) == [
        f"card_fields.new_balance: the regex is {MAX_PATTERN_CHARS + 11} characters long; "
        f"the limit is {MAX_PATTERN_CHARS}."
    ]


def test_a_slow_export_template_pattern_fails_the_read_with_pattern_timeout():
    spec = _maybank_spec()
    spec["table"]["skip"] = ["(a|a)+$"]
    rows = [
        ["MAYBANK DEMO BERHAD - CREDIT CARD STATEMENT"],
        ["Posting Date", "Transaction Date", "Description", "Amount", "CR/DR"],
        ["01/11/2026", "01/11/2026", "a" * 60 + "!", "12.00", ""],
    ]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    with (
        override_settings(TEMPLATE_REGEX_TIMEOUT_S=0.05),
        pytest.raises(StatementError) as failure,
    ):
        parse_statement(buf.getvalue().encode(), filename="m.csv", templates=[spec])
    assert failure.value.code == "pattern_timeout"
    assert failure.value.message.startswith("Template maybank v1: ")
    assert failure.value.details == {"pattern": "(a|a)+$", "timeout_s": 0.05}


def test_lines_and_cells_are_cut_before_any_regex_reads_them():
    long_cell = "DEMO MART " + "x" * 50000
    buf = io.StringIO()
    csv.writer(buf).writerows(
        [["Date", "Description", "Amount"], ["01/11/2026", long_cell, "12.00"]]
    )
    parsed = parse_statement(buf.getvalue().encode(), filename="g.csv", templates=[])
    (row,) = [t for bill in parsed.bills for t in bill.transactions]
    assert len(row.description) == MAX_LINE_CHARS and len(row.raw_text) <= MAX_LINE_CHARS


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("1,234,567.89", "1,234,567.89"),
        ("(12.00)", "(12.00)"),
        ("RM1,234.00CR", "RM1,234.00CR"),
        ("999999999999999.99", "999999999999999.99"),
        ("1234567890123456.00", None),  # 16 digits before the point: a number, not money
        ("1" * 900 + ".00", None),  # was read from every start along the run
        ("1,111" * 200, None),
    ],
)
def test_amounts_are_bounded_and_never_start_inside_a_run_of_digits(text, found):
    match = re.search(amount_regex(), text)
    assert (match.group(0) if match else None) == found
