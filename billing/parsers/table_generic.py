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
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ocrengine.extraction.patterns import compile_template_pattern

from .amounts import AmountSyntax, detect_amount_syntax, parse_amount
from .base import ParsedBill, ParsedStatement
from .dates import choose_date_order, date_readings, read_date
from .reconcile import reconcile_bill
from .table_signs import SignedRow, balance_fit, decide_signs, newest_first
from .table_template import (
    TableLayout,
    _cell_date,
    _get,
    _parse_cell_amount,
    read_bill,
    row_text,
)
from .table_vocabulary import (
    ACCOUNT_HEADER,
    CARD_WORDS,
    CURRENT_WORDS,
    DATE_ROLES,
    ENGLISH_HEADER,
    EVIDENCE_HEADER,
    FIELD_LABELS,
    FLAG_DIRECTIONS,
    HEADER_ROLES,
    MONEY_ROLES,
    TOTAL_ROW,
    as_currency,
    currency_in,
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
# Kept for callers of the earlier module: the flags it knew, now a subset of FLAG_DIRECTIONS.
CREDIT_FLAGS = {k: v for k, v in FLAG_DIRECTIONS.items() if v == "credit"}
DEBIT_FLAGS = {k: v for k, v in FLAG_DIRECTIONS.items() if v == "debit"}


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
    _complete_rows(bill, rows, generic)
    _apply_fields(bill, generic)
    _apply_running_balance(bill, rows, generic)
    statement.bills.append(bill)
    statement.problems.extend(generic.notes)
    errors = [p for p in reconcile_bill(bill) if p["severity"] == "error"]
    statement.needs_review = bool(errors or generic.notes)
    return statement


def infer_layout(rows: list[list]) -> TableLayout | None:
    """The column roles and syntax of an export of an unknown bank (None: no date and amount
    columns found). `infer_generic_layout` has the statement fields and notes too."""
    generic = infer_generic_layout(rows)
    return generic.table if generic else None


def infer_generic_layout(rows: list[list]) -> GenericLayout | None:
    header_index, candidates, texts = _find_header(rows)
    header_found = header_index >= 0
    start = header_index + 1
    body = [r for r in rows[start : start + SAMPLE_ROWS] if any(c not in (None, "") for c in r)]
    roles = _confirmed(candidates, body)
    descriptions = [i for i in texts if i not in roles.values()]
    header = rows[header_index] if header_found else []
    evidence = [
        i
        for i in candidates.get("ignored", [])
        if i not in roles.values() and EVIDENCE_HEADER.search(plain(str(header[i] or "")))
    ]
    if not (set(DATE_ROLES) & roles.keys()):
        date_col = _best_date_column(body, set(roles.values()))
        if date_col is None:
            return None
        roles["date"] = date_col
        if header_index < 0:
            header_index = _first_dated_row(rows, date_col) - 1
            start = header_index + 1
            body = [r for r in rows[start : start + SAMPLE_ROWS] if any(r)]
    if not (set(MONEY_ROLES) & roles.keys()):
        roles.update(_numeric_roles(body, roles))
    if not (set(MONEY_ROLES) & roles.keys()):
        return None
    if "amount" in roles and "flag" not in roles and not _signed(body, roles["amount"]):
        # Only amounts printed without a sign need a flag: where they carry one, a column of
        # words such as "Lastschrift" is a booking type, not the direction.
        flag_col = _flag_column(body, set(roles.values()))
        if flag_col is not None:
            roles["flag"] = flag_col
    if not descriptions:
        text_col = _text_column(body, set(roles.values()))
        descriptions = [text_col] if text_col is not None else []
    columns = _table_columns(roles, descriptions)
    money = [roles[r] for r in (*MONEY_ROLES, "balance", "fx_amount") if r in roles]
    syntax = detect_amount_syntax(
        [str(r[i]) for r in body for i in money if i < len(r) and isinstance(r[i], str)]
    )
    syntax = AmountSyntax(thousands=syntax.thousands, decimal=syntax.decimal)
    syntax = _generic_syntax(syntax)
    table = TableLayout(
        header_index=header_index,
        columns=columns,
        date_formats=["%d/%m/%Y"],
        syntax=syntax,
        flags=dict(FLAG_DIRECTIONS),
        negative_is="debit",
        serial_dates=header_found,
        skip=[compile_template_pattern(TOTAL_ROW.pattern, re.IGNORECASE)],
        summary_rows={
            name: compile_template_pattern(_label_start(pattern.pattern), re.IGNORECASE)
            for name, pattern in FIELD_LABELS
            if name in ("previous_balance", "new_balance")
        },
    )
    generic = GenericLayout(
        table=table, roles=roles, descriptions=descriptions, evidence=descriptions + evidence
    )
    first_row = header_index if header_found else header_index + 1
    _read_preamble_fields(rows[: max(first_row, 0)], generic)
    generic.currency = generic.currency or _header_currency(header, roles)
    generic.kind_hint = _kind_hint(rows[: max(header_index + 1, 0)], roles, body)
    date_col = columns["date"]
    table.day_first, why = choose_date_order(
        [str(r[date_col]) for r in body if date_col < len(r) and isinstance(r[date_col], str)],
        _prefers_day_first(header),
        _currency_day_first(generic.currency),
    )
    if why:
        generic.notes.append(f"Date order not evident: {why}. Check the dates.")
    return generic


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
    words = pattern.replace("^", "").replace("$", r"(?:\W|$)")
    strong = "|".join(w for w in _alternatives(pattern) if "^" not in w and "$" not in w)
    return rf"^\W*(?:{words})|^\W*[\d./-]{{6,10}}\W+(?:{strong})"


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


# --- header and column roles -------------------------------------------------------------------


def _find_header(rows: list[list]) -> tuple[int, dict[str, list[int]], list[int]]:
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
        below = [r for r in rows[index + 1 : index + 1 + SAMPLE_ROWS] if any(r)]
        confirmed = _confirmed(dict(candidates), below)
        if set(DATE_ROLES) & confirmed.keys() and set(MONEY_ROLES) & confirmed.keys():
            texts = candidates.pop("description", []) + candidates.pop("payee", [])
            return index, candidates, texts
    return -1, {}, []


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


def _confirmed(candidates: dict[str, list[int]], body: list[list]) -> dict[str, int]:
    """Role -> column, in the roles' order, each the first candidate column not yet taken whose
    cells hold what the role needs: dates, amounts, currency codes. "Umsatztyp" names an amount
    but holds words, so "Betrag" after it is the amount; "Valuta" holding EUR is a currency."""
    confirmed: dict[str, int] = {}
    taken: set[int] = set()
    for role, _ in HEADER_ROLES:
        for index in candidates.get(role, []):
            if index in taken or not _holds(role, _column(body, index)):
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
        return _mostly(values, _is_date_cell)
    if role in (*MONEY_ROLES, "balance", "fx_amount"):
        return _mostly(values, _is_number)
    if role in ("currency", "fx_currency"):
        return _mostly(values, as_currency)
    return True


def _mostly(values: list, test) -> bool:
    return bool(values) and sum(1 for v in values if test(v)) >= 0.6 * len(values)


def _table_columns(roles: dict[str, int], descriptions: list[int]) -> dict[str, int]:
    # The running balance is the generic reader's to check (`_apply_running_balance`), not
    # read_bill's to fill in from whatever fits best.
    columns = {r: roles[r] for r in ("date", *MONEY_ROLES, "flag") if r in roles}
    if "transaction_date" in roles:
        columns["transaction_date"] = roles["transaction_date"]
    if descriptions:
        columns["description"] = descriptions[0]
    if {"debit", "credit"} & columns.keys():
        columns.pop("amount", None)  # printed as well as split: the split columns say more
        columns.pop("flag", None)
    return columns


def _column(body: list[list], index: int) -> list:
    return [r[index] for r in body if index < len(r) and r[index] not in (None, "")]


def _width(body: list[list]) -> int:
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


def _best_date_column(body: list[list], used: set[int]) -> int | None:
    best, best_hits = None, 0
    for index in range(_width(body)):
        if index in used:
            continue
        values = _column(body, index)[:100]
        hits = sum(1 for c in values if _is_date_cell(c) and not isinstance(c, (int, float)))
        if hits > best_hits and hits >= 0.5 * len(values):
            best, best_hits = index, hits
    return best


def _first_dated_row(rows: list[list], date_col: int) -> int:
    for index, row in enumerate(rows):
        if date_col < len(row) and row[date_col] not in (None, "") and _is_date_cell(row[date_col]):
            return index
    return 0


def _numeric_roles(body: list[list], roles: dict[str, int]) -> dict[str, int]:
    """Without a header: the amount column(s) and a running balance, by what they hold. Money
    has cents (a column of whole numbers is an account or reference number, unless no column
    has cents); three columns where before + amount = after on every row are a balance pair."""
    used = set(roles.values())
    numeric = []
    for index in range(_width(body)):
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


def _text_column(body: list[list], used: set[int]) -> int | None:
    best, best_len = None, 0.0
    for index in range(_width(body)):
        if index in used:
            continue
        cells = [str(c).strip() for c in _column(body, index)[:100]]
        if not cells or sum(1 for c in cells if _is_number(c) or _is_date_cell(c)) > len(cells) / 2:
            continue
        avg = sum(len(c) for c in cells) / len(cells)
        if avg > best_len:
            best, best_len = index, avg
    return best


def _signed(body: list[list], index: int) -> bool:
    """Whether any amount in the column carries its direction (a minus, brackets, CR/DR)."""
    for value in _column(body, index):
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            if value < 0:
                return True
            continue
        text = str(value).strip().upper()
        if text.startswith(("-", "(", "\u2212")) or text.endswith(("-", "CR", "DR", ")")):
            return True
    return False


def _flag_column(body: list[list], used: set[int]) -> int | None:
    """A column of short, digit-free codes of which at least half are known debit/credit flags.

    Half, not most: a small export with a few dirty flags must still be read as flagged, so the
    dirty rows are reported instead of every row silently taking the amount's sign."""
    for index in range(_width(body)):
        if index in used:
            continue
        cells = [plain(c).upper() for c in _column(body, index)]
        if not cells or any(len(c) > 12 or any(ch.isdigit() for ch in c) for c in cells):
            continue
        if sum(1 for c in cells if c in FLAG_DIRECTIONS) >= 0.5 * len(cells):
            return index
    return None


# --- statement fields: above the header, in the header, in the columns -------------------------


def _read_preamble_fields(rows: list[list], generic: GenericLayout) -> None:
    """Rows above the header as "Label;value" (or "Label: value"): balances, period, currency,
    account. A balance label with a date ("Kontostand vom 31.01.2020") is the opening balance
    when that date starts the period, else the closing one."""
    dated_balances = []
    pairs = [pair for row in rows for pair in _label_value_pairs(row)]
    for label, values in pairs:
        if not label:
            generic.currency = generic.currency or _currency_of(values)
            continue
        for name, pattern in FIELD_LABELS:
            if not pattern.search(label):
                continue
            if name in ("previous_balance", "new_balance"):
                amount = _first_amount(values, generic.table)
                if amount is not None:
                    on = _first_date([label, *values])
                    dated_balances.append((name, amount, on))
                    generic.currency = generic.currency or _currency_of(values) or ""
            elif name == "period":
                dates = _all_dates(" ".join([label, *values]))
                if len(dates) >= 2:
                    generic.fields["period_start"], generic.fields["statement_date"] = (
                        min(dates),
                        max(dates),
                    )
            elif name in ("period_start", "statement_date"):
                if on := _first_date(values):
                    generic.fields.setdefault(name, on)
            elif name == "currency":
                generic.currency = generic.currency or _currency_of([label, *values])
            elif name == "account" and values and not generic.fields.get("account"):
                generic.fields["account"] = " ".join(values)[:64]
            break
    for name, amount, on in dated_balances:
        start = generic.fields.get("period_start")
        if on is not None and start is not None:
            name = "previous_balance" if on <= start else "new_balance"
        generic.fields.setdefault(name, amount)


_LABEL_THEN_AMOUNT = re.compile(
    r"^(.*?)\s+([-+]?\d{1,3}(?:[ .,'\u00a0\u202f]\d{3})*(?:[.,]\d{2})\s?(?:€|£|\$|[A-Z]{3})?)$"
)


def _label_value_pairs(row: list) -> list[tuple[str, list[str]]]:
    """A preamble row as (label, values) pairs: "Label;value;value", or cells that each hold
    "Label : value" ("Bank code : 1001;Download start date : 01/04/2020")."""
    cells = [str(c).strip() for c in row if c not in (None, "")]
    if not cells:
        return []
    if len(cells) == 1 and (match := _LABEL_THEN_AMOUNT.match(cells[0])):
        return [(plain(match[1]), [match[2]])]  # "Solde au 31/03/2024 2 454,90 €"
    if all(":" in c.rstrip(":") for c in cells):
        pairs = []
        for cell in cells:
            label, _, rest = cell.partition(":")
            pairs.append((plain(label), [rest.strip()] if rest.strip() else []))
        return pairs
    return [(plain(cells[0].rstrip(":")), cells[1:])]


_DATE_TOKEN = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}年\d{1,2}月\d{1,2}日?"
    r"|\d{1,2}\.? ?[^\W\d_]{3,9}\.? \d{4}"
)


