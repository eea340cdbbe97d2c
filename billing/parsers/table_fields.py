"""Statement fields of an export of an unknown bank: what is printed above the header
(balances, period, currency, account), in the header ("Betrag (EUR)"), in the columns (a
card number, the original currency), and the balances a running-balance column gives when it
ties with the rows. Used by `table_generic`."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

from .amounts import detect_amount_syntax, parse_amount
from .base import ParsedBill
from .dates import date_readings, read_date
from .table_columns import (
    GenericLayout,
    cell_money,
    column_values,
    mostly,
    signed_cell_money,
    width,
)
from .table_signs import SignedRow, balance_fit, newest_first
from .table_template import (
    TableLayout,
    _get,
)
from .table_vocabulary import (
    ACCOUNT_HEADER,
    CARD_WORDS,
    CURRENT_WORDS,
    FIELD_LABELS,
    MONEY_ROLES,
    as_currency,
    currency_in,
    plain,
)

# --- statement fields: above the header, in the header, in the columns -------------------------


def read_preamble_fields(rows: list[list], generic: GenericLayout) -> None:
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
    """The first amount among a label's values, in its own number syntax where it shows one
    ("12345.67 EUR" in an export whose rows print "-5,15"), else the rows'."""
    for value in values:
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            return Decimal(str(value)).quantize(Decimal("0.01"))
        text = str(value).strip()
        if not re.search(r"\d", text) or date_readings(text):
            continue
        syntax = table.syntax
        if re.search(r"\d[.,]\d{2}(?!\d)", text):
            found = detect_amount_syntax([text])
            syntax = replace(syntax, thousands=found.thousands, decimal=found.decimal)
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


def header_currency(header: list, roles: dict[str, int]) -> str:
    """A currency the money columns' headers name: "Betrag (EUR)", "Withdrawals (SGD)", "CAD$"."""
    for role in (*MONEY_ROLES, "balance"):
        index = roles.get(role)
        if index is not None and index < len(header):
            code = currency_in(str(header[index] or ""))
            if code:
                return code
    return ""


def cells_currency(body: list[list], money: list[int]) -> str:
    """The one currency the amount cells print ("£12.34", "-12,34 €", "EUR 1.00"), or ""."""
    found = set()
    for row in body[:200]:
        for index in money:
            if index < len(row) and isinstance(row[index], str) and row[index].strip():
                code = currency_in(re.sub(r"[\d.,'\s()+-]", " ", row[index]).upper())
                found.add(code)
    found.discard("")
    return found.pop() if len(found) == 1 else ""


def _account_cells(header: list, body: list[list]) -> list[str]:
    """What the rows say of the account in a column named for it ("Account Type" holding
    "Chequing" or "Visa", "Product"): the account's kind, not a transaction's."""
    out = []
    for index, name in enumerate(header):
        if isinstance(name, str) and ACCOUNT_HEADER.search(plain(name)):
            out.extend(sorted({str(c).strip() for c in column_values(body, index)[:50]}))
    return out


def _masked_card_column(body: list[list], roles: dict[str, int]) -> bool:
    """A column of masked card numbers (4500********1234, XXXX XXXX XXXX 1234)."""
    masked = re.compile(r"^(?:\d{4,6}|[*xX]{4})[*xX\s-]{4,}\d{4}$")
    for index in range(width(body)):
        values = [str(c).strip() for c in column_values(body, index)[:50]]
        if values and mostly(values, masked.match):
            roles.setdefault("card", index)
            return True
    return False


def account_kind_hint(head: list[list], roles: dict[str, int], body: list[list]) -> str:
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
        for c in column_values(body, account)[:20]
    ):
        return "current"  # an IBAN
    return ""


# --- after the rows are read -------------------------------------------------------------------


def complete_rows(bill: ParsedBill, rows: list[list], generic: GenericLayout) -> None:
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
            fx = (
                cell_money(row, fx_amount_col, generic.table) if fx_amount_col is not None else None
            )
            if code and code != statement_currency and (fx_amount_col is None or fx):
                txn.fx_currency = code
                txn.fx_amount = fx
    cards = {t.card_last4 for t in bill.transactions}
    if len(cards) == 1:
        bill.card_last4 = cards.pop()
    if "account" in roles and not generic.fields.get("account"):
        # The account every row names ("Auftragskonto", "IBAN/BBAN"): the statement's account.
        accounts = {
            " ".join(str(_get(rows[t.line - 1], roles["account"]) or "").split())
            for t in bill.transactions
            if t.line
        }
        accounts.discard("")
        if len(accounts) == 1:
            generic.fields["account"] = accounts.pop()[:64]


def _currency_without_fx(bill, rows, original_col, fx_amount_col, table) -> str:
    """The statement's currency from a column of original currencies: the one on rows with no
    original amount (those were booked in the account's own currency)."""
    if original_col is None:
        return ""
    codes = set()
    for txn in bill.transactions:
        row = rows[txn.line - 1] if txn.line else []
        fx = cell_money(row, fx_amount_col, table) if fx_amount_col is not None else None
        code = as_currency(_get(row, original_col))
        if code and (fx is None or fx == 0 or fx == txn.amount):
            codes.add(code)
    return codes.pop() if len(codes) == 1 else ""


def apply_fields(bill: ParsedBill, generic: GenericLayout) -> None:
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


def apply_running_balance(bill: ParsedBill, rows: list[list], generic: GenericLayout) -> None:
    """Opening and closing balance from a running-balance column that ties with every row; one
    that does not is reported and left alone (the rows stay as printed)."""
    table = generic.table
    col = generic.roles.get("balance")
    if col is None:
        return
    signed: list[tuple] = []
    for txn in bill.transactions:
        row = rows[txn.line - 1] if txn.line else []
        delta = txn.amount if txn.direction == "credit" else -txn.amount
        if txn.line and signed and signed[-1][0].line == txn.line:
            # A fee read off the same row: the row's balance is after both.
            first, step = signed[-1]
            signed[-1] = (first, SignedRow(step.delta + delta, None, "", step.balance))
            continue
        signed.append((txn, SignedRow(delta, None, "", signed_cell_money(row, col, table))))
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
