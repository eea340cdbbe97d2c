"""The reader for PDF statements of a bank without a template, driven by the page layout.

From the positioned rows of `pdf_layout` (text layer or OCR alike) it finds:
- transaction rows: a date at the start of the row and amounts in value columns; the value
  columns are the page's right-hand amount columns, found by where amounts line up, labelled
  by the table's heading when there is one (Débit / Crédit / Amount / Balance / Soll / Haben
  / 借方 ...); continuation rows join the description; amounts printed inside the
  description (an FX memo "14,00 USD") stay out of the sums;
- sections: an opening balance line, rows, a closing balance line (a statement may hold
  several accounts); "carried forward" / "brought forward" pairs inside a section are skipped;
- summary fields: statement date, due date, previous and new balance, minimum payment, from
  labels in several languages (`statement_labels`), the value after the label or under it.

Where the reading is ambiguous (which column is a debit, whether a sign means charge or
payment, card or current account) every interpretation is tried and reconciliation is the
arbiter: the one under which the balances tie to the cent (or the running balance column
holds row by row) wins. Nothing here is tuned to one bank. The result is `needs_review`
unless the chosen interpretation ties.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise, product

from ocrengine.engines.base import DocumentText

from .base import AccountKind, ParsedBill, ParsedStatement, ParsedTransaction
from .layout_tokens import DateOrder
from .pdf_layout import PlacedAmount, PlacedDate, Row, joined, layout_rows
from .reconcile import reconcile_bill
from .statement_exports import account_last4
from .statement_labels import (
    ACCOUNT_CUES,
    BALANCE_IN_CREDIT,
    BALANCE_LINE,
    BALANCE_OVERDRAWN,
    CARD_CUES,
    COLUMN_ROLES,
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
from .table_vocabulary import (
    CARD_PAYMENT_WORDS,
    CARD_WORDS,
    CREDIT_WORDS,
    CURRENT_WORDS,
    DEBIT_WORDS,
)

ZERO = Decimal("0.00")
COLUMN_PAD = 0.006  # of the page width: amounts of one column overlap within this
HEADER_PAD = 0.02
DATE_COLUMN_PAD = 0.03
LEADING_DATE_MAX_X = 0.4  # a row's own date sits in the left part of the page
CONTINUATION_GAP = 2.5  # row heights between a row and its description's next line
TABLE_MARGIN_ROWS = 3
HEADER_REACH = 8
PERIOD_SEARCH_ROWS = 80
# Amount columns read as values, the rightmost ones (debit, credit, balance and one more):
# the readings tried grow as 3^columns, and statements print their money on the right.
MAX_VALUE_COLUMNS = 4  # rows between a table's header and its first transaction  # balance lines this close to the rows belong to the table
VALUE_ROLES = ("debit", "credit", "amount", "balance")
CARD = re.compile(
    r"(?<![\d-])(?:\d{4}|[X*•]{4})(?:[- ]?(?:\d{2,4}|[X*•]{2,6})){1,3}[- ]?(\d{4})(?![- ]?\d)"
)
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
CURRENCY_WORDS = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "£": "GBP", "gbp": "GBP",
    "usd": "USD", "us$": "USD", "cad": "CAD", "aud": "AUD", "rm": "MYR", "myr": "MYR",
    "sgd": "SGD", "s$": "SGD", "chf": "CHF", "¥": "CNY", "cny": "CNY", "rmb": "CNY",
    "人民币": "CNY", "inr": "INR", "₹": "INR", "hkd": "HKD", "jpy": "JPY", "$": "USD",
}  # fmt: skip
FX_CODE = re.compile(r"\b([A-Z]{3})\b")
ACCOUNT_NAME = re.compile(r"(?i)\b(n[°o]\.?|nr\.?|account|compte|konto|cuenta|conto|livret|akaun)")


@dataclass
class _Txn:
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
class _BalanceLine:
    row: Row
    column: int | None  # the value column it is printed in, when it lines up with one
    amount: PlacedAmount
    kind: str  # "previous", "new" or "either" (a plain "balance" line)


@dataclass
class _Section:
    txns: list[_Txn] = field(default_factory=list)
    balances: list[tuple[int, _BalanceLine]] = field(default_factory=list)  # (txns before, line)
    # Sub-total lines after the rows: the closing balance on layouts that print no label
    # for it, when (and only when) it is the figure the rows reconcile to.
    subtotals: list[tuple[int, PlacedAmount]] = field(default_factory=list)
    account: str = ""
    card_last4: str = ""

    @property
    def opening(self) -> _BalanceLine | None:
        before = [line for count, line in self.balances if count == 0 and line.kind != "new"]
        return before[0] if before else None

    @property
    def closing(self) -> _BalanceLine | None:
        after = [
            line
            for count, line in self.balances
            if count == len(self.txns) and line.kind != "previous"
        ]
        if not self.txns and after and after[0] is self.opening:
            after = after[1:]  # no rows: the opening line is not also the closing one
        return after[-1] if after else None


@dataclass(frozen=True)
class _Reading:
    """One interpretation: the role of each value column and the account's sign convention."""

    roles: tuple[str, ...]
    kind: AccountKind
    undated: bool = False  # undated rows with amounts are transactions of the day above


def _included(section: _Section, reading: _Reading) -> list[_Txn]:
    return [t for t in section.txns if reading.undated or t.date_row is None]


