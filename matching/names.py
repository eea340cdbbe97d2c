"""Seller ↔ merchant name similarity: normalised names compared as token sets.

Normalising folds case and accents, drops punctuation, card-statement noise (processor
prefixes, reference numbers, a trailing country code) and legal suffixes, so "Müller GmbH"
and "MULLER*BERLIN DE" compare on "muller". Token-set similarity (rapidfuzz: C++, kept up,
MIT) scores word sets regardless of order and extra words: "acme supplies" vs
"acme supplies kuala lumpur" is 100. Pure functions, no Django.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz

LEGAL_SUFFIXES = frozenset(
    [
        "ab",
        "ag",
        "as",
        "asa",
        "bhd",
        "bv",
        "co",
        "company",
        "corp",
        "corporation",
        "cv",
        "gmbh",
        "inc",
        "incorporated",
        "kg",
        "kft",
        "kk",
        "llc",
        "llp",
        "lp",
        "ltd",
        "limited",
        "mbh",
        "nv",
        "oy",
        "oyj",
        "plc",
        "pte",
        "pty",
        "sa",
        "sab",
        "sae",
        "sarl",
        "sas",
        "sdn",
        "se",
        "sl",
        "spa",
        "srl",
        "ug",
    ]
)
# Chinese company forms are written without spaces: stripped from the end of the name.
CJK_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团", "公司")
_PROCESSOR = re.compile(r"^(?:sq|sp|tst|paypal|pp|ppl|gpay|apl|amzn mktp|ec|pos)\s*\*\s*")
_NOISE = re.compile(r"[^\w\s]|_")
_DIGITS = re.compile(r"\b\w*\d\w*\b")


@lru_cache(maxsize=50_000)
def normalise_name(name: str) -> str:
    """Lower case, no accents, no punctuation, no digits-bearing tokens, no legal suffixes."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().strip()
    for suffix in CJK_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    text = _PROCESSOR.sub(" ", text)
    text = _NOISE.sub(" ", text)
    text = _DIGITS.sub(" ", text)
    words = [word for word in text.split() if word not in LEGAL_SUFFIXES]
    return " ".join(words)


def name_similarity(seller: str, merchant: str) -> float:
    """0..1: how alike two names are once normalised (token-set ratio); 0 when either is empty."""
    left, right = normalise_name(seller), normalise_name(merchant)
    if not left or not right:
        return 0.0
    return round(fuzz.token_set_ratio(left, right) / 100.0, 3)
