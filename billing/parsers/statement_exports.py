"""What the readers of banks' statement exports (OFX, CAMT, MT940, QIF) share.

An export is data, not a printed page: each account statement in the file becomes one bill,
no bank template is involved, and a file that cannot be read is refused with a StatementError
whose code names the format (`malformed_ofx`, `malformed_camt`, ...), never guessed at.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ocrengine.documents.limits import limit

from .base import ParsedBill, ParsedStatement, StatementError
from .limits import check_row_size, max_columns, max_rows
from .reconcile import bill_sums

CENT = Decimal("0.01")
# Bytes of an XML or SGML export (CAMT, OFX) the readers parse; the upload's own limit is
# UPLOAD_MAX_BYTES, this one also holds for `manage.py parse_statements` and the API preview.
DEFAULT_MAX_XML_BYTES = 10 * 1024 * 1024


def max_xml_bytes() -> int:
    return limit("STATEMENT_MAX_XML_BYTES", default=DEFAULT_MAX_XML_BYTES)


def check_markup_size(data: bytes, what: str) -> None:
    """Refuse a markup export past STATEMENT_MAX_XML_BYTES before any parser sees it."""
    most = max_xml_bytes()
    if len(data) > most:
        raise StatementError(
            "xml_too_large",
            f"The {what} file has {len(data):,} bytes; the limit is {most:,}.",
            {"limit": most},
        )


def check_entry_count(count: int) -> None:
    """Entries of one export, held to the CSV/XLSX row limit (STATEMENT_MAX_ROWS)."""
    check_row_size(count, 0, most_rows=max_rows(), most_columns=max_columns())


def money(raw: str | None) -> Decimal | None:
    """A plain decimal amount ("1405.31", "-80", "12,50", "1,234.56") to the cent; None if it
    is none."""
    text = (raw or "").strip().replace(" ", "")
    if not text:
        return None
    if "," in text and "." in text:  # "1,234.56" or "1.234,56": the last one is the decimal
        thousands = "," if text.rfind(",") < text.rfind(".") else "."
        text = text.replace(thousands, "").replace(",", ".")
    elif "," in text:
        text = text.replace(",", ".")
    try:
        return cents(Decimal(text))
    except InvalidOperation:
        return None


def cents(value: Decimal) -> Decimal | None:
    """`value` to the cent; None for one no statement holds (infinite, NaN, or past the
    28 significant digits Decimal keeps, which quantize would refuse)."""
    try:
        return Decimal(value).quantize(CENT) if Decimal(value).is_finite() else None
    except InvalidOperation:
        return None


def account_last4(account: str) -> str:
    """The last four digits of an account number or IBAN (the bill is filed under them)."""
    return re.sub(r"\D", "", account)[-4:]


def derive_previous_balance(bill: ParsedBill, statement: ParsedStatement, what: str) -> None:
    """A bill with a closing but no opening balance gets the opening that balances it, in its
    account's own sign convention, and says so: a derived figure is never shown as printed."""
    if bill.previous_balance is not None or bill.new_balance is None:
        return
    debits, credits = bill_sums(bill)
    if bill.account_kind == "current":
        bill.previous_balance = bill.new_balance + debits - credits
    else:
        bill.previous_balance = bill.new_balance - debits + credits
    where = f" for account {bill.account}" if bill.account else ""
    statement.problems.append(
        f"{what} gives no opening balance{where}; previous balance was derived."
    )


def keep_bills(statement: ParsedStatement, bills: list[ParsedBill], what: str) -> None:
    """Add `bills` to `statement`, leaving out account statements with no transactions when
    another one has some: an empty second statement (a card account listed with no activity)
    must not add a bill of nothing, nor its balance to the file's. Each one left out is said."""
    with_rows = {id(bill) for bill in bills if bill.transactions or bill.row_problems}
    if not with_rows:
        statement.bills.extend(bills)
        return
    for bill in bills:
        if id(bill) in with_rows:
            statement.bills.append(bill)
            continue
        balance = "" if bill.new_balance is None else f", balance {bill.new_balance}"
        statement.problems.append(
            f"{what}: the statement for account {bill.account or '?'} has no transactions"
            f"{balance}; it was left out."
        )