def _all_dates(text: str) -> list[date]:
    """Every date printed in a label or value ("du 01/03/2024 au 31/03/2024")."""
    found = (read_date(token, True) for token in _DATE_TOKEN.findall(str(text)))
    return [d for d in found if d is not None]


def _first_date(values: list) -> date | None:
    for value in values:
        if isinstance(value, date):
            return value
        dates = _all_dates(str(value))
        if dates:
            return dates[0]
    return None


def _first_amount(values: list, table: TableLayout) -> Decimal | None:
    syntax = table.syntax
    for value in values:
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            return Decimal(str(value)).quantize(Decimal("0.01"))
        text = str(value).strip()
        if not re.search(r"\d", text) or date_readings(text):
            continue
        parsed = parse_amount(text, syntax)
        if parsed is None:
            continue
        amount, direction = parsed
        core = re.sub(r"[^\d,.()+\-]", "", text)
        negative = direction in ("credit",) or core.startswith("-") or core.endswith("-")
        return -amount if negative else amount
    return None


def _currency_of(values: list) -> str:
    for value in values:
        code = as_currency(value) or currency_in(value)
        if code:
            return code
    return ""


def _header_currency(header: list, roles: dict[str, int]) -> str:
    """A currency the money columns' headers name: "Betrag (EUR)", "Withdrawals (SGD)", "CAD$"."""
    for role in (*MONEY_ROLES, "balance"):
        index = roles.get(role)
        if index is not None and index < len(header):
            code = currency_in(str(header[index] or ""))
            if code:
                return code
    return ""


