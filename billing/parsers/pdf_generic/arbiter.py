"""Reconciliation as the arbiter: every reading of the value columns (which is the debit, the
credit, a signed amount, a running balance) under each sign convention (card or current
account) is scored, and the one under which the balances tie wins."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import product

from ..base import AccountKind
from ..statement_labels import (
    BALANCE_IN_CREDIT,
    BALANCE_OVERDRAWN,
    plain,
)
from ..table_vocabulary import (
    CARD_PAYMENT_WORDS,
    CREDIT_WORDS,
    DEBIT_WORDS,
)
from .sections import BalanceLine, Section, Txn

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Reading:
    """One interpretation: the role of each value column and the account's sign convention."""

    roles: tuple[str, ...]
    kind: AccountKind
    undated: bool = False  # undated rows with amounts are transactions of the day above


def included_txns(section: Section, reading: Reading) -> list[Txn]:
    return [t for t in section.txns if reading.undated or t.date_row is None]


@dataclass(frozen=True, order=True)
class Score:
    ties: bool  # the balances reconcile (or the running balance holds) in every section
    points: float


def candidate_roles(count: int, headings: dict[int, str]) -> list[tuple[str, ...]]:
    """Every coherent assignment of roles to the value columns; a column whose role fits
    no coherent reading is left out ("skip") only when nothing else is coherent."""
    options: list[list[str]] = []
    for index in range(count):
        heading = headings.get(index)
        if heading:
            options.append([heading])
        elif count == 1:
            options.append(["amount"])  # one column: the sign says the direction
        elif index == count - 1:
            options.append(["balance", "credit", "debit", "amount"])
        else:
            options.append(["debit", "credit", "amount"])
    readings = [tuple(roles) for roles in product(*options) if coherent(roles)]
    if readings:
        return readings
    loose = [[*choices, "skip"] if len(choices) > 1 else choices for choices in options]
    return [tuple(roles) for roles in product(*loose) if coherent(roles)]


def coherent(roles: tuple[str, ...]) -> bool:
    counts = {role: roles.count(role) for role in set(roles) if role != "skip"}
    if any(n > 1 for n in counts.values()):
        return False
    if "amount" in counts and ("debit" in counts or "credit" in counts):
        return False
    return bool({"amount", "debit", "credit"} & counts.keys())


def best_reading(
    sections, columns, headings, summary, kind_prior, kinds=("card", "current")
) -> tuple[Reading, Score]:
    best: tuple[Score, Reading] | None = None
    undated = [False, True] if any(t.date_row for s in sections for t in s.txns) else [False]
    for roles, kind, with_undated in product(
        candidate_roles(len(columns), headings), kinds, undated
    ):
        reading = Reading(roles, kind, with_undated)
        score = score_reading(reading, sections, headings, summary, kind_prior, len(sections))
        if best is None or score > best[0]:
            best = (score, reading)
    if best is None:  # no heading combination is coherent: read every column as an amount
        fallback = Reading(("amount",), kind_prior or "card")
        return fallback, Score(False, 0.0)
    return best[1], best[0]


def score_reading(reading: Reading, sections, headings, summary, kind_prior, total: int) -> Score:
    ties = True
    points = 0.0
    openings = []
    for section in sections:
        rows = directions(section, reading)
        previous, new = section_balances(section, reading, summary, total)
        openings.append(previous)
        if not rows:
            # An account with no rows this period ties when its balance did not move.
            ties = ties and previous is not None and previous == new
            continue
        running = running_balance_fit(section, reading, rows)
        if previous is not None and new is not None:
            if expected_new_balance(previous, rows, reading.kind) == new:
                points += 4
            else:
                ties = False
        elif running is not None and running == 1.0:
            points += 3
        else:
            ties = False
        if running is not None:
            points += 2 * running
    points += sum(0.5 for index, role in enumerate(reading.roles) if headings.get(index) == role)
    points += 0.3 if reading.kind == kind_prior else 0.0
    # A running balance column is a current account's: card statements seldom print one.
    points += 0.1 if reading.kind == "current" and "balance" in reading.roles else 0.0
    points += word_agreement(sections, reading)
    # Symmetric readings tie alike (a card in a "debit" column, an account in credit): most
    # statements open with money held or owed, not the reverse.
    points += sum(0.2 for p in openings if p is not None and p >= 0)
    if "balance" in reading.roles and not balance_column_plausible(sections, reading):
        points -= 2
    return Score(ties and bool(sections), points)


def word_agreement(sections: list[Section], reading: Reading) -> float:
    """Descriptions as evidence, between readings that tie alike: how many rows whose words say
    money in (a refund, a salary, a card payment received) or out (a purchase, a fee) get that
    direction under this reading. Worth less than any balance that ties."""
    agree = 0
    for section in sections:
        for txn, _amount, direction in directions(section, reading):
            words = plain(txn.description)
            says_credit = bool(CREDIT_WORDS.search(words))
            if reading.kind == "card" and CARD_PAYMENT_WORDS.search(words):
                says_credit = True
            says_debit = bool(DEBIT_WORDS.search(words))
            if says_credit != says_debit:
                agree += 1 if (direction == "credit") == says_credit else -1
    return max(-1.0, min(1.0, agree * 0.1))


