"""The reader's public entry points: whole documents, page counts, page images."""

from __future__ import annotations

import io

from ocrengine.documents.einvoice_files import einvoice_document
from ocrengine.documents.errors import PageNotFound, UnsupportedType
from ocrengine.documents.images import image_page, open_image
from ocrengine.documents.mime import (
    DEFAULT_MAX_IMAGE_PIXELS,
    EINVOICE_MIME_TYPES,
    PDF,
    UNLIMITED,
    content_type,
)
from ocrengine.documents.ocr import ocr_with
from ocrengine.documents.pdf import pdf_page_total, pdfium_document, read_pdf, render_pdf_page
from ocrengine.engines.base import DocumentText, OcrEngine


def read_document(
    data: bytes,
    *,
    mime: str | None = None,
    engine: OcrEngine | None = None,
    password: str | None = None,
    max_pages: int = 50,
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
    raster_dpi: int = 200,
    max_decoded_bytes: int | None = None,
    max_chars_per_page: int | None = None,
    max_objects_per_page: int | None = None,
) -> DocumentText:
    """Read every page of a PDF or image file into text with line boxes.

    Guarantees: pages come back in order, numbered from 1; text-layer pages have boxes in PDF
    points and source "text_layer", OCR'd pages have boxes in pixels and source "ocr"; the
    content's magic bytes decide the type (`mime` is only a hint); limits are checked before
    pixels are decoded, and a PDF's compressed streams are measured before any is inflated
    and each page's characters and objects counted before its text layer is read
    (`max_decoded_bytes`, `max_chars_per_page`, `max_objects_per_page`: the settings when
    left out); an XML or OFD e-invoice is one page rendering its structured data (source
    "xml"), parsed without DTDs or entities and within EINVOICE_MAX_XML_BYTES; any unreadable
    input raises a DocumentError subclass.
    """
    kind = content_type(data, mime)
    if kind in EINVOICE_MIME_TYPES:
        return einvoice_document(data, kind)
    ocr = ocr_with(engine)
    if kind == PDF:
        return read_pdf(
            data,
            ocr,
            password,
            max_pages,
            max_image_pixels,
            raster_dpi,
            max_decoded_bytes=max_decoded_bytes,
            max_chars_per_page=max_chars_per_page,
            max_objects_per_page=max_objects_per_page,
        )
    image, frames = open_image(data, max_image_pixels, max_pages)
    result = DocumentText()
    for index in range(frames):
        page = ocr(image_page(image, index, max_image_pixels))
        page.number = index + 1
        result.pages.append(page)
    return result


def page_count(data: bytes, mime: str | None = None, *, password: str | None = None) -> int:
    """Number of pages (PDF pages or image frames); raises DocumentError when unreadable."""
    kind = content_type(data, mime)
    if kind in EINVOICE_MIME_TYPES:
        return 1
    if kind == PDF:
        with pdfium_document(data, password) as document:
            return pdf_page_total(document, max_pages=UNLIMITED)
    _image, frames = open_image(data, UNLIMITED, UNLIMITED)
    return frames


def render_page_png(
    data: bytes,
    page_number: int,
    *,
    mime: str | None = None,
    dpi: int = 110,
    password: str | None = None,
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
    turned: int = 0,
) -> bytes:
    """PNG of one page (1-based) for the review viewer: PDFs rendered at `dpi`, image pages
    upright (EXIF) and re-encoded at their own size, then turned `turned` degrees as OCR turned
    the page to read it (PageText.turned), so its boxes lie on it. Raises PageNotFound for a
    page out of range."""
    kind = content_type(data, mime)
    if kind in EINVOICE_MIME_TYPES:
        raise UnsupportedType("an XML or OFD e-invoice is data, with no page image to render")
    if kind == PDF:
        with pdfium_document(data, password, max_image_pixels=max_image_pixels) as document:
            total = pdf_page_total(document, max_pages=UNLIMITED)
            _check_page_number(page_number, total)
            image = render_pdf_page(document, page_number - 1, dpi, max_image_pixels)
    else:
        source, frames = open_image(data, max_image_pixels, UNLIMITED)
        _check_page_number(page_number, frames)
        image = image_page(source, page_number - 1, max_image_pixels)
    if turned % 360:
        image = image.rotate(turned, expand=True)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def _check_page_number(page_number: int, total: int) -> None:
    if not 1 <= page_number <= total:
        raise PageNotFound(
            f"page {page_number} does not exist; the document has {total}", pages=total
        )
