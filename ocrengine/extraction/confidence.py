"""Confidence: how the value was read x how it was found x whether a check confirmed it.

The review threshold is 0.7, so a labelled value on a clean text layer whose totals add up
lands well above it, and an unlabelled guess or a poorly read scan lands below.
"""

from __future__ import annotations

from ocrengine.extraction.candidates import Candidate
from ocrengine.extraction.result import ExtractedField

SOURCE_WEIGHT = {
    "xml": 1.0,  # structured data states its values exactly
    "qr": 0.97,  # a Chinese invoice's QR code, error-corrected, on a page that missed it
    "inline": 0.95,
    "right": 0.93,
    "below": 0.86,
    "detected": 0.9,  # currency from ISO codes or symbols printed with the amounts
    "derived": 0.8,
    "learned": 0.95,  # the seller's name as reviewers corrected it, for its tax id or name
    "letterhead": 0.75,  # a company name with a legal form at the top of the page
    "guess": 0.5,
}


def field_confidence(candidate: Candidate, validated: bool | None) -> float:
    """`validated`: True when a check confirmed the value, False when one contradicted it."""
    reading = candidate.confidence if candidate.method != "xml" else 1.0
    confidence = reading * SOURCE_WEIGHT.get(candidate.method, 0.5)
    if validated is True:
        confidence += (1.0 - confidence) * 0.6
    elif validated is False:
        confidence *= 0.6
    return round(max(0.0, min(1.0, confidence)), 3)


def overall_confidence(
    fields: dict[str, ExtractedField], required: list[str], checks: list[dict]
) -> float:
    """Mean over required fields (a missing one counts 0), lowered by each failed check."""
    names = required or list(fields)
    if not names:
        return 0.0
    score = sum(fields[name].confidence if name in fields else 0.0 for name in names) / len(names)
    failed = sum(1 for check in checks if check.get("ok") is False)
    return round(score * (0.85**failed), 3)
