"""Rows of the page as the generic reader sees them: the dates a row starts with, the amount
columns, a row's description, balance and sub-total lines, the table's headings, and the
document-wide cues (date order, currency, card or current account)."""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise

from ..base import AccountKind
from ..layout_tokens import DateOrder
from ..pdf_layout import PlacedAmount, PlacedDate, Row, joined
from ..statement_labels import (
    ACCOUNT_CUES,
    BALANCE_LINE,
    CARD_CUES,
    COLUMN_ROLES,
    NEW_BALANCE,
    PERIOD_SEPARATOR,
    PREVIOUS_BALANCE,
    SUBTOTAL_LINE,
    plain,
)
from ..table_vocabulary import (
    CARD_WORDS,
    CURRENT_WORDS,
)

COLUMN_PAD = 0.006  # of the page width: amounts of one column overlap within this
HEADER_PAD = 0.02
DATE_COLUMN_PAD = 0.03
LEADING_DATE_MAX_X = 0.4  # a row's own date sits in the left part of the page
HEADER_REACH = 8  # rows between a table's header and its first transaction
# Amount columns read as values, the rightmost ones (debit, credit, balance and one more):
# the readings tried grow as 3^columns, and statements print their money on the right.
MAX_VALUE_COLUMNS = 4
VALUE_ROLES = ("debit", "credit", "amount", "balance")
CARD = re.compile(
    r"(?<![\d-])(?:\d{4}|[X*•]{4})(?:[- ]?(?:\d{2,4}|[X*•]{2,6})){1,3}[- ]?(\d{4})(?![- ]?\d)"
)
CURRENCY_WORDS = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "£": "GBP", "gbp": "GBP",
    "usd": "USD", "us$": "USD", "cad": "CAD", "aud": "AUD", "rm": "MYR", "myr": "MYR",
    "sgd": "SGD", "s$": "SGD", "chf": "CHF", "¥": "CNY", "cny": "CNY", "rmb": "CNY",
    "人民币": "CNY", "inr": "INR", "₹": "INR", "hkd": "HKD", "jpy": "JPY", "$": "USD",
}  # fmt: skip
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")


def join_date_rows(rows: list[Row]) -> list[Row]:
    """A row of nothing but dates, right above an undated row with an amount, is that row's
    date line: some layouts print a transaction on two lines."""
    out: list[Row] = []
    index = 0
    while index < len(rows):
        row = rows[index]
        following = rows[index + 1] if index + 1 < len(rows) else None
        date_line = only_dates(row) and not date_range(row)
        if following is not None and date_line and date_line_of(row, following):
            out.append(joined(row, following))
            index += 2
            continue
        out.append(row)
        index += 1
    return out


def only_dates(row: Row, *, leading: bool = True) -> bool:
    """A row of nothing but dates (`leading`: starting where a row's own date does)."""
    if not row.dates or row.amounts or len(row.dates) > 3:
        return False
    covered = sum(d.token.end - d.token.start for d in row.dates)
    return covered >= 0.8 * len(row.text.replace(" ", "")) and (
        not leading or has_leading_date(row)
    )


def date_range(row: Row) -> bool:
    """Two dates of one cell with a range between them ("01/03/2024 - 31/03/2024", "du ...
    au ..."): a period, not a transaction's date line."""
    for first, second in pairwise(row.dates):
        if first.cell == second.cell:
            between = row.cells[first.cell].text[first.token.end : second.token.start]
            if PERIOD_SEPARATOR.match(plain(between)):
                return True
    return False


def date_line_of(row: Row, following: Row) -> bool:
    return (
        following.page == row.page
        and bool(following.amounts)
        and not has_leading_date(following)
        and following.top - row.bottom <= 1.5 * row.height
    )


def date_column(rows: list[Row]) -> float | None:
    """The x where the rows' leading dates line up (the most common start of a dated row)."""
    starts = [
        round(dates[0].x0, 2) for row in rows if (dates := leading_dates(row)) and row.amounts
    ]
    if not starts:
        return None
    return max(set(starts), key=starts.count)


def leading_dates(row: Row) -> list[PlacedDate]:
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


def has_leading_date(row: Row) -> bool:
    return bool(leading_dates(row))


CHECK_NUMBER = re.compile(r"\s*#?\d{3,6}\*?\s*")


def starts_with_date(row: Row, date_x: float | None) -> bool:
    leading = leading_dates(row)
    if not leading or not row.amounts or date_x is None:
        return False
    if abs(leading[0].x0 - date_x) > DATE_COLUMN_PAD:
        return False
    if not any(a.x0 > leading[-1].x0 for a in row.amounts):
        return False
    # A transaction says what it was: dates and figures alone are a summary line's values,
    # but a check's number is what a check row says ("01/12/24  1023  -250.00").
    after_dates = row.text_between(leading[-1].x0 + 1e-6, 1.0)
    return sum(ch.isalpha() for ch in after_dates) >= 2 or bool(CHECK_NUMBER.fullmatch(after_dates))


def value_columns(rows: list[Row]) -> list[tuple[float, float]]:
    """The x-ranges of the amount columns, left to right. Amounts that end their cell are
    column candidates ("14,00 USD" inside a description is not); candidates that overlap
    horizontally are one column. A column left of the first well-filled one is kept only
    when its amounts stand in cells of their own: otherwise it is description text."""
    placed = [(a, row) for row in rows for a in row.amounts if ends_cell(a, row)]
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
            if len(cluster) >= filled or all(own_cell(a, row) for a, row in cluster)
        ),
        None,
    )
    if first is None:
        first = max(range(len(clusters)), key=lambda i: len(clusters[i]))
    return [
        (min(a.x0 for a, _ in cluster), max(a.x1 for a, _ in cluster))
        for cluster in clusters[first:]
    ]


