"""Dates as banks print them, with the year inferred from the statement date.

Formats use strptime-like codes (%d %m %y %Y %b %B) but are parsed here, not by
`time.strptime`, so month names do not depend on the process locale and Malay
abbreviations (Mac, Mei, Ogos, Okt, Dis) work alongside English ones.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

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
