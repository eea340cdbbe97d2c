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
    card_id: int,
    statement_date: date,
    new_balance: Decimal | None,
    debits: Decimal,
    credits: Decimal,
) -> str:
    """The same statement of the same card: the card, statement date and new balance.

    Keyed by the card (a customer's), not by bank and last 4 digits: another customer's card
    with the same digits has statements of its own, and matching them would file this bill
    as a "duplicate" of a bill the uploader must not see. A statement that prints no new
    balance (a transaction export) uses its debit and credit sums instead, so two different
    exports of one day are not mistaken for each other.
    """
    money = f"{new_balance:.2f}" if new_balance is not None else f"sums:{debits:.2f}/{credits:.2f}"
    key = f"card:{card_id}|{statement_date.isoformat()}|{money}"
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


CHAIN_CODES = {"previous_balance_mismatch", "statement_gap"}


def chain_recheck_after(bill: Bill) -> Bill | None:
    """A statement imported out of order becomes the predecessor of a bill already stored:
    check that later bill's previous balance again, and move it (and its import) between
    verified and review accordingly. Returns the later bill when there is one."""
    later = (
        Bill.objects.select_related("statement_import")
        .filter(card=bill.card, statement_date__gt=bill.statement_date)
        .order_by("statement_date", "id")
        .first()
    )
    if later is None:
        return None
    kept = [p for p in later.problems or [] if p.get("code") not in CHAIN_CODES]
    problem = previous_bill_problem(
        previous_balance=later.previous_balance,
        statement_date=later.statement_date,
        earlier=bill,
    )
    if problem is not None:
        kept.append({**problem, "card_last4": later.card.last4})
    later.problems = kept
    blocking = any(p.get("severity") == "error" for p in kept)
    later.status = Bill.Status.REVIEW if blocking else Bill.Status.VERIFIED
    later.save(update_fields=["problems", "status"])
    _refresh_import(later, problem)
    return later


def _refresh_import(later: Bill, problem: dict | None) -> None:
    """Replace the later bill's chain problem in its import's list, then its status."""
    statement = later.statement_import
    last4 = later.card.last4
    index = next(
        (
            p["bill"]
            for p in statement.problems or []
            if p.get("card_last4") == last4 and "bill" in p
        ),
        list(statement.bills.order_by("id").values_list("id", flat=True)).index(later.pk),
    )
    statement.problems = [
        p
        for p in statement.problems or []
        if not (p.get("code") in CHAIN_CODES and p.get("card_last4") == last4)
    ]
    if problem is not None:
        statement.problems.append({**problem, "bill": index, "card_last4": last4})
    statement.save(update_fields=["problems"])
    _import_status_from_bills(statement)


def _import_status_from_bills(statement) -> None:
    from billing.models import StatementImport

    if statement.status not in (StatementImport.Status.VERIFIED, StatementImport.Status.REVIEW):
        return
    in_review = statement.bills.filter(status=Bill.Status.REVIEW).exists()
    reader_errors = any(
        p.get("severity") == "error" and p.get("code") not in CHAIN_CODES
        and "bill" not in p
        for p in statement.problems or []
    )  # fmt: skip
    status = (
        StatementImport.Status.REVIEW
        if in_review or reader_errors
        else StatementImport.Status.VERIFIED
    )
    if status != statement.status:
        statement.status = status
        statement.save(update_fields=["status"])
