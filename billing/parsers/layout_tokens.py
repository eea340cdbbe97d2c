"""Amounts and dates as any bank prints them, found inside a line of text with their positions.

The generic statement reader knows no bank, so it cannot be told the number format or the
date order: amounts are recognised in every common locale (`1,234.56`, `1.234,56`,
`1 234,56`, `1'234.56`, a sign before or after, `CR`/`DR`, parentheses) and dates in numeric,
ISO and month-name forms in English, French, German, Spanish, Italian, Portuguese, Dutch and
Malay. Whether `03/04` is day-first or month-first is decided once per document
(`DateOrder`), from every date on it, never per row.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from . import dates
from .dates import infer_year

CENT = Decimal("0.01")

_MONTH_NAME = r"[A-Za-zÀ-ÿ]{3,10}\.?"
_NUMERIC_DATE = re.compile(
    r"(?<![\d/.-])(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?:(?P=sep)(?P<c>\d{4}|\d{2}))?"
    r"(?P<dot>\.)?(?![\d/-]|\.\d)"
)
_DOTTED_DATE_FOLLOWS = re.compile(r" +(?:\d{1,2}\.\d{1,2}(?:\.\d{2,4})?\b|[A-Za-zÀ-ÿ*])")
_CURRENCY_WORD = re.compile(r" +[A-Z]{3}\b")
_ISO_DATE = re.compile(r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)")
# A two-digit year after a month name must not be the day of the next date ("08 Nov 11 Nov").
# Also "02/ENE" (Mexico) and "03FEB2024" (printed without separators, or OCR'd so).
_DAY_MONTH = re.compile(
    rf"(?<![\w])(?P<d>\d{{1,2}})(?:er|st|nd|rd|th|\.)?[ /-]?(?P<mon>{_MONTH_NAME})"
    rf"(?:(?:[ ,/-]+|(?<=[A-Za-z]))(?P<y>\d{{4}}|\d{{2}}(?![ ,/-]*{_MONTH_NAME})))?(?![\w])"
)
_MONTH_DAY = re.compile(
    rf"(?<![\w])(?P<mon>{_MONTH_NAME}) ?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:(?:, ?| )(?P<y>\d{{4}}))?(?![\w])"
)
_CJK_DATE = re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")

CURRENCY_SYMBOLS = "$€£¥₹₩"
_CURRENCY_CODES = (
    r"RM|USD|EUR|GBP|CAD|AUD|SGD|MYR|CHF|JPY|CNY|RMB|INR|HKD|NZD|S\$|A\$|C\$|US\$|HK\$"
)
_AMOUNT = re.compile(
    rf"(?<![\w.,'/])(?P<open>\()?\s?(?P<pre>[-+\u2212])?\s?(?:(?:{_CURRENCY_CODES})\s?|[{CURRENCY_SYMBOLS}]\s?)?"
    r"(?P<pre2>[-+\u2212])?"
    r"(?P<number>\d{1,3}(?:(?P<th>[,.'\u00a0\u202f ])\d{3})(?:(?P=th)\d{3}){0,5}(?P<dec>[.,])\d{2}"
    r"|\d{1,2}(?:(?P<lakh>,)\d{2}){1,4},\d{3}(?P<dec3>\.)\d{2}"  # Indian: 1,23,45,678.90
    r"|\d{1,15}(?P<dec2>[.,])\d{2})"
    rf"(?!\d|[.,]\d)(?:\s?(?:[{CURRENCY_SYMBOLS}]|€))?"
    r"(?P<post>-(?!\d)|\+(?!\d))?"
    r"(?:\s?(?P<mark>CR|DR|Cr|Dr|cr|dr|C|D|H|S)(?![\w]))?"
    r"\s?(?P<close>\))?"
)


@dataclass(frozen=True)
class Amount:
    value: Decimal  # absolute
    sign: int  # -1 for a minus sign or parentheses, +1 otherwise
    marker: str  # "CR", "DR", "" (also the German "H"aben / "S"oll)
    start: int  # character offsets in the text it was found in
    end: int

    @property
    def marked_credit(self) -> bool:
        return self.marker in ("CR", "H")

    @property
    def marked_debit(self) -> bool:
        return self.marker in ("DR", "S")


def find_amounts(text: str) -> list[Amount]:
    """Every printed amount in `text`, left to right (2 decimals; any thousands style)."""
    found = []
    for match in _AMOUNT.finditer(text):
        amount = _amount_of(match)
        if amount is not None:
            found.append(amount)
    return found


def _amount_of(match: re.Match[str]) -> Amount | None:
    number = match.group("number")
    thousands = match.group("th") or match.group("lakh")
    decimal_mark = match.group("dec") or match.group("dec2") or match.group("dec3")
    if thousands is not None and thousands == decimal_mark:
        return None
    digits = number.replace(thousands or "\0", "").replace(decimal_mark, ".")
    try:
        value = Decimal(digits).quantize(CENT)
    except InvalidOperation:
        return None
    negative = bool(
        match.group("pre") or match.group("pre2") or match.group("post") == "-"
    ) and "+" not in ((match.group("pre") or "") + (match.group("post") or ""))
    parenthesised = bool(match.group("open") and match.group("close"))
    marker = (match.group("mark") or "").upper()
    marker = {"C": "CR", "D": "DR"}.get(marker, marker)
    start = match.start("open") if parenthesised else match.start()
    end = match.end()
    if match.group("close") and not parenthesised:
        end = match.start("close")
    while end > start and match.string[end - 1].isspace():
        end -= 1
    return Amount(value, -1 if negative or parenthesised else 1, marker, start, end)


@dataclass(frozen=True)
class DateToken:
    """A date as printed, not yet resolved: the order of ambiguous numbers is decided later."""

    first: int  # day or month (numeric forms), or the day
    second: int
    year: int | None
    numeric: bool  # "03/04" needs the document's date order; "3 Apr" does not
    start: int
    end: int

    def resolve(self, order: DateOrder, reference: date | None) -> date | None:
        if self.numeric and order.month_first:
            month, day = self.first, self.second
        else:
            day, month = self.first, self.second
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None
        if self.year is None:
            return infer_year(day, month, reference) if reference else None
        try:
            return date(self.year, month, day)
        except ValueError:
            return None


def find_dates(text: str) -> list[DateToken]:
    """Every date-looking token in `text`, left to right, overlapping forms removed."""
    tokens: list[DateToken] = []
    for match in _CJK_DATE.finditer(text):
        tokens.append(_token(int(match["d"]), int(match["m"]), match["y"], False, match))
    for match in _ISO_DATE.finditer(text):
        tokens.append(_token(int(match["d"]), int(match["m"]), match["y"], False, match))
    for match in _DAY_MONTH.finditer(text):
        month = month_number(match["mon"])
        if month:
            tokens.append(_token(int(match["d"]), month, match["y"], False, match))
    for match in _MONTH_DAY.finditer(text):
        month = month_number(match["mon"])
        if month:
            tokens.append(_token(int(match["d"]), month, match["y"], False, match))
    line_start = 0  # where a line's leading dates end
    for match in _NUMERIC_DATE.finditer(text):
        # "12.50" is an amount; "12.05." is a date without its year, and so is "02.05"
        # starting a line that goes on with words or another such date ("02.05 02.05 PRLV").
        dotted = match["c"] is None and match["sep"] == "." and not match["dot"]
        if dotted and not _leading_dotted_date(text, match, line_start):
            continue
        if not text[line_start : match.start()].strip():
            line_start = match.end()
        tokens.append(_token(int(match["a"]), int(match["b"]), match["c"], True, match))
    tokens.sort(key=lambda t: (t.start, -(t.end - t.start)))
    kept: list[DateToken] = []
    for token in tokens:
        if kept and token.start < kept[-1].end:
            continue
        kept.append(token)
    return kept


def _leading_dotted_date(text: str, match: re.Match[str], line_start: int) -> bool:
    if text[line_start : match.start()].strip() or not (
        1 <= int(match["a"]) <= 31 and 1 <= int(match["b"]) <= 12
    ):
        return False
    follows = _DOTTED_DATE_FOLLOWS.match(text, match.end())
    return bool(follows) and not _CURRENCY_WORD.match(text, match.end())


def _token(first: int, second: int, year: str | None, numeric: bool, match) -> DateToken:
    parsed_year = None
    if year:
        parsed_year = int(year) if len(year) == 4 else 2000 + int(year)
    return DateToken(first, second, parsed_year, numeric, match.start(), match.end())


def month_number(name: str) -> int | None:
    """The month of a name or abbreviation in any language the statement readers know (the
    one table in `dates.py`), with or without its accents."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return dates.month_number(name) or dates.month_number(plain) or None


@dataclass(frozen=True)
class DateOrder:
    month_first: bool
    decided: bool  # False: no date on the document told the orders apart

    @classmethod
    def of(cls, tokens: list[DateToken], month_first_default: bool = False) -> DateOrder:
        """Day-first unless a number above 12 in first place proves month-first (or the
        document's other cues, `month_first_default`, say so and nothing contradicts them)."""
        numeric = [t for t in tokens if t.numeric]
        day_first = any(t.first > 12 >= t.second for t in numeric)
        month_first = any(t.second > 12 >= t.first for t in numeric)
        if day_first != month_first:
            return cls(month_first=month_first, decided=True)
        return cls(month_first=month_first_default, decided=False)
