"""Pure checks on one parsed bill: does the money add up, are the dates sane?

Each problem is `{"code", "message", "severity"}`; severity "error" blocks the
`verified` status, "warning" is shown to the reviewer but does not.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from billing.reconciliation import bill_reconciliation, printed_total_mismatches

from .base import ParsedBill, ParsedStatement

ZERO = Decimal("0.00")
# Without a printed period start, a statement covers at most about two cycles back.
DEFAULT_PERIOD = timedelta(days=62)


def bill_sums(bill: ParsedBill) -> tuple[Decimal, Decimal]:
    """(debits, credits) of the rows that count toward this bill's balance."""
    rows = [t for t in bill.transactions if not t.is_memo]
    debits = sum((t.amount for t in rows if t.direction == "debit"), ZERO)
    credits = sum((t.amount for t in rows if t.direction == "credit"), ZERO)
    return debits, credits


def reconcile_bill(
    bill: ParsedBill, checks: tuple[str, ...] = ("balance", "printed_totals")
) -> list[dict]:
    """Problems of one bill; `checks` is the template's "verify" list (dates always run)."""
    problems: list[dict] = []
    debits, credits = bill_sums(bill)
    if "balance" in checks:
        problems += _balance_problems(bill, debits, credits)
    if "printed_totals" in checks:
        problems += _printed_total_problems(bill, debits, credits)
    problems += _date_problems(bill)
    problems += [
        _problem("row_unreadable", f"Line {p.line}: {p.reason}", "error") for p in bill.row_problems
    ]
    return problems


def _balance_problems(bill: ParsedBill, debits: Decimal, credits: Decimal) -> list[dict]:
    if bill.previous_balance is None or bill.new_balance is None:
        missing = "previous balance" if bill.previous_balance is None else "new balance"
        return [_problem("balance_missing", f"The statement's {missing} was not found.", "error")]
    reconciliation = bill_reconciliation(
        previous_balance=bill.previous_balance,
        debits=debits,
        credits=credits,
        new_balance=bill.new_balance,
        account_kind=bill.account_kind,
    )
    if not reconciliation.balanced:
        return [_problem("balance_mismatch", reconciliation.explained() + ".", "error")]
    return []


def _printed_total_problems(bill: ParsedBill, debits: Decimal, credits: Decimal) -> list[dict]:
    mismatches = printed_total_mismatches(
        debits=debits,
        credits=credits,
        printed_debits=bill.total_debits,
        printed_credits=bill.total_credits,
    )
    return [
        _problem(
            f"total_{label}_mismatch",
            f"The statement prints total {label} {printed}; the rows sum to {parsed}.",
            "error",
        )
        for label, printed, parsed in mismatches
    ]


def _date_problems(bill: ParsedBill) -> list[dict]:
    problems = []
    if bill.statement_date is None:
        problems.append(_problem("statement_date_missing", "No statement date found.", "error"))
        return problems
    if bill.due_date is not None and bill.due_date <= bill.statement_date:
        problems.append(
            _problem(
                "due_before_statement",
                f"Due date {bill.due_date} is not after statement date {bill.statement_date}.",
                "error",
            )
        )
    start = bill.period_start or (bill.statement_date - DEFAULT_PERIOD)
    outside = [
        t
        for t in bill.transactions
        if (d := t.posting_date or t.transaction_date) is not None
        and not (start <= d <= bill.statement_date)
    ]
    if outside:
        problems.append(
            _problem(
                "date_outside_period",
                f"{len(outside)} row(s) dated outside {start}..{bill.statement_date}, "
                f"first: {_first_date(outside)}.",
                "warning",
            )
        )
    return problems


def _first_date(rows) -> date | None:
    return rows[0].posting_date or rows[0].transaction_date


def _problem(code: str, message: str, severity: str) -> dict:
    return {"code": code, "message": message, "severity": severity}


def statement_status(statement: ParsedStatement) -> tuple[str, list[dict]]:
    """("verified" | "review", problems over all bills and the reader's own notes)."""
    problems: list[dict] = []
    for index, bill in enumerate(statement.bills):
        for problem in reconcile_bill(bill, statement.checks):
            problems.append({**problem, "bill": index, "card_last4": bill.card_last4})
    problems += [_problem("reader_note", note, "error") for note in statement.problems]
    if not statement.bills:
        problems.append(_problem("no_bill", "No statement summary was found.", "error"))
    blocking = any(p["severity"] == "error" for p in problems)
    return ("review" if blocking or statement.needs_review else "verified"), problems
