"""SWIFT MT940 customer statements, read with the `mt-940` library.

A file may hold several statements (one per account or per day), each opened by `:20:`; the
library folds them into one list whose balances the last one overwrites, so the file is cut
at each `:20:` and every statement is read on its own, one bill each (a current account,
`account_kind="current"`). :60F:/:60M: is the opening balance, :62F:/:62M: the closing; the
C/D mark signs balances and rows alike (RC, the reversal of a credit, is money out).
"""

from __future__ import annotations

import logging
import re
from datetime import date
from decimal import Decimal

import mt940

from .base import ParsedBill, ParsedStatement, ParsedTransaction, StatementError
from .csv_reader import decode_text
from .statement_exports import (
    account_last4,
    cents,
    check_entry_count,
    derive_previous_balance,
)

# The library logs a field it cannot parse with the field's text at ERROR: statement data
# must not reach the logs, and the failure is raised here as a StatementError anyway.
logging.getLogger("mt940.tags").setLevel(logging.CRITICAL)

_STATEMENT_START = re.compile(r"^:20:", re.MULTILINE)
_ROW = re.compile(r"^:61:", re.MULTILINE)


def parse_mt940(data: bytes) -> ParsedStatement:
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    # A SWIFT envelope may open the text block on the :20: line itself ("{4::20:...").
    text = text.replace("{4:", "{4:\n")
    starts = [match.start() for match in _STATEMENT_START.finditer(text)]
    if not starts:
        raise StatementError("malformed_mt940", "The MT940 file has no statement (:20:).")
    check_entry_count(len(_ROW.findall(text)))
    parsed = ParsedStatement(bank_code="generic", template_version=None, file_format="mt940")
    for number, (start, end) in enumerate(
        zip(starts, [*starts[1:], len(text)], strict=True), start=1
    ):
        bill = _bill(text[start:end], number)
        derive_previous_balance(bill, parsed, "MT940")
        parsed.bills.append(bill)
    return parsed


def _read(chunk: str, number: int) -> mt940.models.Transactions:
    # Options.all(): the library's fixes due in its next major release, among them RC read
    # as money out and :86: details kept whole.
    transactions = mt940.models.Transactions(options=mt940.Options.all())
    try:
        transactions.parse(chunk)
    except (RuntimeError, ValueError, KeyError, IndexError, TypeError, ArithmeticError) as exc:
        field = getattr(exc.args[1], "id", "") if len(exc.args) > 1 else ""
        where = f" field :{field}:" if field else ""
        raise StatementError(
            "malformed_mt940",
            f"Statement {number} of the MT940 file cannot be read{where}.",
            {"statement": number},
        ) from None
    return transactions


def _bill(chunk: str, number: int) -> ParsedBill:
    transactions = _read(chunk, number)
    data = transactions.data
    account = str(data.get("account_identification") or "").strip()
    opening = data.get("final_opening_balance") or data.get("intermediate_opening_balance")
    closing = data.get("final_closing_balance") or data.get("intermediate_closing_balance")
    bill = ParsedBill(account_kind="current", account=account, card_last4=account_last4(account))
    bill.previous_balance = _balance_amount(opening)
    bill.new_balance = _balance_amount(closing)
    bill.currency = str(getattr(getattr(closing or opening, "amount", None), "currency", "") or "")
    bill.statement_date = _day(getattr(closing, "date", None))
    for index, transaction in enumerate(transactions, start=1):
        bill.transactions.append(_row(transaction.data, index))
    if bill.statement_date is None and bill.transactions:
        bill.statement_date = max(t.posting_date for t in bill.transactions if t.posting_date)
    return bill


def _row(data: dict, index: int) -> ParsedTransaction:
    amount = cents(data["amount"].amount)
    if amount is None:
        raise StatementError("malformed_mt940", f"Row {index} of the MT940 file has no amount.")
    booked = _day(data.get("entry_date")) or _day(data.get("date"))
    # A structured :86: (German banks' ?20..?33 sub-fields) is read by the library into a
    # counterparty and a purpose; anything else stays its plain text.
    structured = data.get("purpose") or data.get("applicant_name")
    primary = ("applicant_name", "purpose") if structured else ("transaction_details",)
    parts = [_clean(data.get(key)) for key in (*primary, "extra_details")]
    description = " / ".join(part for part in dict.fromkeys(parts) if part)
    return ParsedTransaction(
        posting_date=booked,
        transaction_date=_day(data.get("date")) or booked,
        description=description or str(data.get("customer_reference") or ""),
        amount=abs(amount),
        direction="debit" if amount < 0 else "credit",
        line=index,
        raw_text=str(data.get("bank_reference") or data.get("customer_reference") or ""),
    )


def _clean(value) -> str:
    return " ".join(str(value or "").split())


def _balance_amount(balance) -> Decimal | None:
    amount = getattr(getattr(balance, "amount", None), "amount", None)
    return None if amount is None else cents(amount)


def _day(value) -> date | None:
    """A plain date for the bill (mt940's Date is a subclass of its own)."""
    return None if value is None else date(value.year, value.month, value.day)
