"""The balance equation of a bill, in one place, to the cent, in the account's own sign
convention: a card (balance owed positive) has previous + debits - credits = new; a current
account (money held positive) has previous - debits + credits = new. The parsers' checks, the bill API, the integrity check and the
statement preview all ask this module; the workbench shows what the API answers.

Plain Decimal arithmetic, no database: parsed bills and stored ones are checked alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from billing.models import Bill


@dataclass(frozen=True)
class Reconciliation:
    """One bill's balance equation. None where the statement prints no balance (a CSV export
    prints none): then there is nothing to reconcile, and nothing is invented."""

    previous_balance: Decimal | None
    debits: Decimal
    credits: Decimal
    printed_new_balance: Decimal | None
    account_kind: str = "card"

    @property
    def expected_new_balance(self) -> Decimal | None:
        if self.previous_balance is None:
            return None
        if self.account_kind == "current":
            return self.previous_balance - self.debits + self.credits
        return self.previous_balance + self.debits - self.credits

    @property
    def difference(self) -> Decimal | None:
        """What the printed new balance is off by (printed - expected)."""
        expected = self.expected_new_balance
        if expected is None or self.printed_new_balance is None:
            return None
        return self.printed_new_balance - expected

    @property
    def balanced(self) -> bool | None:
        difference = self.difference
        return None if difference is None else difference == 0

    def explained(self) -> str:
        """The equation in words, for a problem message."""
        if self.account_kind == "current":
            equation = (
                f"previous {self.previous_balance} - debits {self.debits} + credits {self.credits}"
            )
        else:
            equation = (
                f"previous {self.previous_balance} + debits {self.debits} - credits {self.credits}"
            )
        return (
            f"{equation} "
            f"= {self.expected_new_balance}, but the statement prints {self.printed_new_balance} "
            f"(off by {self.difference})"
        )


def bill_reconciliation(
    *,
    previous_balance: Decimal | None,
    debits: Decimal,
    credits: Decimal,
    new_balance: Decimal | None,
    account_kind: str = "card",
) -> Reconciliation:
    return Reconciliation(previous_balance, debits, credits, new_balance, account_kind)


def stored_bill_reconciliation(bill: Bill) -> Reconciliation:
    """A stored bill's equation, over the debits and credits it keeps."""
    return bill_reconciliation(
        previous_balance=bill.previous_balance,
        debits=bill.total_debits,
        credits=bill.total_credits,
        new_balance=bill.new_balance,
        account_kind=bill.account_kind,
    )


def printed_total_mismatches(
    *,
    debits: Decimal,
    credits: Decimal,
    printed_debits: Decimal | None,
    printed_credits: Decimal | None,
) -> list[tuple[str, Decimal, Decimal]]:
    """(label, printed, summed) for each printed total the rows do not sum to."""
    return [
        (label, printed, summed)
        for label, printed, summed in (
            ("debits", printed_debits, debits),
            ("credits", printed_credits, credits),
        )
        if printed is not None and printed != summed
    ]
