"""Checks that need more than one parsed bill: the card's history, and the fingerprint that
recognises the same statement arriving as a different file."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal

from billing.models import Bill, CreditCard

# Two statements further apart than this are not consecutive: a statement is missing between
# them, so their balances are not expected to chain.
CONSECUTIVE_MAX_GAP = timedelta(days=45)


def bill_fingerprint(
    *,
    bank_code: str,
    last4: str,
    statement_date: date,
    new_balance: Decimal | None,
    debits: Decimal,
    credits: Decimal,
) -> str:
    """The same statement of the same card: bank, last 4 digits, statement date, new balance.

    A statement that prints no new balance (a transaction export) uses its debit and credit
    sums instead, so two different exports of one day are not mistaken for each other.
    """
    money = f"{new_balance:.2f}" if new_balance is not None else f"sums:{debits:.2f}/{credits:.2f}"
    key = f"{bank_code}|{last4}|{statement_date.isoformat()}|{money}"
    return hashlib.sha256(key.encode()).hexdigest()


def previous_bill_problem(
    *,
    previous_balance: Decimal | None,
    statement_date: date,
    earlier: Bill | None,
) -> dict | None:
    """Does this bill's previous balance equal the card's last bill's new balance?"""
    if earlier is None or previous_balance is None or earlier.new_balance is None:
        return None
    if statement_date - earlier.statement_date > CONSECUTIVE_MAX_GAP:
        return {
            "code": "statement_gap",
            "message": f"The card's last bill is of {earlier.statement_date}; a statement in "
            "between seems to be missing, so the previous balance was not compared.",
            "severity": "warning",
        }
    if previous_balance != earlier.new_balance:
        return {
            "code": "previous_balance_mismatch",
            "message": f"Previous balance {previous_balance} differs from the new balance "
            f"{earlier.new_balance} of the card's bill of {earlier.statement_date} "
            f"(off by {previous_balance - earlier.new_balance}).",
            "severity": "error",
        }
    return None


def card_bill_before(card: CreditCard, statement_date: date, *, exclude_import=None) -> Bill | None:
    bills = Bill.objects.filter(card=card, statement_date__lt=statement_date)
    if exclude_import is not None:
        bills = bills.exclude(statement_import=exclude_import)
    return bills.order_by("-statement_date", "-id").first()
