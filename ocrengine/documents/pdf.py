"""PDF pages: PDFium for opening, page counts and rendering; pdfplumber for the text layer."""

from __future__ import annotations

import io
import logging
import math
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from ocrengine.documents.errors import (
    CorruptFile,
    DocumentError,
    EncryptedDocument,
    PasswordIncorrect,
    PasswordRequired,
    TooManyCharacters,
    TooManyObjects,
    TooManyPages,
)
from ocrengine.documents.limits import limit
from ocrengine.documents.pdf_guard import pdf_content_check
from ocrengine.engines.base import DocumentText, PageText
from ocrengine.engines.pdf_text import page_text

logger = logging.getLogger("ocrengine.documents")

# A text layer is "usable" with at least this many visible characters, of which at most this
# share is undecodable glyphs ((cid:NN), U+FFFD, private-use code points from custom fonts).
USABLE_TEXT_MIN_CHARS = 20
USABLE_TEXT_MAX_GARBAGE = 0.3
# A page mostly covered by images with only a little text (a stamp, a "scanned by" footer) is
# a scan: OCR it rather than trusting the crumbs of text on top.
SCAN_IMAGE_COVERAGE = 0.5
SCAN_TEXT_MAX_CHARS = 200
_CID = re.compile(r"\(cid:\d+\)")

# PDFium is not thread-safe: every call into it, from any app, holds this one lock (OCR runs
# outside it). Objects are closed explicitly under it, never left to the garbage collector,
# which would close them on whatever thread it runs.
pdfium_lock = threading.RLock()


@contextmanager
def pdfium_document(
    data: bytes,
    password: str | None,
    *,
    max_decoded_bytes: int | None = None,
    max_image_pixels: int | None = None,
    max_image_decoded_bytes: int | None = None,
) -> Iterator[pdfium.PdfDocument]:
    """The PDF opened in PDFium, after its streams passed `pdf_content_check` (for an
    encrypted file, the decrypted copy's streams); limits left out are the settings."""
    limits = {
        "max_decoded_bytes": limit("PDF_MAX_DECODED_BYTES", max_decoded_bytes),
        "max_image_pixels": limit("OCR_MAX_IMAGE_PIXELS", max_image_pixels),
        "max_image_decoded_bytes": limit("PDF_MAX_IMAGE_DECODED_BYTES", max_image_decoded_bytes),
    }
    pdf_content_check(data, **limits)
    with pdfium_lock:
        try:
            document = pdfium.PdfDocument(data, password=password)
        except pdfium.PdfiumError as error:
            raise _pdfium_open_error(error, password) from None
    try:
        if pdf_is_encrypted(document):
            pdf_content_check(pdf_decrypted_copy(document), **limits)
        yield document
    finally:
        with pdfium_lock:
            document.close()


def pdf_is_encrypted(document: pdfium.PdfDocument) -> bool:
    with pdfium_lock:
        return pdfium_c.FPDF_GetSecurityHandlerRevision(document.raw) != -1


def pdf_decrypted_copy(document: pdfium.PdfDocument) -> bytes:
    """The open document saved without its encryption (streams stay compressed)."""
    buffer = io.BytesIO()
    with pdfium_lock:
        document.save(buffer, flags=pdfium_c.FPDF_REMOVE_SECURITY)
    return buffer.getvalue()


def _pdfium_open_error(error: pdfium.PdfiumError, password: str | None) -> DocumentError:
    if error.err_code == pdfium_c.FPDF_ERR_PASSWORD:
        return PasswordIncorrect() if password else PasswordRequired()
    if error.err_code == pdfium_c.FPDF_ERR_SECURITY:
        return EncryptedDocument()
    return CorruptFile("the PDF is damaged or truncated and cannot be read")


def pdf_page_total(document: pdfium.PdfDocument, max_pages: int) -> int:
    with pdfium_lock:
        total = len(document)
    if total < 1:
        raise CorruptFile("the PDF has no pages")
    if total > max_pages:
        raise TooManyPages(
            f"the PDF has {total} pages; the limit is {max_pages}", pages=total, limit=max_pages
        )
    return total


def pdf_page_check(
    document: pdfium.PdfDocument, index: int, max_chars: int, max_objects: int
) -> None:
    """Refuse page `index` (0-based) when it holds more than `max_chars` characters or
    `max_objects` page objects (form XObjects' contents included): PDFium counts them in C,
    before pdfminer spends time and memory per object (4 MiB of path operators, 8 KB
    compressed, cost pdfminer 17 s and 900 MB)."""
    with pdfium_lock:
        try:
            page = document[index]
        except pdfium.PdfiumError:
            raise CorruptFile(f"page {index + 1} of the PDF cannot be read") from None
        try:
            pdf_page_objects_check(page, index + 1, max_objects)
            textpage = page.get_textpage()
            try:
                pdf_page_characters_check(textpage, index + 1, max_chars)
            finally:
                textpage.close()
        except pdfium.PdfiumError:
            raise CorruptFile(f"page {index + 1} of the PDF cannot be read") from None
        finally:
            page.close()


def pdf_page_characters_check(textpage: pdfium.PdfTextPage, number: int, max_chars: int) -> int:
    """The characters on the (1-based) page `number`; TooManyCharacters past the limit.
    The caller holds `pdfium_lock`."""
    count = textpage.count_chars()
    if count > max_chars:
        raise TooManyCharacters(
            f"page {number} of the PDF has {count:,} characters; the limit is {max_chars:,}",
            page=number,
            characters=count,
            limit=max_chars,
        )
    return max(count, 0)


