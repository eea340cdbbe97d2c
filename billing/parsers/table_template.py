"""Rows of cells (CSV/XLSX) + column roles -> a bill.

Used by bank templates (roles named in the spec) and by the generic table reader (roles
inferred). A row whose direction cannot be read (an unknown flag) becomes a RowProblem:
the reader reports it and never guesses. A template's regexes (header, columns, skip, summary
and preamble rows) are compiled by `ocrengine.extraction.patterns` and each match runs under
TEMPLATE_REGEX_TIMEOUT_S (PatternTimeout).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise

from ocrengine.extraction.patterns import TemplatePattern, cap_line, compile_template_pattern

from .amounts import AmountSyntax, parse_amount, signed_balance
from .base import ParsedBill, ParsedStatement, ParsedTransaction, RowProblem
from .dates import parse_date, read_date
from .table_vocabulary import NOT_BOOKED, plain
from .xlsx_reader import excel_serial_to_date

ROLES = (
    "date",
    "posting_date",
    "transaction_date",
    "description",
    "amount",
    "debit",
    "credit",
    "flag",
    "balance",
)
FIELD_LABELS = ("statement_date", "due_date", "previous_balance", "new_balance", "card_number")


@dataclass
class TableLayout:
    header_index: int  # -1 when the file has no header row
    columns: dict[str, int]
    date_formats: list[str]
    syntax: AmountSyntax = field(default_factory=AmountSyntax)
    flags: dict[str, str] = field(default_factory=dict)
    negative_is: str = "credit"  # direction of a negative signed amount
    continuation: bool = True  # a row with no date continues the previous description
    skip: list[TemplatePattern] = field(default_factory=list)
    summary_rows: dict[str, TemplatePattern] = field(default_factory=dict)
    preamble_fields: dict[str, TemplatePattern] = field(default_factory=dict)
    owed_sign: int = 1  # -1 when printed balances are money held (a deposit account)
    # The generic reader reads dates of any printed shape in the document's order (None:
    # by `date_formats`, as templates do) and may take whole numbers as Excel date serials.
    day_first: bool | None = None
    serial_dates: bool = False


def layout_from_spec(rows: list[list], spec: dict) -> TableLayout | None:
    table = spec.get("table", {})
    dates = table.get("dates", spec.get("dates", {}))
    header_re = compile_template_pattern(table.get("header", "."), re.IGNORECASE)
    for index, row in enumerate(rows[:60]):
        if header_re.search(row_text(row)):
            columns = _match_columns(row, table.get("columns", {}))
            if columns:
                return TableLayout(
                    header_index=index,
                    columns=columns,
                    date_formats=dates.get("formats", ["%d/%m/%Y"]),
                    syntax=AmountSyntax.from_spec(table.get("amounts", spec.get("amounts"))),
                    flags={k.upper(): v for k, v in table.get("flags", {}).items()},
                    negative_is=table.get("negative_is", "credit"),
                    continuation=table.get("continuation", True),
                    skip=[
                        compile_template_pattern(p, re.IGNORECASE) for p in table.get("skip", [])
                    ],
                    summary_rows=_compile(table.get("summary_rows", {})),
                    preamble_fields=_compile(table.get("preamble_fields", {})),
                    owed_sign=-1 if table.get("balance_sign") == "asset" else 1,
                )
    return None


def _compile(patterns: dict) -> dict[str, TemplatePattern]:
    return {name: compile_template_pattern(p, re.IGNORECASE) for name, p in patterns.items()}


def _match_columns(header: list, roles: dict) -> dict[str, int]:
    found = {}
    for role, pattern in roles.items():
        compiled = compile_template_pattern(pattern, re.IGNORECASE)
        for index, cell in enumerate(header):
            if isinstance(cell, str) and compiled.search(cell):
                found[role] = index
                break
    return found


def row_text(row: list) -> str:
    """The row's cells as one line, cut to MAX_LINE_CHARS like every line regexes read."""
    return cap_line(" ".join(str(c) for c in row if c not in (None, "")))


def parse_table_with_template(rows: list[list], spec: dict, file_format: str) -> ParsedStatement:
    statement = ParsedStatement(
        bank_code=spec["bank"],
        template_version=spec.get("version"),
        file_format=file_format,
        checks=tuple(spec.get("verify", ["balance", "printed_totals"])),
    )
    layout = layout_from_spec(rows, spec)
    if layout is None:
        statement.problems.append("The template's header row was not found.")
        return statement
    bill = read_bill(rows, layout)
    bill.currency = spec.get("currency", "")
    statement.bills.append(bill)
    return statement


