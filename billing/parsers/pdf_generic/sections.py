"""A statement's rows cut into sections (an account or a card each): transactions with their
continuation lines and FX memos, the balance lines that open and close a section, the
sub-totals that may close it, and the account or card it belongs to."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from ..layout_tokens import DateOrder
from ..pdf_layout import PlacedAmount, Row
from .rows import (
    CARD,
    COLUMN_PAD,
    DATE_COLUMN_PAD,
    IBAN,
    balance_label,
    column_of,
    description_of,
    has_leading_date,
    heading_roles,
    is_short_label,
    is_subtotal,
    row_date,
)

CONTINUATION_GAP = 2.5  # row heights between a row and its description's next line
TABLE_MARGIN_ROWS = 3  # balance lines this close to the rows belong to the table
FX_CODE = re.compile(r"\b([A-Z]{3})\b")
ACCOUNT_NAME = re.compile(r"(?i)\b(n[°o]\.?|nr\.?|account|compte|konto|cuenta|conto|livret|akaun)")


@dataclass
class Txn:
    row: Row
    columns: dict[int, PlacedAmount]  # value column -> amount printed there
    description: str
    fx: PlacedAmount | None = None
    fx_currency: str = ""
    extra_rows: list[Row] = field(default_factory=list)
    # An undated row under a dated one ("one date per day" layouts): it takes that row's date,
    # and counts only under readings that include such rows (the arbiter decides).
    date_row: Row | None = None


@dataclass
class BalanceLine:
    row: Row
    column: int | None  # the value column it is printed in, when it lines up with one
    amount: PlacedAmount
    kind: str  # "previous", "new" or "either" (a plain "balance" line)


@dataclass
class Section:
    txns: list[Txn] = field(default_factory=list)
    balances: list[tuple[int, BalanceLine]] = field(default_factory=list)  # (txns before, line)
    # Sub-total lines after the rows: the closing balance on layouts that print no label
    # for it, when (and only when) it is the figure the rows reconcile to.
    subtotals: list[tuple[int, PlacedAmount]] = field(default_factory=list)
    account: str = ""
    card_last4: str = ""

    @property
    def opening(self) -> BalanceLine | None:
        before = [line for count, line in self.balances if count == 0 and line.kind != "new"]
        return before[0] if before else None

    @property
    def closing(self) -> BalanceLine | None:
        after = [
            line
            for count, line in self.balances
            if count == len(self.txns) and line.kind != "previous"
        ]
        if not self.txns and after and after[0] is self.opening:
            after = after[1:]  # no rows: the opening line is not also the closing one
        return after[-1] if after else None


def read_sections(
    rows: list[Row], candidates: list[Row], columns: list[tuple[float, float]], date_x
) -> list[Section]:
    """Transactions and balance lines in reading order, cut into sections (accounts)."""
    dated = set(map(id, candidates))
    table_rows = table_span(rows, dated)
    sections = [Section()]
    last_txn: Txn | None = None
    for index, row in enumerate(rows):
        current = sections[-1]
        if id(row) in dated:
            txn = txn_of_row(row, columns)
            label = balance_label(txn.description)
            # A dated row is a balance line only under an explicit opening/closing label:
            # "BALANCE TRANSFER" is a transaction.
            if label in ("previous", "new") and is_short_label(txn.description):
                add_balance(sections, row, columns, label)
                last_txn = None
                continue
            if txn.columns and not is_subtotal(txn.description):
                current.txns.append(txn)
                last_txn = txn
                continue
            if txn.columns:
                current.subtotals.append((len(current.txns), row.amounts[-1]))
            last_txn = None
            continue
        label = balance_label(row.text) if row.amounts else None
        if index not in table_rows and label not in ("previous", "new"):
            # Outside the table only an explicitly labelled balance counts (the next card's
            # "previous balance" on a statement of several cards).
            last_txn = None
            continue
        if label:
            add_balance(sections, row, columns, label)
            last_txn = None
        elif row.amounts and is_subtotal(row.text):
            current.subtotals.append((len(current.txns), row.amounts[-1]))
            last_txn = None
        elif last_txn is not None and (undated := undated_txn(last_txn, row, columns)):
            current.txns.append(undated)
            last_txn = undated
        elif last_txn is not None and continues_description(last_txn, row, columns, date_x):
            last_txn.extra_rows.append(row)
            last_txn.description = f"{last_txn.description} {description_of(row, columns)}".strip()
            take_fx_memo(last_txn, row)
        else:
            last_txn = None
    kept = [s for s in sections if s.txns or s.balances]
    for section in kept:
        section.account, section.card_last4 = account_and_card(rows, section)
    return kept or [Section()]


def drop_misplaced_balances(section: Section, order: DateOrder, reference) -> None:
    """A balance line dated after the section's rows is not its opening balance, and one dated
    before them is not its closing one ("Balance on 31 May" printed above the table)."""
    dates = [d for t in section.txns if (d := row_date(t.date_row or t.row, order, reference))]
    if not dates:
        return
    first, last = min(dates), max(dates)
    kept = []
    for count, line in section.balances:
        when = line.row.dates[0].token.resolve(order, reference) if line.row.dates else None
        if when is not None and count == 0 and section.txns and when > first:
            continue
        if when is not None and count == len(section.txns) and count and when < last:
            continue
        kept.append((count, line))
    section.balances = kept


def undated_txn(previous: Txn, row: Row, columns) -> Txn | None:
    """A row below a transaction with an amount in a value column and words of its own, but
    no date: a candidate transaction of the same day."""
    if row.dates or row.page != previous.row.page or heading_roles(row):
        return None
    txn = txn_of_row(row, columns)
    if not txn.columns or sum(ch.isalpha() for ch in txn.description) < 2:
        return None
    txn.date_row = previous.date_row or previous.row
    return txn


def table_span(rows: list[Row], dated: set[int]) -> set[int]:
    """Indexes of rows within a few rows of a transaction row on the same page."""
    near: set[int] = set()
    for index, row in enumerate(rows):
        if id(row) not in dated:
            continue
        for other in range(max(0, index - TABLE_MARGIN_ROWS), index + TABLE_MARGIN_ROWS + 1):
            if other < len(rows) and rows[other].page == row.page:
                near.add(other)
    # Rows between two transaction rows of one page are table rows too.
    indexes = sorted(near)
    for a, b in pairwise(indexes):
        if b - a > 1 and rows[a].page == rows[b].page and id(rows[b]) in dated:
            near.update(range(a, b))
    return near


def add_balance(sections: list[Section], row: Row, columns, label: str) -> None:
    placed = row.amounts[-1]
    line = BalanceLine(row, column_of(placed, columns), placed, label)
    amount = placed.amount
    current = sections[-1]
    closing = current.closing if current.txns or current.opening else None
    opens_again = closing is not None and label != "new"
    repeats_opening = current.opening and current.opening.amount.amount.value == amount.value
    if opens_again and not current.txns and repeats_opening:
        return  # the table's "brought forward" repeats the summary box's previous balance
    if opens_again and closing.amount.amount.value != amount.value:
        # A closing balance followed by another balance before any row: a new account.
        sections.append(Section(balances=[(0, line)]))
        return
    if opens_again:
        return  # "carried forward" then "brought forward" with the same figure
    current.balances.append((len(current.txns), line))


def txn_of_row(row: Row, columns: list[tuple[float, float]]) -> Txn:
    placed: dict[int, PlacedAmount] = {}
    description_limit = columns[0][0] - COLUMN_PAD
    fx = None
    for amount in row.amounts:
        column = column_of(amount, columns)
        if column is None or amount.x1 < description_limit:
            fx = amount
            continue
        placed.setdefault(column, amount)
    txn = Txn(row, placed, description_of(row, columns))
    if fx is not None:
        currency = fx_currency_near(row, fx)
        if currency:
            txn.fx, txn.fx_currency = fx, currency
    return txn


def take_fx_memo(txn: Txn, row: Row) -> None:
    """An FX memo under a row ("USD 14.00 @ 0.7300"): the row's original amount, not a row."""
    if txn.fx is not None:
        return
    for amount in row.amounts:
        currency = fx_currency_near(row, amount)
        if currency:
            txn.fx, txn.fx_currency = amount, currency
            return


