"""CSV/XLSX of an unknown bank: infer the column roles, then read like a template would.

Everything inferred here is a guess about the layout (never about a single row), so the
result is marked `needs_review` unless a running balance column reconciles it.
"""

from __future__ import annotations

import re

from .amounts import AmountSyntax
from .base import ParsedStatement
from .dates import parse_date
from .reconcile import reconcile_bill
from .table_template import TableLayout, read_bill, row_text

DATE_FORMATS = [
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%Y-%m-%d",
    "%d-%m-%Y",
    "%d %b %Y",
    "%d/%m/%y",
    "%m/%d/%y",
    "%d-%b-%Y",
    "%d %b %y",
]
# Role -> header patterns, strongest first, so "Description" beats "Details".
HEADER_ROLES: dict[str, list[str]] = {
    "transaction_date": [r"^trans\w*\.? date|^txn date|^tarikh transaksi"],
    "date": [r"date|datum|tarikh"],
    "balance": [r"balance|saldo|baki"],
    "debit": [r"withdraw|debit|outflow|money out|paid out|charges?\b"],
    "credit": [r"deposit|credit|inflow|money in|paid in"],
    "amount": [r"amount|amt\b|betrag|value|jumlah"],
    "flag": [r"^(?:cr/dr|dr/cr|d/c|c/d|dc|flag|sign)$"],
    "description": [r"desc|narrat|payee|particular|merchant|keterangan", r"detail|memo|text"],
}
CREDIT_FLAGS = {"CR": "credit", "C": "credit", "I": "credit", "IN": "credit", "CREDIT": "credit"}
DEBIT_FLAGS = {"DR": "debit", "D": "debit", "O": "debit", "OUT": "debit", "DEBIT": "debit"}
NUMBER = re.compile(r"^[-+(]?\s?[\d.,' ]*\d[)]?\s?(?:CR|DR)?$", re.IGNORECASE)
COMMA_DECIMAL = re.compile(r"^[-+]?\d{1,3}(?:\.\d{3})*,\d{2}$")


def parse_generic_table(rows: list[list], file_format: str) -> ParsedStatement:
    statement = ParsedStatement(bank_code="generic", template_version=None, file_format=file_format)
    layout = infer_layout(rows)
    if layout is None:
        statement.problems.append("No transaction columns (date and amount) were recognised.")
        statement.needs_review = True
        return statement
    bill = read_bill(rows, layout)
    statement.bills.append(bill)
    errors = [p for p in reconcile_bill(bill) if p["severity"] == "error"]
    statement.needs_review = bool(errors)
    return statement


def infer_layout(rows: list[list]) -> TableLayout | None:
    header_index, columns = _header_roles(rows)
    body = rows[header_index + 1 :]
    syntax = _amount_syntax(body)
    date_col = columns.get("date", columns.get("transaction_date"))
    if date_col is None:
        date_col = _best_date_column(body)
        if date_col is None:
            return None
        columns["date"] = date_col
    formats = _date_formats(body, date_col)
    if not ({"amount", "debit", "credit"} & columns.keys()):
        columns.update(_numeric_roles(body, date_col, syntax))
    if "description" not in columns:
        text_col = _text_column(body, set(columns.values()))
        if text_col is not None:
            columns["description"] = text_col
    if not ({"amount", "debit", "credit"} & columns.keys()):
        return None
    flags = {**CREDIT_FLAGS, **DEBIT_FLAGS}
    if "amount" in columns and "flag" not in columns:
        flag_col = _flag_column(body, set(columns.values()))
        if flag_col is not None:
            columns["flag"] = flag_col
    return TableLayout(
        header_index=header_index,
        columns=columns,
        date_formats=formats,
        syntax=syntax,
        flags=flags,
        negative_is="debit",  # exports print money going out (a charge) with a minus
    )


def _header_roles(rows: list[list]) -> tuple[int, dict[str, int]]:
    for index, row in enumerate(rows[:30]):
        cells = [str(c).strip() if c is not None else "" for c in row]
        if any(parse_date(c, DATE_FORMATS) for c in cells if c):
            continue  # a data row, not a header
        roles = _roles_of(cells)
        if "date" in roles and ({"amount", "debit", "credit"} & roles.keys()):
            return index, roles
    return -1, {}


