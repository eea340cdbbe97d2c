"""What every statement reader produces: plain data, no database.

Amounts are Decimal. Transaction amounts are always positive with the direction in
`direction`: "debit" is money spent or paid out, "credit" is money paid in or refunded.

Balances follow the account's own sign convention (`account_kind`, both modelled explicitly):
- "card": a balance owed is positive, a credit (CR) balance negative; debits raise it,
  previous + debits - credits = new;
- "current" (a current or savings account, money in / money out): money held is positive,
  an overdraft negative; credits raise it, previous - debits + credits = new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from ocrengine.documents.errors import DocumentError

Direction = Literal["debit", "credit"]
AccountKind = Literal["card", "current"]


class StatementError(DocumentError):
    """A statement that cannot be read at all; `code` is stable for the API's error shape.

    A `DocumentError`, as are the PDF reader's own errors that reach the caller unchanged
    (`PasswordRequired`, `PasswordIncorrect`): callers catch `DocumentError` once."""

    def __init__(self, code: str, message: str, details: dict | None = None) -> None:
        super().__init__(code, message, **(details or {}))


RATE_PLACES = Decimal("0.000001")


def implied_fx_rate(amount: Decimal, fx_amount: Decimal | None) -> Decimal | None:
    """Statement-currency units per unit of the original currency, as the bank converted the
    row ("14,00 USD" charged 10,22 EUR: 0.730000); None without an original amount."""
    if fx_amount is None or fx_amount <= 0:
        return None
    return (amount / fx_amount).quantize(RATE_PLACES)


@dataclass
class ParsedTransaction:
    posting_date: date | None
    transaction_date: date | None
    description: str
    amount: Decimal
    direction: Direction
    fx_amount: Decimal | None = None
    fx_currency: str = ""
    page: int | None = None
    line: int | None = None
    raw_text: str = ""
    card_last4: str = ""  # the card section the row was printed under, when several share a bill
    is_memo: bool = False  # listed by the bank but not part of this bill's balance (e.g. ":0/12")


@dataclass
class RowProblem:
    """A row the reader saw but would not guess at (e.g. an unreadable debit/credit flag)."""

    page: int | None
    line: int | None
    raw_text: str
    reason: str


@dataclass
class ParsedBill:
    card_last4: str = ""
    account_kind: AccountKind = "card"
    account: str = ""  # the account's printed name or number, when the statement has several
    card_holder: str = ""
    statement_date: date | None = None
    due_date: date | None = None
    period_start: date | None = None
    previous_balance: Decimal | None = None
    new_balance: Decimal | None = None
    total_debits: Decimal | None = None  # as printed, when the statement prints it
    total_credits: Decimal | None = None
    minimum_payment: Decimal | None = None
    credit_limit: Decimal | None = None
    currency: str = ""
    transactions: list[ParsedTransaction] = field(default_factory=list)
    row_problems: list[RowProblem] = field(default_factory=list)


@dataclass
class ParsedStatement:
    bank_code: str  # Bank.code, or "generic"
    template_version: int | None
    file_format: Literal["pdf", "csv", "xlsx", "ofx", "camt", "mt940", "qif"]
    bills: list[ParsedBill] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    needs_review: bool = False  # set by readers that guessed (generic layout, inferred columns)
    checks: tuple[str, ...] = ("balance", "printed_totals")  # the template's "verify" list
