"""Which file format, and which bank template, a statement is."""

from __future__ import annotations

import re

from ocrengine.documents import mime
from ocrengine.extraction.patterns import compile_template_pattern

PDF, XLSX, CSV, OFX = "pdf", "xlsx", "csv", "ofx"
CAMT, MT940, QIF = "camt", "mt940", "qif"
EXPORT_FORMATS = (OFX, CAMT, MT940, QIF)  # banks' data exports: read whole, no template
_FORMATS = {mime.PDF: PDF, mime.ZIP: XLSX, mime.OFX: OFX}
# How much of a file's start the export sniffing reads.
SNIFF_BYTES = 8192
_CAMT = re.compile(
    rb"urn:iso:std:iso:20022:tech:xsd:camt\.05[234]"
    rb"|<(?:[\w.-]+:)?(?:BkToCstmrStmt|BkToCstmrAcctRpt|BkToCstmrDbtCdtNtfctn)[\s>]"
)
_MT940_START = re.compile(rb"^(?:\{[^\n]*)?:20:", re.MULTILINE)
_MT940_TAG = re.compile(rb"^:(?:25|28C?|60[FM]):", re.MULTILINE)
_QIF = re.compile(rb"!(?:Type:|Account|Option:|Clear:)", re.IGNORECASE)


def sniff_format(data: bytes, filename: str = "") -> str:
    """The statement format the content proves, whatever the file is called.

    `ocrengine.documents`' sniffer proves PDF, XLSX (a ZIP) and OFX; the other exports are
    recognised here by content: CAMT by its ISO 20022 namespace or root element, MT940 by a
    :20: tag followed by :25:/:28C:/:60F:, QIF by its `!Type:` header. Anything else is read
    as CSV (whose readers refuse what is not text)."""
    sniffed = mime.sniff(data, filename)
    if sniffed in (mime.PDF, mime.ZIP):
        return _FORMATS[sniffed]
    export = _export_format(data[:SNIFF_BYTES])
    if export is not None:
        return export
    return _FORMATS.get(sniffed, CSV)


def _export_format(head: bytes) -> str | None:
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") and _CAMT.search(head):
        return CAMT
    if _QIF.match(head):
        return QIF
    if (start := _MT940_START.search(head)) and _MT940_TAG.search(head, start.end()):
        return MT940
    return None


def pick_template(
    text_lines: list[str], templates: list[dict], file_format: str, bank_code: str | None = None
) -> dict | None:
    """The template whose detection markers all match, preferring the most specific.

    With `bank_code` given, only that bank's templates are candidates (the user said which
    bank); its markers must still match so a wrong choice falls back to the generic parser.
    """
    candidates = [
        spec
        for spec in templates
        if _format_matches(spec, file_format) and (bank_code is None or spec["bank"] == bank_code)
    ]
    best, best_score = None, 0
    for spec in candidates:
        score = marker_score(text_lines, spec, file_format)
        if score > best_score or (
            score == best_score and best and spec.get("version", 0) > best.get("version", 0)
        ):
            best, best_score = spec, score
    return best


def _format_matches(spec: dict, file_format: str) -> bool:
    # One template per bank may describe its PDF layout (top-level "transactions") and its
    # spreadsheet/CSV export ("table"), since a bank has one active template.
    if file_format == PDF:
        return "transactions" in spec or "layout" in spec  # line patterns, or marked columns
    table = spec.get("table")
    return bool(table) and file_format in table.get("formats", ["csv", "xlsx"])


def marker_score(text_lines: list[str], spec: dict, file_format: str = PDF) -> int:
    """Number of markers matched, or 0 when any required marker is missing."""
    detect = spec.get("detect", {})
    if file_format != PDF and spec.get("table", {}).get("detect"):
        detect = spec["table"]["detect"]
    within = int(detect.get("within_lines", 40))
    text = "\n".join(text_lines[:within])
    flags = re.IGNORECASE | re.MULTILINE
    patterns = detect.get("patterns", [])
    if not patterns:
        return 0
    # Template regexes: a match past TEMPLATE_REGEX_TIMEOUT_S raises PatternTimeout.
    for pattern in patterns:
        if not compile_template_pattern(pattern, flags).search(text):
            return 0
    for pattern in detect.get("reject", []):
        if compile_template_pattern(pattern, flags).search(text):
            return 0
    return len(patterns)
