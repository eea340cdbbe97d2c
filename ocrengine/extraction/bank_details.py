"""Where to pay: IBAN (ISO 13616, mod-97 checked), BIC and a domestic account number.

An IBAN is recognised by its own structure wherever it is printed, labelled or not; its check
digits decide, so a misread IBAN is never offered. A BIC and a domestic account need their
label (or, for a BIC, the IBAN's line): an 8-letter word or a digit run is too common alone.
"""

from __future__ import annotations

import re

from ocrengine.extraction.candidates import Candidate
from ocrengine.extraction.layout import Layout, Segment
from ocrengine.extraction.normalize import clean_text

# ISO 13616 lengths of the countries most invoices come from; others are accepted at 15-34.
IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BA": 20, "BE": 16, "BG": 22, "BR": 29, "CH": 21, "CY": 28, "CZ": 24,
    "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21,
    "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27,
    "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "RS": 22, "SA": 24, "SE": 24,
    "SI": 19, "SK": 24, "SM": 27, "TR": 26, "AE": 23, "IL": 23, "UA": 29,
}  # fmt: skip
_IBAN_START = re.compile(r"(?<![A-Z0-9])([A-Z]{2})\s?(\d{2})((?:[\s-]?[A-Z0-9]){11,30})")
_BIC = re.compile(r"(?<![A-Z0-9])([A-Z]{4})([A-Z]{2})([A-Z0-9]{2})([A-Z0-9]{3})?(?![A-Za-z0-9])")
_ACCOUNT = re.compile(r"(?<![\dA-Z])([A-Z]{2}\d{2}[\s\d]{10,36}\d|\d[\d\s/-]{4,36}\d)(?![\d])")
_BIC_COUNTRIES = set(IBAN_LENGTHS) | {
    "US", "CA", "CN", "JP", "HK", "SG", "MY", "IN", "AU", "NZ", "KR", "TW", "MX", "ZA", "TH",
}  # fmt: skip


def iban_ok(value: str) -> bool:
    """ISO 13616: known length for its country and the mod-97 remainder 1."""
    iban = re.sub(r"[\s-]", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        return False
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected and len(iban) != expected:
        return False
    numeric = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    return int(numeric) % 97 == 1


def find_ibans(text: str) -> list[str]:
    """Valid IBANs in `text`, compacted, in order. A run that reads past the IBAN into the
    next word ("DE89 3704 ... 00 BIC ...") is cut back to the length that checks."""
    text = clean_text(text).upper()
    found: list[str] = []
    for match in _IBAN_START.finditer(text):
        body = re.sub(r"[\s-]", "", match[3])
        country = match[1]
        lengths = [IBAN_LENGTHS[country]] if country in IBAN_LENGTHS else range(34, 14, -1)
        for length in lengths:
            candidate = f"{country}{match[2]}{body[: length - 4]}"
            if len(candidate) == length and iban_ok(candidate) and candidate not in found:
                found.append(candidate)
                break
    return found


def find_bic(text: str) -> str | None:
    for match in _BIC.finditer(clean_text(text).upper()):
        if match[2] in _BIC_COUNTRIES:
            return match[0]
    return None


def account_number(text: str) -> str | None:
    """An account number at the start of a labelled value: at least six digits, kept as
    printed apart from spacing ("123456789/0800", "5050-1055")."""
    match = _ACCOUNT.search(clean_text(text).upper()[:60])
    if not match or sum(ch.isdigit() for ch in match[1]) < 6:
        return None
    return re.sub(r"\s+", "", match[1])


def bank_candidates(layout: Layout, labelled: dict[str, list[Candidate]]) -> list[Candidate]:
    """IBAN, BIC and bank account candidates. `labelled`: the label reader's candidates for
    these fields (their values are re-read and validated here)."""
    found: list[Candidate] = []
    for candidate in labelled.get("iban", []):
        for iban in find_ibans(_full_text(candidate)):
            found.append(_again(candidate, "iban", iban))
    iban_rows: set[int] = set()
    for segment in layout.segments:
        for iban in find_ibans(segment.text):
            found.append(Candidate("iban", iban, 0.6, "detected", segment))
            iban_rows.add(segment.row)
    for candidate in labelled.get("bank_account", []):
        account = account_number(candidate.value)
        if account:
            found.append(_again(candidate, "bank_account", account))
            polish = f"PL{account}" if re.fullmatch(r"\d{26}", account) else ""
            if polish and iban_ok(polish):  # a Polish NRB is the IBAN without "PL"
                found.append(_again(candidate, "iban", polish, 0.9))
    for candidate in labelled.get("bic", []):
        bic = find_bic(candidate.value)
        if bic:
            found.append(_again(candidate, "bic", bic))
    for row in sorted(iban_rows):
        for segment in layout.rows[row]:
            bic = find_bic(re.sub(r"[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4})+", " ", segment.text))
            if bic:
                found.append(Candidate("bic", bic, 0.5, "detected", segment))
    return found


def _full_text(candidate: Candidate) -> str:
    # The label reader cut the value at its first token; the IBAN's groups are the segment's.
    return candidate.segment.text if candidate.segment else candidate.value


def _again(candidate: Candidate, name: str, value: str, weight: float = 1.0) -> Candidate:
    segment: Segment | None = candidate.segment
    return Candidate(name, value, candidate.score * weight, candidate.method, segment)
