"""The columns of an export of an unknown bank: which row is the header, which column holds
which role (proposed by the header's words, confirmed by what the cells hold), and, without a
header, the roles read from the cells alone. Used by `table_generic`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .amounts import AmountSyntax, parse_amount
from .dates import date_readings
from .table_template import (
    TableLayout,
    _get,
    _parse_cell_amount,
)
from .table_vocabulary import (
    DATE_ROLES,
    FIELD_LABELS,
    FLAG_DIRECTIONS,
    HEADER_ROLES,
    MONEY_ROLES,
    TOTAL_ROW,
    as_currency,
    plain,
)
from .xlsx_reader import excel_serial_to_date

HEADER_SCAN_ROWS = 60
SAMPLE_ROWS = 400
NUMBER = re.compile(
    r"^[-+(\u2212]?\s?(?:[A-Z]{1,3}\$|[$€£¥]|RM|[A-Z]{3}\s)?\s?[-+]?\d[\d.,' \u00a0\u202f]*\)?\s?-?"
    r"\s?(?:CR|DR|[A-Z]{3}|€|£)?$",
    re.IGNORECASE,
)


@dataclass
class GenericLayout:
    table: TableLayout
    roles: dict[str, int]
    descriptions: list[int] = field(default_factory=list)  # joined, in order, as the description
    evidence: list[int] = field(default_factory=list)  # text columns whose words tell direction
    fields: dict[str, object] = field(default_factory=dict)  # read above the header
    currency: str = ""
    kind_hint: str = ""
    notes: list[str] = field(default_factory=list)


# --- header and column roles -------------------------------------------------------------------


def find_header(rows: list[list]) -> tuple[int, dict[str, list[int]], list[int]]:
    """(index of the header row, role -> candidate columns, text columns) or (-1, {}, []).

    The first row whose words name a date and an amount column that the rows below it hold
    ("Sortiert nach: Buchungstag" above the real header names a date and, in French, an
    outflow, but nothing below it is an amount in that column)."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cells = [plain(c) if isinstance(c, str) else "" for c in row]
        if sum(1 for c in cells if c) < 2 or any(_looks_like_data(c) for c in row):
            continue
        candidates = _candidates_of(cells)
        if not (set(DATE_ROLES) & candidates.keys() and set(MONEY_ROLES) & candidates.keys()):
            continue
        below = sample_rows(rows, index + 1)
        confirmed = confirmed_roles(dict(candidates), below)
        if set(DATE_ROLES) & confirmed.keys() and set(MONEY_ROLES) & confirmed.keys():
            texts = candidates.pop("description", []) + candidates.pop("payee", [])
            return index, candidates, texts
    return -1, {}, []


def sample_rows(rows: list[list], start: int) -> list[list]:
    """The rows from `start` that may hold transactions, to learn the columns from: blank rows
    and statement-field rows ("Solde en début de période;;;;01/03/2024;+0,00", "Total") left
    out, so their cells do not count against a column's role."""
    out = []
    for row in rows[start : start + SAMPLE_ROWS]:
        first = next((c for c in row if c not in (None, "")), None)
        if first is None:
            continue
        if isinstance(first, str) and _is_field_label(plain(first)):
            continue
        out.append(row)
    return out


def _is_field_label(text: str) -> bool:
    if TOTAL_ROW.match(text):
        return True
    return any(
        pattern.search(text)
        for name, pattern in FIELD_LABELS
        if name in ("previous_balance", "new_balance")
    )


def _looks_like_data(cell) -> bool:
    if isinstance(cell, (date, int, float)) and not isinstance(cell, bool):
        return True
    text = str(cell or "").strip()
    return bool(text) and (bool(date_readings(text)) or bool(re.fullmatch(r"[-+]?[\d.,]+", text)))


def _candidates_of(cells: list[str]) -> dict[str, list[int]]:
    """Role -> the header cells whose words name it, left to right; the cells confirm it."""
    candidates: dict[str, list[int]] = {}
    for role, pattern in HEADER_ROLES:
        hits = [i for i, cell in enumerate(cells) if cell and pattern.search(cell)]
        if hits:
            candidates[role] = hits
    return candidates