def _roles_of(cells: list[str]) -> dict[str, int]:
    roles: dict[str, int] = {}
    taken: set[int] = set()
    for role, patterns in HEADER_ROLES.items():
        for pattern in patterns:
            hit = next(
                (
                    i
                    for i, c in enumerate(cells)
                    if i not in taken and c and re.search(pattern, c, re.IGNORECASE)
                ),
                None,
            )
            if hit is not None:
                roles[role] = hit
                taken.add(hit)
                break
    if "transaction_date" in roles and "date" not in roles:
        roles["date"] = roles.pop("transaction_date")
    return roles


def _column(body: list[list], index: int) -> list[str]:
    return [str(r[index]).strip() for r in body if index < len(r) and r[index] not in (None, "")]


def _width(body: list[list]) -> int:
    return max((len(r) for r in body[:200]), default=0)


def _best_date_column(body: list[list]) -> int | None:
    best, best_hits = None, 0
    for index in range(_width(body)):
        hits = sum(1 for c in _column(body, index)[:100] if _is_date(c))
        if hits > best_hits:
            best, best_hits = index, hits
    return best


def _is_date(value) -> bool:
    return hasattr(value, "year") or parse_date(str(value), DATE_FORMATS) is not None


def _date_formats(body: list[list], index: int) -> list[str]:
    cells = _column(body, index)[:200]
    scored = [(sum(1 for c in cells if parse_date(c, [f])), f) for f in DATE_FORMATS]
    scored.sort(key=lambda pair: -pair[0])
    return [f for _, f in scored]


def _amount_syntax(body: list[list]) -> AmountSyntax:
    cells = [str(c).strip() for r in body[:200] for c in r if isinstance(c, str)]
    comma = sum(1 for c in cells if COMMA_DECIMAL.match(c))
    dot = sum(1 for c in cells if re.match(r"^[-+]?\d{1,3}(?:,\d{3})*\.\d{2}$", c))
    if comma > dot:
        return AmountSyntax(thousands=".", decimal=",")
    return AmountSyntax()


def _numeric_roles(body: list[list], date_col: int, syntax: AmountSyntax) -> dict[str, int]:
    numeric = []
    for index in range(_width(body)):
        if index == date_col:
            continue
        cells = [r[index] if index < len(r) else None for r in body]
        filled = [c for c in cells if c not in (None, "")]
        numbers = all(isinstance(c, (int, float)) or NUMBER.match(str(c)) for c in filled)
        if filled and numbers and not all(_is_date(c) for c in filled):
            numeric.append((index, cells))
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
            return {"debit": debit, "credit": credit}
        return {"amount": a, "balance": b}
    return {}


def _text_column(body: list[list], used: set[int]) -> int | None:
    best, best_len = None, 0
    for index in range(_width(body)):
        if index in used:
            continue
        cells = _column(body, index)[:100]
        if not cells or sum(1 for c in cells if NUMBER.match(c) or _is_date(c)) > len(cells) / 2:
            continue
        avg = sum(len(c) for c in cells) / len(cells)
        if avg > best_len:
            best, best_len = index, avg
    return best


def _flag_column(body: list[list], used: set[int]) -> int | None:
    """A column of short, digit-free codes of which at least half are known debit/credit flags.

    Half, not most: a small export with a few dirty flags must still be read as flagged, so the
    dirty rows are reported instead of every row silently taking the amount's sign."""
    known = set(CREDIT_FLAGS) | set(DEBIT_FLAGS)
    for index in range(_width(body)):
        if index in used:
            continue
        cells = [c.upper() for c in _column(body, index)]
        if not cells or any(len(c) > 8 or any(ch.isdigit() for ch in c) for c in cells):
            continue
        if sum(1 for c in cells if c in known) >= 0.5 * len(cells):
            return index
    return None


__all__ = ["infer_layout", "parse_generic_table", "row_text"]
