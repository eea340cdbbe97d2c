"""What a file is, decided by its magic bytes; names and declared types are never trusted."""

from __future__ import annotations

import logging
import sys

from ocrengine.documents.errors import EmptyFile, UnsupportedType

logger = logging.getLogger("ocrengine.documents")

PDF, PNG, JPEG, TIFF, WEBP = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/tiff",
    "image/webp",
)
SUPPORTED_MIME_TYPES = frozenset({PDF, PNG, JPEG, TIFF, WEBP})
DEFAULT_MAX_IMAGE_PIXELS = 50_000_000
UNLIMITED = sys.maxsize  # for page_count/render_page_png, which only look, never OCR


def detect_mime(data: bytes) -> str | None:
    """The MIME type the content's magic bytes prove, or None; file names are never trusted."""
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return TIFF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    # PDF readers accept the header anywhere in the first KiB (mail gateways prepend junk).
    if b"%PDF-" in data[:1024]:
        return PDF
    return None


def content_type(data: bytes, declared: str | None) -> str:
    if not data:
        raise EmptyFile("the file is empty")
    sniffed = detect_mime(data)
    if sniffed is None:
        raise UnsupportedType("not a PDF, PNG, JPEG, TIFF or WebP file", declared=declared)
    if declared and declared != sniffed:
        # The bytes decide: phones and mail clients mislabel files all the time.
        logger.info("declared type %s but content is %s", declared, sniffed)
    return sniffed
