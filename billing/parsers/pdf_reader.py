"""PDF text layer -> numbered lines, and the password rules for protected statements.

Lines are rebuilt from character boxes (pdfium, loose boxes): characters whose vertical
centres lie within Y_TOLERANCE points form one line, ordered left to right, with a space
where the gap is wider than a fraction of the glyph height. That makes an amount printed
a point below its description still land on the description's line, whatever order the
PDF's content stream draws them in. pdfplumber is the fallback for files pdfium rejects.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdfium2 as pdfium

from .base import PasswordIncorrect, PasswordRequired, StatementError

Y_TOLERANCE = 3.0
SPACE_GAP = 0.15  # of the glyph box height


@dataclass(frozen=True)
class TextLine:
    page: int  # 1-based
    line: int  # 1-based within the page
    text: str


def read_pdf_lines(data: bytes, password: str | None = None) -> list[TextLine]:
    """All text lines of the PDF in reading order.

    A protected PDF without a password raises PasswordRequired; with the wrong one,
    PasswordIncorrect. The two differ so the caller can ask the user the right question.
    """
    try:
        document = pdfium.PdfDocument(data, password=password or None)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise (PasswordIncorrect() if password else PasswordRequired()) from exc
        return _read_with_pdfplumber(data, password)
    try:
        lines: list[TextLine] = []
        for index in range(len(document)):
            for line_no, text in enumerate(_page_lines(document[index]), start=1):
                lines.append(TextLine(index + 1, line_no, text))
        return lines
    finally:
        document.close()


def _page_lines(page) -> list[str]:
    textpage = page.get_textpage()
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count) if count else ""
    chars = []
    for i in range(min(count, len(text))):
        char = text[i]
        if char in "\r\n":
            continue
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        if char.isspace() and right <= left:
            continue  # a space pdfium generated, with no box of its own
        chars.append((left, bottom, right, top, char))
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


def _read_with_pdfplumber(data: bytes, password: str | None) -> list[TextLine]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        with pdfplumber.open(io.BytesIO(data), password=password or "") as pdf:
            lines = []
            for page_no, page in enumerate(pdf.pages, start=1):
                text = page.extract_text(x_tolerance=1.5, y_tolerance=Y_TOLERANCE) or ""
                rows = [" ".join(raw.split()) for raw in text.splitlines() if raw.strip()]
                lines += [TextLine(page_no, n, row) for n, row in enumerate(rows, start=1)]
            return lines
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect):
            raise (PasswordIncorrect() if password else PasswordRequired()) from exc
        raise StatementError("unreadable_pdf", f"The PDF cannot be read: {cause!r}") from exc
    except Exception as exc:  # pdfminer raises many unrelated types on broken files
        raise StatementError("unreadable_pdf", f"The PDF cannot be read: {exc}") from exc
