"""Validators that choose among candidates and report what they confirmed.

The money check is the strongest evidence an invoice offers: of all the amounts printed near
total / net / tax labels, the triple where net + tax = total is almost always the right one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import product

from ocrengine.extraction.candidates import Candidate
from ocrengine.extraction.taxids import is_cn_tax_id, is_valid_tax_id

CENT = Decimal("0.01")


@dataclass
class AmountChoice:
    total: Candidate | None
    net: Candidate | None
    tax: Candidate | None
    consistent: bool


def _distinct(candidates: list[Candidate], limit: int = 8) -> list[Candidate]:
    seen: dict[str, Candidate] = {}
    for candidate in sorted(candidates, key=lambda c: -c.score):
        if candidate.amount is not None and candidate.value not in seen:
            seen[candidate.value] = candidate
    return list(seen.values())[:limit]


def choose_amounts(
    totals: list[Candidate], nets: list[Candidate], taxes: list[Candidate]
) -> AmountChoice:
    """The best-scored triple with net + tax = total; else each field's best on its own."""
    totals, nets, taxes = _distinct(totals), _distinct(nets), _distinct(taxes)
    best: tuple[float, AmountChoice] | None = None
    for total, net, tax in product(totals, nets, taxes):
        if abs(net.amount + tax.amount - total.amount) > CENT or total.amount == 0:
            continue
        if net.segment is tax.segment and net.value == tax.value:
            continue
        score = total.score + net.score + tax.score
        if best is None or score > best[0]:
            best = (score, AmountChoice(total, net, tax, True))
    if best is not None:
        return best[1]
    return AmountChoice(
        totals[0] if totals else None,
        nets[0] if nets else None,
        taxes[0] if taxes else None,
        False,
    )


def date_plausible(value: str | None) -> bool:
    if not value:
        return False
    year = int(value[:4])
    return 1990 <= year <= date.today().year + 1


def due_after_issue(issue: str | None, due: str | None) -> bool | None:
    if not issue or not due:
        return None
    return due >= issue


def tax_id_ok(value: str | None, *, chinese: bool) -> bool | None:
    if not value:
        return None
    return is_cn_tax_id(value) if chinese else is_valid_tax_id(value)