def ends_cell(amount: PlacedAmount, row: Row) -> bool:
    text = row.cells[amount.cell].text
    return not text[amount.amount.end :].strip()


def own_cell(amount: PlacedAmount, row: Row) -> bool:
    text = row.cells[amount.cell].text
    return not text[: amount.amount.start].strip() and ends_cell(amount, row)


def column_of(amount: PlacedAmount, columns: list[tuple[float, float]]) -> int | None:
    best, best_overlap = None, 0.0
    for index, (x0, x1) in enumerate(columns):
        overlap = min(amount.x1, x1 + COLUMN_PAD) - max(amount.x0, x0 - COLUMN_PAD)
        if overlap > best_overlap:
            best, best_overlap = index, overlap
    return best


def description_of(row: Row, columns: list[tuple[float, float]]) -> str:
    leading = leading_dates(row)
    start = leading[-1].x0 + 1e-6 if leading else 0.0
    limit = columns[0][0] - COLUMN_PAD if columns else 1.0
    text = row.text_between(start, limit)
    return " ".join(text.split())


def balance_label(text: str) -> str | None:
    """ "previous", "new" or "either" when the text is a balance line's label."""
    low = plain(text)
    if PREVIOUS_BALANCE.search(low):
        return "previous"
    if NEW_BALANCE.search(low):
        return "new"
    if BALANCE_LINE.search(low):
        return "either"
    return None


def is_short_label(text: str) -> bool:
    return len(text.split()) <= 8


def is_subtotal(text: str) -> bool:
    words = plain(text).split()
    return bool(words) and bool(SUBTOTAL_LINE.match(" ".join(words[:2])))


def row_date(row: Row, order: DateOrder, reference: date | None) -> date | None:
    for placed in leading_dates(row) or row.dates:
        resolved = placed.token.resolve(order, reference)
        if resolved:
            return resolved
    return None


def latest_date(rows: list[Row], order: DateOrder) -> date | None:
    dates = [
        resolved
        for row in rows
        for d in row.dates
        if d.token.year and (resolved := d.token.resolve(order, None))
    ]
    return max(dates) if dates else None


def month_first_hint(rows: list[Row]) -> bool:
    """US statements print month first; nothing else on the page may say otherwise."""
    text = " ".join(row.text for row in rows[:200])
    return "$" in text and "€" not in text and "£" not in text and " RM" not in text


def document_currency(rows: list[Row]) -> str:
    counts: dict[str, int] = {}
    for row in rows[:400]:
        for word in re.findall(r"[€£$¥₹]|[A-Za-z$]{2,5}|人民币", row.text):
            code = CURRENCY_WORDS.get(word.lower()) or CURRENCY_WORDS.get(word)
            if code:
                counts[code] = counts.get(code, 0) + 1
    return max(counts, key=counts.get) if counts else ""


# A card number as statements print the card's own: masked ("4532 **** **** 1234") or in
# groups of four (Amex 4-6-5). A bare run of digits is a reference, not a card.
CARD_NUMBER = re.compile(
    r"(?<![\d-])(?:\d{4}([- ])\d{4}\1\d{4}\1\d{4}|\d{4}([- ])\d{6}\2\d{5}|"
    r"(?:\d{4}|[X*•]{4})[- ]?(?:[X*•]{2,6}[- ]?){1,3}\d{4})(?![- ]?\d)"
)


def kind_cue(rows: list[Row]) -> AccountKind | None:
    """What the statement says it is, from the rows that are not transactions: a row's
    description ("Transfer to credit card", a debit card's number) speaks of another account."""
    heading = " ".join(row.text for row in rows[:400] if not has_leading_date(row))
    text = plain(heading)
    card = len(CARD_CUES.findall(text)) + len(CARD_WORDS.findall(text))
    account = len(ACCOUNT_CUES.findall(text)) + len(CURRENT_WORDS.findall(text))
    if CARD_NUMBER.search(IBAN.sub(" ", heading)):
        card += 2
    if card == account:
        return None  # the page does not say; the readings' other evidence decides
    return "card" if card > account else "current"


def heading_roles(row: Row) -> list[tuple[str, float, float]]:
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
            role = role_of(plain(word)) or (role_of(pair) if index + 1 < len(words) else None)
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


def role_of(word: str) -> str | None:
    if not word or any(ch.isdigit() for ch in word):
        return None
    for role, pattern in COLUMN_ROLES.items():
        match = pattern.fullmatch(word) or (pattern.match(word) and len(word) > 12)
        if match:
            return role
    return None


def heads_a_table(rows: list[Row], index: int, dated: set[int]) -> bool:
    """A header row heads transaction rows: the next rows with amounts on its page, balance
    lines aside, are dated rows (a summary table's header heads a summary)."""
    for row in rows[index + 1 : index + 1 + HEADER_REACH]:
        if row.page != rows[index].page:
            return False
        if id(row) in dated:
            return True
        if row.amounts and not balance_label(row.text):
            return False
    return False


def column_headings(
    rows: list[Row], columns: list[tuple[float, float]], dated: set[int]
) -> dict[int, str]:
    """The heading over each value column, by horizontal overlap, from the table headers."""
    votes: dict[int, dict[str, int]] = {}
    for index, row in enumerate(rows):
        roles = heading_roles(row)
        if not roles or not heads_a_table(rows, index, dated):
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
