"""One registry of extractors per document type, invoices included: the invoice job, the
analysis API, the evaluation command and the admin all read a document the same way.

Adding a document type is one module that declares its `DocumentExtractor` (fields,
validators, how it reads) and one line in `EXTRACTORS` below; its spec ships in
`ocrengine/prompt_specs/<code>.json`.
"""

from __future__ import annotations

from typing import Any

from ocrengine.engines.base import DocumentText
from ocrengine.extraction import bank_statement, driver_license, fields, id_card
from ocrengine.extraction.extractor import DocumentExtractor
from ocrengine.extraction.result import ExtractionResult

DEFAULT_DOCUMENT_TYPE = "invoice"

EXTRACTORS: dict[str, DocumentExtractor] = {
    "invoice": fields.INVOICE_EXTRACTOR,
    "cn_vat_invoice": fields.INVOICE_EXTRACTOR,
    "receipt": fields.INVOICE_EXTRACTOR,
    "id_card": id_card.EXTRACTOR,
    "driver_license": driver_license.EXTRACTOR,
    "bank_statement": bank_statement.EXTRACTOR,
}


def extractor_for(document_type_code: str) -> DocumentExtractor:
    """The type's extractor. Unknown types (added in the admin without code) use the invoice
    extractor, which reads any spec's labels and patterns."""
    return EXTRACTORS.get(document_type_code, EXTRACTORS[DEFAULT_DOCUMENT_TYPE])


def document_types_read_by(extractor: DocumentExtractor) -> tuple[str, ...]:
    """The registered document types `extractor` reads, in registration order."""
    return tuple(code for code, registered in EXTRACTORS.items() if registered is extractor)


def known_validators() -> frozenset[str]:
    """Every validator some registered extractor runs: what a spec may name."""
    return frozenset().union(*(extractor.validators for extractor in EXTRACTORS.values()))


def extract_for(
    document_type_code: str,
    document: DocumentText,
    spec: dict[str, Any],
    *,
    pdf_bytes: bytes | None = None,
) -> ExtractionResult:
    """Extract `spec`'s fields from `document` with the extractor for the document type.

    Every extractor reads lines up to MAX_LINE_CHARS; a spec pattern that runs past
    TEMPLATE_REGEX_TIMEOUT_S on one raises `ocrengine.extraction.patterns.PatternTimeout`
    (the analysis API answers 422 `pattern_timeout`, the invoice job fails with it).
    """
    return extractor_for(document_type_code).extract(document, spec, pdf_bytes=pdf_bytes)
