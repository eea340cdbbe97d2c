"""PDF text layer -> numbered lines, and the password rules for protected statements.

Lines are rebuilt from character boxes (pdfium, loose boxes): characters whose vertical
centres lie within Y_TOLERANCE points form one line, ordered left to right, with a space
where the gap is wider than a fraction of the glyph height. That makes an amount printed
a point below its description still land on the description's line, whatever order the
PDF's content stream draws them in. pdfplumber is the fallback for files pdfium rejects.

The invoice reader's guards apply: streams are measured before anything inflates them, pages
are limited to OCR_MAX_PAGES, characters and objects per page to PDF_MAX_CHARS_PER_PAGE and
PDF_MAX_OBJECTS_PER_PAGE, and every PDFium call holds the one PDFium lock
(`ocrengine.documents.pdf`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdfium2 as pdfium

from ocrengine.documents import errors as document_errors
from ocrengine.documents.errors import PasswordIncorrect, PasswordRequired
from ocrengine.documents.limits import limit
from ocrengine.documents.pdf import (
    pdf_page_characters_check,
    pdf_page_objects_check,
    pdf_page_total,
    pdfium_document,
    pdfium_lock,
)

from .base import StatementError

Y_TOLERANCE = 3.0
SPACE_GAP = 0.15  # of the glyph box height


@dataclass(frozen=True)
class TextLine:
    page: int  # 1-based
    line: int  # 1-based within the page
    text: str


@dataclass(frozen=True)
class PdfLimits:
    pages: int
    chars_per_page: int
    objects_per_page: int


def pdf_limits() -> PdfLimits:
    """The limits the invoice reader uses (its settings)."""
    return PdfLimits(
        pages=limit("OCR_MAX_PAGES"),
        chars_per_page=limit("PDF_MAX_CHARS_PER_PAGE"),
        objects_per_page=limit("PDF_MAX_OBJECTS_PER_PAGE"),
    )


def read_pdf_lines(
    data: bytes, password: str | None = None, *, limits: PdfLimits | None = None
) -> list[TextLine]:
    """All text lines of the PDF in reading order.

    A protected PDF without a password raises PasswordRequired; with the wrong one,
    PasswordIncorrect. The two differ so the caller can ask the user the right question.
    Too many pages, characters or objects on a page, or decoded bytes raise StatementError
    with the reader's code (too_many_pages, too_many_characters, too_many_objects,
    content_too_large, ...).
    """
    limits = limits or pdf_limits()
    try:
        with pdfium_document(data, password or None) as document:
            lines: list[TextLine] = []
            for index in range(pdf_page_total(document, limits.pages)):
                chars = _page_chars(document, index, limits)
                for line_no, text in enumerate(_lines_of(chars), start=1):
                    lines.append(TextLine(index + 1, line_no, text))
            return lines
    except (PasswordRequired, PasswordIncorrect):
        raise  # as they are: the caller asks the user the right question
    except document_errors.CorruptFile:
        return _read_with_pdfplumber(data, password, limits)
    except document_errors.DocumentError as error:
        raise StatementError(error.code, _sentence(error.message), error.details) from None
    except pdfium.PdfiumError as error:  # a page PDFium opened the file with but cannot load
        raise StatementError("unreadable_pdf", f"The PDF cannot be read: {error}") from None


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + "."


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


def _too_many_characters(page: int, count: int, max_chars: int) -> StatementError:
    return StatementError(
        "too_many_characters",
        f"Page {page} of the PDF has {count:,} characters; the limit is {max_chars:,}.",
        {"page": page, "characters": count, "limit": max_chars},
    )


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


def _read_with_pdfplumber(data: bytes, password: str | None, limits: PdfLimits) -> list[TextLine]:
    """For files PDFium rejects; `data` has passed the stream meter already."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        with pdfplumber.open(io.BytesIO(data), password=password or "") as pdf:
            if len(pdf.pages) > limits.pages:
                raise StatementError(
                    "too_many_pages",
                    f"The PDF has {len(pdf.pages)} pages; the limit is {limits.pages}.",
                    {"pages": len(pdf.pages), "limit": limits.pages},
                )
            lines = []
            for page_no, page in enumerate(pdf.pages, start=1):
                if len(page.chars) > limits.chars_per_page:
                    raise _too_many_characters(page_no, len(page.chars), limits.chars_per_page)
                if sum(map(len, page.objects.values())) > limits.objects_per_page:
                    raise StatementError(
                        "too_many_objects",
                        f"Page {page_no} of the PDF has more than "
                        f"{limits.objects_per_page:,} objects (text runs, paths, images).",
                        {"page": page_no, "limit": limits.objects_per_page},
                    )
                text = page.extract_text(x_tolerance=1.5, y_tolerance=Y_TOLERANCE) or ""
                rows = [" ".join(raw.split()) for raw in text.splitlines() if raw.strip()]
                lines += [TextLine(page_no, n, row) for n, row in enumerate(rows, start=1)]
            return lines
    except StatementError:
        raise
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect):
            raise (PasswordIncorrect() if password else PasswordRequired()) from exc
        raise StatementError("unreadable_pdf", f"The PDF cannot be read: {cause!r}") from exc
    except Exception as exc:  # pdfminer raises many unrelated types on broken files
        raise StatementError("unreadable_pdf", f"The PDF cannot be read: {exc}") from exc
