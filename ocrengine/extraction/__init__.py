"""Field extraction for every document type: one registry of extractors (`registry`), the
invoice extractor (multilingual labels, layout geometry, validation, confidence) and the
label-reading extractors of identity documents and statement headers.

Public API: `extract_for(document_type, document, spec, pdf_bytes=None) -> ExtractionResult`
(`ocrengine.extraction.registry`); `extract_invoice(document, spec=None, pdf_bytes=None)`.
"""

from ocrengine.extraction.fields import extract_invoice
from ocrengine.extraction.result import ExtractedField, ExtractionResult
from ocrengine.extraction.spec import load_default_spec, validate_spec

__all__ = [
    "ExtractedField",
    "ExtractionResult",
    "extract_invoice",
    "load_default_spec",
    "validate_spec",
]
