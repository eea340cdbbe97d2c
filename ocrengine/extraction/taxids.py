"""Tax identifiers recognised by their format: EU VAT ids, China's unified social credit
code (统一社会信用代码), India's GSTIN."""

from __future__ import annotations

import re

from ocrengine.extraction.normalize import clean_text

_EU_PREFIXES = (
    "AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|GB|XI|CHE"
)
_EU_VAT = re.compile(rf"(?<![A-Za-z0-9])({_EU_PREFIXES})[\s-]?((?:[0-9A-Z][\s.]?){{7,12}}[0-9A-Z])")
# 统一社会信用代码: 18 chars from a 31-symbol alphabet (no I, O, Z, S, V), digits 3-8 are
# the region code. Old 税号 were 15 or 20 chars.
CN_USCC = re.compile(
    r"(?<![0-9A-Z])([0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10})(?![0-9A-Z])"
)
CN_LEGACY = re.compile(r"(?<![0-9A-Z])(\d{15}|\d{17}[0-9X]|\d{20})(?![0-9A-Z])")
_GSTIN = re.compile(r"(?<![0-9A-Z])(\d{2}[A-Z]{5}\d{4}[A-Z][0-9A-Z]Z[0-9A-Z])(?![0-9A-Z])")
_EU_LENGTHS = {
    "AT": (9,),
    "BE": (10,),
    "DE": (9,),
    "FR": (11,),
    "NL": (12,),
    "IT": (11,),
    "ES": (9,),
    "GB": (9, 12),
    "LU": (8,),
    "PL": (10,),
    "DK": (8,),
    "FI": (8,),
    "SE": (12,),
    "IE": (8, 9),
    "PT": (9,),
    "CHE": (9,),
}


def compact(tax_id: str) -> str:
    return re.sub(r"[\s.\-]", "", tax_id).upper()


def is_eu_vat(tax_id: str) -> bool:
    match = _EU_VAT.fullmatch(compact(tax_id))
    if not match:
        return False
    body = compact(match[2])
    lengths = _EU_LENGTHS.get(match[1])
    digits = sum(ch.isdigit() for ch in body)
    return (len(body) in lengths if lengths else 8 <= len(body) <= 12) and digits >= len(body) - 3


def is_cn_tax_id(tax_id: str) -> bool:
    value = compact(tax_id)
    return bool(CN_USCC.fullmatch(value) or CN_LEGACY.fullmatch(value))


def is_valid_tax_id(tax_id: str) -> bool:
    return is_eu_vat(tax_id) or is_cn_tax_id(tax_id) or bool(_GSTIN.fullmatch(compact(tax_id)))


def find_tax_ids(text: str) -> list[str]:
    """Tax ids in `text`, compacted (no spaces or dots), in order of appearance."""
    text = clean_text(text)
    found: list[tuple[int, str]] = []
    for match in _EU_VAT.finditer(text):
        # Grow shorter: "DE 232 446 240 Amtsgericht" may over-read into the next word.
        raw = compact(match.group(0))
        for end in range(len(raw), 9, -1):
            if is_eu_vat(raw[:end]):
                found.append((match.start(), raw[:end]))
                break
    for pattern in (CN_USCC, _GSTIN):
        found.extend((m.start(), m.group(1)) for m in pattern.finditer(text))
    seen: list[str] = []
    for _, value in sorted(found):
        if value not in seen:
            seen.append(value)
    return seen
