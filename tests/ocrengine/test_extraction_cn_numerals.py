"""价税合计(大写): Chinese financial numerals, including 零 placeholders, 整, 角 and 分."""

# ruff: noqa: RUF001 - full-width CJK punctuation is printed on the documents we read

from decimal import Decimal

import pytest

from ocrengine.extraction.cn_numerals import parse_uppercase_amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("壹佰元零贰角伍分", "100.25"),
        ("陆圆叁角玖分", "6.39"),
        ("贰仟叁佰柒拾陆圆整", "2376.00"),
        ("壹万零伍拾圆整", "10050.00"),
        ("叁佰肆拾伍万陆仟柒佰捌拾玖圆零壹分", "3456789.01"),
        ("拾元整", "10.00"),
        ("伍角", "0.50"),
        ("玖分", "0.09"),
        ("ⓧ壹佰零陆圆整", "106.00"),
        ("价税合计（大写） 贰佰叁拾肆圆整 （小写）¥234.00", "234.00"),
    ],
)
def test_uppercase_amounts(text, expected):
    assert parse_uppercase_amount(text) == Decimal(expected)


def test_text_without_uppercase_numerals_gives_none():
    assert parse_uppercase_amount("价税合计 (小写) ¥234.00") is None
