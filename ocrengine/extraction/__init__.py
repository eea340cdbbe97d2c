"""Invoice field extraction: multilingual labels, layout geometry, validation, confidence.

Public API: `extract_invoice(document, spec=None, pdf_bytes=None) -> ExtractionResult`.
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
