"""A PDF's text layer as lines of text per page, rebuilt from PDFium's character boxes: what the
statement readers parse.

Characters whose vertical centres lie within Y_TOLERANCE points form one line, ordered left to
right, with a space where the gap is wider than a fraction of the glyph height. That makes an
amount printed a point below its description still land on the description's line, whatever
order the PDF's content stream draws them in. pdfplumber is the fallback for files PDFium
rejects.

The reader's guards apply: streams are measured before anything inflates them, pages are
limited to OCR_MAX_PAGES, characters and objects per page to PDF_MAX_CHARS_PER_PAGE and
PDF_MAX_OBJECTS_PER_PAGE, and every PDFium call holds the one `pdf.pdfium_lock`. A page
without a text layer comes back as an empty list (a page to OCR, issue #12).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdfium2 as pdfium

from ocrengine.documents.errors import (
    CorruptFile,
    DocumentError,
    PasswordIncorrect,
    PasswordRequired,
    TooManyCharacters,
    TooManyObjects,
    TooManyPages,
)
from ocrengine.documents.limits import limit
from ocrengine.documents.pdf import (
    pdf_page_characters_check,
    pdf_page_objects_check,
    pdf_page_total,
    pdfium_document,
    pdfium_lock,
)

Y_TOLERANCE = 3.0
SPACE_GAP = 0.15  # of the glyph box height


@dataclass(frozen=True)
class PdfLimits:
    pages: int
    chars_per_page: int
    objects_per_page: int


def pdf_limits() -> PdfLimits:
    """The reader's limits (the deployment's settings)."""
    return PdfLimits(
        pages=limit("OCR_MAX_PAGES"),
        chars_per_page=limit("PDF_MAX_CHARS_PER_PAGE"),
        objects_per_page=limit("PDF_MAX_OBJECTS_PER_PAGE"),
    )


def pdf_page_lines(
    data: bytes, password: str | None = None, *, limits: PdfLimits | None = None
) -> list[list[str]]:
    """The text lines of each page, in reading order.

    A protected PDF without a password raises PasswordRequired; with the wrong one,
    PasswordIncorrect. Past a limit: TooManyPages, TooManyCharacters, TooManyObjects,
    ContentTooLarge. A file neither PDFium nor pdfplumber can read: CorruptFile.
    """
    limits = limits or pdf_limits()
    try:
        with pdfium_document(data, password or None) as document:
            return [
                _lines_of(_page_chars(document, index, limits))
                for index in range(pdf_page_total(document, limits.pages))
            ]
    except CorruptFile:
        return _read_with_pdfplumber(data, password, limits)
    except pdfium.PdfiumError as error:  # a page PDFium opened the file with but cannot load
        raise CorruptFile(f"the PDF cannot be read: {error}") from None


def _page_chars(document: pdfium.PdfDocument, index: int, limits: PdfLimits) -> list[tuple]:
    """The page's characters with their boxes, read from PDFium under its lock once the page
    passed the object and character limits."""
    with pdfium_lock:
        page = document[index]
        try:
            pdf_page_objects_check(page, index + 1, limits.objects_per_page)
            textpage = page.get_textpage()
            try:
                count = pdf_page_characters_check(textpage, index + 1, limits.chars_per_page)
                return _textpage_chars(textpage, count)
            finally:
                textpage.close()
        finally:
            page.close()


def _textpage_chars(textpage, count: int) -> list[tuple]:
    text = textpage.get_text_range(0, count) if count > 0 else ""
    chars = []
    for i in range(min(count, len(text))):
        char = text[i]
        if char in "\r\n":
            continue
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        if char.isspace() and right <= left:
            continue  # a space pdfium generated, with no box of its own
        chars.append((left, bottom, right, top, char))
    return chars


def _lines_of(chars: list[tuple]) -> list[str]:
    return [line for line in map(_join_row, _rows(chars)) if line]


def _rows(chars: list[tuple]) -> list[list[tuple]]:
    chars.sort(key=lambda c: -(c[1] + c[3]) / 2)
    rows: list[tuple[float, list[tuple]]] = []
    for char in chars:
        middle = (char[1] + char[3]) / 2
        if rows and abs(rows[-1][0] - middle) <= Y_TOLERANCE:
            rows[-1][1].append(char)
        else:
            rows.append((middle, [char]))
    return [row for _, row in rows]


def _join_row(row: list[tuple]) -> str:
    row.sort(key=lambda c: c[0])
    parts: list[str] = []
    previous_right = None
    for left, bottom, right, top, char in row:
        wide_gap = previous_right is not None and left - previous_right > SPACE_GAP * (top - bottom)
        if wide_gap and not char.isspace():
            parts.append(" ")
        parts.append(char)
        previous_right = right
    return " ".join("".join(parts).split())


def _read_with_pdfplumber(data: bytes, password: str | None, limits: PdfLimits) -> list[list[str]]:
    """For files PDFium rejects; `data` has passed the stream meter already."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        with pdfplumber.open(io.BytesIO(data), password=password or "") as pdf:
            total = len(pdf.pages)
            if total > limits.pages:
                raise TooManyPages(
                    f"the PDF has {total} pages; the limit is {limits.pages}",
                    pages=total,
                    limit=limits.pages,
                )
            pages = enumerate(pdf.pages, start=1)
            return [_plumber_page_lines(page, number, limits) for number, page in pages]
    except DocumentError:
        raise
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect):
            raise (PasswordIncorrect() if password else PasswordRequired()) from exc
        raise CorruptFile(f"the PDF cannot be read: {cause!r}") from exc
    except Exception as exc:  # pdfminer raises many unrelated types on broken files
        raise CorruptFile(f"the PDF cannot be read: {exc}") from exc


def _plumber_page_lines(page, number: int, limits: PdfLimits) -> list[str]:
    count = len(page.chars)
    if count > limits.chars_per_page:
        raise TooManyCharacters(
            f"page {number} of the PDF has {count:,} characters; "
            f"the limit is {limits.chars_per_page:,}",
            page=number,
            characters=count,
            limit=limits.chars_per_page,
        )
    if sum(map(len, page.objects.values())) > limits.objects_per_page:
        raise TooManyObjects(
            f"page {number} of the PDF has more than {limits.objects_per_page:,} objects "
            "(text runs, paths, images)",
            page=number,
            limit=limits.objects_per_page,
        )
    text = page.extract_text(x_tolerance=1.5, y_tolerance=Y_TOLERANCE) or ""
    return [" ".join(raw.split()) for raw in text.splitlines() if raw.strip()]