def confirmed_roles(candidates: dict[str, list[int]], body: list[list]) -> dict[str, int]:
    """Role -> column, in the roles' order, each the first candidate column not yet taken whose
    cells hold what the role needs: dates, amounts, currency codes. "Umsatztyp" names an amount
    but holds words, so "Betrag" after it is the amount; "Valuta" holding EUR is a currency."""
    confirmed: dict[str, int] = {}
    taken: set[int] = set()
    for role, _ in HEADER_ROLES:
        for index in candidates.get(role, []):
            if index in taken or not _holds(role, column_values(body, index)):
                continue
            taken.add(index)
            if role != "ignored":
                confirmed[role] = index
            break
    if "date" not in confirmed:
        for fallback in ("transaction_date", "value_date"):
            if fallback in confirmed:
                confirmed["date"] = confirmed.pop(fallback)
                break
    return confirmed


def _holds(role: str, values: list) -> bool:
    if role in DATE_ROLES:
        return mostly(values, _is_date_cell)
    if role in (*MONEY_ROLES, "balance", "fx_amount", "fee"):
        return mostly(values, _is_number)
    if role in ("currency", "fx_currency"):
        return mostly(values, as_currency)
    return True


def mostly(values: list, test) -> bool:
    return bool(values) and sum(1 for v in values if test(v)) >= 0.6 * len(values)


def layout_columns(roles: dict[str, int], descriptions: list[int]) -> dict[str, int]:
    # The running balance is the generic reader's to check (`apply_running_balance`), not
    # read_bill's to fill in from whatever fits best.
    columns = {r: roles[r] for r in ("date", *MONEY_ROLES, "flag", "state", "fee") if r in roles}
    if "transaction_date" in roles:
        columns["transaction_date"] = roles["transaction_date"]
    if descriptions:
        columns["description"] = descriptions[0]
    if {"debit", "credit"} & columns.keys():
        columns.pop("amount", None)  # printed as well as split: the split columns say more
        columns.pop("flag", None)
    return columns


def column_values(body: list[list], index: int) -> list:
    return [r[index] for r in body if index < len(r) and r[index] not in (None, "")]


def width(body: list[list]) -> int:
    return max((len(r) for r in body[:200]), default=0)


def _is_date_cell(value) -> bool:
    if isinstance(value, date):
        return True
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return excel_serial_to_date(float(value)) is not None
    text = str(value).strip()
    if re.fullmatch(r"\d{5}(?:\.0+)?", text):
        return excel_serial_to_date(float(text)) is not None
    return bool(date_readings(text))


def _is_number(value) -> bool:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return True
    text = str(value).strip()
    if not NUMBER.match(text):
        return False
    return any(parse_amount(text, s) is not None for s in (_POINT, _COMMA))


_POINT = AmountSyntax(thousands=",", decimal=".")
_COMMA = AmountSyntax(thousands=".", decimal=",")


def best_date_column(body: list[list], used: set[int]) -> int | None:
    best, best_hits = None, 0
    for index in range(width(body)):
        if index in used:
            continue
        values = column_values(body, index)[:100]
        hits = sum(1 for c in values if _is_date_cell(c) and not isinstance(c, (int, float)))
        if hits > best_hits and hits >= 0.5 * len(values):
            best, best_hits = index, hits
    return best


def first_dated_row(rows: list[list], date_col: int) -> int:
    for index, row in enumerate(rows):
        if date_col < len(row) and row[date_col] not in (None, "") and _is_date_cell(row[date_col]):
            return index
    return 0


def numeric_roles(body: list[list], roles: dict[str, int]) -> dict[str, int]:
    """Without a header: the amount column(s) and a running balance, by what they hold. Money
    has cents (a column of whole numbers is an account or reference number, unless no column
    has cents); three columns where before + amount = after on every row are a balance pair."""
    used = set(roles.values())
    numeric = []
    for index in range(width(body)):
        if index in used:
            continue
        cells = [r[index] if index < len(r) else None for r in body]
        filled = [c for c in cells if c not in (None, "")]
        if (
            filled
            and all(_is_number(c) for c in filled)
            and not all(_is_date_cell(c) for c in filled)
        ):
            numeric.append((index, cells))
    with_cents = [(i, cells) for i, cells in numeric if _has_cents(cells)]
    numeric = with_cents or numeric
    if chained := _balance_pair(numeric):
        return chained
    if len(numeric) == 1:
        return {"amount": numeric[0][0]}
    if len(numeric) >= 2:
        (a, cells_a), (b, cells_b) = numeric[0], numeric[1]
        exclusive = all(
            not (x not in (None, "") and y not in (None, ""))
            for x, y in zip(cells_a, cells_b, strict=True)
        )
        if exclusive:
            # Without a header, the busier column is the spending one: a guess, hence review.
            count_a = sum(1 for c in cells_a if c not in (None, ""))
            count_b = sum(1 for c in cells_b if c not in (None, ""))
            debit, credit = (a, b) if count_a >= count_b else (b, a)
            found = {"debit": debit, "credit": credit}
            if len(numeric) >= 3:
                found["balance"] = numeric[2][0]
            return found
        return {"amount": a, "balance": b}
    return {}


