"""Bytes in, extraction and status out: the one code path the job and the CLI share.

Django-free on purpose (limits and threshold come in as arguments), so `extract_documents`
can run it over a corpus without a database, and the job stores what it returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ocrengine.documents import DocumentError, has_usable_text, read_document
from ocrengine.engines.base import DocumentText, OcrEngine
from ocrengine.extraction import ExtractionResult
from ocrengine.extraction.consistency import inconsistencies
from ocrengine.extraction.patterns import PatternTimeout
from ocrengine.extraction.registry import DEFAULT_DOCUMENT_TYPE, extract_for
from ocrengine.extraction.spec import shipped_spec_for

RECOGNIZED = "recognized"
NEEDS_REVIEW = "needs_review"
UNRECOGNIZED = "unrecognized"
FAILED = "failed"

# The calibrated per-field thresholds for an invoice of the given (extracted) seller; empty
# when nothing is calibrated yet (invoices/calibration.py).
FieldThresholds = Callable[[str], Mapping[str, float]]


@dataclass(frozen=True)
class ReadLimits:
    """The worker guards: pages, pixels before decoding, and the rasterising resolution."""

    max_pages: int = 50
    max_image_pixels: int = 50_000_000
    raster_dpi: int = 200


@dataclass
class DocumentOutcome:
    """What one document became. `result` and `document` are None when reading failed."""

    status: str
    document: DocumentText | None = None
    result: ExtractionResult | None = None
    error_code: str = ""
    error: str = ""
    seconds: float = 0.0
    # CPU seconds of this process (all threads): comparable when other work shares the cores.
    cpu_seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def confidence(self) -> float:
        return self.result.overall_confidence if self.result is not None else 0.0

    @property
    def source(self) -> str:
        """ "text_layer", "ocr", "mixed" (some pages each) or "" when nothing was read."""
        kinds = {page.source for page in self.document.pages} if self.document else set()
        if len(kinds) > 1:
            return "mixed"
        return next(iter(kinds), "")

    @property
    def engine(self) -> str:
        """Who read the pages: "pdfplumber" for text layers, the OCR engine's name, or both."""
        return self.document.engines if self.document is not None else ""


def outcome_status(
    result: ExtractionResult,
    document: DocumentText,
    threshold: float,
    field_thresholds: Mapping[str, float] | None = None,
    required: tuple[str, ...] = (),
) -> str:
    """unrecognized: no usable text or no field at all; needs_review: a failed consistency
    check (`ocrengine.extraction.consistency`), or too little confidence. Without calibrated
    `field_thresholds` that is the overall confidence below `threshold`; with them, any
    extracted value below its field's threshold (`threshold` for a field not calibrated) or a
    `required` field missing."""
    if not has_usable_text(document.text):
        return UNRECOGNIZED
    if not any(extracted.value for extracted in result.fields.values()):
        return UNRECOGNIZED
    if inconsistencies(result.checks):
        # A failed consistency check (QR against page, 大写 against figures, totals that do
        # not add up) needs a person even when every field reads confidently.
        return NEEDS_REVIEW
    if not field_thresholds:
        return NEEDS_REVIEW if result.overall_confidence < threshold else RECOGNIZED
    values = {name: f for name, f in result.fields.items() if f.value}
    if any(name not in values for name in required):
        return NEEDS_REVIEW
    below = (f.confidence < field_thresholds.get(name, threshold) for name, f in values.items())
    return NEEDS_REVIEW if any(below) else RECOGNIZED


def document_extract(
    *,
    data: bytes,
    mime: str | None = None,
    engine: OcrEngine | None = None,
    spec: dict | None = None,
    document_type: str = DEFAULT_DOCUMENT_TYPE,
    threshold: float = 0.7,
    limits: ReadLimits | None = None,
    field_thresholds: FieldThresholds | None = None,
) -> DocumentOutcome:
    """Read `data` (text layer first, OCR where needed), extract the spec's fields with the
    extractor registered for `document_type` (`spec` defaults to the type's shipped one), and
    classify.

    Never raises for a bad document: a `DocumentError` becomes a `failed` outcome carrying the
    reader's code and message. Other exceptions (a crashed engine) propagate so the job retries.
    """
    limits = limits or ReadLimits()
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        document = read_document(
            data,
            mime=mime,
            engine=engine,
            max_pages=limits.max_pages,
            max_image_pixels=limits.max_image_pixels,
            raster_dpi=limits.raster_dpi,
        )
    except DocumentError as error:
        return _failed(error.code, error.message, started, cpu_started)
    read_at = time.perf_counter()
    try:
        # Embedded e-invoice XML (ZUGFeRD, Factur-X) is read from the PDF bytes themselves.
        spec = spec or shipped_spec_for(document_type)
        result = extract_for(document_type, document, spec, pdf_bytes=data)
    except PatternTimeout as error:
        # An admin's template pattern that runs away on this text fails the same way on every
        # retry: a permanent failure naming the cause, not a crash to retry.
        return _failed(error.code, str(error), started, cpu_started)
    finished = time.perf_counter()
    seller = result.fields["seller"].value if "seller" in result.fields else ""
    required = tuple(f["name"] for f in spec.get("fields", []) if f.get("required"))
    return DocumentOutcome(
        status=outcome_status(
            result,
            document,
            threshold,
            field_thresholds(seller or "") if field_thresholds else None,
            required,
        ),
        document=document,
        result=result,
        seconds=finished - started,
        cpu_seconds=time.process_time() - cpu_started,
        timings={"read_s": round(read_at - started, 4), "extract_s": round(finished - read_at, 4)},
    )


def _failed(code: str, message: str, started: float, cpu_started: float) -> DocumentOutcome:
    return DocumentOutcome(
        status=FAILED,
        error_code=code,
        error=message,
        seconds=time.perf_counter() - started,
        cpu_seconds=time.process_time() - cpu_started,
    )