@dataclass(frozen=True)
class LayoutHints:
    """What a supervisor marked on a sample statement (a "layout" bank template): the value
    columns and their roles, the account kind, the date order, the label of each summary
    field. Marked things are taken as given; everything else is still read from the page."""

    kind: AccountKind | None = None
    month_first: bool | None = None
    columns: tuple[tuple[str, float, float], ...] = ()  # (role, x0, x1), fractions of the width
    labels: tuple[tuple[str, str], ...] = ()  # (field, label text as printed)

    @classmethod
    def from_spec(cls, spec: dict | None) -> LayoutHints:
        spec = spec or {}
        order = spec.get("date_order")
        return cls(
            kind=spec.get("kind"),
            month_first=None if order is None else order == "month_first",
            columns=tuple(
                (column["role"], float(column["x0"]), float(column["x1"]))
                for column in spec.get("columns", [])
                if column.get("role") in VALUE_ROLES
            ),
            labels=tuple(sorted((spec.get("labels") or {}).items())),
        )

    def as_spec(self) -> dict:
        spec: dict = {"columns": [{"role": r, "x0": x0, "x1": x1} for r, x0, x1 in self.columns]}
        if self.kind:
            spec["kind"] = self.kind
        if self.month_first is not None:
            spec["date_order"] = "month_first" if self.month_first else "day_first"
        if self.labels:
            spec["labels"] = dict(self.labels)
        return spec


def parse_generic_document(
    document: DocumentText, hints: LayoutHints | None = None
) -> ParsedStatement:
    statement = ParsedStatement(bank_code="generic", template_version=None, file_format="pdf")
    statement.needs_review, _used = _read(document, hints or LayoutHints(), statement)
    return statement


def layout_suggestion(document: DocumentText) -> dict:
    """How the generic reader reads this document, as a "layout" spec to start a bank
    template from: the supervisor corrects what is wrong and saves it."""
    statement = ParsedStatement(bank_code="generic", template_version=None, file_format="pdf")
    _review, reading = _read(document, LayoutHints(), statement)
    return reading.as_spec() if reading is not None else LayoutHints().as_spec()


def _read(
    document: DocumentText, hints: LayoutHints, statement: ParsedStatement
) -> tuple[bool, LayoutHints | None]:
    """Fill `statement`; (needs review, the reading used, as hints)."""
    rows = _join_date_rows([row for row in layout_rows(document) if row.cells])
    tokens = [d.token for row in rows for d in row.dates]
    if hints.month_first is None:
        order = DateOrder.of(tokens, _month_first_hint(rows))
    else:
        order = DateOrder(month_first=hints.month_first, decided=True)
    summary = _Summary.read(rows, order, dict(hints.labels))
    reference = summary.statement_date or _latest_date(rows, order)
    date_x = _date_column(rows)
    candidates = [row for row in rows if _starts_with_date(row, date_x)]
    if hints.columns:
        marked = sorted(hints.columns, key=lambda column: column[1])
        columns = [(x0, x1) for _, x0, x1 in marked]
        headings = {index: role for index, (role, _, _) in enumerate(marked)}
    else:
        columns = _value_columns(candidates)[-MAX_VALUE_COLUMNS:]
        headings = _headings(rows, columns, set(map(id, candidates)))
    kind_prior = hints.kind or _kind_prior(rows)
    if not columns:
        statement.problems.append(
            "No transaction table was recognised (rows starting with a date, amounts in columns)."
        )
        statement.bills.append(summary.bill(kind_prior or "card"))
        return True, None
    sections = _sections(rows, candidates, columns, date_x)
    for section in sections:
        _drop_misplaced_balances(section, order, reference)
    kinds = (hints.kind,) if hints.kind else ("card", "current")
    reading, score = _best_reading(sections, columns, headings, summary, kind_prior, kinds)
    for section in sections:
        statement.bills.append(_bill(section, reading, summary, order, reference, len(sections)))
    currency = _currency(rows)
    for bill in statement.bills:
        bill.currency = currency
    errors = [
        p for bill in statement.bills for p in reconcile_bill(bill) if p["severity"] == "error"
    ]
    if not score.ties:
        statement.problems.append(
            "The generic reader found no reading of the columns under which the balances "
            f"reconcile; it used {_describe(reading)}."
        )
    used = LayoutHints(
        kind=reading.kind,
        month_first=order.month_first,
        columns=tuple(
            (role, round(x0, 4), round(x1, 4))
            for role, (x0, x1) in zip(reading.roles, columns, strict=False)
            if role in VALUE_ROLES
        ),
        labels=tuple(sorted(summary.labels.items())),
    )
    return bool(errors) or not score.ties, used


# --- rows ---------------------------------------------------------------------------------


def _join_date_rows(rows: list[Row]) -> list[Row]:
    """A row of nothing but dates, right above an undated row with an amount, is that row's
    date line: some layouts print a transaction on two lines."""
    out: list[Row] = []
    index = 0
    while index < len(rows):
        row = rows[index]
        following = rows[index + 1] if index + 1 < len(rows) else None
        if following is not None and _only_dates(row) and _date_line_of(row, following):
            out.append(joined(row, following))
            index += 2
            continue
        out.append(row)
        index += 1
    return out


def _only_dates(row: Row) -> bool:
    if not row.dates or row.amounts or len(row.dates) > 3:
        return False
    covered = sum(d.token.end - d.token.start for d in row.dates)
    return covered >= 0.8 * len(row.text.replace(" ", "")) and _leading_date(row)


def _date_line_of(row: Row, following: Row) -> bool:
    return (
        following.page == row.page
        and bool(following.amounts)
        and not _leading_date(following)
        and following.top - row.bottom <= 1.5 * row.height
    )


def _date_column(rows: list[Row]) -> float | None:
    """The x where the rows' leading dates line up (the most common start of a dated row)."""
    starts = [
        round(dates[0].x0, 2) for row in rows if (dates := _leading_dates(row)) and row.amounts
    ]
    if not starts:
        return None
    return max(set(starts), key=starts.count)


