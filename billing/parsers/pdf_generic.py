"""A reader for PDF statements of a bank without a template.

It looks for `date [date] description amount` rows and for labelled balance and date
lines, in any layout. Nothing here is tuned to one bank. The result is marked
`needs_review` unless the balance equation holds exactly.
"""

from __future__ import annotations

import re
from datetime import date

from .amounts import AmountSyntax, amount_regex, parse_amount, signed_balance
from .base import ParsedBill, ParsedStatement, ParsedTransaction
from .dates import date_regex, parse_date
from .pdf_reader import TextLine
from .reconcile import reconcile_bill

ROW_DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%d %b %Y", "%d %b %y", "%d-%m-%Y", "%d/%m", "%d %b"]
STATEMENT_DATE_FORMATS = [
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d %b %y",
    "%d/%m/%y",
    "%Y-%m-%d",
    "%B %d, %Y",
]
SYNTAX = AmountSyntax()
AMOUNT = amount_regex(SYNTAX)
ROW_DATE = date_regex(ROW_DATE_FORMATS)
SDATE = date_regex(STATEMENT_DATE_FORMATS)
# The description holds a word of three letters somewhere. Written `.*?[A-Za-z]{3}.*?` the
# two lazy runs retry every split of a long line that ends in no amount (quadratic); the
# first run may not pass the first three-letter word, which matches the same rows, linearly.
ROW = re.compile(
    rf"(?P<posting>{ROW_DATE})(?: (?P<txn>{ROW_DATE}))? "
    rf"(?P<desc>(?:(?![A-Za-z]{{3}}).)*?[A-Za-z]{{3}}.*?) (?P<amount>{AMOUNT})"
)
PREVIOUS = re.compile(
    r"(previous (statement )?balance|last month'?s balance|opening balance|balance b/?f"
    r"|balance brought forward|baki mula)",
    re.IGNORECASE,
)
NEW = re.compile(
    r"(new balance|current balance|closing balance|outstanding balance|statement balance"
    r"|total amount due|balance due|baki baru|baki terkini)",
    re.IGNORECASE,
)
CARD = re.compile(r"\b\d{4}[- ]?(?:\d{4}|[X*]{4})[- ]?(?:\d{4}|[X*]{4})[- ]?(\d{2} ?\d{2})\b")


def parse_generic_lines(lines: list[TextLine]) -> ParsedStatement:
    statement = ParsedStatement(bank_code="generic", template_version=None, file_format="pdf")
    bill = ParsedBill()
    bill.statement_date = _labelled_date(lines, r"statement date|tarikh penyata|date:")
    bill.due_date = _labelled_date(lines, r"(payment )?due date|tarikh (akhir|bayaran)")
    bill.previous_balance = _labelled_amount(lines, PREVIOUS, first=True)
    bill.new_balance = _labelled_amount(lines, NEW, first=False)
    card = next((m for line in lines if (m := CARD.search(line.text))), None)
    bill.card_last4 = card.group(1).replace(" ", "") if card else ""
    bill.transactions = _rows(lines, bill.statement_date)
    statement.bills.append(bill)
    errors = [p for p in reconcile_bill(bill) if p["severity"] == "error"]
    statement.needs_review = bool(errors) or not bill.transactions
    return statement


def _rows(lines: list[TextLine], statement_date: date | None) -> list[ParsedTransaction]:
    rows = []
    for line in lines:
        match = ROW.fullmatch(line.text)
        if not match or PREVIOUS.search(line.text) or NEW.search(line.text):
            continue
        parsed = parse_amount(match.group("amount"), SYNTAX)
        if parsed is None:
            continue
        amount, direction = parsed
        posting = parse_date(match.group("posting"), ROW_DATE_FORMATS, statement_date)
        txn = match.group("txn")
        rows.append(
            ParsedTransaction(
                posting_date=posting,
                transaction_date=parse_date(txn, ROW_DATE_FORMATS, statement_date)
                if txn
                else posting,
                description=match.group("desc").strip(),
                amount=amount,
                direction=direction or "debit",
                page=line.page,
                line=line.line,
                raw_text=line.text,
            )
        )
    return rows


def _labelled_date(lines: list[TextLine], label: str) -> date | None:
    label_re = re.compile(label, re.IGNORECASE)
    for index, line in enumerate(lines):
        match = label_re.search(line.text)
        if not match:
            continue
        after = re.search(SDATE, line.text[match.end() :])
        if after:
            return parse_date(after.group(0), STATEMENT_DATE_FORMATS)
        if index + 1 < len(lines):
            # Labels in a header row, values in the row below, in the same order.
            column = len(re.findall(r"\bdate\b", line.text[: match.start()], re.IGNORECASE))
            values = re.findall(SDATE, lines[index + 1].text)
            if column < len(values):
                return parse_date(values[column], STATEMENT_DATE_FORMATS)
    return None


def _labelled_amount(lines: list[TextLine], label: re.Pattern[str], first: bool):
    found = []
    for line in lines:
        match = label.search(line.text)
        if not match:
            continue
        amounts = re.findall(AMOUNT, line.text[match.end() :])
        if amounts:
            found.append(signed_balance(amounts[-1].strip(), SYNTAX))
    if not found:
        return None
    return found[0] if first else found[-1]
