"""What a file is, decided by its magic bytes: the one sniffer for invoices, the analysis API and
statements. Declared types are never trusted; a file name only breaks the tie between text
formats (an OFX download saved as .qfx)."""

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
# Containers and text formats the statement readers take (an XLSX workbook is a ZIP archive).
ZIP, OFX = "application/zip", "application/x-ofx"
DEFAULT_MAX_IMAGE_PIXELS = 50_000_000
UNLIMITED = sys.maxsize  # for page_count/render_page_png, which only look, never OCR


def sniff(data: bytes, filename: str = "") -> str | None:
    """The MIME type the content proves (PDF, PNG, JPEG, TIFF, WebP, ZIP, OFX), or None.

    `filename` is only a tie-breaker for OFX, whose SGML form may start with anything."""
    magic = data[:16]
    if magic.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if magic.startswith(b"\xff\xd8\xff"):
        return JPEG
    if magic[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return TIFF
    if magic.startswith(b"RIFF") and magic[8:12] == b"WEBP":
        return WEBP
    # PDF readers accept the header anywhere in the first KiB (mail gateways prepend junk).
    if b"%PDF-" in data[:1024]:
        return PDF
    head = data[:2048].lstrip(b"\xef\xbb\xbf \r\n\t")
    if head.startswith(b"PK\x03\x04"):
        return ZIP
    upper = head.upper()
    if upper.startswith(b"OFXHEADER") or b"<OFX>" in upper or b"<OFX " in upper:
        return OFX
    if upper.startswith(b"<?XML"):
        return OFX if b"OFX" in upper else None
    if filename.lower().endswith((".ofx", ".qfx")):
        return OFX
    return None


def detect_mime(data: bytes) -> str | None:
    """The document type (PDF or image) the content's magic bytes prove, or None."""
    sniffed = sniff(data)
    return sniffed if sniffed in SUPPORTED_MIME_TYPES else None


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