def _leading_dates(row: Row) -> list[PlacedDate]:
    """The dates a row starts with ("02/05/2014 02/05/2014 ..."): the first date that starts
    a cell in the left part of the page, and the dates right after it. Cells before it are
    the margin's (a page's vertical reference number), not the row's."""
    for index, placed in enumerate(row.dates):
        if placed.token.start != 0 or placed.x0 > LEADING_DATE_MAX_X:
            continue
        leading = [placed]
        for following in row.dates[index + 1 :]:
            previous = leading[-1]
            text = row.cells[following.cell].text
            adjacent = (
                following.cell == previous.cell
                and not text[previous.token.end : following.token.start].strip()
            )
            if adjacent or (following.cell == previous.cell + 1 and following.token.start == 0):
                leading.append(following)
            else:
                break
        return leading
    return []


def _leading_date(row: Row) -> bool:
    return bool(_leading_dates(row))


def _starts_with_date(row: Row, date_x: float | None) -> bool:
    leading = _leading_dates(row)
    if not leading or not row.amounts or date_x is None:
        return False
    if abs(leading[0].x0 - date_x) > DATE_COLUMN_PAD:
        return False
    if not any(a.x0 > leading[-1].x0 for a in row.amounts):
        return False
    # A transaction says what it was: dates and figures alone are a summary line's values.
    after_dates = row.text_between(leading[-1].x0 + 1e-6, 1.0)
    return sum(ch.isalpha() for ch in after_dates) >= 2


