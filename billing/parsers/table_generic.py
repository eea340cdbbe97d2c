"""CSV/XLSX of an unknown bank: infer the layout, then read like a template would.

What is inferred is the layout of the whole document, never a single row: the header row and
the column roles (from header words in English, French, German, Spanish, Dutch, Italian,
Portuguese, Malay and Chinese, each role confirmed by what the column holds), the date order
(day-first or month-first, from all dates), the number syntax (from all amounts), the statement
fields printed above the header, and the sign convention (`table_signs`). A running balance
that does not tie with the rows is reported, never "fixed".

The result is marked `needs_review` unless it reconciles, and whenever a decision rested on
no evidence; each such decision adds a note (a reader problem) that names it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ocrengine.extraction.patterns import compile_template_pattern

from .amounts import AmountSyntax, detect_amount_syntax
from .base import ParsedBill, ParsedStatement
from .dates import choose_date_order
from .reconcile import reconcile_bill
from .table_columns import (
    GenericLayout,
    best_date_column,
    cell_money,
    confirmed_roles,
    find_header,
    first_dated_row,
    flag_column,
    layout_columns,
    numeric_roles,
    sample_rows,
    signed_cell_money,
    signed_column,
    text_column,
)
from .table_fields import (
    account_kind_hint,
    apply_fields,
    apply_running_balance,
    cells_currency,
    complete_rows,
    header_currency,
    read_preamble_fields,
)
from .table_signs import SignedRow, decide_signs, newest_first
from .table_template import (
    TableLayout,
    _cell_date,
    _get,
    _parse_cell_amount,
    not_booked,
    read_bill,
    row_text,
)
from .table_vocabulary import (
    BALANCE_ONLY_ROW,
    DATE_ROLES,
    ENGLISH_HEADER,
    EVIDENCE_HEADER,
    FIELD_LABELS,
    FLAG_DIRECTIONS,
    HEADER_ROLES,
    MONEY_ROLES,
    TOTAL_ROW,
    currency_in,
    plain,
)

# Kept for callers of the earlier module: the flags it knew, now a subset of FLAG_DIRECTIONS.
CREDIT_FLAGS = {k: v for k, v in FLAG_DIRECTIONS.items() if v == "credit"}
DEBIT_FLAGS = {k: v for k, v in FLAG_DIRECTIONS.items() if v == "debit"}


def parse_generic_table(rows: list[list], file_format: str) -> ParsedStatement:
    statement = ParsedStatement(bank_code="generic", template_version=None, file_format=file_format)
    generic = infer_generic_layout(rows)
    if generic is None:
        statement.problems.append(
            "No transaction columns were recognised: the file needs a column of dates and a "
            "column of amounts (or debit and credit columns)."
        )
        statement.needs_review = True
        return statement
    body = _body_rows(rows, generic)
    decision = decide_signs(
        body, generic.kind_hint, _order(rows, generic), "amount" in generic.table.columns
    )
    generic.table.negative_is = decision.negative_is
    if decision.reason:
        generic.notes.append(decision.reason)
    bill = read_bill(rows, generic.table)
    bill.account_kind = decision.kind  # type: ignore[assignment]
    complete_rows(bill, rows, generic)
    apply_fields(bill, generic)
    apply_running_balance(bill, rows, generic)
    statement.bills.extend(_per_card(bill))
    statement.problems.extend(generic.notes)
    errors = [p for b in statement.bills for p in reconcile_bill(b) if p["severity"] == "error"]
    statement.needs_review = bool(errors or generic.notes)
    return statement


def _per_card(bill: ParsedBill) -> list[ParsedBill]:
    """An export listing the rows of several cards (a card column), with no balance of its
    own, is one bill per card: each card's rows are filed under that card."""
    cards = list(dict.fromkeys(t.card_last4 for t in bill.transactions))
    if bill.card_last4 or len(cards) < 2 or "" in cards:
        return [bill]
    if bill.previous_balance is not None or bill.new_balance is not None:
        return [bill]  # the balances are the account's, not one card's
    return [
        replace(
            bill,
            card_last4=card,
            transactions=[t for t in bill.transactions if t.card_last4 == card],
            row_problems=bill.row_problems if index == 0 else [],
        )
        for index, card in enumerate(cards)
    ]


