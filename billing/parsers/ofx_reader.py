"""OFX credit-card statements (SGML 1.x or XML 2.x): STMTTRN rows and LEDGERBAL.

OFX signs amounts from the account holder's side: a charge is negative and a card's
ledger balance owed is negative, so both are flipped to the bill's "owed is positive".

Aggregates are found in one pass over their tags (`_blocks`), never by a lazy `.*?` from each
opening tag: with thousands of tags that never close, that regex rescans the rest of the
file from every one of them (quadratic; 72 KB took seconds).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation

from .base import ParsedBill, ParsedStatement, ParsedTransaction, RowProblem
from .csv_reader import decode_text

TAG = re.compile(r"<(\w+(?:\.\w+)*)>([^<\r\n]*)")
_AGGREGATE_TAGS = {name: re.compile(rf"<(/?){name}>") for name in ("STMTTRN", "LEDGERBAL")}


def parse_ofx(data: bytes) -> ParsedStatement:
    text = decode_text(data)
    statement = ParsedStatement(bank_code="generic", template_version=None, file_format="ofx")
    bill = ParsedBill(currency=_first(text, "CURDEF"))
    bill.card_last4 = _first(text, "ACCTID")[-4:]
    for index, block in enumerate(_blocks(text, "STMTTRN"), start=1):
        row = _row(block, index)
        if isinstance(row, RowProblem):
            bill.row_problems.append(row)
        else:
            bill.transactions.append(row)
    ledger = next(_blocks(text, "LEDGERBAL"), None)
    if ledger is not None:
        balance = _decimal(_first(ledger, "BALAMT"))
        if balance is not None:
            bill.new_balance = -balance
        bill.statement_date = _date(_first(ledger, "DTASOF"))
    start = _date(_first(text, "DTSTART"))
    # Some servers stamp DTSTART with the download date; only a start before the end counts.
    if start and (bill.statement_date is None or start <= bill.statement_date):
        bill.period_start = start
    if bill.new_balance is not None:
        charges = sum((t.amount for t in bill.transactions if t.direction == "debit"), Decimal(0))
        credits = sum((t.amount for t in bill.transactions if t.direction == "credit"), Decimal(0))
        # OFX has no opening balance; derive it so the bill balances by construction and
        # say so, rather than present a derived figure as a printed one.
        bill.previous_balance = bill.new_balance - charges + credits
        statement.problems.append("OFX has no opening balance; previous balance was derived.")
    statement.bills.append(bill)
    statement.needs_review = True
    return statement


def _blocks(text: str, tag: str) -> Iterator[str]:
    """The text between each opening `tag` and the closing tag after it, in one pass: what
    `re.findall(r"<TAG>(.*?)</TAG>", text, re.S)` finds (an opening tag met inside an open
    block is part of it; one never closed yields nothing), in linear time."""
    opened = None
    for match in _AGGREGATE_TAGS[tag].finditer(text):
        if not match.group(1):
            if opened is None:
                opened = match.end()
        elif opened is not None:
            yield text[opened : match.start()]
            opened = None


def _row(block: str, index: int) -> ParsedTransaction | RowProblem:
    amount = _decimal(_first(block, "TRNAMT"))
    posted = _date(_first(block, "DTPOSTED"))
    if amount is None or posted is None:
        return RowProblem(None, index, block.strip()[:200], "STMTTRN without amount or date.")
    name, memo = _first(block, "NAME"), _first(block, "MEMO")
    description = " / ".join(part.strip() for part in (name, memo) if part.strip())
    return ParsedTransaction(
        posting_date=posted,
        transaction_date=_date(_first(block, "DTUSER")) or posted,
        description=description,
        amount=abs(amount),
        direction="debit" if amount < 0 else "credit",
        line=index,
        raw_text=_first(block, "FITID"),
    )


def _first(text: str, tag: str) -> str:
    match = re.search(rf"<{re.escape(tag)}>([^<\r\n]*)", text)
    return match.group(1).strip() if match else ""


def _decimal(raw: str) -> Decimal | None:
    try:
        return Decimal(raw.replace(",", "")).quantize(Decimal("0.01")) if raw else None
    except InvalidOperation:
        return None


def _date(raw: str) -> date | None:
    match = re.match(r"(\d{4})(\d{2})(\d{2})", raw or "")
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