def _value_columns(rows: list[Row]) -> list[tuple[float, float]]:
    """The x-ranges of the amount columns, left to right. Amounts that end their cell are
    column candidates ("14,00 USD" inside a description is not); candidates that overlap
    horizontally are one column. A column left of the first well-filled one is kept only
    when its amounts stand in cells of their own: otherwise it is description text."""
    placed = [(a, row) for row in rows for a in row.amounts if _ends_cell(a, row)]
    placed.sort(key=lambda item: item[0].x0)
    clusters: list[list[tuple[PlacedAmount, Row]]] = []
    for item in placed:
        if clusters and item[0].x0 <= max(a.x1 for a, _ in clusters[-1]) + COLUMN_PAD:
            clusters[-1].append(item)
        else:
            clusters.append([item])
    if not clusters:
        return []
    filled = max(2, len(rows) // 10)
    first = next(
        (
            i
            for i, cluster in enumerate(clusters)
            if len(cluster) >= filled or all(_own_cell(a, row) for a, row in cluster)
        ),
        None,
    )
    if first is None:
        first = max(range(len(clusters)), key=lambda i: len(clusters[i]))
    return [
        (min(a.x0 for a, _ in cluster), max(a.x1 for a, _ in cluster))
        for cluster in clusters[first:]
    ]


def _ends_cell(amount: PlacedAmount, row: Row) -> bool:
    text = row.cells[amount.cell].text
    return not text[amount.amount.end :].strip()


def _own_cell(amount: PlacedAmount, row: Row) -> bool:
    text = row.cells[amount.cell].text
    return not text[: amount.amount.start].strip() and _ends_cell(amount, row)


def _column_of(amount: PlacedAmount, columns: list[tuple[float, float]]) -> int | None:
    best, best_overlap = None, 0.0
    for index, (x0, x1) in enumerate(columns):
        overlap = min(amount.x1, x1 + COLUMN_PAD) - max(amount.x0, x0 - COLUMN_PAD)
        if overlap > best_overlap:
            best, best_overlap = index, overlap
    return best


def _description(row: Row, columns: list[tuple[float, float]]) -> str:
    leading = _leading_dates(row)
    start = leading[-1].x0 + 1e-6 if leading else 0.0
    limit = columns[0][0] - COLUMN_PAD if columns else 1.0
    text = row.text_between(start, limit)
    return " ".join(text.split())


def _is_balance_text(text: str) -> str | None:
    """ "previous", "new" or "either" when the text is a balance line's label."""
    low = plain(text)
    if PREVIOUS_BALANCE.search(low):
        return "previous"
    if NEW_BALANCE.search(low):
        return "new"
    if BALANCE_LINE.search(low):
        return "either"
    return None


def _sections(
    rows: list[Row], candidates: list[Row], columns: list[tuple[float, float]], date_x
) -> list[_Section]:
    """Transactions and balance lines in reading order, cut into sections (accounts)."""
    dated = set(map(id, candidates))
    table_rows = _table_span(rows, dated)
    sections = [_Section()]
    last_txn: _Txn | None = None
    for index, row in enumerate(rows):
        current = sections[-1]
        if id(row) in dated:
            txn = _txn(row, columns)
            label = _is_balance_text(txn.description)
            # A dated row is a balance line only under an explicit opening/closing label:
            # "BALANCE TRANSFER" is a transaction.
            if label in ("previous", "new") and _is_short_label(txn.description):
                _add_balance(sections, row, columns, label)
                last_txn = None
                continue
            if txn.columns and not _is_subtotal(txn.description):
                current.txns.append(txn)
                last_txn = txn
                continue
            if txn.columns:
                current.subtotals.append((len(current.txns), row.amounts[-1]))
            last_txn = None
            continue
        label = _is_balance_text(row.text) if row.amounts else None
        if index not in table_rows and label not in ("previous", "new"):
            # Outside the table only an explicitly labelled balance counts (the next card's
            # "previous balance" on a statement of several cards).
            last_txn = None
            continue
        if label:
            _add_balance(sections, row, columns, label)
            last_txn = None
        elif row.amounts and _is_subtotal(row.text):
            current.subtotals.append((len(current.txns), row.amounts[-1]))
            last_txn = None
        elif last_txn is not None and (undated := _undated_txn(last_txn, row, columns)):
            current.txns.append(undated)
            last_txn = undated
        elif last_txn is not None and _continues(last_txn, row, columns, date_x):
            last_txn.extra_rows.append(row)
            last_txn.description = f"{last_txn.description} {_description(row, columns)}".strip()
            _take_fx_memo(last_txn, row)
        else:
            last_txn = None
    kept = [s for s in sections if s.txns or s.balances]
    for section in kept:
        section.account, section.card_last4 = _account_name(rows, section)
    return kept or [_Section()]


def _drop_misplaced_balances(section: _Section, order: DateOrder, reference) -> None:
    """A balance line dated after the section's rows is not its opening balance, and one dated
    before them is not its closing one ("Balance on 31 May" printed above the table)."""
    dates = [d for t in section.txns if (d := _row_date(t.date_row or t.row, order, reference))]
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


def _undated_txn(previous: _Txn, row: Row, columns) -> _Txn | None:
    """A row below a transaction with an amount in a value column and words of its own, but
    no date: a candidate transaction of the same day."""
    if row.dates or row.page != previous.row.page or _heading_roles(row):
        return None
    txn = _txn(row, columns)
    if not txn.columns or sum(ch.isalpha() for ch in txn.description) < 2:
        return None
    txn.date_row = previous.date_row or previous.row
    return txn


def _table_span(rows: list[Row], dated: set[int]) -> set[int]:
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


def _add_balance(sections: list[_Section], row: Row, columns, label: str) -> None:
    amount = row.amounts[-1]
    line = _BalanceLine(row, _column_of(amount, columns), amount, label)
    current = sections[-1]
    closing = current.closing if current.txns or current.opening else None
    opens_again = closing is not None and label != "new"
    if opens_again and closing.amount.amount.value != amount.amount.value:
        # A closing balance followed by another balance before any row: a new account.
        sections.append(_Section(balances=[(0, line)]))
        return
    if opens_again:
        return  # "carried forward" then "brought forward" with the same figure
    current.balances.append((len(current.txns), line))


def _txn(row: Row, columns: list[tuple[float, float]]) -> _Txn:
    placed: dict[int, PlacedAmount] = {}
    description_limit = columns[0][0] - COLUMN_PAD
    fx = None
    for amount in row.amounts:
        column = _column_of(amount, columns)
        if column is None or amount.x1 < description_limit:
            fx = amount
            continue
        placed.setdefault(column, amount)
    txn = _Txn(row, placed, _description(row, columns))
    if fx is not None:
        currency = _fx_currency(row, fx)
        if currency:
            txn.fx, txn.fx_currency = fx, currency
    return txn


def _take_fx_memo(txn: _Txn, row: Row) -> None:
    """An FX memo under a row ("USD 14.00 @ 0.7300"): the row's original amount, not a row."""
    if txn.fx is not None:
        return
    for amount in row.amounts:
        currency = _fx_currency(row, amount)
        if currency:
            txn.fx, txn.fx_currency = amount, currency
            return


def _fx_currency(row: Row, amount: PlacedAmount) -> str:
    cell = row.cells[amount.cell].text
    after = FX_CODE.search(cell[amount.amount.end : amount.amount.end + 5])
    before = FX_CODE.search(cell[max(0, amount.amount.start - 5) : amount.amount.end])
    match = after or before
    return match.group(1) if match else ""


def _is_short_label(text: str) -> bool:
    return len(text.split()) <= 8


def _is_subtotal(text: str) -> bool:
    words = plain(text).split()
    return bool(words) and bool(SUBTOTAL_LINE.match(" ".join(words[:2])))


def _continues(txn: _Txn, row: Row, columns, date_x: float | None) -> bool:
    previous = txn.extra_rows[-1] if txn.extra_rows else txn.row
    if row.page != previous.page or (row.dates and _leading_date(row)):
        return False
    if any(_column_of(a, columns) is not None for a in row.amounts if a.x1 >= columns[0][0]):
        return False
    if row.top - previous.bottom > CONTINUATION_GAP * previous.height:
        return False
    if date_x is not None and row.x0 <= date_x + DATE_COLUMN_PAD / 2:
        return False
    text = row.text
    return not (_is_subtotal(text) or _is_balance_text(text) or _heading_roles(row))


def _account_name(rows: list[Row], section: _Section) -> tuple[str, str]:
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


# --- headings -------------------------------------------------------------------------------


def _heading_roles(row: Row) -> list[tuple[str, float, float]]:
    """(role, x0, x1) of each column heading of a table header row; [] for other rows."""
    if row.amounts or len(row.text) > 200:
        return []
    spans: list[tuple[str, float, float]] = []
    for cell in row.cells:
        position = 0
        words = cell.text.split(" ")
        for index, word in enumerate(words):
            start, position = position, position + len(word) + 1
            end = start + len(word)
            pair = plain(" ".join(words[index : index + 2]))
            role = _role_of(plain(word)) or (_role_of(pair) if index + 1 < len(words) else None)
            follows_value = spans and spans[-1][0] in ("debit", "credit", "balance")
            if role == "amount" and follows_value and spans[-1][2] >= cell.x_at(start) - HEADER_PAD:
                role = None  # "Withdrawal Amt.", "Deposit Amount": one heading
            if role and spans and spans[-1][0] == role and role not in VALUE_ROLES:
                spans[-1] = (role, spans[-1][1], cell.x_at(end))
            elif role:
                spans.append((role, cell.x_at(start), cell.x_at(end)))
            elif spans and spans[-1][2] >= cell.x_at(start) - HEADER_PAD:
                spans[-1] = (spans[-1][0], spans[-1][1], max(spans[-1][2], cell.x_at(end)))
    roles = {role for role, _, _ in spans}
    if len(roles) < 2 or not roles & set(VALUE_ROLES):
        return []
    return spans


def _role_of(word: str) -> str | None:
    if not word or any(ch.isdigit() for ch in word):
        return None
    for role, pattern in COLUMN_ROLES.items():
        match = pattern.fullmatch(word) or (pattern.match(word) and len(word) > 12)
        if match:
            return role
    return None


def _heads_a_table(rows: list[Row], index: int, dated: set[int]) -> bool:
    """A header row heads transaction rows: the next rows with amounts on its page, balance
    lines aside, are dated rows (a summary table's header heads a summary)."""
    for row in rows[index + 1 : index + 1 + HEADER_REACH]:
        if row.page != rows[index].page:
            return False
        if id(row) in dated:
            return True
        if row.amounts and not _is_balance_text(row.text):
            return False
    return False


def _headings(
    rows: list[Row], columns: list[tuple[float, float]], dated: set[int]
) -> dict[int, str]:
    """The heading over each value column, by horizontal overlap, from the table headers."""
    votes: dict[int, dict[str, int]] = {}
    for index, row in enumerate(rows):
        roles = _heading_roles(row)
        if not roles or not _heads_a_table(rows, index, dated):
            continue
        for role, x0, x1 in roles:
            if role not in VALUE_ROLES:
                continue
            best, best_overlap = None, 0.0
            for index, (c0, c1) in enumerate(columns):
                overlap = min(x1, c1) - max(x0, c0) + HEADER_PAD
                if overlap > best_overlap:
                    best, best_overlap = index, overlap
            if best is not None:
                votes.setdefault(best, {}).setdefault(role, 0)
                votes[best][role] += 1
    return {column: max(roles, key=roles.get) for column, roles in votes.items()}


# --- the arbiter ----------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class _Score:
    ties: bool  # the balances reconcile (or the running balance holds) in every section
    points: float


def _candidate_roles(count: int, headings: dict[int, str]) -> list[tuple[str, ...]]:
    """Every coherent assignment of roles to the value columns; a column whose role fits
    no coherent reading is left out ("skip") only when nothing else is coherent."""
    options: list[list[str]] = []
    for index in range(count):
        heading = headings.get(index)
        if heading:
            options.append([heading])
        elif count == 1:
            options.append(["amount"])  # one column: the sign says the direction
        elif index == count - 1:
            options.append(["balance", "credit", "debit", "amount"])
        else:
            options.append(["debit", "credit", "amount"])
    readings = [tuple(roles) for roles in product(*options) if _coherent(roles)]
    if readings:
        return readings
    loose = [[*choices, "skip"] if len(choices) > 1 else choices for choices in options]
    return [tuple(roles) for roles in product(*loose) if _coherent(roles)]


def _coherent(roles: tuple[str, ...]) -> bool:
    counts = {role: roles.count(role) for role in set(roles) if role != "skip"}
    if any(n > 1 for n in counts.values()):
        return False
    if "amount" in counts and ("debit" in counts or "credit" in counts):
        return False
    return bool({"amount", "debit", "credit"} & counts.keys())


def _best_reading(
    sections, columns, headings, summary, kind_prior, kinds=("card", "current")
) -> tuple[_Reading, _Score]:
    best: tuple[_Score, _Reading] | None = None
    undated = [False, True] if any(t.date_row for s in sections for t in s.txns) else [False]
    for roles, kind, with_undated in product(
        _candidate_roles(len(columns), headings), kinds, undated
    ):
        reading = _Reading(roles, kind, with_undated)
        score = _score(reading, sections, headings, summary, kind_prior, len(sections))
        if best is None or score > best[0]:
            best = (score, reading)
    if best is None:  # no heading combination is coherent: read every column as an amount
        fallback = _Reading(("amount",), kind_prior or "card")
        return fallback, _Score(False, 0.0)
    return best[1], best[0]


def _score(reading: _Reading, sections, headings, summary, kind_prior, total: int) -> _Score:
    ties = True
    points = 0.0
    openings = []
    for section in sections:
        rows = _directions(section, reading)
        previous, new = _balances(section, reading, summary, total)
        openings.append(previous)
        if not rows:
            # An account with no rows this period ties when its balance did not move.
            ties = ties and previous is not None and previous == new
            continue
        running = _running_balance_fit(section, reading, rows)
        if previous is not None and new is not None:
            if _expected(previous, rows, reading.kind) == new:
                points += 4
            else:
                ties = False
        elif running is not None and running == 1.0:
            points += 3
        else:
            ties = False
        if running is not None:
            points += 2 * running
    points += sum(0.5 for index, role in enumerate(reading.roles) if headings.get(index) == role)
    points += 0.3 if reading.kind == kind_prior else 0.0
    points += _word_agreement(sections, reading)
    # Symmetric readings tie alike (a card in a "debit" column, an account in credit): most
    # statements open with money held or owed, not the reverse.
    points += sum(0.2 for p in openings if p is not None and p >= 0)
    if "balance" in reading.roles and not _balance_column_plausible(sections, reading):
        points -= 2
    return _Score(ties and bool(sections), points)


def _word_agreement(sections: list[_Section], reading: _Reading) -> float:
    """Descriptions as evidence, between readings that tie alike: how many rows whose words say
    money in (a refund, a salary, a card payment received) or out (a purchase, a fee) get that
    direction under this reading. Worth less than any balance that ties."""
    agree = 0
    for section in sections:
        for txn, _amount, direction in _directions(section, reading):
            words = plain(txn.description)
            says_credit = bool(CREDIT_WORDS.search(words))
            if reading.kind == "card" and CARD_PAYMENT_WORDS.search(words):
                says_credit = True
            says_debit = bool(DEBIT_WORDS.search(words))
            if says_credit != says_debit:
                agree += 1 if (direction == "credit") == says_credit else -1
    return max(-1.0, min(1.0, agree * 0.1))


def _directions(section: _Section, reading: _Reading) -> list[tuple[_Txn, Decimal, str]]:
    """(row, amount, "debit" | "credit") under this reading."""
    out = []
    markers = {
        column: {placed.amount.marker for t in section.txns if (placed := t.columns.get(column))}
        for column in range(len(reading.roles))
    }
    for txn in _included(section, reading):
        for column, placed in sorted(txn.columns.items()):
            if column >= len(reading.roles):
                continue
            role = reading.roles[column]
            amount = placed.amount
            if role == "debit":
                out.append((txn, amount.value, "credit" if amount.marked_credit else "debit"))
            elif role == "credit":
                out.append((txn, amount.value, "debit" if amount.marked_debit else "credit"))
            elif role == "amount":
                direction = _signed_direction(amount, reading.kind, markers[column])
                out.append((txn, amount.value, direction))
    return out


def _signed_direction(amount, kind: AccountKind, column_markers: set[str]) -> str:
    """One signed amount column. A column that marks credits (CR) leaves debits unmarked, and
    one that marks debits (DR) leaves credits unmarked, on cards and accounts alike; with
    signs only, a card prints payments as - or (..), an account prints money out so."""
    if amount.marked_credit:
        return "credit"
    if amount.marked_debit:
        return "debit"
    if amount.sign > 0 and "CR" in column_markers:
        return "debit"
    if amount.sign > 0 and "DR" in column_markers:
        return "credit"
    if kind == "card":
        return "credit" if amount.sign < 0 else "debit"
    return "debit" if amount.sign < 0 else "credit"


def _expected(previous: Decimal, rows, kind: AccountKind) -> Decimal:
    debits = sum((amount for _, amount, d in rows if d == "debit"), ZERO)
    credits = sum((amount for _, amount, d in rows if d == "credit"), ZERO)
    if kind == "current":
        return previous - debits + credits
    return previous + debits - credits


def _effect(amount: Decimal, direction: str, kind: AccountKind) -> Decimal:
    raises = "credit" if kind == "current" else "debit"
    return amount if direction == raises else -amount


def _balance_value(line_or_amount, kind: AccountKind, reading: _Reading | None = None) -> Decimal:
    """A printed balance in the account's convention (see base.py)."""
    if isinstance(line_or_amount, _BalanceLine):
        placed, text = line_or_amount.amount, plain(line_or_amount.row.text)
        column = line_or_amount.column
    else:
        placed, text, column = line_or_amount, "", None
    amount = placed.amount
    value = amount.value
    role = (
        reading.roles[column]
        if reading and column is not None and column < len(reading.roles)
        else ""
    )
    if kind == "card":
        negative = amount.marked_credit or amount.sign < 0 or role == "credit"
        return -value if negative else value
    negative = (
        amount.marked_debit
        or amount.sign < 0
        or role == "debit"
        or bool(BALANCE_OVERDRAWN.search(text) and not BALANCE_IN_CREDIT.search(text))
    )
    return -value if negative else value


def _balances(section: _Section, reading: _Reading, summary, total: int):
    opening, closing = section.opening, section.closing
    previous = _balance_value(opening, reading.kind, reading) if opening else None
    new = _balance_value(closing, reading.kind, reading) if closing else None
    if total == 1:
        if previous is None and summary.previous is not None:
            previous = _balance_value(summary.previous, reading.kind)
        if new is None and summary.new is not None:
            new = _balance_value(summary.new, reading.kind)
    if new is None and previous is not None:
        expected = _expected(previous, _directions(section, reading), reading.kind)
        closing = [
            value
            for count, placed in section.subtotals
            if count == len(section.txns)
            and (value := _balance_value(placed, reading.kind)) == expected
        ]
        new = closing[0] if closing else None
    return previous, new


def _running_values(section: _Section, reading: _Reading) -> list[Decimal | None]:
    if "balance" not in reading.roles:
        return []
    column = reading.roles.index("balance")
    values = []
    for txn in _included(section, reading):
        placed = txn.columns.get(column)
        values.append(_balance_value(placed, reading.kind) if placed else None)
    return values


def _running_balance_fit(section: _Section, reading: _Reading, rows) -> float | None:
    """The share of consecutive rows whose running balance moves by the row's amount
    (either reading order: oldest first or newest first); None without a balance column."""
    values = _running_values(section, reading)
    if not values:
        return None
    effects: dict[int, Decimal] = {}
    for txn, amount, direction in rows:
        key = id(txn)
        effects[key] = effects.get(key, ZERO) + _effect(amount, direction, reading.kind)
    steps = [effects.get(id(txn), ZERO) for txn in _included(section, reading)]
    pairs = [
        (i - 1, i)
        for i in range(1, len(values))
        if values[i] is not None and values[i - 1] is not None
    ]
    if not pairs:
        return None
    forward = sum(values[b] - values[a] == steps[b] for a, b in pairs)
    backward = sum(values[a] - values[b] == steps[a] for a, b in pairs)
    return max(forward, backward) / len(pairs)


def _balance_column_plausible(sections, reading: _Reading) -> bool:
    """A balance column has a figure on most rows."""
    column = reading.roles.index("balance")
    txns = [t for s in sections for t in _included(s, reading)]
    filled = sum(1 for t in txns if column in t.columns)
    return bool(txns) and filled >= 0.6 * len(txns)


def _describe(reading: _Reading) -> str:
    kind = "a card statement" if reading.kind == "card" else "a current account"
    return f"columns {', '.join(reading.roles)} as {kind}"


# --- bills ----------------------------------------------------------------------------------


def _bill(section: _Section, reading: _Reading, summary, order, reference, total) -> ParsedBill:
    bill = summary.bill(reading.kind) if total == 1 else ParsedBill(account_kind=reading.kind)
    if total > 1:
        bill.due_date = summary.due_date
    bill.account = section.account
    if reading.kind == "card":
        bill.card_last4 = section.card_last4 or bill.card_last4
    else:
        # A bank account is filed under the last digits of its number, as exports are.
        bill.card_last4 = account_last4(section.account or summary.iban)
    rows = _directions(section, reading)
    previous, new = _balances(section, reading, summary, total)
    running = _running_values(section, reading)
    if (
        (previous is None or new is None)
        and running
        and _running_balance_fit(section, reading, rows) == 1.0
    ):
        previous, new = _from_running_balance(section, reading, rows, running, previous, new)
    bill.previous_balance, bill.new_balance = previous, new
    closing = section.closing
    closing_date = _row_date(closing.row, order, reference) if closing else None
    bill.statement_date = (
        (summary.statement_date if total == 1 else None) or closing_date or summary.statement_date
    )
    if bill.statement_date is None:
        dated = [_row_date(t.row, order, reference) for t in section.txns]
        dated = [d for d in dated if d]
        bill.statement_date = max(dated) if dated else None
    reference = bill.statement_date or reference
    for txn, amount, direction in rows:
        when = _row_date(txn.date_row or txn.row, order, reference)
        bill.transactions.append(
            ParsedTransaction(
                posting_date=when,
                transaction_date=when,
                description=txn.description[:500],
                amount=amount,
                direction=direction,
                fx_amount=txn.fx.amount.value if txn.fx else None,
                fx_currency=txn.fx_currency,
                page=txn.row.page,
                line=txn.row.number,
                raw_text=" / ".join(r.text for r in [txn.row, *txn.extra_rows])[:1000],
            )
        )
    return bill


def _from_running_balance(section, reading, rows, running, previous, new):
    """Opening and closing balances from a consistent running balance column, in the order
    the rows are printed (oldest or newest first)."""
    steps = {}
    for txn, amount, direction in rows:
        steps[id(txn)] = steps.get(id(txn), ZERO) + _effect(amount, direction, reading.kind)
    included = _included(section, reading)
    first, last = included[0], included[-1]
    newest_first = (
        len(running) > 1
        and running[0] is not None
        and running[1] is not None
        and (running[0] - running[1] == steps.get(id(first), ZERO))
    )
    if newest_first:
        oldest, oldest_balance, newest_balance = last, running[-1], running[0]
    else:
        oldest, oldest_balance, newest_balance = first, running[0], running[-1]
    if previous is None and oldest_balance is not None:
        previous = oldest_balance - steps.get(id(oldest), ZERO)
    if new is None and newest_balance is not None:
        new = newest_balance
    return previous, new


def _row_date(row: Row, order: DateOrder, reference: date | None) -> date | None:
    for placed in _leading_dates(row) or row.dates:
        resolved = placed.token.resolve(order, reference)
        if resolved:
            return resolved
    return None


def _latest_date(rows: list[Row], order: DateOrder) -> date | None:
    dates = [
        resolved
        for row in rows
        for d in row.dates
        if d.token.year and (resolved := d.token.resolve(order, None))
    ]
    return max(dates) if dates else None


def _kind_prior(rows: list[Row]) -> AccountKind | None:
    text = plain(" ".join(row.text for row in rows[:400]))
    card = len(CARD_CUES.findall(text)) + len(CARD_WORDS.findall(text))
    account = len(ACCOUNT_CUES.findall(text)) + len(CURRENT_WORDS.findall(text))
    numbers = IBAN.sub(" ", " ".join(row.text for row in rows[:400]))
    card += 2 * len(CARD.findall(numbers))  # a (masked) card number
    if card == account:
        return None  # the page does not say; the readings' other evidence decides
    return "card" if card > account else "current"


def _month_first_hint(rows: list[Row]) -> bool:
    """US statements print month first; nothing else on the page may say otherwise."""
    text = " ".join(row.text for row in rows[:200])
    return "$" in text and "€" not in text and "£" not in text and " RM" not in text


def _currency(rows: list[Row]) -> str:
    counts: dict[str, int] = {}
    for row in rows[:400]:
        for word in re.findall(r"[€£$¥₹]|[A-Za-z$]{2,5}|人民币", row.text):
            code = CURRENCY_WORDS.get(word.lower()) or CURRENCY_WORDS.get(word)
            if code:
                counts[code] = counts.get(code, 0) + 1
    return max(counts, key=counts.get) if counts else ""


# --- summary fields -------------------------------------------------------------------------


@dataclass
class _Summary:
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
    def read(cls, rows: list[Row], order: DateOrder, marked: dict[str, str]) -> _Summary:
        """The summary fields; a label `marked` for a field (a layout template's) is looked
        for first, the languages' labels after it."""
        summary = cls()

        def label(name: str, default: re.Pattern[str]) -> re.Pattern[str]:
            if not marked.get(name):
                return default
            return re.compile(f"{re.escape(plain(marked[name]))}|{default.pattern}")

        found = summary.labels
        summary.statement_date = _labelled_date(
            rows, label("statement_date", STATEMENT_DATE), order, found, "statement_date"
        )
        summary.due_date = _labelled_date(
            rows, label("due_date", DUE_DATE), order, found, "due_date"
        )
        summary.previous = _labelled_amount(
            rows, label("previous_balance", PREVIOUS_BALANCE), True, None, found, "previous_balance"
        )
        summary.new = _labelled_amount(
            rows, label("new_balance", NEW_BALANCE), False, PREVIOUS_BALANCE, found, "new_balance"
        )
        summary.minimum = _labelled_amount(
            rows, label("minimum_payment", MINIMUM_PAYMENT), True, None, found, "minimum_payment"
        )
        summary.credit_limit = _labelled_amount(rows, CREDIT_LIMIT, first=True)
        period = _period(rows, order)
        if period is not None:
            summary.period_start = period[0]
            if summary.statement_date in (None, period[0]):
                # "Opening/Closing Date 12/06/23 - 01/05/24": the statement closes the period.
                summary.statement_date = period[1]
        if summary.statement_date is None:
            summary.statement_date = _standalone_date(rows, order)
        if summary.previous is None or summary.new is None:
            dated = _dated_balances(rows, order)
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
            previous_balance=_balance_value(self.previous, kind) if self.previous else None,
            new_balance=_balance_value(self.new, kind) if self.new else None,
            minimum_payment=self.minimum.amount.value if self.minimum else None,
            credit_limit=self.credit_limit.amount.value if self.credit_limit else None,
        )