def infer_layout(rows: list[list]) -> TableLayout | None:
    """The column roles and syntax of an export of an unknown bank (None: no date and amount
    columns found). `infer_generic_layout` has the statement fields and notes too."""
    generic = infer_generic_layout(rows)
    return generic.table if generic else None


def infer_generic_layout(rows: list[list]) -> GenericLayout | None:
    header_index, candidates, texts = find_header(rows)
    header_found = header_index >= 0
    start = header_index + 1
    body = sample_rows(rows, start)
    roles = confirmed_roles(candidates, body)
    descriptions = [i for i in texts if i not in roles.values()]
    header = rows[header_index] if header_found else []
    evidence = [
        i
        for i, name in enumerate(header)
        if i not in roles.values()
        and i not in texts
        and isinstance(name, str)
        and EVIDENCE_HEADER.search(plain(name))
    ]
    if not (set(DATE_ROLES) & roles.keys()):
        date_col = best_date_column(body, set(roles.values()))
        if date_col is None:
            return None
        roles["date"] = date_col
        if header_index < 0:
            header_index = first_dated_row(rows, date_col) - 1
            start = header_index + 1
            body = sample_rows(rows, start)
    if not (set(MONEY_ROLES) & roles.keys()):
        roles.update(numeric_roles(body, roles))
    if not (set(MONEY_ROLES) & roles.keys()):
        return None
    if "amount" in roles and "flag" not in roles and not signed_column(body, roles["amount"]):
        # Only amounts printed without a sign need a flag: where they carry one, a column of
        # words such as "Lastschrift" is a booking type, not the direction.
        flag_col = flag_column(body, set(roles.values()))
        if flag_col is not None:
            roles["flag"] = flag_col
    if not descriptions:
        text_col = text_column(body, set(roles.values()))
        descriptions = [text_col] if text_col is not None else []
    columns = layout_columns(roles, descriptions)
    table = _table_layout(header_index, columns, body, roles, header_found)
    generic = GenericLayout(
        table=table, roles=roles, descriptions=descriptions, evidence=descriptions + evidence
    )
    first_row = header_index if header_found else header_index + 1
    read_preamble_fields(rows[: max(first_row, 0)], generic)
    generic.currency = (
        generic.currency
        or header_currency(header, roles)
        or cells_currency(body, [roles[r] for r in MONEY_ROLES if r in roles])
    )
    generic.kind_hint = account_kind_hint(rows[: max(header_index + 1, 0)], roles, body)
    date_col = columns["date"]
    table.day_first, why = choose_date_order(
        [str(r[date_col]) for r in body if date_col < len(r) and isinstance(r[date_col], str)],
        _prefers_day_first(header),
        _currency_day_first(generic.currency),
    )
    if why:
        generic.notes.append(f"Date order not evident: {why}. Check the dates.")
    return generic


def _table_layout(
    header_index: int, columns: dict[str, int], body: list[list], roles: dict, header_found: bool
) -> TableLayout:
    """The layout read_bill follows: the columns, the number syntax of all the amounts, the
    rows to skip (totals, a day's balance) and the balance rows to read as fields."""
    money = [roles[r] for r in (*MONEY_ROLES, "balance", "fx_amount") if r in roles]
    found = detect_amount_syntax(
        [str(r[i]) for r in body for i in money if i < len(r) and isinstance(r[i], str)]
    )
    return TableLayout(
        header_index=header_index,
        columns=columns,
        date_formats=["%d/%m/%Y"],
        syntax=_generic_syntax(found),
        flags=dict(FLAG_DIRECTIONS),
        negative_is="debit",
        serial_dates=header_found,
        skip=[
            compile_template_pattern(TOTAL_ROW.pattern, re.IGNORECASE),
            compile_template_pattern(BALANCE_ONLY_ROW.pattern, re.IGNORECASE),
        ],
        summary_rows={
            name: compile_template_pattern(_label_start(pattern.pattern), re.IGNORECASE)
            for name, pattern in FIELD_LABELS
            if name in ("previous_balance", "new_balance")
        },
    )


def _currency_day_first(currency: str) -> bool | None:
    """Month-first for US dollars, day-first for the currencies of day-first countries, None
    for none or a currency of countries that print both (Canada, the Philippines)."""
    if currency == "USD":
        return False
    if currency and currency not in ("CAD", "PHP"):
        return True
    return None