def read_bill(rows: list[list], layout: TableLayout) -> ParsedBill:
    bill = ParsedBill()
    _read_preamble(rows[: max(layout.header_index, 0)], layout, bill)
    last: ParsedTransaction | None = None
    balances: list[tuple[ParsedTransaction, Decimal]] = []
    for index in range(layout.header_index + 1, len(rows)):
        row = rows[index]
        text = row_text(row)
        if not text or any(p.search(text) for p in layout.skip):
            continue
        if _read_summary_row(row, text, layout, bill):
            last = None
            continue
        if not_booked(row, layout):
            last = None
            continue
        result = _read_row(row, index + 1, layout, bill.statement_date)
        if isinstance(result, ParsedTransaction):
            bill.transactions.append(result)
            last = result
            fee = _fee_of(row, result, layout)
            if fee is not None:
                bill.transactions.append(fee)
            balance = _cell_amount(row, layout.columns.get("balance"), layout)
            if balance is not None:
                balances.append((result, balance))
        elif result == "continuation" and last is not None and layout.continuation:
            extra = " ".join(str(row[i]) for i in _text_columns(row, layout)).strip()
            last.description = " ".join(f"{last.description} {extra}".split())
            last.raw_text += "\n" + text
        elif isinstance(result, RowProblem):
            bill.row_problems.append(result)
            last = None
    _fill_from_running_balance(bill, balances)
    if bill.statement_date is None:
        dates = [t.posting_date or t.transaction_date for t in bill.transactions]
        bill.statement_date = max((d for d in dates if d), default=None)
    return bill


def not_booked(row: list, layout: TableLayout) -> bool:
    """A row whose state column says it was not booked (pending, reverted, declined)."""
    state = _get(row, layout.columns.get("state"))
    return state is not None and bool(NOT_BOOKED.search(plain(str(state))))


def _fee_of(row: list, txn: ParsedTransaction, layout: TableLayout) -> ParsedTransaction | None:
    """The fee printed beside a row's amount, charged as a row of its own."""
    fee = _cell_amount(row, layout.columns.get("fee"), layout)
    if not fee:
        return None
    return replace(
        txn, description=f"Fee: {txn.description}".strip(), amount=abs(fee), direction="debit"
    )


def _read_preamble(rows: list[list], layout: TableLayout, bill: ParsedBill) -> None:
    for row in rows:
        cells = [c for c in row if c not in (None, "")]
        if len(cells) < 2 or not isinstance(cells[0], str):
            continue
        for name, pattern in layout.preamble_fields.items():
            if pattern.search(cells[0]):
                _set_field(bill, name, cells[1], layout)


def _set_field(bill: ParsedBill, name: str, value, layout: TableLayout) -> None:
    if name in ("statement_date", "due_date"):
        setattr(bill, name, _cell_date(value, layout, None))
    elif name == "card_number":
        digits = re.sub(r"\D", "", str(value))
        bill.card_last4 = digits[-4:]
    elif name in ("previous_balance", "new_balance"):
        balance = _to_balance(value, layout)
        setattr(bill, name, None if balance is None else layout.owed_sign * balance)
    elif name in ("minimum_payment", "credit_limit"):
        setattr(bill, name, _to_balance(value, layout))
    elif name == "card_holder":
        bill.card_holder = str(value)


def _read_summary_row(row: list, text: str, layout: TableLayout, bill: ParsedBill) -> bool:
    for name, pattern in layout.summary_rows.items():
        if pattern.search(text):
            numbers = [c for c in row if _to_balance(c, layout) is not None]
            if numbers:
                _set_field(bill, name, numbers[-1], layout)
            return True
    return False


def _read_row(row: list, line: int, layout: TableLayout, reference: date | None):
    cols = layout.columns
    date_col = cols.get("posting_date", cols.get("date", cols.get("transaction_date")))
    posting = _cell_date(_get(row, date_col), layout, reference)
    text = row_text(row)
    if posting is None:
        if not _get(row, date_col) and not _has_amount(row, layout):
            return "continuation"
        return RowProblem(None, line, text, "Row has no readable date.")
    txn_date = _cell_date(_get(row, cols.get("transaction_date")), layout, reference) or posting
    amount, direction, reason = _amount_and_direction(row, layout)
    if reason:
        return RowProblem(None, line, text, reason)
    description = " ".join(str(_get(row, cols.get("description")) or "").split())
    return ParsedTransaction(
        posting_date=posting,
        transaction_date=txn_date,
        description=description,
        amount=amount,
        direction=direction,
        line=line,
        raw_text=text,
    )


