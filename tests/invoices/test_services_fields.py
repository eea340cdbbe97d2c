"""Extracted strings into columns: values that do not fit are blanked with a reason."""

import datetime as dt
from decimal import Decimal

import pytest

from invoices.models import Invoice
from invoices.services.fields import column_value, fields_to_columns, line_rows


def _column(name: str):
    return Invoice._meta.get_field(name)


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("date", "2024-03-15", dt.date(2024, 3, 15)),
        ("total_amount", "1234.567", Decimal("1234.57")),
        ("total_amount", "-12.50", Decimal("-12.50")),
        ("currency", "eur", "EUR"),
        ("seller", " Nordwind\x00 GmbH ", "Nordwind GmbH"),
        ("date", None, None),
        ("seller", "", ""),
    ],
)
def test_values_that_fit_are_converted(name, raw, expected):
    assert column_value(_column(name), raw) == (expected, "")


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("date", "2024-02-30"),
        ("date", "yesterday"),
        ("total_amount", "NaN"),
        ("total_amount", "Infinity"),
        ("total_amount", "1e40"),
        ("total_amount", "12 EUR"),
        ("currency", "€"),
        ("invoice_code", "9" * 33),
    ],
)
def test_values_that_do_not_fit_are_blank_with_a_reason(name, raw):
    value, reason = column_value(_column(name), raw)
    assert value in (None, "") and reason


def test_fields_to_columns_reports_every_rejected_field():
    conversion = fields_to_columns({"date": "bad", "total_amount": "10.00", "unknown": "x"})
    assert conversion.values["total_amount"] == Decimal("10.00")
    assert set(conversion.rejected) == {"date"}
    assert "unknown" not in conversion.values


def test_line_rows_number_lines_and_blank_what_does_not_fit():
    invoice = Invoice(pk=1)
    rows = line_rows(
        invoice,
        [
            {"description": "Oak desk", "quantity": "2", "unit_price": "50.00", "amount": "100.00"},
            {"description": "x" * 900, "quantity": "1e30", "amount": "NaN", "tax_rate": "19"},
        ],
    )
    assert [row.position for row in rows] == [1, 2]
    assert (rows[0].quantity, rows[0].amount) == (Decimal("2.0000"), Decimal("100.00"))
    assert len(rows[1].description) == 500
    assert (rows[1].quantity, rows[1].amount, rows[1].tax_rate) == (None, None, Decimal("19.000"))