def _label_cells(rows: list[Row], label: re.Pattern[str], unless: re.Pattern[str] | None = None):
    """(row index, cell index, end of label) for every cell holding the label (and not the
    `unless` one: "previous statement balance" holds "statement balance" too)."""
    for index, row in enumerate(rows):
        for cell_index, cell in enumerate(row.cells):
            text = plain(cell.text)
            match = label.search(text)
            if match and not (unless is not None and unless.search(text)):
                yield index, cell_index, match.end()


def _labelled_date(
    rows: list[Row],
    label: re.Pattern[str],
    order: DateOrder,
    found: dict[str, str] | None = None,
    name: str = "",
) -> date | None:
    for index, cell_index, end in _label_cells(rows, label):
        row = rows[index]
        cell = row.cells[cell_index]
        after = [
            d
            for d in row.dates
            if (d.cell == cell_index and d.token.start >= end) or d.cell > cell_index
        ]
        below = _below(rows, index, cell.x0, cell.x1, lambda r: r.dates)
        for placed in after[:1] or below[:1]:
            resolved = placed.token.resolve(order, _latest_date(rows, order))
            if resolved:
                if found is not None:
                    found[name] = _label_text(cell.text, end)
                return resolved
    return None


def _label_text(text: str, end: int) -> str:
    """The label as printed: the cell's text up to where the label match ended."""
    return " ".join(text[: min(end, len(text))].split())


