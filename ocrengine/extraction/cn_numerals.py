"""Chinese financial (大写) numerals, as printed in 价税合计(大写) on VAT invoices."""

# ruff: noqa: RUF001 - full-width CJK punctuation is printed on the documents we read

from __future__ import annotations

import re
from decimal import Decimal

_DIGITS = {
    "零": 0,
    "〇": 0,
    "壹": 1,
    "一": 1,
    "贰": 2,
    "貳": 2,
    "二": 2,
    "两": 2,
    "叁": 3,
    "參": 3,
    "三": 3,
    "肆": 4,
    "四": 4,
    "伍": 5,
    "五": 5,
    "陆": 6,
    "陸": 6,
    "六": 6,
    "柒": 7,
    "七": 7,
    "捌": 8,
    "八": 8,
    "玖": 9,
    "九": 9,
}
_SMALL_UNITS = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_FRACTION_UNITS = {"角": Decimal("0.1"), "分": Decimal("0.01"), "厘": Decimal("0.001")}
UPPERCASE_CHARS = (
    "".join(_DIGITS) + "".join(_SMALL_UNITS) + "".join(_BIG_UNITS) + "圆元角分整正厘负"
)
UPPERCASE_RE = re.compile(rf"[{UPPERCASE_CHARS}]{{2,}}")


def _integer_part(text: str) -> int:
    total, section, digit = 0, 0, 0
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _SMALL_UNITS:
            # A bare 拾 ("拾元" = 10) means one ten.
            section += (digit or 1) * _SMALL_UNITS[char]
            digit = 0
        elif char in _BIG_UNITS:
            unit = _BIG_UNITS[char]
            section += digit
            if unit == 100_000_000:
                total = (total + section) * unit
            else:
                total += section * unit
            section, digit = 0, 0
    return total + section + digit


def parse_uppercase_amount(text: str) -> Decimal | None:
    """'壹佰零贰圆伍角整' → Decimal('102.50'); None when `text` holds no such amount.

    零 is a placeholder, 整/正 marks "no fractional part", and 角/分 are tenths/hundredths.
    """
    match = UPPERCASE_RE.search(text.replace(" ", ""))
    if not match:
        return None
    raw = match.group(0)
    negative = raw.startswith("负")
    raw = raw.lstrip("负")
    if not any(ch in _DIGITS or ch in _SMALL_UNITS for ch in raw):
        return None
    parts = re.split(r"[圆元]", raw, maxsplit=1)
    if len(parts) == 2:
        integer_text, fraction_text = parts
    else:
        integer_text, fraction_text = ("", raw) if re.search(r"[角分]", raw) else (raw, "")
    value = Decimal(_integer_part(integer_text))
    digit = 0
    for char in fraction_text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _FRACTION_UNITS:
            value += digit * _FRACTION_UNITS[char]
            digit = 0
    value = value.quantize(Decimal("0.01"))
    return -value if negative else value