def _account_cells(header: list, body: list[list]) -> list[str]:
    """What the rows say of the account in a column named for it ("Account Type" holding
    "Chequing" or "Visa", "Product"): the account's kind, not a transaction's."""
    out = []
    for index, name in enumerate(header):
        if isinstance(name, str) and ACCOUNT_HEADER.search(plain(name)):
            out.extend(sorted({str(c).strip() for c in _column(body, index)[:50]}))
    return out


def _masked_card_column(body: list[list], roles: dict[str, int]) -> bool:
    """A column of masked card numbers (4500********1234, XXXX XXXX XXXX 1234)."""
    masked = re.compile(r"^(?:\d{4,6}|[*xX]{4})[*xX\s-]{4,}\d{4}$")
    for index in range(_width(body)):
        values = [str(c).strip() for c in _column(body, index)[:50]]
        if values and _mostly(values, masked.match):
            roles.setdefault("card", index)
            return True
    return False


def _kind_hint(head: list[list], roles: dict[str, int], body: list[list]) -> str:
    """The account's kind ("card" or "current") when a word above the rows, or a column of
    card numbers, says so; "" when nothing does."""
    text = " ".join(str(c) for row in head for c in row if isinstance(c, str))
    if head:
        text += " " + " ".join(_account_cells(head[-1], body))
    if "card" in roles or CARD_WORDS.search(plain(text)):
        return "card"
    if CURRENT_WORDS.search(plain(text)):
        return "current"
    if _masked_card_column(body, roles):
        return "card"
    account = roles.get("account")
    if account is not None and any(
        re.match(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$", str(c).replace(" ", ""))
        for c in _column(body, account)[:20]
    ):
        return "current"  # an IBAN
    return ""


# --- the sign convention's evidence ------------------------------------------------------------


def _body_rows(rows: list[list], generic: GenericLayout) -> list[SignedRow]:
    table = generic.table
    cols = table.columns
    out = []
    for row in rows[table.header_index + 1 :]:
        if _cell_date(_get(row, cols["date"]), table, None) is None:
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
            debit = _money(row, cols.get("debit"), table)
            credit = _money(row, cols.get("credit"), table)
            if debit is None and credit is None:
                continue
            delta = (credit or 0) - (debit or 0)
            marked = "split"
        text = " ".join(str(_get(row, i) or "") for i in generic.evidence)
        balance = _signed_money(row, generic.roles.get("balance"), table)
        out.append(SignedRow(delta, marked, text, balance))
    return out


def _money(row: list, index: int | None, table: TableLayout) -> Decimal | None:
    parsed = _parse_cell_amount(_get(row, index), table)
    return None if parsed is None else parsed[0]


def _signed_money(row: list, index: int | None, table: TableLayout) -> Decimal | None:
    parsed = _parse_cell_amount(_get(row, index), table)
    if parsed is None:
        return None
    amount, direction = parsed
    return -amount if direction in ("negative", "credit") else amount


def _order(rows: list[list], generic: GenericLayout) -> bool | None:
    table = generic.table
    col = table.columns["date"]
    dates = [_cell_date(_get(r, col), table, None) for r in rows[table.header_index + 1 :]]
    return newest_first(dates)


# --- after the rows are read -------------------------------------------------------------------


def _complete_rows(bill: ParsedBill, rows: list[list], generic: GenericLayout) -> None:
    """Each row's full description (payee and purpose columns joined), its card, and its
    original currency and amount where the export prints them."""
    roles = generic.roles
    currency_col, fx_currency_col, fx_amount_col = (
        roles.get("currency"),
        roles.get("fx_currency"),
        roles.get("fx_amount"),
    )
    # A "Currency" column beside an original amount (and no original-currency column) is the
    # original currency; otherwise it is the account's.
    original_col = fx_currency_col
    if original_col is None and fx_amount_col is not None:
        original_col, currency_col = currency_col, None
    if currency_col is not None and not generic.currency:
        codes = {as_currency(r[currency_col]) for r in rows[generic.table.header_index + 1 :]
                 if currency_col < len(r) and as_currency(r[currency_col])}  # fmt: skip
        if len(codes) == 1:
            generic.currency = codes.pop()
    statement_currency = generic.currency or _currency_without_fx(
        bill, rows, original_col, fx_amount_col, generic.table
    )
    generic.currency = statement_currency
    for txn in bill.transactions:
        if txn.line is None:
            continue
        row = rows[txn.line - 1]
        parts = [" ".join(str(_get(row, i) or "").split()) for i in generic.descriptions]
        joined = " / ".join(p for p in dict.fromkeys(parts) if p)
        if joined and len(joined) > len(txn.description):
            txn.description = joined
        if "card" in roles:
            digits = re.sub(r"\D", "", str(_get(row, roles["card"]) or ""))
            txn.card_last4 = digits[-4:]
        if original_col is not None:
            code = as_currency(_get(row, original_col))
            fx = _money(row, fx_amount_col, generic.table) if fx_amount_col is not None else None
            if code and code != statement_currency and (fx_amount_col is None or fx):
                txn.fx_currency = code
                txn.fx_amount = fx
    cards = {t.card_last4 for t in bill.transactions}
    if len(cards) == 1:
        bill.card_last4 = cards.pop()


def _currency_without_fx(bill, rows, original_col, fx_amount_col, table) -> str:
    """The statement's currency from a column of original currencies: the one on rows with no
    original amount (those were booked in the account's own currency)."""
    if original_col is None:
        return ""
    codes = set()
    for txn in bill.transactions:
        row = rows[txn.line - 1] if txn.line else []
        fx = _money(row, fx_amount_col, table) if fx_amount_col is not None else None
        code = as_currency(_get(row, original_col))
        if code and (fx is None or fx == 0 or fx == txn.amount):
            codes.add(code)
    return codes.pop() if len(codes) == 1 else ""


def _apply_fields(bill: ParsedBill, generic: GenericLayout) -> None:
    fields = generic.fields
    bill.currency = generic.currency
    bill.account = str(fields.get("account", ""))
    if isinstance(fields.get("period_start"), date):
        bill.period_start = fields["period_start"]  # type: ignore[assignment]
    if isinstance(fields.get("statement_date"), date):
        bill.statement_date = fields["statement_date"]  # type: ignore[assignment]
    for name in ("previous_balance", "new_balance"):
        if fields.get(name) is not None and getattr(bill, name) is None:
            setattr(bill, name, fields[name])  # printed in the account's own convention
    dates = [t.posting_date or t.transaction_date for t in bill.transactions]
    dates = [d for d in dates if d]
    if dates and bill.period_start is None:
        bill.period_start = min(dates)
    if dates and (bill.statement_date is None or bill.statement_date < max(dates)):
        bill.statement_date = max(dates)


def _apply_running_balance(bill: ParsedBill, rows: list[list], generic: GenericLayout) -> None:
    """Opening and closing balance from a running-balance column that ties with every row; one
    that does not is reported and left alone (the rows stay as printed)."""
    table = generic.table
    col = generic.roles.get("balance")
    if col is None:
        return
    signed = []
    for txn in bill.transactions:
        row = rows[txn.line - 1] if txn.line else []
        delta = txn.amount if txn.direction == "credit" else -txn.amount
        signed.append((txn, SignedRow(delta, None, "", _signed_money(row, col, table))))
    ordering = newest_first([t.posting_date for t, _ in signed])
    fit = balance_fit([s for _, s in signed], ordering)
    if fit is None:
        return
    if not fit.consistent:
        generic.notes.append(
            f"The running balance column does not tie with the rows ({fit.steps - fit.fits} of "
            f"{fit.steps} steps differ): the rows were kept as printed and the balance not used."
        )
        return
    if bill.previous_balance is not None and bill.new_balance is not None:
        return
    chronological = list(reversed(signed)) if fit.reverse else signed
    with_balance = [(t, s) for t, s in chronological if s.balance is not None]
    first_txn, first = with_balance[0]
    before_first = sum(
        (s.delta for _, s in chronological[: chronological.index((first_txn, first)) + 1]),
        Decimal("0"),
    )
    sign = 1 if fit.movement == "with" else -1  # printed balance as money held, or owed
    held_opening = sign * first.balance - before_first
    held_closing = sign * with_balance[-1][1].balance + sum(
        (s.delta for _, s in chronological[chronological.index(with_balance[-1]) + 1 :]),
        Decimal("0"),
    )
    owed = bill.account_kind == "card"
    bill.previous_balance = -held_opening if owed else held_opening
    bill.new_balance = -held_closing if owed else held_closing


__all__ = ["infer_generic_layout", "infer_layout", "parse_generic_table", "row_text"]
