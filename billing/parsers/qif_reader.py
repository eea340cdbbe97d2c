"""Quicken Interchange Format (QIF) exports, read with `quiffen`.

QIF prints dates as the exporting program's locale had them ("8/12/13", "12/08/2013",
"8/12'13"), never saying which. The order is decided once per document from the dates
themselves (a first number over 12 is a day, a second over 12 is a day), month first, as
Quicken writes it, when nothing tells; a file that shows both orders is refused, not read
half wrong. Amounts may carry thousands separators ("T-1,000.00"); a decimal comma
("T-1.000,00") is rewritten to a point before the library reads it.

Each account's register (!Type:Bank, !Type:CCard, ...) is one bill: a card register
(CCard, Oth L) is a card, any other a current account. Either way QIF signs from the
holder's side, a negative amount being money out or a charge (a debit). Quicken's "Opening
Balance" record is the opening balance, not a row. QIF has no statement date.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import quiffen
from quiffen.core.account import AccountType

from .base import AccountKind, ParsedBill, ParsedStatement, ParsedTransaction, StatementError
from .csv_reader import decode_text
from .statement_exports import account_last4, cents, check_entry_count

# The library logs records it skips with their text at WARNING: statement data stays out of
# the logs (what cannot be read is raised as a StatementError here).
logging.getLogger("quiffen").setLevel(logging.ERROR)
_CARD_TYPES = {AccountType.CREDIT_CARD, AccountType.OTH_L}
_SKIPPED_TYPES = {AccountType.INVST, AccountType.INVOICE, AccountType.UNKNOWN}
_DATE_PARTS = re.compile(r"(\d{1,4})\s*[/.\-']\s*(\d{1,2})\s*[/.\-']")
_REGISTERS = {"bank", "ccard", "cash", "otha", "othl"}
_AMOUNT_LINE = re.compile(
    r"^([TU$])\s*([-+]?)(\d{1,3}(?:\.\d{3})*|\d+),(\d{1,2})\s*$", re.MULTILINE
)
_RECORD_END = re.compile(r"^\^", re.MULTILINE)
# The date forms QIF writers use: 8/12/13, 08.12.2013, 8/12'13, 2013-08-12, 20130812, 12 Aug 2013.
_QIF_DATE = re.compile(
    r"\s*(?:\d{1,4}\s*[/.\-']\s*\d{1,2}\s*[/.\-']\s*\d{2,4}|\d{8}"
    r"|\d{1,2}\s*[A-Za-z]{3,9}\s*'?\s*\d{2,4})\s*"
)
_OPENING = "opening balance"


def parse_qif(data: bytes) -> ParsedStatement:
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.lstrip().startswith("!"):
        raise StatementError("malformed_qif", "The QIF file does not start with a !Type header.")
    check_entry_count(len(_RECORD_END.findall(text)))
    _check_dates(text)
    text = _AMOUNT_LINE.sub(lambda m: f"{m[1]}{m[2]}{m[3].replace('.', '')}.{m[4]}", text)
    try:
        qif = quiffen.Qif.parse_string(text, day_first=_day_first(text))
    except (quiffen.ParserException, ValueError, TypeError, KeyError, IndexError, ArithmeticError,
            OverflowError) as exc:  # fmt: skip
        raise StatementError(
            "malformed_qif", f"The QIF file cannot be read ({type(exc).__name__})."
        ) from None
    parsed = ParsedStatement(bank_code="generic", template_version=None, file_format="qif")
    for name, account in qif.accounts.items():
        for account_type, transactions in account.transactions.items():
            if account_type in _SKIPPED_TYPES or not transactions:
                continue
            kind: AccountKind = "card" if account_type in _CARD_TYPES else "current"
            parsed.bills.append(_bill(account, name, kind, transactions))
    if not parsed.bills:
        raise StatementError("no_statement", "The QIF file holds no bank or card transactions.")
    parsed.needs_review = True  # no statement date, rarely a balance: nothing to check against
    return parsed


def _register_dates(text: str) -> Iterator[str]:
    """The D fields of transaction registers (in an !Account block, D is its description)."""
    register = False
    for line in text.split("\n"):
        if line.startswith("!"):
            header = line.strip().lower().replace(" ", "")
            if not header.startswith(("!option", "!clear")):
                register = header.startswith("!type:") and header[6:] in _REGISTERS
        elif register and line.startswith("D"):
            yield line[1:].strip()


def _check_dates(text: str) -> None:
    """Every date is in a form QIF writes: the library's date parser would read "D5" as the 5th
    of this month, a guess a bill must not be built on."""
    for number, raw in enumerate(_register_dates(text), start=1):
        if not _QIF_DATE.fullmatch(raw):
            raise StatementError(
                "malformed_qif", f"Date {number} of the QIF file ({raw[:20]!r}) is not a date."
            )


def _day_first(text: str) -> bool:
    firsts, seconds = set(), set()
    for raw in _register_dates(text):
        match = _DATE_PARTS.match(raw)
        if match is None or len(match.group(1)) == 4:  # 2013-08-12: year first, no order
            continue
        firsts.add(int(match.group(1)))
        seconds.add(int(match.group(2)))
    day_first, month_first = max(firsts, default=0) > 12, max(seconds, default=0) > 12
    if day_first and month_first:
        raise StatementError(
            "malformed_qif", "The QIF file's dates are written both day-first and month-first."
        )
    return day_first


def _bill(account, name: str, kind: AccountKind, transactions: list) -> ParsedBill:
    label = "" if name == "Quiffen Default Account" else name
    bill = ParsedBill(account_kind=kind, account=label, card_last4=account_last4(label))
    if account.balance is not None and (balance := cents(account.balance)) is not None:
        bill.new_balance = -balance if kind == "card" else balance
    for index, transaction in enumerate(transactions, start=1):
        amount = cents(transaction.amount)
        if amount is None:
            raise StatementError("malformed_qif", f"Record {index} of the QIF file has no amount.")
        payee = (transaction.payee or "").strip()
        if payee.lower() == _OPENING and bill.previous_balance is None:
            bill.previous_balance = -amount if kind == "card" else amount
            continue
        day = transaction.date.date() if transaction.date else None
        memo = (transaction.memo or "").strip()
        bill.transactions.append(
            ParsedTransaction(
                posting_date=day,
                transaction_date=day,
                description=" / ".join(part for part in dict.fromkeys((payee, memo)) if part),
                amount=abs(amount),
                direction="debit" if amount < 0 else "credit",
                line=index,
                raw_text=str(transaction.check_number or ""),
            )
        )
    if account.date_at_balance is not None:
        bill.statement_date = account.date_at_balance.date()
    if account.credit_limit is not None:
        bill.credit_limit = cents(account.credit_limit)
    return bill