def _has_cents(cells: list) -> bool:
    filled = [c for c in cells if c not in (None, "")]
    cents = sum(
        1
        for c in filled
        if isinstance(c, float) or re.search(r"[.,]\d{1,2}\s*\)?-?\s*(?:CR|DR)?$", str(c), re.I)
    )
    return cents >= 0.5 * len(filled)


def _balance_pair(numeric: list[tuple[int, list]]) -> dict[str, int]:
    """{"amount", "balance"} when one column is the difference of two others on every row
    (balance before, balance after, amount: a headerless export that prints both balances)."""
    values = {i: [_plain_number(c) for c in cells[:100]] for i, cells in numeric[:12]}
    for before in values:
        for after in values:
            for amount in values:
                if len({before, after, amount}) < 3:
                    continue
                rows = list(zip(values[before], values[after], values[amount], strict=True))
                if rows and all(
                    b is not None and a is not None and m is not None and b + m == a
                    for b, a, m in rows
                ):
                    return {"amount": amount, "balance": after}
    return {}


def _plain_number(cell) -> Decimal | None:
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return Decimal(str(cell)).quantize(Decimal("0.01"))
    text = str(cell or "").strip()
    syntax = _COMMA if re.search(r",\d{1,2}$", text) else _POINT
    parsed = parse_amount(text, syntax)
    if parsed is None:
        return None
    negative = text.startswith("-") or text.endswith("-")
    return -parsed[0] if negative else parsed[0]


def text_column(body: list[list], used: set[int]) -> int | None:
    best, best_len = None, 0.0
    for index in range(width(body)):
        if index in used:
            continue
        cells = [str(c).strip() for c in column_values(body, index)[:100]]
        if not cells or sum(1 for c in cells if _is_number(c) or _is_date_cell(c)) > len(cells) / 2:
            continue
        avg = sum(len(c) for c in cells) / len(cells)
        if avg > best_len:
            best, best_len = index, avg
    return best


def signed_column(body: list[list], index: int) -> bool:
    """Whether any amount in the column carries its direction (a minus, brackets, CR/DR)."""
    for value in column_values(body, index):
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            if value < 0:
                return True
            continue
        text = str(value).strip().upper()
        if text.startswith(("-", "(", "\u2212")) or text.endswith(("-", "CR", "DR", ")")):
            return True
    return False


def flag_column(body: list[list], used: set[int]) -> int | None:
    """A column of short, digit-free codes of which at least half are known debit/credit flags.

    Half, not most: a small export with a few dirty flags must still be read as flagged, so the
    dirty rows are reported instead of every row silently taking the amount's sign."""
    for index in range(width(body)):
        if index in used:
            continue
        cells = [plain(c).upper() for c in column_values(body, index)]
        if not cells or any(len(c) > 12 or any(ch.isdigit() for ch in c) for c in cells):
            continue
        if sum(1 for c in cells if c in FLAG_DIRECTIONS) >= 0.5 * len(cells):
            return index
    return None


def cell_money(row: list, index: int | None, table: TableLayout) -> Decimal | None:
    parsed = _parse_cell_amount(_get(row, index), table)
    return None if parsed is None else parsed[0]


def signed_cell_money(row: list, index: int | None, table: TableLayout) -> Decimal | None:
    parsed = _parse_cell_amount(_get(row, index), table)
    if parsed is None:
        return None
    amount, direction = parsed
    return -amount if direction in ("negative", "credit") else amount
