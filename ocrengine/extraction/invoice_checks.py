"""Validators that choose among candidates and report what they confirmed.

The money check is the strongest evidence an invoice offers: of all the amounts printed near
total / net / tax labels, the triple where net + tax = total is almost always the right one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import combinations, product

from ocrengine.extraction.candidates import Candidate
from ocrengine.extraction.tax_breakdown import RATE
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
    taxes = _distinct(taxes) + _tax_line_sums(taxes)
    totals, nets = _distinct(totals), _distinct(nets)
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
    repaired = _repair_one_digit(totals, nets, taxes)
    if repaired is not None:
        return repaired
    total = totals[0] if totals else None
    if total is not None:
        # Nothing adds up: still, a part is never the whole ("Total exkl. MWST" read as tax).
        taxes = [t for t in taxes if t.amount < total.amount]
    return AmountChoice(total, nets[0] if nets else None, taxes[0] if taxes else None, False)


def _tax_line_sums(taxes: list[Candidate]) -> list[Candidate]:
    """The sum of two tax lines printed apart (CGST + SGST, GST + QST, 7 % + 19 %): the
    document's tax where it prints no total of its own; net + tax = total decides."""
    # Tax lines of their own ("CGST @ 9%  11,250.00"): not a column's values, nor a totals
    # row's split (which is the whole tax already).
    lines = [t for t in taxes if t.amount and t.amount > 0 and t.extra.get("label_starts_row")]
    sums: dict[Decimal, Candidate] = {}
    for first, second in combinations(lines, 2):
        if first.segment.row == second.segment.row:
            continue
        value = first.amount + second.amount
        score = min(first.score, second.score) * 0.9
        if value not in sums or sums[value].score < score:
            sums[value] = Candidate(
                "tax_amount", f"{value:.2f}", score, "derived", first.segment, first.alias, value
            )
    return list(sums.values())


def totals_row_split(totals: list[Candidate]) -> tuple[list[Candidate], list[Candidate]]:
    """Net and tax read off one totals row ("Total  1  278.61  40.39  319.00"): two amounts
    of the row that add up to a third are its net and tax, the larger one the net."""
    nets: list[Candidate] = []
    taxes: list[Candidate] = []
    rows: dict[int, list[Candidate]] = {}
    for candidate in totals:
        if candidate.method == "right" and candidate.segment and candidate.amount:
            rows.setdefault(candidate.segment.row, []).append(candidate)
    for row in rows.values():
        for total, net, tax in product(row, row, row):
            distinct = len({id(total), id(net), id(tax)}) == 3
            adds_up = abs(net.amount + tax.amount - total.amount) <= CENT
            if distinct and adds_up and net.amount >= tax.amount > 0:
                nets.append(_as_field(net, "net_amount"))
                taxes.append(_as_field(tax, "tax_amount"))
    return nets, taxes


def _as_field(candidate: Candidate, name: str) -> Candidate:
    return Candidate(
        name, candidate.value, candidate.score * 0.8, "row", candidate.segment,
        candidate.alias, candidate.amount,
    )  # fmt: skip


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


def _one_digit_apart(read: Decimal, computed: Decimal) -> bool:
    """Same length, one digit different: what OCR does to a printed amount (8 for 3, 1 for 7)."""
    a, b = f"{read:.2f}", f"{computed:.2f}"
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _repair_one_digit(
    totals: list[Candidate], nets: list[Candidate], taxes: list[Candidate]
) -> AmountChoice | None:
    """On OCR'd pages, the triple where one amount is a digit away from what the other two
    make it (net + tax = total): that amount was misread, and the arithmetic repairs it. The
    repaired value keeps its box and scores lower. Text layers print what they print."""
    repairs: dict[tuple[str, Decimal], AmountChoice] = {}
    for total, net, tax in product(totals[:2], nets[:2], taxes[:2]):
        if net.amount <= 0 or tax.amount < 0 or total.amount <= 0:
            continue
        for misread, computed in (
            (total, net.amount + tax.amount),
            (net, total.amount - tax.amount),
            (tax, total.amount - net.amount),
        ):
            ocr = misread.segment is not None and misread.segment.source == "ocr"
            if not ocr or computed <= 0 or not _one_digit_apart(misread.amount, computed):
                continue
            fixed = Candidate(
                misread.field, f"{computed:.2f}", misread.score * 0.8, "repaired",
                misread.segment, misread.alias, computed,
            )  # fmt: skip
            picked = {id(misread): fixed}
            repairs.setdefault(
                (misread.field, computed),
                AmountChoice(
                    picked.get(id(total), total), picked.get(id(net), net),
                    picked.get(id(tax), tax), True,
                ),
            )  # fmt: skip
    if len(repairs) <= 1:
        return next(iter(repairs.values()), None)
    # Several repairs explain the sum (179 = 100 + 19 read wrong in any of three places): the
    # printed rate tells which two agree (19 % of 100 is 19), else the least sure reading.
    by_rate = [choice for choice in repairs.values() if _rate_agrees(choice)]
    if len(by_rate) == 1:
        return by_rate[0]
    readings = sorted(repairs.values(), key=lambda choice: _repaired(choice).confidence)
    first, second = (_repaired(c).confidence for c in readings[:2])
    return readings[0] if first < second else None


def _repaired(choice: AmountChoice) -> Candidate:
    return next(c for c in (choice.total, choice.net, choice.tax) if c.method == "repaired")


def _rate_agrees(choice: AmountChoice) -> bool:
    """The tax is the rate printed beside it times the net."""
    text = f"{choice.tax.extra.get('label_line', '')} {choice.tax.segment.text if choice.tax.segment else ''}"
    match = RATE.search(text)
    if not match:
        return False
    rate = Decimal(match[1].replace(",", "."))
    return abs(choice.net.amount * rate / 100 - choice.tax.amount) <= Decimal("0.02")
