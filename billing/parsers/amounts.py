"""Money as banks print it -> Decimal with a direction.

Handles thousands/decimal separators (`1,234.56`, `1.234,56`, `1 234,56`, `1'234.56`),
a currency before or after the number, credit markers (`CR` suffix or prefix, parentheses, a
minus sign) and debit markers (`DR`). What counts as a credit is part of a template's
`amounts` spec, so a bank printing `-` for charges works too. `detect_amount_syntax` decides
a document's separators from all its amounts at once (the generic table reader).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")
# Digit-group separators that are never a decimal point: spaces (plain, no-break, narrow
# no-break, thin) and apostrophes (Swiss 1'234.56).
_GROUP_SPACES = re.compile("[ \u00a0\u202f\u2009'\u2019]")
# A currency printed before the sign ("£-12.34", "EUR -12.34") or after the sign ("-£12.34").
_SIGNED_PREFIX = re.compile(r"^(?:[A-Z]{1,3}\$|RM|\$|€|£|S\$|[A-Z]{3}(?=\s))\s*(?=[-+\d])")
_PREFIX = re.compile(r"^(?:[A-Z]{1,3}\$|RM|\$|€|£|S\$)\s*")
# A currency printed after the number: "1.234,56 EUR", "12,34 €", "100.00 RMB".
_CURRENCY_SUFFIX = re.compile(r"\s*(?:[A-Z]{3}|€|£|¥|\$|元|zł|kr|Kč)$")
_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class AmountSyntax:
    thousands: str = ","
    decimal: str = "."
    credit_markers: tuple[str, ...] = ("CR",)
    debit_markers: tuple[str, ...] = ("DR",)
    parentheses_credit: bool = True
    minus_is_credit: bool = True  # card statements print payments as -12.30

    @classmethod
    def from_spec(cls, spec: dict | None) -> AmountSyntax:
        spec = spec or {}
        return cls(
            thousands=spec.get("thousands", ","),
            decimal=spec.get("decimal", "."),
            credit_markers=tuple(spec.get("credit_markers", ["CR"])),
            debit_markers=tuple(spec.get("debit_markers", ["DR"])),
            parentheses_credit=spec.get("parentheses_credit", True),
            minus_is_credit=spec.get("minus_is_credit", True),
        )


DEFAULT_SYNTAX = AmountSyntax()


def amount_regex(syntax: AmountSyntax = DEFAULT_SYNTAX) -> str:
    """A regex (no groups) that matches one printed amount in this syntax, markers included."""
    th, dec = re.escape(syntax.thousands), re.escape(syntax.decimal)
    markers = "|".join(re.escape(m) for m in syntax.credit_markers + syntax.debit_markers)
    # Bounded, and never starting inside a run of digits: unbounded, a search along a long
    # line of digits or digit groups retried every start (quadratic).
    number = rf"(?<!\d)(?:\d{{1,3}}(?:{th}\d{{3}}){{1,6}}|\d{{1,15}}){dec}\d{{2}}"
    marker = rf"(?:\s?(?:{markers}))?" if markers else ""
    prefix = rf"(?:(?:{markers})\s?)?" if markers else ""
    currency = r"(?:[A-Z]{1,3}\$|RM|\$)?"
    return rf"(?:\(\s*{currency}{number}\s*\)|{prefix}[-+]?\s?{currency}{number}-?{marker})"


def parse_amount(
    text: str, syntax: AmountSyntax = DEFAULT_SYNTAX
) -> tuple[Decimal, str | None] | None:
    """Return (absolute amount, "credit" | "debit" | None) or None when `text` is no amount.

    The direction is None when nothing marks it; callers decide (usually debit).
    """
    raw = text.strip().replace("\u2212", "-")
    if not raw:
        return None
    direction: str | None = None
    upper = raw.upper()
    for marker in syntax.credit_markers:
        if upper.endswith(marker.upper()) or upper.startswith(marker.upper()):
            direction = "credit"
            raw = _strip_marker(raw, marker)
            break
    else:
        for marker in syntax.debit_markers:
            if upper.endswith(marker.upper()) or upper.startswith(marker.upper()):
                direction = "debit"
                raw = _strip_marker(raw, marker)
                break
    if raw.startswith("(") and raw.endswith(")"):
        raw = raw[1:-1].strip()
        if syntax.parentheses_credit:
            direction = "credit"
    raw = _SIGNED_PREFIX.sub("", raw)
    raw = _CURRENCY_SUFFIX.sub("", raw)
    negative = raw.startswith("-") or raw.endswith("-")
    raw = raw.strip("+-").strip()
    raw = _PREFIX.sub("", raw)
    raw = _CURRENCY_SUFFIX.sub("", raw)
    value = _to_decimal(raw, syntax)
    if value is None:
        return None
    if negative and direction is None:
        direction = "credit" if syntax.minus_is_credit else "debit"
    return value, direction


def signed_balance(text: str, syntax: AmountSyntax = DEFAULT_SYNTAX) -> Decimal | None:
    """A printed balance: owed is positive, a CR (credit) balance is negative."""
    parsed = parse_amount(text, syntax)
    if parsed is None:
        return None
    value, direction = parsed
    return -value if direction == "credit" else value


def _strip_marker(raw: str, marker: str) -> str:
    if raw.upper().endswith(marker.upper()):
        return raw[: -len(marker)].strip()
    return raw[len(marker) :].strip()


def _to_decimal(raw: str, syntax: AmountSyntax) -> Decimal | None:
    if syntax.thousands:
        raw = raw.replace(syntax.thousands, "")
    raw = _GROUP_SPACES.sub("", raw)
    if syntax.decimal != ".":
        raw = raw.replace(syntax.decimal, ".")
    if not _PLAIN_NUMBER.fullmatch(raw):
        return None
    try:
        return Decimal(raw).quantize(CENT)
    except InvalidOperation:
        return None


_DOT_DECIMAL = re.compile(r"\d[.]\d{1,2}\s*\)?\s*-?\s*(?:[A-Z]{2,3}|€|£)?$")
_COMMA_DECIMAL = re.compile(r"\d,\d{1,2}\s*\)?\s*-?\s*(?:[A-Z]{2,3}|€|£)?$")
_DOT_GROUPS = re.compile(r"^\D*\d{1,3}(?:\.\d{3})+(?:,\d*)?\D*$")
_COMMA_GROUPS = re.compile(r"^\D*\d{1,3}(?:,\d{3})+(?:\.\d*)?\D*$")


def detect_amount_syntax(cells: list[str]) -> AmountSyntax:
    """The document's number syntax, from all its amount cells at once: a decimal comma
    (`1.234,56`, `1 234,56`, `-36,99`) or a decimal point (`1,234.56`, `1'234.56`).

    A cell with both separators settles it (the last one is the decimal); otherwise cells
    ending in a separator and one or two digits are counted, then digit groups of three."""
    comma = dot = 0
    for cell in cells:
        text = cell.strip()
        if "," in text and "." in text:
            if text.rfind(",") > text.rfind("."):
                comma += 10
            else:
                dot += 10
        elif _COMMA_DECIMAL.search(text):
            comma += 1
        elif _DOT_DECIMAL.search(text):
            dot += 1
        elif _DOT_GROUPS.match(text):
            comma += 1  # 1.234 printed without decimals: dots group thousands
        elif _COMMA_GROUPS.match(text):
            dot += 1
    if comma > dot:
        return AmountSyntax(thousands=".", decimal=",")
    return AmountSyntax()
