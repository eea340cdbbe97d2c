"""PRC resident identity numbers (GB 11643-1999): 6-digit region, 8-digit birth date, 3-digit
sequence whose last digit is odd for men, and an ISO 7064 MOD 11-2 check character."""

from __future__ import annotations

import datetime as dt
import re

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalise_id(value: str | None) -> str | None:
    """Strip spaces OCR inserts and upper-case a trailing x; None unless 18 characters remain."""
    if not value:
        return None
    compact = re.sub(r"\s+", "", value).upper()
    return compact if re.fullmatch(r"\d{17}[\dX]", compact) else None


def is_valid_id(value: str | None) -> bool:
    number = normalise_id(value)
    return (
        bool(number)
        and check_character(number[:17]) == number[17]
        and id_birth_date(number) is not None
    )


def id_birth_date(number: str) -> str | None:
    """The ISO birth date encoded in digits 7-14, or None when it is not a real past date."""
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    return born.isoformat() if dt.date(1900, 1, 1) <= born <= dt.date.today() else None


def id_sex(number: str) -> str:
    """ "M" or "F" from the 17th digit (odd = male)."""
    return "M" if int(number[16]) % 2 else "F"


_SEX_WORDS = {"男": "M", "male": "M", "m": "M", "女": "F", "female": "F", "f": "F"}


def normalise_sex(value: str | None) -> str | None:
    if not value:
        return None
    word = value.strip().split()[0].casefold() if value.strip() else ""
    return _SEX_WORDS.get(word) or _SEX_WORDS.get(word[:1])
