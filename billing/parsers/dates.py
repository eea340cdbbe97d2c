"""Dates as banks print them, with the year inferred from the statement date.

Formats use strptime-like codes (%d %m %y %Y %b %B) but are parsed here, not by
`time.strptime`, so month names do not depend on the process locale and Malay
abbreviations (Mac, Mei, Ogos, Okt, Dis) work alongside English ones.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache
from itertools import pairwise

_MONTHS = {
    "jan": 1, "january": 1, "januari": 1,
    "feb": 2, "february": 2, "februari": 2,
    "mar": 3, "march": 3, "mac": 3,
    "apr": 4, "april": 4,
    "may": 5, "mei": 5,
    "jun": 6, "june": 6,
    "jul": 7, "july": 7, "julai": 7,
    "aug": 8, "august": 8, "ogos": 8, "ogo": 8,
    "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "okt": 10, "oktober": 10,
    "nov": 11, "november": 11,
    "dec": 12, "december": 12, "dis": 12, "disember": 12,
}  # fmt: skip

_CODES = {
    "%d": r"(?P<d>\d{1,2})",
    "%m": r"(?P<m>\d{1,2})",
    "%y": r"(?P<y>\d{2})",
    "%Y": r"(?P<Y>\d{4})",
    "%b": r"(?P<b>[A-Za-z]{3,9})",
    "%B": r"(?P<b>[A-Za-z]{3,9})",
}

# A date printed after the statement date by more than this belongs to the previous year
# (a December purchase on a January statement).
ROLLOVER_GRACE = timedelta(days=31)


@lru_cache(maxsize=256)
def _format_regex(fmt: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(fmt):
        code = fmt[i : i + 2]
        if code in _CODES:
            out.append(_CODES[code])
            i += 2
        elif fmt[i].isspace():
            out.append(r"\s*")
            i += 1
        else:
            out.append(re.escape(fmt[i]))
            i += 1
    return re.compile("".join(out), re.IGNORECASE)


def parse_date(text: str, formats: list[str], reference: date | None = None) -> date | None:
    """First format that matches the whole of `text`; a missing year comes from `reference`."""
    text = text.strip()
    for fmt in formats:
        match = _format_regex(fmt).fullmatch(text)
        if match:
            parsed = _build(match.groupdict(), reference)
            if parsed is not None:
                return parsed
    return None


def _build(parts: dict[str, str | None], reference: date | None) -> date | None:
    day = int(parts["d"]) if parts.get("d") else 1
    if parts.get("m"):
        month = int(parts["m"])
    elif parts.get("b"):
        month = _MONTHS.get(parts["b"].lower(), 0)
    else:
        return None
    if parts.get("Y"):
        year = int(parts["Y"])
    elif parts.get("y"):
        year = 2000 + int(parts["y"])
    elif reference is not None:
        return infer_year(day, month, reference)
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def infer_year(day: int, month: int, statement_date: date) -> date | None:
    """The date nearest before (or just after) the statement date with this day and month."""
    try:
        candidate = date(statement_date.year, month, day)
    except ValueError:
        # 29 Feb on a statement of the next year
        try:
            return date(statement_date.year - 1, month, day)
        except ValueError:
            return None
    if candidate > statement_date + ROLLOVER_GRACE:
        try:
            return date(statement_date.year - 1, month, day)
        except ValueError:
            return None
    return candidate


def date_regex(formats: list[str]) -> str:
    """A regex (no named groups) matching any of `formats`, for building row patterns."""
    parts = []
    for fmt in formats:
        pattern = _format_regex(fmt).pattern
        parts.append(re.sub(r"\(\?P<\w+>", "(?:", pattern))
    return "(?:" + "|".join(parts) + ")"


# --- dates in exports of any bank (the generic table reader) ---------------------------------
# Month names beyond English and Malay, accents kept and stripped, for "12 févr. 2024",
# "3. März 2024", "5 ene 2024", "1 mrt 2024", "7 giu 2024", "2 fev 2024".
_MONTHS_INTL = {
    "janv": 1, "janvier": 1, "januar": 1, "jänner": 1, "jän": 1, "ene": 1, "enero": 1,
    "gen": 1, "gennaio": 1, "janeiro": 1, "janv.": 1,
    "févr": 2, "fevr": 2, "février": 2, "fevrier": 2, "februar": 2, "febrero": 2,
    "febbraio": 2, "fev": 2, "fevereiro": 2, "febr": 2,
    "mars": 3, "märz": 3, "marz": 3, "maerz": 3, "mär": 3, "mrz": 3, "marzo": 3, "mrt": 3,
    "maart": 3,
    "março": 3, "marco": 3,
    "avr": 4, "avril": 4, "abr": 4, "abril": 4, "aprile": 4,
    "mai": 5, "mayo": 5, "mag": 5, "maggio": 5, "maio": 5,
    "juin": 6, "juni": 6, "junio": 6, "giu": 6, "giugno": 6, "junho": 6,
    "juil": 7, "juillet": 7, "juli": 7, "julio": 7, "lug": 7, "luglio": 7, "julho": 7,
    "août": 8, "aout": 8, "ago": 8, "agosto": 8, "augustus": 8,
    "set": 9, "sett": 9, "settembre": 9, "septembre": 9, "septiembre": 9, "setembro": 9,
    "okt": 10, "oktober": 10, "octobre": 10, "octubre": 10, "ott": 10, "ottobre": 10,
    "out": 10, "outubro": 10,
    "novembre": 11, "noviembre": 11, "novembro": 11,
    "dez": 12, "dezember": 12, "déc": 12, "décembre": 12, "decembre": 12, "dic": 12,
    "diciembre": 12, "dicembre": 12, "dezembro": 12,
}  # fmt: skip
_ALL_MONTHS = {**_MONTHS, **_MONTHS_INTL}
_MONTH_WORD = r"[^\W\d_]{3,10}\.?"
_TIME_TAIL = r"(?:[ T,]+\d{1,2}[:.h]\d{2}(?:[:.]\d{2})?(?:[.,]\d+)?\s*(?:[AP]\.?M\.?)?\s*(?:Z|[+-]\d{2}:?\d{2}|[A-Z]{2,5})?)?"
_ISO = re.compile(rf"(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_TIME_TAIL}", re.IGNORECASE)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_NUMERIC = re.compile(rf"(\d{{1,2}})[./-](\d{{1,2}})[./-](\d{{4}}|\d{{2}}){_TIME_TAIL}", re.I)
_DAY_NAMED = re.compile(
    rf"(\d{{1,2}})\.?[ .-]*({_MONTH_WORD})[ .,-]*(\d{{4}}|\d{{2}})?{_TIME_TAIL}", re.IGNORECASE
)
_NAMED_DAY = re.compile(
    rf"({_MONTH_WORD})[ .-]*(\d{{1,2}})(?:st|nd|rd|th)?,?[ .-]*(\d{{4}}|\d{{2}})?{_TIME_TAIL}",
    re.IGNORECASE,
)
_CJK = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?" + _TIME_TAIL)


def month_number(word: str) -> int:
    """1..12 for a month name or abbreviation in the languages statements come in; 0 if none."""
    word = word.lower().rstrip(".")
    return _ALL_MONTHS.get(word, 0)


def date_readings(text: str) -> dict[str, date]:
    """Every way a printed date can be read, keyed by its order: "ymd", "dmy", "mdy" or "named"
    (a month printed as a word). A numeric date such as 03/04/2024 has two readings; which
    one holds is decided per document (`choose_date_order`), never per row."""
    return dict(_date_readings(text.strip()))


@lru_cache(maxsize=4096)  # an export repeats its dates row after row
def _date_readings(text: str) -> dict[str, date]:
    if not text or len(text) > 40:
        return {}
    if match := _ISO.fullmatch(text) or _CJK.fullmatch(text):
        return _valid({"ymd": (match[1], match[2], match[3])})
    if (match := _COMPACT.fullmatch(text)) and 1900 < int(match[1]) < 2200:
        return _valid({"ymd": (match[1], match[2], match[3])})
    if match := _NUMERIC.fullmatch(text):
        a, b, year = match[1], match[2], _year(match[3])
        return _valid({"dmy": (year, b, a), "mdy": (year, a, b)})
    for pattern, day_first in ((_DAY_NAMED, True), (_NAMED_DAY, False)):
        match = pattern.fullmatch(text)
        if match:
            day, word = (match[1], match[2]) if day_first else (match[2], match[1])
            month = month_number(word)
            if month and match[3]:
                return _valid({"named": (_year(match[3]), str(month), day)})
    return {}


def _year(text: str) -> str:
    return text if len(text) == 4 else str(2000 + int(text) if int(text) < 70 else 1900 + int(text))


def _valid(options: dict[str, tuple[str, str, str]]) -> dict[str, date]:
    out = {}
    for order, (year, month, day) in options.items():
        if not 1950 <= int(year) <= 2100:
            continue
        try:
            out[order] = date(int(year), int(month), int(day))
        except ValueError:
            continue
    return out


def read_date(text: str, day_first: bool = True) -> date | None:
    """One printed date under the document's date order (day-first or month-first)."""
    readings = date_readings(text)
    for order in ("ymd", "named", "dmy" if day_first else "mdy"):
        if order in readings:
            return readings[order]
    return None


