"""A bank template made by example (#12): a statement of a bank no template knows, whose labels
no language list knows, lands in review; a supervisor marks its columns and labels (API or
admin), gets a "layout" draft, which is published only once it reads its sample into
reconciling bills; the bank's next statement is then verified under the new bank."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import Bank, BankTemplate, Bill, StatementImport
from billing.parsers import parse_statement, statement_status, validate_template
from billing.services.template_examples import marker_pattern, suggested_markers
from tests.billing.test_parsers_pdf_layout import Page
from tests.conftest import assert_error_shape

pytestmark = pytest.mark.usefixtures("seeded")
D = Decimal
FROM_EXAMPLE = "/api/v1/bank-templates/from-example/"

# What a supervisor marks on the Zorg Bank sample: the two value columns (fractions of the
# page width, around where the amounts are printed), the account kind, the date order and
# the labels of the three summary fields, words no language list of the reader knows.
LAYOUT = {
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


def swapped(layout: dict) -> dict:
    """The marks with debit and credit the wrong way round: the balances no longer tie."""
    wrong = copy.deepcopy(layout)
    wrong["columns"][0]["role"], wrong["columns"][1]["role"] = "credit", "debit"
    return wrong


def zorg_statement(
    month: int = 1,
    opening: str = "500.00",
    rows: tuple = (("05", "WINKEL DE HOEK", "20.00", None), ("09", "LOON", None, "70.00")),
    closing: str = "550.00",
) -> bytes:
    """A current-account statement of "Zorg Bank": Dutch/Afrikaans labels, no column
    headings, money out printed at x 440 and money in at x 520 (right-aligned)."""
    page = Page()
    page.row((40, "ZORG BANK"), (300, f"Uitgiftedag 28/{month:02d}/2024"))
    page.row((40, "Rekeningafskrif"), (300, "IBAN NL91 ZORG 0417 1643 00"))
    page.row((40, "Beginstand"), (520, opening, "r"))
    for day, text, money_out, money_in in rows:
        cells = [(40, f"{day}/{month:02d}/2024"), (100, text)]
        if money_out:
            cells.append((440, money_out, "r"))
        if money_in:
            cells.append((520, money_in, "r"))
        page.row(*cells)
    page.row((40, "Eindstand"), (520, closing, "r"))
    return page.pdf()


def second_zorg_statement() -> bytes:
    return zorg_statement(
        month=2,
        opening="550.00",
        rows=(
            ("02", "HUUR", "400.00", None),
            ("12", "LOON", None, "1200.00"),
            ("20", "APTEEK", "35.50", None),
        ),
        closing="1314.50",
    )


def upload_statement(client, capture, data: bytes, name: str, customer) -> StatementImport:
    with capture(execute=True):
        response = client.post(
            "/api/v1/statements/",
            {"file": SimpleUploadedFile(name, data), "customer": customer.pk},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    assert client.get(response.json()["job_url"]).json()["status"] == "succeeded"
    return StatementImport.objects.get(pk=response.json()["id"])


@pytest.fixture
def sample(agent_client, customer, django_capture_on_commit_callbacks) -> StatementImport:
    statement = upload_statement(
        agent_client, django_capture_on_commit_callbacks, zorg_statement(), "zorg-jan.pdf", customer
    )
    assert (statement.status, statement.bank.code) == ("review", "generic")
    return statement


def draft_body(sample: StatementImport, layout: dict = LAYOUT, **extra) -> dict:
    return {"statement": sample.pk, "bank": "zorg_bank", "bank_name": "Zorg Bank",
            "layout": layout, **extra}  # fmt: skip


# --- the spec ------------------------------------------------------------------------------


def layout_spec(layout: object) -> dict:
    return {"bank": "zorg_bank", "version": 1, "detect": {"patterns": ["ZORG"]}, "layout": layout}


def test_a_layout_template_is_valid_without_line_patterns():
    assert validate_template(layout_spec(LAYOUT)) == []


@pytest.mark.parametrize(
    ("layout", "error"),
    [
        ({**LAYOUT, "kind": "savings"}, "layout.kind must be 'card' or 'current'."),
        ({**LAYOUT, "date_order": "ymd"}, "layout.date_order must be"),
        ({**LAYOUT, "columns": []}, "layout.columns must be a non-empty list"),
        ({**LAYOUT, "columns": [{"role": "fee", "x0": 0.1, "x1": 0.2}]}, "role must be one of"),
        ({**LAYOUT, "columns": [{"role": "amount", "x0": 0.5, "x1": 0.4}]}, "0 <= x0 < x1 <= 1"),
        ({**LAYOUT, "columns": [{"role": "amount", "x0": 0.5, "x1": 1.2}]}, "0 <= x0 < x1 <= 1"),
        ({**LAYOUT, "columns": [{"role": "amount", "x0": "a", "x1": 1}]}, "must be numbers"),
        (
            {
                **LAYOUT,
                "columns": [
                    {"role": "debit", "x0": 0.5, "x1": 0.7},
                    {"role": "credit", "x0": 0.6, "x1": 0.8},
                ],
            },  # fmt: skip
            "overlap",
        ),
        (
            {
                **LAYOUT,
                "columns": [
                    {"role": "amount", "x0": 0.5, "x1": 0.6},
                    {"role": "debit", "x0": 0.7, "x1": 0.8},
                ],
            },  # fmt: skip
            "an 'amount' column (signed) or 'debit'/'credit' columns, not both",
        ),
        (
            {**LAYOUT, "columns": [{"role": "balance", "x0": 0.5, "x1": 0.6}]},
            "needs an 'amount' column or 'debit'/'credit' columns",
        ),
        (
            {
                **LAYOUT,
                "columns": [
                    {"role": "debit", "x0": 0.5, "x1": 0.6},
                    {"role": "debit", "x0": 0.7, "x1": 0.8},
                ],
            },  # fmt: skip
            "more than one 'debit' column",
        ),
        ({**LAYOUT, "labels": {"closing_date": "Einde"}}, "unknown field 'closing_date'"),
        ({**LAYOUT, "labels": {"new_balance": "  "}}, "layout.labels.new_balance must be"),
        ({**LAYOUT, "colour": "red"}, "layout: unknown key 'colour'."),
        ("columns", "'layout' must be a JSON object."),
    ],
)
def test_an_incoherent_layout_is_refused_with_a_clear_error(layout, error):
    errors = validate_template(layout_spec(layout))
    assert any(error in e for e in errors), errors


def test_a_template_reads_pdfs_by_line_patterns_or_by_layout_not_both():
    spec = {**layout_spec(LAYOUT), "transactions": {"pattern": "(?P<date>x)(?P<amount>y)"}}
    assert any("not both" in e for e in validate_template(spec))
    assert any("must verify 'balance'" in e for e in validate_template(
        {**layout_spec(LAYOUT), "verify": ["printed_totals"]}
    ))  # fmt: skip


def test_a_picked_layout_template_reads_with_the_marks_under_its_bank_and_version():
    spec = {
        **layout_spec(LAYOUT),
        "version": 4,
        "detect": {"patterns": [marker_pattern("ZORG BANK")]},
    }
    statement = parse_statement(zorg_statement(), filename="z.pdf", templates=[spec])
    assert (statement.bank_code, statement.template_version) == ("zorg_bank", 4)
    assert statement_status(statement)[0] == "verified"
    bill = statement.bills[0]
    assert (bill.previous_balance, bill.new_balance) == (D("500.00"), D("550.00"))
    assert [(str(t.amount), t.direction) for t in bill.transactions] == [
        ("20.00", "debit"),
        ("70.00", "credit"),
    ]
    # Without the marks, the generic reader finds no reading that ties.
    unmarked = parse_statement(zorg_statement(), filename="z.pdf", templates=[])
    assert (unmarked.bank_code, statement_status(unmarked)[0]) == ("generic", "review")


def test_suggested_markers_are_the_stable_header_text_not_dates_amounts_or_rows():
    lines = ["ZORG BANK   Uitgiftedag 28/01/2024", "Rekeningafskrif  IBAN NL91 ZORG 0417",
             "Beginstand 500.00", "05/01/2024 WINKEL 20.00", "Eindstand 550.00"]  # fmt: skip
    assert suggested_markers(lines) == [
        "ZORG BANK Uitgiftedag",
        "Rekeningafskrif IBAN",
        "Beginstand",
    ]