def pdf_page_objects_check(page: pdfium.PdfPage, number: int, max_objects: int) -> int:
    """The page's objects, those inside form XObjects included, counted no further than the
    limit; TooManyObjects past it. The caller holds `pdfium_lock`."""
    total = 0
    pending = [(page.raw, pdfium_c.FPDFPage_CountObjects, pdfium_c.FPDFPage_GetObject)]
    while pending:
        parent, count, get = pending.pop()
        size = max(count(parent), 0)
        total += size
        if total > max_objects:
            raise TooManyObjects(
                f"page {number} of the PDF has more than {max_objects:,} objects "
                "(text runs, paths, images)",
                page=number,
                limit=max_objects,
            )
        for position in range(size):
            child = get(parent, position)
            if pdfium_c.FPDFPageObj_GetType(child) == pdfium_c.FPDF_PAGEOBJ_FORM:
                pending.append(
                    (child, pdfium_c.FPDFFormObj_CountObjects, pdfium_c.FPDFFormObj_GetObject)
                )
    return total


def render_pdf_page(
    document: pdfium.PdfDocument, index: int, dpi: int, max_pixels: int
) -> Image.Image:
    """Rasterise one page at `dpi`, lowered as needed to stay within `max_pixels`."""
    with pdfium_lock:
        page = document[index]
        try:
            width, height = page.get_size()
            scale = dpi / 72
            area = max(width * height, 1.0)
            if area * scale * scale > max_pixels:  # poster-sized pages: cap memory, not reject
                scale = math.sqrt(max_pixels / area)
            bitmap = page.render(scale=scale)
            try:
                return bitmap.to_pil().convert("RGB")  # a copy: the bitmap can go
            finally:
                bitmap.close()
        except pdfium.PdfiumError:
            raise CorruptFile(f"page {index + 1} of the PDF cannot be rendered") from None
        finally:
            page.close()


def has_usable_text(text: str) -> bool:
    """True when a text layer has enough real characters to skip OCR (see module constants)."""
    cids = len(_CID.findall(text))
    visible = [char for char in _CID.sub("", text) if not char.isspace()]
    garbage = cids + sum(
        1 for char in visible if char == "\ufffd" or unicodedata.category(char) in ("Co", "Cc")
    )
    total = len(visible) + cids
    if total - garbage < USABLE_TEXT_MIN_CHARS:
        return False
    return garbage / total <= USABLE_TEXT_MAX_GARBAGE


def _image_coverage(page: Any) -> float:
    area = float(page.width * page.height) or 1.0
    covered = 0.0
    for image in page.images:
        width = min(float(image["x1"]), page.width) - max(float(image["x0"]), 0)
        height = min(float(image["bottom"]), page.height) - max(float(image["top"]), 0)
        covered += max(width, 0) * max(height, 0)
    return min(covered / area, 1.0)


def _text_layer(plumber: Any, number: int) -> PageText | None:
    """The page's text layer when it is usable, else None (the page will be OCR'd)."""
    if plumber is None:
        return None
    page = None
    try:
        page = plumber.pages[number - 1]
        layer = page_text(page, number)
        if not has_usable_text(layer.text):
            return None
        compact = len("".join(layer.text.split()))
        if compact < SCAN_TEXT_MAX_CHARS and _image_coverage(page) >= SCAN_IMAGE_COVERAGE:
            return None
        return layer
    except Exception:  # pdfminer raises anything on odd pages; OCR still works
        logger.warning("text layer of page %d unreadable; falling back to OCR", number)
        return None
    finally:
        if page is not None:
            page.close()  # drop pdfminer's per-page caches: long statements add up


def _open_plumber(data: bytes, password: str | None) -> Any:
    try:
        return pdfplumber.open(io.BytesIO(data), password=password or "")
    except Exception:  # PDFium opened it, so OCR every page instead
        logger.warning("pdfminer cannot parse this PDF; every page will be OCR'd")
        return None


def read_pdf(
    data: bytes,
    ocr: Callable[[Image.Image], PageText],
    password: str | None,
    max_pages: int,
    max_pixels: int,
    dpi: int,
    max_decoded_bytes: int | None = None,
    max_chars_per_page: int | None = None,
    max_objects_per_page: int | None = None,
) -> DocumentText:
    result = DocumentText()
    max_chars = limit("PDF_MAX_CHARS_PER_PAGE", max_chars_per_page)
    max_objects = limit("PDF_MAX_OBJECTS_PER_PAGE", max_objects_per_page)
    with pdfium_document(
        data, password, max_decoded_bytes=max_decoded_bytes, max_image_pixels=max_pixels
    ) as document:
        total = pdf_page_total(document, max_pages)
        # Counted by PDFium first: pdfminer's text layer costs time and memory per object.
        for index in range(total):
            pdf_page_check(document, index, max_chars, max_objects)
        plumber = _open_plumber(data, password)
        try:
            for number in range(1, total + 1):
                layer = _text_layer(plumber, number)
                if layer is None:
                    image = render_pdf_page(document, number - 1, dpi, max_pixels)
                    layer = ocr(image)
                    layer.number = number
                result.pages.append(layer)
        finally:
            if plumber is not None:
                plumber.close()
    return result
