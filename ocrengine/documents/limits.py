"""The reader's limits: each one a project setting when Django is configured, else a default.

The reader takes its limits as arguments; one left out (None) is the deployment's setting, so
every caller (the invoice job, the analyse request, the statement reader, the page viewer)
applies the same limit without each having to pass it, and a run without Django (the corpus
scripts) still gets a sane one.
"""

from __future__ import annotations

DEFAULTS = {
    "OCR_MAX_PAGES": 50,
    "OCR_MAX_IMAGE_PIXELS": 50_000_000,
    # Bytes all of a PDF's streams may decode to, together (memory, not file size).
    "PDF_MAX_DECODED_BYTES": 128 * 1024 * 1024,
    # Bytes a PDF's page images may decode to, together: each image also stays within what its
    # declared size holds. About 40 pages of 300-dpi colour scans stored losslessly.
    "PDF_MAX_IMAGE_DECODED_BYTES": 1024 * 1024 * 1024,
    # Characters of text on one PDF page (a dense statement page has about 10,000).
    "PDF_MAX_CHARS_PER_PAGE": 50_000,
    # Objects (text runs, paths, images, form contents) on one PDF page; invoices have ~1,000.
    "PDF_MAX_OBJECTS_PER_PAGE": 20_000,
    # Bytes an embedded e-invoice XML (Factur-X, ZUGFeRD, XRechnung) may decode to.
    "EINVOICE_MAX_XML_BYTES": 5 * 1024 * 1024,
}


def limit(name: str, value: int | None = None, *, default: int | None = None) -> int:
    """`value` when given, else the setting `name` (Django configured), else `default` (for
    the reader's own limits, the one in DEFAULTS)."""
    if value is not None:
        return value
    fallback = DEFAULTS[name] if default is None else default
    try:
        from django.conf import settings

        if settings.configured:
            return int(getattr(settings, name, fallback))
    except ImportError:  # pragma: no cover - Django is always installed with the project
        pass
    return fallback