def _prefers_day_first(header: list) -> bool | None:
    """Day-first for a header in any language but English (every other one prints day-first),
    None (undecided) otherwise."""
    words = [
        plain(c)
        for c in header
        if isinstance(c, str) and c.strip() and not (len(c) <= 8 and currency_in(c))
    ]
    if any(not ENGLISH_HEADER.search(w) for w in words if _claims_role(w)):
        return True
    return None


def _claims_role(cell: str) -> bool:
    return any(pattern.search(cell) for role, pattern in HEADER_ROLES if role != "ignored")


def _generic_syntax(found: AmountSyntax) -> AmountSyntax:
    """Markers of direction an export prints in its cells (CR/DR, a trailing minus); brackets
    are accounting's minus, read by the sign convention like a minus."""
    return AmountSyntax(
        thousands=found.thousands,
        decimal=found.decimal,
        credit_markers=("CR",),
        debit_markers=("DR",),
        parentheses_credit=False,
        minus_is_credit=True,
    )


def _label_start(pattern: str) -> str:
    """A statement-field label at the start of a row (its first cell), never inside a
    transaction's description; after a date ("31.03.2024;;Endsaldo;EUR;1.234,56") only a
    label of two words or more, so "Balance transfer" on a dated row stays a transaction."""
    words = _accents_allowed(pattern.replace("^", "").replace("$", r"(?:\W|$)"))
    strong = "|".join(w for w in _alternatives(pattern) if "^" not in w and "$" not in w)
    return rf"^\W*(?:{words})|^\W*[\d./-]{{6,10}}\W+(?:{_accents_allowed(strong)})"


_ACCENTED = {
    "a": "[aàâäá]", "e": "[eéèêë]", "i": "[iîïí]", "o": "[oôöó]", "u": "[uùûüú]", "c": "[cç]",
    "n": "[nñ]",
}  # fmt: skip


def _accents_allowed(pattern: str) -> str:
    """A label pattern written without accents ("solde en debut") that also matches the row as
    printed ("Solde en début"): summary rows are matched on the raw text."""
    out, escaped, in_class = [], False, False
    for char in pattern:
        if escaped or in_class or char not in _ACCENTED:
            out.append(char)
        else:
            out.append(_ACCENTED[char])
        if char == "[" and not escaped:
            in_class = True
        elif char == "]" and not escaped:
            in_class = False
        escaped = char == "\\" and not escaped
    return "".join(out)


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regex ("a|(?:b|c)" -> ["a", "(?:b|c)"])."""
    out, depth, current = [], 0, ""
    for char in pattern:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0:
            out.append(current)
            current = ""
        else:
            current += char
    return [*out, current]


# --- the sign convention's evidence ------------------------------------------------------------


def _body_rows(rows: list[list], generic: GenericLayout) -> list[SignedRow]:
    table = generic.table
    cols = table.columns
    out = []
    for row in rows[table.header_index + 1 :]:
        if _cell_date(_get(row, cols["date"]), table, None) is None or not_booked(row, table):
            continue
        marked = None
        if "amount" in cols:
            parsed = _parse_cell_amount(_get(row, cols["amount"]), table)
            if parsed is None:
                continue
            amount, direction = parsed
            if "flag" in cols:
                marked = table.flags.get(plain(_get(row, cols["flag"]) or "").upper(), "?")
            elif direction in ("credit", "debit"):
                marked = direction
            delta = -amount if direction == "negative" else amount
            if marked == "debit":
                delta = -amount
            elif marked == "credit":
                delta = amount
        else:
            debit = cell_money(row, cols.get("debit"), table)
            credit = cell_money(row, cols.get("credit"), table)
            if debit is None and credit is None:
                continue
            delta = (credit or 0) - (debit or 0)
            marked = "split"
        text = " ".join(str(_get(row, i) or "") for i in generic.evidence)
        balance = signed_cell_money(row, generic.roles.get("balance"), table)
        out.append(SignedRow(delta, marked, text, balance))
    return out


def _order(rows: list[list], generic: GenericLayout) -> bool | None:
    table = generic.table
    col = table.columns["date"]
    dates = [_cell_date(_get(r, col), table, None) for r in rows[table.header_index + 1 :]]
    return newest_first(dates)


__all__ = ["infer_generic_layout", "infer_layout", "parse_generic_table", "row_text"]
