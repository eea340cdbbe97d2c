"""Label → value reading shared by the non-invoice document types (ID cards, licences,
statement headers): short forms where each printed label sits before its value, on the same
line or the line below."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ocrengine.engines.base import DocumentText
from ocrengine.extraction.normalize import format_amount, parse_amount
from ocrengine.extraction.patterns import cap_line, compile_template_pattern
from ocrengine.extraction.result import ExtractedField

# Separators OCR leaves between a label and its value (full-width colon included).
_SEPARATORS = " \t:\uff1a;\uff1b|/-_.\u00b7"
# How sure a value is by how it was found; multiplied by the line's OCR confidence.
INLINE, BELOW, PATTERN_ONLY = 0.95, 0.85, 0.6
# Identity documents carry birth dates long before the invoice engine's plausible range.
_YMD = re.compile(r"(?<!\d)(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})(?!\d)")
_DMY = re.compile(r"(?<!\d)(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?!\d)")
_COMPACT = re.compile(r"(?<!\d)(19\d{2}|20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)")


@dataclass(frozen=True)
class Line:
    page: int
    text: str
    box: tuple[float, float, float, float] | None
    confidence: float
    source: str


def document_lines(document: DocumentText) -> list[Line]:
    """Every non-empty line in reading order; raw-text pages (no boxes) split on newlines.

    Each is cut to MAX_LINE_CHARS: this is where text enters these extractors, so no regex
    behind it sees a longer line."""
    lines: list[Line] = []
    for page in document.pages:
        if page.lines:
            for line in page.lines:
                text = cap_line(line.text.strip())
                if text:
                    lines.append(Line(page.number, text, line.box, line.confidence, page.source))
        else:
            for raw in page.text.splitlines():
                text = cap_line(raw.strip())
                if text:
                    lines.append(Line(page.number, text, None, 1.0, page.source))
    return lines


def _aliases(field: dict[str, Any]) -> list[str]:
    aliases = [alias for group in field.get("labels", {}).values() for alias in group]
    # Longest first, so "出生日期" wins over "出生" and "account number" over "account".
    return sorted({alias.strip() for alias in aliases if alias.strip()}, key=len, reverse=True)


def parse_any_date(text: str) -> str | None:
    """The first real date from 1900 to 2100 in `text` as YYYY-MM-DD (day-first for d/m/y)."""
    for pattern, order in ((_YMD, (1, 2, 3)), (_DMY, (3, 2, 1)), (_COMPACT, (1, 2, 3))):
        for match in pattern.finditer(text):
            year, month, day = (int(match.group(i)) for i in order)
            if 1900 <= year <= 2100:
                try:
                    return dt.date(year, month, day).isoformat()
                except ValueError:
                    continue
    return None


def normalise(value: str, field_type: str) -> str | None:
    """The canonical form of a raw value for its type, or None when it does not parse."""
    value = value.strip().strip(_SEPARATORS).strip()
    if not value:
        return None
    if field_type == "date":
        return parse_any_date(value)
    if field_type == "amount":
        amount = parse_amount(value)
        return format_amount(amount) if amount is not None else None
    if field_type == "currency":
        match = re.search(r"\b[A-Z]{3}\b", value.upper())
        return match.group(0) if match else None
    return re.sub(r"\s{2,}", " ", value)


def _apply_patterns(value: str, patterns: list[str]) -> str | None:
    if not patterns:
        return value
    for pattern in patterns:
        match = compile_template_pattern(pattern).search(value)
        if match:
            return match.group(1) if match.groups() else match.group(0)
    return None


@lru_cache(maxsize=2048)
def _label_regex(alias: str) -> re.Pattern[str]:
    # Latin labels must be whole words ("to" is not the end of "total"); CJK ones need not.
    edge = r"\b" if alias[:1].isascii() and alias[:1].isalnum() else ""
    tail = r"\b" if alias[-1:].isascii() and alias[-1:].isalnum() else ""
    return re.compile(edge + re.escape(alias) + tail, re.IGNORECASE)


def _label_at(text: str, alias: str) -> re.Match[str] | None:
    return _label_regex(alias).search(text)


def _after_label(text: str, alias: str) -> str | None:
    match = _label_at(text, alias)
    return text[match.end() :].lstrip(_SEPARATORS) if match else None


def _until_next_label(value: str, all_aliases: list[str]) -> str:
    """Cut a value where another field's label starts on the same line ("性别 男 民族 汉")."""
    cut = len(value)
    for alias in all_aliases:
        match = _label_at(value, alias)
        if match and 0 < match.start() < cut:
            cut = match.start()
    return value[:cut]


