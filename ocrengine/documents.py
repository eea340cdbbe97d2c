"""The document reader the pipelines call: bytes in, `DocumentText` out, or a `DocumentError`.

PDF pages are read from their text layer first (pdfplumber); only pages without usable text
are rasterised (pypdfium2) and OCR'd. Image files (PNG, JPEG, TIFF, WebP) are OCR'd page by
page (a multi-frame TIFF is one page per frame). Every failure a hostile or broken upload can
cause surfaces as a `DocumentError` with a stable `code`; pdfminer/PDFium/Pillow exceptions
never escape raw.
"""

from __future__ import annotations

import io
import logging
import math
import re
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps, UnidentifiedImageError

from ocrengine.engines.base import DocumentText, OcrEngine, OcrLine, OcrResult, PageText
from ocrengine.engines.pdf_text import page_text

logger = logging.getLogger(__name__)

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

# A text layer is "usable" with at least this many visible characters, of which at most this
# share is undecodable glyphs ((cid:NN), U+FFFD, private-use code points from custom fonts).
USABLE_TEXT_MIN_CHARS = 20
USABLE_TEXT_MAX_GARBAGE = 0.3
# A page mostly covered by images with only a little text (a stamp, a "scanned by" footer) is
# a scan: OCR it rather than trusting the crumbs of text on top.
SCAN_IMAGE_COVERAGE = 0.5
SCAN_TEXT_MAX_CHARS = 200
# Tall images (receipts) are OCR'd in overlapping tiles: engines shrink the long side to ~2000
# px, which would make the text of a long receipt too small to read.
TILE_ASPECT = 2.0
TILE_MIN_HEIGHT = 1600
_CID = re.compile(r"\(cid:\d+\)")

# PDFium is not thread-safe: every call into it holds this lock (OCR runs outside it).
_pdfium_lock = threading.RLock()


# --- errors ---------------------------------------------------------------------------------


class DocumentError(Exception):
    """A document the reader cannot turn into text; `code` is stable, `message` is for people."""

    code = "document_error"

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


