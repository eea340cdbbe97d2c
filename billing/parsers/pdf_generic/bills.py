"""A section read under the chosen reading, as the ParsedBill the import stores."""

from __future__ import annotations

from ..base import ParsedBill, ParsedTransaction
from ..statement_exports import account_last4
from .arbiter import (
    ZERO,
    Reading,
    balance_effect,
    directions,
    included_txns,
    running_balance_fit,
    running_values,
    section_balances,
)
from .rows import row_date
from .sections import Section


def bill_of_section(
    section: Section, reading: Reading, summary, order, reference, total
) -> ParsedBill:
    bill = summary.bill(reading.kind) if total == 1 else ParsedBill(account_kind=reading.kind)
    if total > 1:
        bill.due_date = summary.due_date
    bill.account = section.account
    if reading.kind == "card":
        bill.card_last4 = section.card_last4 or bill.card_last4
    else:
        # A bank account is filed under the last digits of its number, as exports are.
        bill.card_last4 = account_last4(section.account or summary.iban)
    rows = directions(section, reading)
    previous, new = section_balances(section, reading, summary, total)
    running = running_values(section, reading)
    if (
        (previous is None or new is None)
        and running
        and running_balance_fit(section, reading, rows) == 1.0
    ):
        previous, new = balances_from_running(section, reading, rows, running, previous, new)
    bill.previous_balance, bill.new_balance = previous, new
    closing = section.closing
    closing_date = row_date(closing.row, order, reference) if closing else None
    bill.statement_date = (
        (summary.statement_date if total == 1 else None) or closing_date or summary.statement_date
    )
    if bill.statement_date is None:
        dated = [row_date(t.row, order, reference) for t in section.txns]
        dated = [d for d in dated if d]
        bill.statement_date = max(dated) if dated else None
    reference = bill.statement_date or reference
    for txn, amount, direction in rows:
        when = row_date(txn.date_row or txn.row, order, reference)
        bill.transactions.append(
            ParsedTransaction(
                posting_date=when,
                transaction_date=when,
                description=txn.description[:500],
                amount=amount,
                direction=direction,
                fx_amount=txn.fx.amount.value if txn.fx else None,
                fx_currency=txn.fx_currency,
                page=txn.row.page,
                line=txn.row.number,
                raw_text=" / ".join(r.text for r in [txn.row, *txn.extra_rows])[:1000],
            )
        )
    return bill


def balances_from_running(section, reading, rows, running, previous, new):
    """Opening and closing balances from a consistent running balance column, in the order
    the rows are printed (oldest or newest first)."""
    steps = {}
    for txn, amount, direction in rows:
        steps[id(txn)] = steps.get(id(txn), ZERO) + balance_effect(amount, direction, reading.kind)
    included = included_txns(section, reading)
    first, last = included[0], included[-1]
    newest_first = (
        len(running) > 1
        and running[0] is not None
        and running[1] is not None
        and (running[0] - running[1] == steps.get(id(first), ZERO))
    )
    if newest_first:
        oldest, oldest_balance, newest_balance = last, running[-1], running[0]
    else:
        oldest, oldest_balance, newest_balance = first, running[0], running[-1]
    if previous is None and oldest_balance is not None:
        previous = oldest_balance - steps.get(id(oldest), ZERO)
    if new is None and newest_balance is not None:
        new = newest_balance
    return previous, new