def _labelled(
    field: dict[str, Any], lines: list[Line], all_aliases: list[str]
) -> tuple[ExtractedField, int] | None:
    """The first labelled value that fits the field's type and patterns: on the label's line,
    else on the next line unless that line is another field's label. Returns (field, line)."""
    field_type, patterns = field.get("type", "string"), field.get("patterns", [])
    aliases = _aliases(field)
    for index, line in enumerate(lines):
        for alias in aliases:
            rest = _after_label(line.text, alias)
            if rest is None:
                continue
            tries = [(rest, index, INLINE)]
            following = index + 1
            if following < len(lines) and not any(
                _label_at(lines[following].text, other) for other in all_aliases
            ):
                tries.append((lines[following].text, following, BELOW))
            for raw, where, weight in tries:
                matched = _apply_patterns(_until_next_label(raw, all_aliases), patterns)
                value = normalise(matched, field_type) if matched else None
                if value:
                    return _field(value, lines[where], weight), where
            break
    return None


def _by_pattern(field: dict[str, Any], lines: list[Line], used: set[int]) -> ExtractedField | None:
    """A pattern match on a line no labelled field claimed, with lower confidence."""
    for index, line in enumerate(lines):
        if index in used:
            continue
        matched = _apply_patterns(line.text, field.get("patterns", []))
        value = normalise(matched, field.get("type", "string")) if matched else None
        if value:
            used.add(index)
            return _field(value, line, PATTERN_ONLY)
    return None


def _field(value: str, line: Line, weight: float) -> ExtractedField:
    return ExtractedField(
        value=value,
        confidence=round(line.confidence * weight, 3),
        page=line.page,
        box=line.box,
        source=line.source,
    )


def read_fields(spec: dict[str, Any], document: DocumentText) -> dict[str, ExtractedField]:
    """Labelled values first for every field; then fields with patterns but no label found
    try the lines nobody claimed, so one line never feeds two fields by accident."""
    lines = document_lines(document)
    all_aliases = [alias for field in spec["fields"] for alias in _aliases(field)]
    found: dict[str, ExtractedField] = {}
    used: set[int] = set()
    for field in spec["fields"]:
        hit = _labelled(field, lines, all_aliases)
        if hit is not None:
            found[field["name"]], line_index = hit
            used.add(line_index)
    for field in spec["fields"]:
        if field["name"] not in found and field.get("patterns"):
            guess = _by_pattern(field, lines, used)
            if guess is not None:
                found[field["name"]] = guess
    return {f["name"]: found.get(f["name"], ExtractedField(value=None)) for f in spec["fields"]}


def adjust(field: ExtractedField, ok: bool | None) -> None:
    """A passing check lifts a field's confidence toward 1, a failing one cuts it."""
    if field.value is None or ok is None:
        return
    if ok:
        field.confidence = round(field.confidence + (1 - field.confidence) * 0.6, 3)
    else:
        field.confidence = round(field.confidence * 0.5, 3)


def date_order_check(
    fields: dict[str, ExtractedField], first: str, then: str, check: str, *, strict: bool
) -> dict | None:
    """Whether date `then` falls after `first` (or on the same day, unless `strict`), with
    `then`'s confidence adjusted; None when either date is missing."""
    start, end = fields.get(first), fields.get(then)
    if not (start and end and start.value and end.value):
        return None
    ok = end.value > start.value if strict else end.value >= start.value  # ISO dates
    adjust(end, ok)
    return {"name": check, "ok": ok}


def overall(fields: dict[str, ExtractedField], spec: dict[str, Any], checks: list[dict]) -> float:
    """Mean over required fields (missing ones count 0), lowered by each failed check."""
    names = [f["name"] for f in spec["fields"] if f.get("required")] or list(fields)
    if not names:
        return 0.0
    score = sum(fields[name].confidence if fields.get(name) else 0.0 for name in names)
    failed = sum(1 for check in checks if check.get("ok") is False)
    return round(score / len(names) * (0.85**failed), 3)
