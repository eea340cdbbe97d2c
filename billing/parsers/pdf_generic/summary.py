"""The statement's summary fields (statement and due date, previous and new balance, minimum
payment, credit limit, period, card and IBAN) from labels, the value after the label or
under it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

from ..base import AccountKind, ParsedBill
from ..layout_tokens import Amount, DateOrder
from ..pdf_layout import Cell, PlacedAmount, Row
from ..statement_labels import (
    BALANCE_LINE,
    CREDIT_LIMIT,
    DUE_DATE,
    MINIMUM_PAYMENT,
    NEW_BALANCE,
    PERIOD,
    PERIOD_SEPARATOR,
    PREVIOUS_BALANCE,
    STATEMENT_DATE,
    SUBTOTAL_LINE,
    plain,
)
from .arbiter import balance_value
from .rows import CARD, IBAN, has_leading_date, latest_date, only_dates

HEADER_PAD = 0.02
PERIOD_SEARCH_ROWS = 80
SUMMARY_TABLE_ROWS = 12


@dataclass
class Summary:
    statement_date: date | None = None
    due_date: date | None = None
    period_start: date | None = None
    previous: PlacedAmount | None = None
    new: PlacedAmount | None = None
    minimum: PlacedAmount | None = None
    credit_limit: PlacedAmount | None = None
    card_last4: str = ""
    iban: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # field -> the label text read

    @classmethod
    def read(cls, rows: list[Row], order: DateOrder, marked: dict[str, str]) -> Summary:
        """The summary fields; a label `marked` for a field (a layout template's) is looked
        for first, the languages' labels after it."""
        summary = cls()

        def label(name: str, default: re.Pattern[str]) -> re.Pattern[str]:
            if not marked.get(name):
                return default
            return re.compile(f"{re.escape(plain(marked[name]))}|{default.pattern}")

        found = summary.labels
        summary.statement_date = labelled_date(
            rows, label("statement_date", STATEMENT_DATE), order, found, "statement_date"
        )
        summary.due_date = labelled_date(
            rows, label("due_date", DUE_DATE), order, found, "due_date"
        )
        summary.previous = labelled_amount(
            rows, label("previous_balance", PREVIOUS_BALANCE), True, None, found, "previous_balance"
        )
        summary.new = labelled_amount(
            rows, label("new_balance", NEW_BALANCE), False, PREVIOUS_BALANCE, found, "new_balance"
        )
        summary.minimum = labelled_amount(
            rows, label("minimum_payment", MINIMUM_PAYMENT), True, None, found, "minimum_payment"
        )
        summary.credit_limit = labelled_amount(rows, CREDIT_LIMIT, first=True)
        period = period_of(rows, order)
        if period is not None:
            summary.period_start = period[0]
            if summary.statement_date in (None, period[0]):
                # "Opening/Closing Date 12/06/23 - 01/05/24": the statement closes the period.
                summary.statement_date = period[1]
        if summary.statement_date is None:
            summary.statement_date = standalone_date(rows, order)
        if summary.previous is None or summary.new is None:
            dated = dated_balances(rows, order)
            if len(dated) >= 2 and dated[0][0] != dated[-1][0]:
                # "Balance on 1 May £1,234.56 ... Balance on 31 May £987.65"
                summary.previous = summary.previous or dated[0][1]
                summary.new = summary.new or dated[-1][1]
        card = next((m for row in rows[:200] if (m := CARD.search(IBAN.sub(" ", row.text)))), None)
        summary.card_last4 = card.group(1) if card else ""
        iban = next((m for row in rows[:200] if (m := IBAN.search(row.text))), None)
        summary.iban = iban.group(0) if iban else ""
        return summary

    def bill(self, kind: AccountKind) -> ParsedBill:
        return ParsedBill(
            card_last4=self.card_last4 if kind == "card" else "",
            account_kind=kind,
            statement_date=self.statement_date,
            period_start=self.period_start,
            due_date=self.due_date,
            previous_balance=balance_value(self.previous, kind) if self.previous else None,
            new_balance=balance_value(self.new, kind) if self.new else None,
            minimum_payment=self.minimum.amount.value if self.minimum else None,
            credit_limit=self.credit_limit.amount.value if self.credit_limit else None,
        )


def label_cells(rows: list[Row], label: re.Pattern[str], unless: re.Pattern[str] | None = None):
    """(row index, cell index, end of label) for every cell holding the label (and not the
    `unless` one: "previous statement balance" holds "statement balance" too)."""
    for index, row in enumerate(rows):
        for cell_index, cell in enumerate(row.cells):
            text = plain(cell.text)
            match = label.search(text)
            if match and not (unless is not None and unless.search(text)):
                yield index, cell_index, match.end()


def labelled_date(
    rows: list[Row],
    label: re.Pattern[str],
    order: DateOrder,
    found: dict[str, str] | None = None,
    name: str = "",
) -> date | None:
    for index, cell_index, end in label_cells(rows, label):
        row = rows[index]
        cell = row.cells[cell_index]
        after = [
            d
            for d in row.dates
            if (d.cell == cell_index and d.token.start >= end) or d.cell > cell_index
        ]
        below = below_label(rows, index, cell.x0, cell.x1, lambda r: r.dates)
        for placed in after[:1] or below[:1]:
            resolved = placed.token.resolve(order, latest_date(rows, order))
            if resolved:
                if found is not None:
                    found[name] = label_text(cell.text, end)
                return resolved
    return None


def label_text(text: str, end: int) -> str:
    """The label as printed: the cell's text up to where the label match ended."""
    return " ".join(text[: min(end, len(text))].split())


def labelled_amount(
    rows: list[Row],
    label: re.Pattern[str],
    first: bool,
    unless: re.Pattern[str] | None = None,
    labels: dict[str, str] | None = None,
    name: str = "",
) -> PlacedAmount | None:
    found = []
    texts = []
    for index, cell_index, end in label_cells(rows, label, unless):
        row = rows[index]
        cell = row.cells[cell_index]
        after = [
            a
            for a in row.amounts
            if (a.cell == cell_index and a.amount.start >= end) or a.cell > cell_index
        ]
        below = below_label(rows, index, cell.x0, cell.x1, lambda r: r.amounts)
        value = after[0] if after else table_column_value(rows, index, cell_index)
        if value is None and below:
            value = below[0]
        if value is not None:
            found.append(value)
            texts.append(label_text(cell.text, end))
    if not found:
        return None
    if labels is not None:
        labels[name] = texts[0] if first else texts[-1]
    return found[0] if first else found[-1]


def table_column_value(rows: list[Row], index: int, cell_index: int) -> PlacedAmount | None:
    """The label heads a column of a summary table, one row per card or account
    ("CARD | PREV BAL | PURCHASES | STMT BAL"): the column's total row, else the sum of its
    rows (a card statement's balance is every card's together)."""
    header = rows[index]
    if header.amounts or len(header.cells) < 3:
        return None
    values = []
    for row in rows[index + 1 : index + 1 + SUMMARY_TABLE_ROWS]:
        if row.page != header.page or not row.amounts or has_leading_date(row):
            break
        value = _in_column(row, header, cell_index)
        if value is None:
            break
        if SUBTOTAL_LINE.search(plain(row.text)):
            return value
        values.append(value)
    if len(values) <= 1:
        return values[0] if values else None
    return _summed(values)


def _in_column(row: Row, header: Row, cell_index: int) -> PlacedAmount | None:
    """The row's amount under header cell `cell_index`: by position, or, where the row is
    one run of text across several headings (drawn as one string, its words do not line up
    with the headings), by order counted from the right (the amount columns come last)."""
    runs = {placed.cell for placed in row.amounts}
    if len(runs) == 1:
        run = row.cells[runs.pop()]
        if sum(_overlaps(run.x0, run.x1, heading) for heading in header.cells) > 1:
            position = len(row.amounts) - (len(header.cells) - cell_index)
            return row.amounts[position] if 0 <= position < len(row.amounts) else None
    heading = header.cells[cell_index]
    return next((p for p in row.amounts if _overlaps(p.x0, p.x1, heading)), None)


def _overlaps(x0: float, x1: float, heading: Cell) -> bool:
    return under_label(x0, x1, heading.x0, heading.x1)


def under_label(x0: float, x1: float, label_x0: float, label_x1: float) -> bool:
    """Whether [x0, x1] overlaps a label's span, widened by HEADER_PAD each side."""
    return min(x1, label_x1 + HEADER_PAD) - max(x0, label_x0 - HEADER_PAD) > 0


def _summed(values: list[PlacedAmount]) -> PlacedAmount:
    """The sum of printed card balances, a credit balance ("15.00CR", "-15.00") taken off."""
    total = sum(
        (-v.amount.value if v.amount.marked_credit or v.amount.sign < 0 else v.amount.value)
        for v in values
    )
    first = values[0]
    amount = Amount(abs(total), 1, "CR" if total < 0 else "", first.amount.start, first.amount.end)
    return PlacedAmount(amount, first.x0, first.x1, first.cell)


def below_label(rows: list[Row], index: int, x0: float, x1: float, items) -> list:
    """Items (amounts or dates) printed under a label: the next two rows, overlapping it."""
    out = []
    for row in rows[index + 1 : index + 3]:
        if row.page != rows[index].page:
            break
        for item in items(row):
            item_x1 = getattr(item, "x1", None)
            item_x0 = item.x0
            end = item_x1 if item_x1 is not None else item_x0 + 0.05
            if under_label(item_x0, end, x0, x1):
                out.append(item)
        if out:
            break
    return out


def dated_balances(rows: list[Row], order: DateOrder) -> list[tuple[date, PlacedAmount]]:
    """(date, amount) of lines that say a balance on a date and print it after the date,
    oldest first."""
    found = []
    for row in rows:
        if not row.dates or not row.amounts or has_leading_date(row):
            continue
        if not BALANCE_LINE.search(plain(row.text)) or len(row.amounts) != 1:
            continue
        when = row.dates[0].token.resolve(order, None)
        amount = row.amounts[0]
        if when is not None and (amount.cell, amount.amount.start) > (
            row.dates[0].cell,
            row.dates[0].token.start,
        ):
            found.append((when, amount))
    found.sort(key=lambda item: item[0])
    return found


def period_of(rows: list[Row], order: DateOrder) -> tuple[date, date] | None:
    """(start, end) of a "period 01/05/2014 - 31/05/2014" line ("du ... au", "vom ... bis")."""
    for row in rows[:PERIOD_SEARCH_ROWS]:
        # A row of just the two dates is the period too, unlabelled ("01/01/2024 - 31/01/2024"
        # under the statement's title).
        unlabelled = only_dates(row, leading=False) and all(d.token.year for d in row.dates)
        if len(row.dates) < 2 or not (PERIOD.search(plain(row.text)) or unlabelled):
            continue
        for first, second in pairwise(row.dates):
            if first.cell != second.cell:
                continue
            between = row.cells[first.cell].text[first.token.end : second.token.start]
            if not PERIOD_SEPARATOR.match(plain(between)):
                continue
            end = second.token.resolve(order, None)
            reference = end
            start = first.token.resolve(order, reference)
            if start and end and start <= end:
                return start, end
    return None


def standalone_date(rows: list[Row], order: DateOrder) -> date | None:
    """A row that is only a full date, near the top of the first page (a letter's date)."""
    for row in rows:
        if row.page != 1 or row.top > 0.45:
            continue
        if len(row.dates) == 1 and row.dates[0].token.year and not row.amounts:
            token = row.dates[0].token
            if len(row.cells) == 1 and token.end - token.start >= 0.8 * len(row.cells[0].text):
                return token.resolve(order, None)
    return None