class _CodedError(DocumentError):
    """A DocumentError whose subclass fixes the code."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(type(self).code, message, **details)


class UnsupportedType(_CodedError):
    code = "unsupported_type"


class EmptyFile(_CodedError):
    code = "empty_file"


class CorruptFile(_CodedError):
    code = "corrupt_file"


class EncryptedDocument(_CodedError):
    """`details["reason"]` says why: password_required, password_incorrect or unsupported."""

    code = "encrypted"
    reason = "unsupported"

    def __init__(self, message: str) -> None:
        super().__init__(message, reason=self.reason)


class PasswordRequired(EncryptedDocument):
    reason = "password_required"


class PasswordIncorrect(EncryptedDocument):
    reason = "password_incorrect"


class TooManyPages(_CodedError):
    code = "too_many_pages"


class ImageTooLarge(_CodedError):
    code = "image_too_large"


class PageNotFound(_CodedError):
    code = "page_not_found"


# --- type detection -------------------------------------------------------------------------


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


def _content_type(data: bytes, declared: str | None) -> str:
    if not data:
        raise EmptyFile("the file is empty")
    sniffed = detect_mime(data)
    if sniffed is None:
        raise UnsupportedType("not a PDF, PNG, JPEG, TIFF or WebP file", declared=declared)
    if declared and declared != sniffed:
        # The bytes decide: phones and mail clients mislabel files all the time.
        logger.info("declared type %s but content is %s", declared, sniffed)
    return sniffed


# --- PDF ------------------------------------------------------------------------------------


@contextmanager
def _pdfium_document(data: bytes, password: str | None) -> Iterator[pdfium.PdfDocument]:
    with _pdfium_lock:
        try:
            document = pdfium.PdfDocument(data, password=password)
        except pdfium.PdfiumError as error:
            raise _pdfium_open_error(error, password) from None
    try:
        yield document
    finally:
        with _pdfium_lock:
            document.close()


def _pdfium_open_error(error: pdfium.PdfiumError, password: str | None) -> DocumentError:
    if error.err_code == pdfium_c.FPDF_ERR_PASSWORD:
        if password:
            return PasswordIncorrect("the password does not open this PDF")
        return PasswordRequired("this PDF is encrypted and needs a password")
    if error.err_code == pdfium_c.FPDF_ERR_SECURITY:
        return EncryptedDocument("this PDF uses an unsupported encryption scheme")
    return CorruptFile("the PDF is damaged or truncated and cannot be read")


def _pdf_page_total(document: pdfium.PdfDocument, max_pages: int) -> int:
    with _pdfium_lock:
        total = len(document)
    if total < 1:
        raise CorruptFile("the PDF has no pages")
    if total > max_pages:
        raise TooManyPages(f"the PDF has {total} pages; the limit is {max_pages}", pages=total)
    return total


def _render_pdf_page(
    document: pdfium.PdfDocument, index: int, dpi: int, max_pixels: int
) -> Image.Image:
    """Rasterise one page at `dpi`, lowered as needed to stay within `max_pixels`."""
    with _pdfium_lock:
        page = document[index]
        try:
            width, height = page.get_size()
            scale = dpi / 72
            area = max(width * height, 1.0)
            if area * scale * scale > max_pixels:  # poster-sized pages: cap memory, not reject
                scale = math.sqrt(max_pixels / area)
            return page.render(scale=scale).to_pil().convert("RGB")
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


def _read_pdf(
    data: bytes,
    ocr: Callable[[Image.Image], PageText],
    password: str | None,
    max_pages: int,
    max_pixels: int,
    dpi: int,
) -> DocumentText:
    result = DocumentText()
    with _pdfium_document(data, password) as document:
        total = _pdf_page_total(document, max_pages)
        plumber = _open_plumber(data, password)
        try:
            for number in range(1, total + 1):
                layer = _text_layer(plumber, number)
                if layer is None:
                    image = _render_pdf_page(document, number - 1, dpi, max_pixels)
                    layer = ocr(image)
                    layer.number = number
                result.pages.append(layer)
        finally:
            if plumber is not None:
                plumber.close()
    return result


# --- images ---------------------------------------------------------------------------------


@contextmanager
def _pillow_errors() -> Iterator[None]:
    """Translate whatever Pillow raises on a bad image into a DocumentError."""
    try:
        yield
    except Image.DecompressionBombError:
        raise ImageTooLarge("the image has too many pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, MemoryError):
        raise CorruptFile("the image is damaged or truncated and cannot be read") from None


def _check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise CorruptFile("the image has no pixels")
    if width * height > max_pixels:
        raise ImageTooLarge(
            f"the image is {width}x{height} pixels; the limit is {max_pixels:,} pixels",
            width=width,
            height=height,
        )


def _open_image(data: bytes, max_pixels: int, max_pages: int) -> tuple[Image.Image, int]:
    """Open lazily (header only), check dimensions and frame count before decoding pixels."""
    with _pillow_errors():
        image = Image.open(io.BytesIO(data))
        _check_pixels(image.size, max_pixels)
        frames = int(getattr(image, "n_frames", 1) or 1)
    if frames > max_pages:
        raise TooManyPages(f"the image has {frames} pages; the limit is {max_pages}", pages=frames)
    return image, frames


def upright_rgb(image: Image.Image) -> Image.Image:
    """Decode the current frame, apply EXIF orientation, flatten transparency onto white."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        image = image.point(lambda value: value / 256).convert("L")  # 16-bit scans
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # A plain convert() turns transparent backgrounds black and the text invisible.
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, "white")
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB")


def _image_page(image: Image.Image, index: int, max_pixels: int) -> Image.Image:
    with _pillow_errors():
        image.seek(index)
        _check_pixels(image.size, max_pixels)  # TIFF frames may differ in size
        return upright_rgb(image)