def fx_currency_near(row: Row, amount: PlacedAmount) -> str:
    cell = row.cells[amount.cell].text
    after = FX_CODE.search(cell[amount.amount.end : amount.amount.end + 5])
    before = FX_CODE.search(cell[max(0, amount.amount.start - 5) : amount.amount.end])
    match = after or before
    return match.group(1) if match else ""


def continues_description(txn: Txn, row: Row, columns, date_x: float | None) -> bool:
    previous = txn.extra_rows[-1] if txn.extra_rows else txn.row
    if row.page != previous.page or (row.dates and has_leading_date(row)):
        return False
    if any(column_of(a, columns) is not None for a in row.amounts if a.x1 >= columns[0][0]):
        return False
    if row.top - previous.bottom > CONTINUATION_GAP * previous.height:
        return False
    if date_x is not None and row.x0 <= date_x + DATE_COLUMN_PAD / 2:
        return False
    text = row.text
    return not (is_subtotal(text) or balance_label(text) or heading_roles(row))


def account_and_card(rows: list[Row], section: Section) -> tuple[str, str]:
    """(account name, card last 4) printed just above the section's first line."""
    first = section.balances[0][1].row if section.balances else section.txns[0].row
    start = rows.index(first)
    account, last4 = "", ""
    for row in reversed(rows[max(0, start - 6) : start]):
        if row.page != first.page:
            break
        text = row.text
        card = CARD.search(IBAN.sub(" ", text))
        if card and not last4:
            last4 = card.group(1)
        if not account and re.search(r"\d{6,}", text) and ACCOUNT_NAME.search(text):
            account = text[:120]
    return account, last4