def directions(section: Section, reading: Reading) -> list[tuple[Txn, Decimal, str]]:
    """(row, amount, "debit" | "credit") under this reading."""
    out = []
    markers = {
        column: {placed.amount.marker for t in section.txns if (placed := t.columns.get(column))}
        for column in range(len(reading.roles))
    }
    for txn in included_txns(section, reading):
        for column, placed in sorted(txn.columns.items()):
            if column >= len(reading.roles):
                continue
            role = reading.roles[column]
            amount = placed.amount
            if role == "debit":
                out.append((txn, amount.value, "credit" if amount.marked_credit else "debit"))
            elif role == "credit":
                out.append((txn, amount.value, "debit" if amount.marked_debit else "credit"))
            elif role == "amount":
                direction = signed_direction(amount, reading.kind, markers[column])
                out.append((txn, amount.value, direction))
    return out


def signed_direction(amount, kind: AccountKind, column_markers: set[str]) -> str:
    """One signed amount column. A column that marks credits (CR) leaves debits unmarked, and
    one that marks debits (DR) leaves credits unmarked, on cards and accounts alike; with
    signs only, a card prints payments as - or (..), an account prints money out so."""
    if amount.marked_credit:
        return "credit"
    if amount.marked_debit:
        return "debit"
    if amount.sign > 0 and "CR" in column_markers:
        return "debit"
    if amount.sign > 0 and "DR" in column_markers:
        return "credit"
    if kind == "card":
        return "credit" if amount.sign < 0 else "debit"
    return "debit" if amount.sign < 0 else "credit"


def expected_new_balance(previous: Decimal, rows, kind: AccountKind) -> Decimal:
    debits = sum((amount for _, amount, d in rows if d == "debit"), ZERO)
    credits = sum((amount for _, amount, d in rows if d == "credit"), ZERO)
    if kind == "current":
        return previous - debits + credits
    return previous + debits - credits


def balance_effect(amount: Decimal, direction: str, kind: AccountKind) -> Decimal:
    raises = "credit" if kind == "current" else "debit"
    return amount if direction == raises else -amount


def balance_value(line_or_amount, kind: AccountKind, reading: Reading | None = None) -> Decimal:
    """A printed balance in the account's convention (see base.py)."""
    if isinstance(line_or_amount, BalanceLine):
        placed, text = line_or_amount.amount, plain(line_or_amount.row.text)
        column = line_or_amount.column
    else:
        placed, text, column = line_or_amount, "", None
    amount = placed.amount
    value = amount.value
    role = (
        reading.roles[column]
        if reading and column is not None and column < len(reading.roles)
        else ""
    )
    if kind == "card":
        negative = amount.marked_credit or amount.sign < 0 or role == "credit"
        return -value if negative else value
    negative = (
        amount.marked_debit
        or amount.sign < 0
        or role == "debit"
        or bool(BALANCE_OVERDRAWN.search(text) and not BALANCE_IN_CREDIT.search(text))
    )
    return -value if negative else value


def section_balances(section: Section, reading: Reading, summary, total: int):
    opening, closing = section.opening, section.closing
    previous = balance_value(opening, reading.kind, reading) if opening else None
    new = balance_value(closing, reading.kind, reading) if closing else None
    if total == 1:
        if previous is None and summary.previous is not None:
            previous = balance_value(summary.previous, reading.kind)
        if new is None and summary.new is not None:
            new = balance_value(summary.new, reading.kind)
    if new is None and previous is not None:
        expected = expected_new_balance(previous, directions(section, reading), reading.kind)
        closing = [
            value
            for count, placed in section.subtotals
            if count == len(section.txns)
            and (value := balance_value(placed, reading.kind)) == expected
        ]
        new = closing[0] if closing else None
    return previous, new


def running_values(section: Section, reading: Reading) -> list[Decimal | None]:
    if "balance" not in reading.roles:
        return []
    column = reading.roles.index("balance")
    values = []
    for txn in included_txns(section, reading):
        placed = txn.columns.get(column)
        values.append(balance_value(placed, reading.kind) if placed else None)
    return values


def running_balance_fit(section: Section, reading: Reading, rows) -> float | None:
    """The share of consecutive rows whose running balance moves by the row's amount
    (either reading order: oldest first or newest first); None without a balance column."""
    values = running_values(section, reading)
    if not values:
        return None
    effects: dict[int, Decimal] = {}
    for txn, amount, direction in rows:
        key = id(txn)
        effects[key] = effects.get(key, ZERO) + balance_effect(amount, direction, reading.kind)
    steps = [effects.get(id(txn), ZERO) for txn in included_txns(section, reading)]
    pairs = [
        (i - 1, i)
        for i in range(1, len(values))
        if values[i] is not None and values[i - 1] is not None
    ]
    if not pairs:
        return None
    forward = sum(values[b] - values[a] == steps[b] for a, b in pairs)
    backward = sum(values[a] - values[b] == steps[a] for a, b in pairs)
    return max(forward, backward) / len(pairs)


def balance_column_plausible(sections, reading: Reading) -> bool:
    """A balance column has a figure on most rows."""
    column = reading.roles.index("balance")
    txns = [t for s in sections for t in included_txns(s, reading)]
    filled = sum(1 for t in txns if column in t.columns)
    return bool(txns) and filled >= 0.6 * len(txns)


def describe_reading(reading: Reading) -> str:
    kind = "a card statement" if reading.kind == "card" else "a current account"
    return f"columns {', '.join(reading.roles)} as {kind}"
