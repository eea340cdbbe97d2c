"""Which way money moves in an export of an unknown bank: the account's kind (a card, whose
balance is owed, or a current account, whose balance is held) and, for a single signed amount
column, whether a negative amount is a debit or a credit.

Decided from evidence in the file, in this order: a running balance that ties with the rows
(the arbiter, when present and consistent), words in the headers and above them (card number,
IBAN, ...), then words in the descriptions of all rows (refund, salary / purchase, fee).
Where the evidence is absent or contradictory the conservative default holds (a negative amount
is money out) and the decision carries a reason for review naming the ambiguity.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from .table_vocabulary import (
    CARD_PAYMENT_WORDS,
    CREDIT_WORDS,
    DEBIT_WORDS,
    DIRECT_DEBIT_WORDS,
    STRONG_CREDIT_WORDS,
    plain,
)

ZERO = Decimal("0")


@dataclass(frozen=True)
class SignedRow:
    """One transaction row before its direction is decided: `delta` is its effect on money
    held as printed (a signed amount as is, or credit - debit), `marked` a direction the cell
    itself prints (CR, DR, a flag), `balance` the running balance printed on the row."""

    delta: Decimal
    marked: str | None
    text: str
    balance: Decimal | None = None


@dataclass(frozen=True)
class BalanceFit:
    movement: str  # "with": the balance moves by +delta (money held); "against": by -delta
    reverse: bool  # True when the rows run newest first
    steps: int
    fits: int

    @property
    def consistent(self) -> bool:
        return self.steps > 0 and self.fits == self.steps


def balance_fit(rows: list[SignedRow], newest_first: bool | None) -> BalanceFit | None:
    """How the printed running balance follows the rows: for each movement and row order, the
    steps between rows with a balance (blank balances are summed over, end-of-day style) and how
    many tie to the cent. The best fit, or None without two balances to compare."""
    orders = [newest_first] if newest_first is not None else [False, True]
    best = None
    for reverse in orders:
        ordered = list(reversed(rows)) if reverse else rows
        for movement, sign in (("with", 1), ("against", -1)):
            steps = fits = 0
            last: Decimal | None = None
            moved = ZERO
            for row in ordered:
                moved += sign * row.delta
                if row.balance is None:
                    continue
                if last is not None:
                    steps += 1
                    fits += row.balance == last + moved
                last, moved = row.balance, ZERO
            if steps and (best is None or fits > best.fits):
                best = BalanceFit(movement, reverse, steps, fits)
    return best


@dataclass
class SignDecision:
    kind: str  # "card" | "current"
    negative_is: str  # direction of a negative amount: "debit" or "credit"
    reason: str = ""  # why a reviewer should check it; "" when the evidence settled it


def decide_signs(
    rows: list[SignedRow], kind_hint: str, newest_first: bool | None, single_column: bool
) -> SignDecision:
    """The account's kind and the meaning of a negative amount.

    `kind_hint` is "card", "current" or "" (no word in the file said). With separate debit and
    credit columns the direction is printed and only the kind is decided (a balance that falls
    on debits is money held, one that rises is owed)."""
    fit = balance_fit(rows, newest_first)
    tied = fit is not None and fit.consistent
    if not single_column:
        kind = kind_hint or ("card" if tied and fit.movement == "against" else "current")
        return SignDecision(kind, "debit")
    signs = [r.delta for r in rows if r.marked is None and r.delta != 0]
    if not signs:  # every direction is printed (a flag, CR/DR): the sign decides nothing
        kind = kind_hint or ("card" if tied and fit.movement == "against" else "current")
        return SignDecision(kind, "debit")
    printed = {r.marked for r in rows if r.marked in ("credit", "debit")}
    if all(d > 0 for d in signs) and len(printed) == 1 and not tied:
        # "500.00 CR" beside plain amounts: the marker names the exception, so the plain
        # amounts are the other direction.
        marked = printed.pop()
        return SignDecision(kind_hint or "card", "credit" if marked == "credit" else "debit")
    if all(d > 0 for d in signs) and not tied:
        return _all_positive(rows, kind_hint)
    if tied:
        return _from_balance(fit, kind_hint, rows)
    return _from_words(rows, kind_hint)


def _from_balance(fit: BalanceFit, kind_hint: str, rows: list[SignedRow]) -> SignDecision:
    """A running balance that ties says how balance and amounts move together; what the
    balance means (held or owed) comes from the kind. A card's balance printed negative is
    money held (owed printed as a minus)."""
    balances = [r.balance for r in rows if r.balance is not None]
    mostly_negative = sum(1 for b in balances if b < 0) > len(balances) / 2
    if not kind_hint and fit.movement == "with" and not mostly_negative:
        # A balance that moves with the amounts is money held by a current account printing
        # money out negative, or money owed on a card printing charges positive: the words
        # tell them apart, and without them it is the current account.
        words = _from_words(rows, "")
        if words.negative_is == "credit" and not words.reason:
            return SignDecision("card", "credit")
    kind = kind_hint or "current"
    balance_is_held = kind == "current" or mostly_negative
    # held: +delta raises money held, so a negative delta is money out (a debit)
    if fit.movement == "with":
        negative_is = "debit" if balance_is_held else "credit"
    else:
        negative_is = "credit" if balance_is_held else "debit"
    if not kind_hint and negative_is == "credit":
        # a balance moving against the amounts: a card's balance owed, amounts printed as
        # money held (purchases negative)
        return SignDecision("card", "debit")
    return SignDecision(kind, negative_is)


def _from_words(rows: list[SignedRow], kind_hint: str) -> SignDecision:
    """Description words across all rows: under each convention, how many rows whose words say
    money in (or out) carry the sign that convention gives them. A phrase only a payment to a
    card or a refund is printed with ("PAYMENT - THANK YOU", "refund") counts twice."""
    agree = {"debit": 0, "credit": 0}  # keyed by what a negative amount would mean
    for row in rows:
        if row.marked is not None or row.delta == 0:
            continue
        words, weight = _direction_of_words(row.text, kind_hint)
        if words is None:
            continue
        negative = row.delta < 0
        if (words == "credit") != negative:  # credit printed positive, debit negative
            agree["debit"] += weight
        else:
            agree["credit"] += weight
    neg_debit, neg_credit = agree["debit"], agree["credit"]
    # Against the default (a negative amount is money out) the words must weigh two or more,
    # three times what speaks for it; on a current account (where printing money out positive
    # is rare) three or more, four times.
    needed, ratio = (3, 4) if kind_hint == "current" else (2, 3)
    if neg_credit >= needed and neg_credit >= ratio * neg_debit:
        # charges printed positive, payments negative: a card's export
        return SignDecision(kind_hint or "card", "credit")
    kind = kind_hint or "current"
    if neg_debit > 0 and neg_debit >= 2 * neg_credit:
        return SignDecision(kind, "debit")
    if neg_debit and neg_credit:
        why = (
            f"the descriptions contradict each other (words weighing {neg_debit} read a negative "
            f"amount as money out, {neg_credit} as money in)"
        )
    elif neg_credit:
        why = (
            f"too few description words (weighing {neg_credit}) read a negative amount as money in"
        )
    else:
        why = "no running balance and no description word says which sign is money out"
    if kind == "current" and not (neg_debit or neg_credit) and kind_hint:
        return SignDecision(kind, "debit")  # a current account prints money out negative
    return SignDecision(
        kind,
        "debit",
        f"Sign convention not evident: {why}; a negative amount was read as a debit "
        "(money out, a charge). Check the directions.",
    )


def _all_positive(rows: list[SignedRow], kind_hint: str) -> SignDecision:
    """Every amount positive and nothing marks a direction: money in, as any other positive
    amount (the conservative default), unless most descriptions read as purchases or fees (a
    card's list of charges)."""
    words = [_direction_of_words(r.text, kind_hint)[0] for r in rows]
    credits, debits = words.count("credit"), words.count("debit")
    if debits > credits and debits >= len(rows) / 2:
        return SignDecision(kind_hint or "card", "credit")  # positive amounts are the debits
    return SignDecision(
        kind_hint or "current",
        "debit",
        "Sign convention not evident: every amount is positive and no column marks debits or "
        "credits; they were read as credits (money in). Check the directions.",
    )


def _direction_of_words(text: str, kind_hint: str) -> tuple[str | None, int]:
    """("credit" | "debit" | None, weight) of a row's words."""
    words = plain(text)
    credit = bool(CREDIT_WORDS.search(words))
    debit = bool(DEBIT_WORDS.search(words))
    if kind_hint == "card" and not debit:
        credit = credit or bool(
            CARD_PAYMENT_WORDS.search(words) or DIRECT_DEBIT_WORDS.search(words)
        )
    elif kind_hint != "card" and not credit:
        debit = debit or bool(DIRECT_DEBIT_WORDS.search(words))
    if credit == debit:
        return None, 0
    if credit:
        return "credit", 2 if STRONG_CREDIT_WORDS.search(words) else 1
    return "debit", 1


def newest_first(dates: list) -> bool | None:
    """True when the rows run newest first, False oldest first, None when undecided."""
    seq = [d for d in dates if d is not None]
    pairs = [(a, b) for a, b in pairwise(seq) if a != b]
    if not pairs:
        return None
    down = sum(1 for a, b in pairs if a > b)
    if down > len(pairs) / 2:
        return True
    if down < len(pairs) / 2:
        return False
    return None