def choose_date_order(
    values: list[str], prefer: bool | None = None, likely: bool | None = None
) -> tuple[bool, str]:
    """(day_first, why) for one document's dates, from all of them.

    A day over 12 decides (13/02 is day-first, 02/13 month-first); failing that, the reading
    under which the rows are in date order (oldest or newest first) wins; failing that dates
    printed with dots (03.04.2024, never month-first) or the caller's `prefer` (the export's
    language) decide; failing that the reading that keeps the rows within days rather than
    months of each other, then the caller's `likely` (the account's currency); failing that it
    is day-first, and `why` says the order was not evident ("" when it was, or did not
    matter)."""
    readings = [date_readings(v) for v in values]
    numeric = [r for r in readings if "dmy" in r or "mdy" in r]
    dmy_only = sum(1 for r in numeric if "dmy" in r and "mdy" not in r)
    mdy_only = sum(1 for r in numeric if "mdy" in r and "dmy" not in r)
    if dmy_only and not mdy_only:
        return True, ""
    if mdy_only and not dmy_only:
        return False, ""
    if dmy_only and mdy_only:
        return dmy_only >= mdy_only, "dates fit neither day-first nor month-first throughout"
    differing = [r for r in numeric if r.get("dmy") != r.get("mdy")]
    if not differing:
        return True, ""
    sorted_dmy = _monotonic([r.get("dmy") for r in numeric])
    sorted_mdy = _monotonic([r.get("mdy") for r in numeric])
    if sorted_dmy != sorted_mdy:
        return sorted_dmy, ""
    if any(re.match(r"\d{1,2}\.\d{1,2}\.", v.strip()) for v in values):
        return True, ""
    if prefer is not None:
        return prefer, ""
    span_dmy, span_mdy = (
        _span([r.get("dmy") for r in numeric]),
        _span([r.get("mdy") for r in numeric]),
    )
    if span_dmy * 4 <= span_mdy or span_mdy * 4 <= span_dmy:
        # One reading puts the rows within days of each other, the other months apart: an
        # export covers a period, so the close reading is the order (and its first part the
        # one that varies, the day).
        return span_dmy < span_mdy, ""
    if likely is not None:
        return likely, ""
    return True, "no date has a day over 12, so day-first was assumed (not month-first)"


def _span(days: list[date | None]) -> int:
    seq = [d for d in days if d is not None]
    return (max(seq) - min(seq)).days if seq else 0


def _monotonic(days: list[date | None]) -> bool:
    seq = [d for d in days if d is not None]
    pairs = list(pairwise(seq))
    return all(a <= b for a, b in pairs) or all(a >= b for a, b in pairs)
