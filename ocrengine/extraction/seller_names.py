"""Sellers' names the way the books keep them: a spec's `seller_names` (learned from reviewers'
corrections, `invoices.services.learning`) maps a seller's tax id, or its name as the page
prints it, to the name to record ("WS Retail Services Pvt. Ltd." → "Flipkart").

An entry is {"name": ..., "tax_id": ..., "read": ...} with a name and at least one of the
other two; a tax id match wins over a name match (the same seller, however it prints itself).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ocrengine.extraction.candidates import Candidate

MAX_SELLER_NAMES = 2000
MAX_NAME_CHARS = 200


def normalised(text: str) -> str:
    """A name or tax id compared without case, spaces or punctuation."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def apply_seller_names(spec: dict[str, Any], chosen: dict[str, Candidate]) -> None:
    """Replace the chosen seller by the spec's name for its tax id or printed name."""
    entries = spec.get("seller_names") or []
    tax_id, seller = chosen.get("seller_tax_id"), chosen.get("seller")
    keys = (
        ("tax_id", normalised(tax_id.value) if tax_id else ""),
        ("read", normalised(seller.value) if seller else ""),
    )
    for attribute, key in keys:
        entry = next(
            (e for e in entries if key and normalised(e.get(attribute) or "") == key), None
        )
        if entry is not None:
            basis = seller or tax_id
            chosen["seller"] = Candidate(
                "seller", entry["name"], basis.score, "learned", basis.segment, basis.alias
            )
            return


def seller_name_problem(entry: Any) -> str | None:
    """What is wrong with one `seller_names` entry, or None (see `spec.validate_spec`)."""
    texts = entry.values() if isinstance(entry, dict) else []
    if not isinstance(entry, dict) or not all(isinstance(v, str) for v in texts):
        return "must be an object of strings"
    if not entry.get("name", "").strip() or not (entry.get("tax_id") or entry.get("read")):
        return "needs a name and a tax_id or read"
    if any(len(v) > MAX_NAME_CHARS for v in texts):
        return f"a value may be at most {MAX_NAME_CHARS} characters"
    return None
