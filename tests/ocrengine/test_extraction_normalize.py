"""Normalisation rules: dates, amounts and currencies as printed on invoices and receipts."""

from decimal import Decimal

import pytest

from ocrengine.extraction.normalize import (
    detect_currency,
    find_amounts,
    parse_amount,
    parse_date,
    prefers_month_first,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("开票日期: 2023年01月05日", "2023-01-05"),
        ("开票日期: 2020 年 06 月 09 日", "2020-06-09"),
        ("Datum: 05.01.2023", "2023-01-05"),
        ("Date: 2023-01-05", "2023-01-05"),
        ("Invoice date Jan 5, 2023", "2023-01-05"),
        ("Invoice Date: August 3 , 2014", "2014-08-03"),
        ("Facture du 5 janvier 2023", "2023-01-05"),
        ("Rechnungsdatum 5. Januar 2023", "2023-01-05"),
        ("Factuurdatum: 19 april 2014", "2014-04-19"),
        ("fecha 5 de enero 2023".replace(" de ", " "), "2023-01-05"),
        ("Date: 25/12/2018", "2018-12-25"),
        ("05-Jan-23", "2023-01-05"),
        ("20180323", "2018-03-23"),
    ],
)
def test_dates_are_normalised_to_iso(text, expected):
    assert parse_date(text) == expected


def test_ocr_glued_time_does_not_hide_the_date():
    assert parse_date("25/12/20188:13:39PM") == "2018-12-25"
    assert parse_date("18-11-1813:58SH01") == "2018-11-18"
    assert parse_date("27Mar201818:46") == "2018-03-27"


def test_numeric_dates_read_day_first_unless_only_month_first_fits():
    assert parse_date("03/04/2021") == "2021-04-03"
    assert parse_date("12/28/2017") == "2017-12-28"
    assert prefers_month_first("Date: 12/28/2017")
    assert parse_date("03/04/2021", month_first=True) == "2021-03-04"


def test_implausible_dates_are_rejected():
    assert parse_date("31.02.2023") is None
    assert parse_date("01.01.1850") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1'234.56", "1234.56"),
        ("717,97", "717.97"),
        ("4.11", "4.11"),
        ("1,234", "1234"),
        ("-8,79", "-8.79"),
        ("12.50-", "-12.50"),
    ],
)
def test_amount_formats(text, expected):
    assert parse_amount(text) == Decimal(expected)


def test_ocr_space_before_a_thousands_separator():
    assert [value for value, _, _ in find_amounts("Total due: 1 ,234.56 EUR")] == [
        Decimal("1234.56")
    ]


def test_find_amounts_reads_every_amount_in_a_row():
    values = [value for value, _, _ in find_amounts("Total facture   24.99   5.00   29.99")]
    assert values == [Decimal("24.99"), Decimal("5.00"), Decimal("29.99")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Total € 717,97", "EUR"),
        ("Amount due USD 10.00", "USD"),
        ("Total $4.11", "USD"),
        ("价税合计(小写) ￥100.25", "CNY"),
        ("合计 ¥97.33", "CNY"),
        ("Total RM 9.00", "MYR"),
        ("Total £12.00", "GBP"),
        ("Grand Total Rs 1939", "INR"),
        ("Total 12,00 EUR and $ sign in a footnote $", "EUR"),
    ],
)
def test_currency_detection(text, expected):
    assert detect_currency(text) == expected


def test_no_currency_evidence_gives_none():
    assert detect_currency("Invoice 12 total 40.00") is None
