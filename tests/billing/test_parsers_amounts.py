"""Amount and date syntax."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.parsers.amounts import AmountSyntax, parse_amount, signed_balance
from billing.parsers.dates import infer_year, parse_date

D = Decimal
EURO = AmountSyntax(thousands=".", decimal=",")


@pytest.mark.parametrize(
    ("text", "syntax", "expected"),
    [
        ("1,234.56", AmountSyntax(), (D("1234.56"), None)),
        ("634.40CR", AmountSyntax(), (D("634.40"), "credit")),
        ("15.00 CR", AmountSyntax(), (D("15.00"), "credit")),
        ("CR 15.00", AmountSyntax(), (D("15.00"), "credit")),
        ("99.00DR", AmountSyntax(), (D("99.00"), "debit")),
        ("(412.16)", AmountSyntax(), (D("412.16"), "credit")),
        ("-12.30", AmountSyntax(), (D("12.30"), "credit")),
        ("12.30-", AmountSyntax(), (D("12.30"), "credit")),
        ("RM1,000.00", AmountSyntax(), (D("1000.00"), None)),
        ("1.234,56", EURO, (D("1234.56"), None)),
        ("-33,87", EURO, (D("33.87"), "credit")),
        ("abc", AmountSyntax(), None),
        ("", AmountSyntax(), None),
    ],
)
def test_parse_amount(text, syntax, expected):
    assert parse_amount(text, syntax) == expected


def test_signed_balance_credit_is_negative():
    assert signed_balance("15.00CR") == D("-15.00")
    assert signed_balance("3,074.90") == D("3074.90")


def test_dates_with_and_without_year():
    assert parse_date("18 Nov 2026", ["%d %b %Y"]) == date(2026, 11, 18)
    assert parse_date("17 December 2026", ["%d %b %Y"]) == date(2026, 12, 17)
    assert parse_date("01 Ogos 2026", ["%d %b %Y"]) == date(2026, 8, 1)  # Malay month
    assert parse_date("11/11/26", ["%d/%m/%y"]) == date(2026, 11, 11)
    assert parse_date("24/11", ["%d/%m"], date(2026, 11, 18)) == date(2026, 11, 24)
    assert parse_date("31/02", ["%d/%m"], date(2026, 3, 1)) is None


def test_year_rollover():
    assert infer_year(28, 12, date(2027, 1, 8)) == date(2026, 12, 28)
    assert infer_year(2, 1, date(2027, 1, 8)) == date(2027, 1, 2)
    assert infer_year(29, 2, date(2025, 3, 5)) == date(2024, 2, 29)
