"""Field extraction for every document type the analysis API serves: one registry, so the API,
the evaluation command and the admin all read a document the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocrengine.engines.base import DocumentText
from ocrengine.extraction import extract_invoice
from ocrengine.extraction.result import ExtractionResult
from ocrengine.extraction_other.bank_statement import extract_bank_statement
from ocrengine.extraction_other.driver_license import extract_driver_license
from ocrengine.extraction_other.id_card import extract_id_card

Extractor = Callable[[DocumentText, dict[str, Any]], ExtractionResult]

# Validators these modules understand, beyond the invoice engine's own.
OTHER_VALIDATORS = frozenset(
    {
        "prc_id_checksum",
        "id_birth_date_matches",
        "id_sex_matches",
        "expiry_after_issue",
        "period_order",
    }
)


def _invoice(document: DocumentText, spec: dict[str, Any]) -> ExtractionResult:
    return extract_invoice(document, spec=spec)


EXTRACTORS: dict[str, Extractor] = {
    "invoice": _invoice,
    "cn_vat_invoice": _invoice,
    "receipt": _invoice,
    "id_card": extract_id_card,
    "driver_license": extract_driver_license,
    "bank_statement": extract_bank_statement,
}


def extract_for(
    document_type_code: str,
    document: DocumentText,
    spec: dict[str, Any],
    *,
    pdf_bytes: bytes | None = None,
) -> ExtractionResult:
    """Extract `spec`'s fields from `document` with the engine for the document type.

    Unknown types (added in the admin without code) use the invoice engine, which reads any
    spec's labels and patterns. Every engine reads lines up to MAX_LINE_CHARS; a spec pattern
    that runs past TEMPLATE_REGEX_TIMEOUT_S on one raises `ocrengine.extraction.patterns.PatternTimeout`
    (the analysis API answers 422 `pattern_timeout`).
    """
    if pdf_bytes is not None and EXTRACTORS.get(document_type_code, _invoice) is _invoice:
        return extract_invoice(document, spec=spec, pdf_bytes=pdf_bytes)
    return EXTRACTORS.get(document_type_code, _invoice)(document, spec)