def _labelled_amount(
    rows: list[Row],
    label: re.Pattern[str],
    first: bool,
    unless: re.Pattern[str] | None = None,
    labels: dict[str, str] | None = None,
    name: str = "",
) -> PlacedAmount | None:
    found = []
    texts = []
    for index, cell_index, end in _label_cells(rows, label, unless):
        row = rows[index]
        cell = row.cells[cell_index]
        after = [
            a
            for a in row.amounts
            if (a.cell == cell_index and a.amount.start >= end) or a.cell > cell_index
        ]
        below = _below(rows, index, cell.x0, cell.x1, lambda r: r.amounts)
        value = (after[:1] or below[:1] or [None])[0]
        if value is not None:
            found.append(value)
            texts.append(_label_text(cell.text, end))
    if not found:
        return None
    if labels is not None:
        labels[name] = texts[0] if first else texts[-1]
    return found[0] if first else found[-1]


def _below(rows: list[Row], index: int, x0: float, x1: float, items) -> list:
    """Items (amounts or dates) printed under a label: the next two rows, overlapping it."""
    out = []
    for row in rows[index + 1 : index + 3]:
        if row.page != rows[index].page:
            break
        for item in items(row):
            item_x1 = getattr(item, "x1", None)
            item_x0 = item.x0
            end = item_x1 if item_x1 is not None else item_x0 + 0.05
            if min(end, x1 + HEADER_PAD) - max(item_x0, x0 - HEADER_PAD) > 0:
                out.append(item)
        if out:
            break
    return out


def _dated_balances(rows: list[Row], order: DateOrder) -> list[tuple[date, PlacedAmount]]:
    """(date, amount) of lines that say a balance on a date and print it after the date,
    oldest first."""
    found = []
    for row in rows:
        if not row.dates or not row.amounts or _leading_date(row):
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


def _period(rows: list[Row], order: DateOrder) -> tuple[date, date] | None:
    """(start, end) of a "period 01/05/2014 - 31/05/2014" line ("du ... au", "vom ... bis")."""
    for row in rows[:PERIOD_SEARCH_ROWS]:
        if len(row.dates) < 2 or not PERIOD.search(plain(row.text)):
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


def _standalone_date(rows: list[Row], order: DateOrder) -> date | None:
    """A row that is only a full date, near the top of the first page (a letter's date)."""
    for row in rows:
        if row.page != 1 or row.top > 0.45:
            continue
        if len(row.dates) == 1 and row.dates[0].token.year and not row.amounts:
            token = row.dates[0].token
            if len(row.cells) == 1 and token.end - token.start >= 0.8 * len(row.cells[0].text):
                return token.resolve(order, None)
    return None