def _amount_and_direction(row: list, layout: TableLayout):
    cols = layout.columns
    if "debit" in cols or "credit" in cols:
        debit = _cell_amount(row, cols.get("debit"), layout)
        credit = _cell_amount(row, cols.get("credit"), layout)
        if debit and not credit:
            return abs(debit), "debit", ""
        if credit and not debit:
            return abs(credit), "credit", ""
        return None, None, "Neither (or both) of the debit and credit columns hold an amount."
    raw = _get(row, cols.get("amount"))
    parsed = _parse_cell_amount(raw, layout)
    if parsed is None:
        return None, None, f"Unreadable amount {raw!r}."
    amount, marked = parsed
    if "flag" in cols:
        flag = str(_get(row, cols["flag"]) or "").strip().upper()
        direction = layout.flags.get(flag) or layout.flags.get(_unaccented(flag))
        if direction is None:
            return None, None, f"Unreadable debit/credit flag {flag!r}; not guessed."
        return amount, direction, ""
    if marked == "negative":
        return amount, layout.negative_is, ""
    if marked is None:
        return amount, ("debit" if layout.negative_is == "credit" else "credit"), ""
    return amount, marked, ""


_NOT_SIGN_OR_DIGIT = re.compile(r"[^\d,.()+\-\u2212]")


def _unaccented(text: str) -> str:
    """DÉBITO -> DEBITO, CRÉDIT -> CREDIT: flags are printed with or without accents."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _parse_cell_amount(raw, layout: TableLayout):
    """(absolute amount, "credit" | "debit" | "negative" | None)."""
    if isinstance(raw, (int, float, Decimal)) and not isinstance(raw, bool):
        value = Decimal(str(raw)).quantize(Decimal("0.01"))
        return abs(value), ("negative" if value < 0 else None)
    if raw in (None, ""):
        return None
    return _text_amount(str(raw).strip(), layout.syntax)


@lru_cache(maxsize=65536)  # running balances and amounts repeat; each is read several times
def _text_amount(text: str, syntax: AmountSyntax):
    parsed = parse_amount(text, syntax)
    if parsed is None:
        return None
    amount, direction = parsed
    core = _NOT_SIGN_OR_DIGIT.sub("", text)  # "£-12.34", "- 12,34 €", "12.34- EUR"
    if core.startswith(("-", "\u2212")) or core.endswith(("-", "\u2212")):
        direction = "negative"
    elif core.startswith("(") and core.endswith(")") and not syntax.parentheses_credit:
        direction = "negative"  # accounting's minus, read by the layout's sign convention
    return amount, direction


def _cell_amount(row: list, index: int | None, layout: TableLayout) -> Decimal | None:
    parsed = _parse_cell_amount(_get(row, index), layout)
    if parsed is None:
        return None
    amount, direction = parsed
    return -amount if direction in ("credit", "negative") else amount


def _to_balance(value, layout: TableLayout) -> Decimal | None:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    if isinstance(value, str):
        return signed_balance(value, layout.syntax)
    return None


def _has_amount(row: list, layout: TableLayout) -> bool:
    roles = ("amount", "debit", "credit")
    return any(_get(row, layout.columns.get(r)) not in (None, "") for r in roles)


def _text_columns(row: list, layout: TableLayout) -> list[int]:
    described = layout.columns.get("description")
    if described is not None:
        return [described] if described < len(row) else []
    return [i for i, c in enumerate(row) if c not in (None, "")]


def _cell_date(value, layout: TableLayout, reference: date | None) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return excel_serial_to_date(float(value))
    if not value:
        return None
    if layout.serial_dates and re.fullmatch(r"\d{5}(?:\.0+)?", str(value).strip()):
        return excel_serial_to_date(float(value))
    if layout.day_first is not None:
        return read_date(str(value), layout.day_first)
    return parse_date(str(value), layout.date_formats, reference)


def _get(row: list, index: int | None):
    if index is None or index >= len(row):
        return None
    return row[index]


def _fill_from_running_balance(
    bill: ParsedBill, balances: list[tuple[ParsedTransaction, Decimal]]
) -> None:
    """Opening and closing balance from a running-balance column, in either row order.

    Bank accounts print money held (an asset); a card bill counts money owed, so an
    asset-style column is negated.
    """
    if len(balances) < 2 or bill.new_balance is not None:
        return
    options = []
    for ordered in (balances, list(reversed(balances))):
        for owed_sign in (1, -1):
            options.append((_fits(ordered, owed_sign), ordered, owed_sign))
    _, ordered, owed_sign = max(options, key=lambda option: option[0])
    first_txn, first_balance = ordered[0]
    bill.previous_balance = owed_sign * first_balance - _effect(first_txn)
    bill.new_balance = owed_sign * ordered[-1][1]


def _effect(txn: ParsedTransaction) -> Decimal:
    return txn.amount if txn.direction == "debit" else -txn.amount


def _fits(rows: list[tuple[ParsedTransaction, Decimal]], owed_sign: int) -> int:
    return sum(
        1
        for (_, before), (txn, after) in pairwise(rows)
        if owed_sign * after == owed_sign * before + _effect(txn)
    )
