"""A statement's pages as rows of positioned cells: what the generic reader reads.

The input is `ocrengine.documents`' DocumentText, the one page model of the project: a
text-layer page gives pdfplumber's word segments in PDF points, a scanned page the OCR
engine's segments in pixels. Both become the same rows here, so a scanned statement is read
by the same code as a text one. Positions are kept as fractions of the page width, so
column tolerances mean the same on both.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ocrengine.engines.base import DocumentText, OcrLine, visual_rows
from ocrengine.extraction.patterns import cap_line

from .layout_tokens import Amount, DateToken, find_amounts, find_dates

MARKER_GAP = 0.15  # of the page width, between an amount and its "CR" printed apart


@dataclass(frozen=True)
class Cell:
    text: str
    x0: float  # fractions of the page width
    x1: float

    def x_at(self, offset: int) -> float:
        """Where character `offset` of the text sits (characters taken as equally wide)."""
        if not self.text:
            return self.x0
        return self.x0 + (self.x1 - self.x0) * offset / len(self.text)


@dataclass(frozen=True)
class PlacedAmount:
    amount: Amount
    x0: float
    x1: float
    cell: int  # index of the cell it was printed in


@dataclass(frozen=True)
class PlacedDate:
    token: DateToken
    x0: float
    cell: int


@dataclass
class Row:
    page: int
    number: int  # 1-based within the page
    top: float  # fractions of the page height
    bottom: float
    cells: list[Cell]
    confidence: float = 1.0
    amounts: list[PlacedAmount] = field(default_factory=list)
    dates: list[PlacedDate] = field(default_factory=list)
    # Cells that are a date line joined above the row (`joined`): the text starts after them.
    date_cells: int = 0

    @property
    def text(self) -> str:
        return " ".join(cell.text for cell in self.cells)

    @property
    def x0(self) -> float:
        return self.cells[0].x0 if self.cells else 0.0

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1e-4)

    def text_between(self, x0: float, x1: float) -> str:
        """The words of the row whose start lies in [x0, x1), amounts and dates left out."""
        spans = {(p.cell, p.amount.start, p.amount.end) for p in self.amounts}
        spans |= {(d.cell, d.token.start, d.token.end) for d in self.dates}
        words = []
        if self.date_cells:
            x0 = 0.0  # the description is the lower line's, wherever it starts
        for index, cell in enumerate(self.cells):
            if index < self.date_cells:
                continue
            position = 0
            for word in cell.text.split(" "):
                start, position = position, position + len(word) + 1
                if not word or not (x0 <= cell.x_at(start) < x1):
                    continue
                if any(i == index and s <= start < e for i, s, e in spans):
                    continue
                words.append(word)
        return " ".join(words)


def layout_rows(document: DocumentText) -> list[Row]:
    """Every visual row of every page, top to bottom, with its amounts and dates placed."""
    rows: list[Row] = []
    for page in document.pages:
        width = page.width or 1.0
        height = page.height or 1.0
        for number, line_group in enumerate(visual_rows(list(page.lines)), start=1):
            rows.append(_row(page.number, number, line_group, width, height))
    return rows


def _row(page: int, number: int, lines: list[OcrLine], width: float, height: float) -> Row:
    cells = [
        Cell(cap_line(" ".join(line.text.split())), line.box[0] / width, line.box[2] / width)
        for line in lines
        if line.text.strip()
    ]
    row = Row(
        page=page,
        number=number,
        top=min(line.box[1] for line in lines) / height,
        bottom=max(line.box[3] for line in lines) / height,
        cells=cells,
        confidence=min((line.confidence for line in lines), default=1.0),
    )
    for index, cell in enumerate(cells):
        dates = find_dates(cell.text)
        row.dates += [PlacedDate(d, cell.x_at(d.start), index) for d in dates]
        for amount in find_amounts(cell.text):
            if any(d.start < amount.end and amount.start < d.end for d in dates):
                continue  # "15.08." is a date, not 15.08
            amount = _with_marker_cell(amount, cell, cells[index + 1 : index + 2])
            row.amounts.append(
                PlacedAmount(amount, cell.x_at(amount.start), cell.x_at(amount.end), index)
            )
    return row


def _with_marker_cell(amount: Amount, cell: Cell, following: list[Cell]) -> Amount:
    """ "15.00     CR": a credit marker printed apart from its amount still belongs to it."""
    if amount.marker or amount.end != len(cell.text) or not following:
        return amount
    marker = following[0].text.strip().upper()
    if marker in ("CR", "DR") and following[0].x0 - cell.x1 < MARKER_GAP:
        return replace(amount, marker=marker)
    if marker == "-" and following[0].x0 - cell.x1 < MARKER_GAP:
        return replace(amount, sign=-1)
    return amount


def joined(upper: Row, lower: Row) -> Row:
    """Two rows read as one: `upper`'s cells first (a layout that prints a row's dates on the
    line above its description and amount)."""
    shift = len(upper.cells)
    return Row(
        page=upper.page,
        number=upper.number,
        top=upper.top,
        bottom=lower.bottom,
        cells=upper.cells + lower.cells,
        confidence=min(upper.confidence, lower.confidence),
        amounts=upper.amounts
        + [PlacedAmount(a.amount, a.x0, a.x1, a.cell + shift) for a in lower.amounts],
        dates=upper.dates + [PlacedDate(d.token, d.x0, d.cell + shift) for d in lower.dates],
        date_cells=shift,
    )