def recognize_page(engine: OcrEngine, image: Image.Image) -> OcrResult:
    """OCR one page image; tall images are read in overlapping tiles and stitched back."""
    width, height = image.size
    tile = max(int(width * TILE_ASPECT), TILE_MIN_HEIGHT)
    if height <= tile * 1.25:
        return engine.recognize(image)
    overlap = max(tile // 10, 64)
    lines: list[OcrLine] = []
    top = 0
    while True:
        bottom = min(top + tile, height)
        part = engine.recognize(image.crop((0, top, width, bottom)))
        # Each tile owns the band between the midpoints of its overlaps, so a line read twice
        # is kept once, from the tile where it sits whole.
        own_from = top + overlap / 2 if top else 0
        own_to = bottom - overlap / 2 if bottom < height else height
        for line in part.lines:
            x0, y0, x1, y1 = line.box
            if own_from <= top + (y0 + y1) / 2 < own_to:
                lines.append(OcrLine(line.text, (x0, y0 + top, x1, y1 + top), line.confidence))
        if bottom >= height:
            break
        top = bottom - overlap
    return OcrResult.from_lines(lines, width=float(width), height=float(height))


# --- public API -----------------------------------------------------------------------------


def _ocr_with(engine: OcrEngine | None) -> Callable[[Image.Image], PageText]:
    """An OCR step that resolves the default engine only when a page actually needs OCR."""
    chosen: list[OcrEngine] = [engine] if engine is not None else []

    def ocr(image: Image.Image) -> PageText:
        if not chosen:
            from ocrengine.engines.registry import get_engine

            chosen.append(get_engine())
        result = recognize_page(chosen[0], image)
        return PageText(
            0, result.text, result.lines, result.width, result.height, "ocr", chosen[0].name
        )

    return ocr


def read_document(
    data: bytes,
    *,
    mime: str | None = None,
    engine: OcrEngine | None = None,
    password: str | None = None,
    max_pages: int = 50,
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
    raster_dpi: int = 200,
) -> DocumentText:
    """Read every page of a PDF or image file into text with line boxes.

    Guarantees: pages come back in order, numbered from 1; text-layer pages have boxes in PDF
    points and source "text_layer", OCR'd pages have boxes in pixels and source "ocr"; the
    content's magic bytes decide the type (`mime` is only a hint); limits are checked before
    pixels are decoded; any unreadable input raises a DocumentError subclass.
    """
    kind = _content_type(data, mime)
    ocr = _ocr_with(engine)
    if kind == PDF:
        return _read_pdf(data, ocr, password, max_pages, max_image_pixels, raster_dpi)
    image, frames = _open_image(data, max_image_pixels, max_pages)
    result = DocumentText()
    for index in range(frames):
        page = ocr(_image_page(image, index, max_image_pixels))
        page.number = index + 1
        result.pages.append(page)
    return result


def page_count(data: bytes, mime: str | None = None, *, password: str | None = None) -> int:
    """Number of pages (PDF pages or image frames); raises DocumentError when unreadable."""
    kind = _content_type(data, mime)
    if kind == PDF:
        with _pdfium_document(data, password) as document:
            return _pdf_page_total(document, max_pages=UNLIMITED)
    _image, frames = _open_image(data, UNLIMITED, UNLIMITED)
    return frames


def render_page_png(
    data: bytes,
    page_number: int,
    *,
    mime: str | None = None,
    dpi: int = 110,
    password: str | None = None,
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
) -> bytes:
    """PNG of one page (1-based) for the review viewer: PDFs rendered at `dpi`, image pages
    upright and re-encoded at their own size. Raises PageNotFound for a page out of range."""
    kind = _content_type(data, mime)
    if kind == PDF:
        with _pdfium_document(data, password) as document:
            total = _pdf_page_total(document, max_pages=UNLIMITED)
            _check_page_number(page_number, total)
            image = _render_pdf_page(document, page_number - 1, dpi, max_image_pixels)
    else:
        source, frames = _open_image(data, max_image_pixels, UNLIMITED)
        _check_page_number(page_number, frames)
        image = _image_page(source, page_number - 1, max_image_pixels)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def _check_page_number(page_number: int, total: int) -> None:
    if not 1 <= page_number <= total:
        raise PageNotFound(
            f"page {page_number} does not exist; the document has {total}", pages=total
        )
