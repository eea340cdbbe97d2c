"""PDF statements -> numbered text lines, read by `ocrengine.documents` (the one PDF stack:
its limits, its one PDFium lock, its password errors), with the reader's refusals turned into
StatementErrors with the statement import's codes.

A protected PDF without a password raises PasswordRequired; with the wrong one,
PasswordIncorrect (`ocrengine.documents.errors`, as for invoices). The two differ so the
caller can ask the user the right question.
"""

from __future__ import annotations

from dataclasses import dataclass

from ocrengine.documents.errors import (
    CorruptFile,
    DocumentError,
    PasswordIncorrect,
    PasswordRequired,
)
from ocrengine.documents.limits import limit
from ocrengine.documents.pdf_lines import PdfLimits, pdf_page_lines
from ocrengine.engines.base import DocumentText

from .base import StatementError


@dataclass(frozen=True)
class TextLine:
    page: int  # 1-based
    line: int  # 1-based within the page
    text: str


def read_pdf_lines(
    data: bytes, password: str | None = None, *, limits: PdfLimits | None = None
) -> list[TextLine]:
    """All text lines of the PDF in reading order.

    Too many pages, characters or objects on a page, or decoded bytes raise StatementError
    with the reader's code (too_many_pages, too_many_characters, too_many_objects,
    content_too_large, ...); a file that cannot be read at all, `unreadable_pdf`.
    """
    try:
        pages = pdf_page_lines(data, password, limits=limits)
    except (PasswordRequired, PasswordIncorrect):
        raise
    except CorruptFile as error:
        raise StatementError("unreadable_pdf", _capitalised(error.message)) from None
    except DocumentError as error:
        raise StatementError(error.code, _capitalised(error.message) + ".", error.details) from None
    return [
        TextLine(page, line, text)
        for page, lines in enumerate(pages, start=1)
        for line, text in enumerate(lines, start=1)
    ]


def read_pdf_document(data: bytes, password: str | None = None) -> DocumentText:
    """The PDF's pages as positioned text, for the generic reader: the text layer where a page
    has one, OCR (the deployment's engine, as for invoices) where it does not. The same
    limits and errors as `read_pdf_lines`."""
    from ocrengine.documents.reader import read_document

    try:
        return read_document(data, password=password, max_pages=limit("OCR_MAX_PAGES"))
    except (PasswordRequired, PasswordIncorrect):
        raise
    except CorruptFile as error:
        raise StatementError("unreadable_pdf", _capitalised(error.message)) from None
    except DocumentError as error:
        raise StatementError(error.code, _capitalised(error.message) + ".", error.details) from None


def _capitalised(message: str) -> str:
    return message[:1].upper() + message[1:]
