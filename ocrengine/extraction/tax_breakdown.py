"""The tax breakdown by rate: rows such as "VAT 23%  1 000,00  230,00" or "19 % MwSt. auf
100,00 EUR  19,00 EUR" become {rate, net, tax}.

A row counts when it prints a rate and two amounts with net x rate = tax (to rounding), which
tells a summary row from a line item; the rates found are checked against the invoice's tax
total when it is known.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ocrengine.extraction.layout import Layout, Segment
from ocrengine.extraction.normalize import clean_text, find_amounts, format_amount

RATE = re.compile(r"(?<![\d.,])(\d{1,2}(?:[.,]\d{1,2})?)\s?%")
CENT = Decimal("0.01")


def _rate_matches(rate: Decimal, net: Decimal, tax: Decimal, whole: bool) -> bool:
    expected = net * rate / 100
    # Tax is rounded per invoice, sometimes per line: a cent per ten lines, or a unit for
    # currencies without minor units (JPY rounds down).
    tolerance = max(Decimal("0.02"), abs(tax) * Decimal("0.005"), Decimal(1) if whole else CENT)
    return abs(expected - tax) <= tolerance


def _row_entry(text: str) -> dict | None:
    text = clean_text(text)
    rates = list(RATE.finditer(text))
    if not rates:
        return None
    rate_spans = [(m.start(), m.end()) for m in rates]
    amounts = [
        (value, start, end)
        for value, start, end in find_amounts(text)
        if not any(s <= start < e for s, e in rate_spans) and value >= 0
    ]
    whole = not re.search(r"\d[.,]\d{2}(?!\d)", text)
    for match in rates:
        rate = Decimal(match[1].replace(",", "."))
        if rate > 50:
            continue
        values = [value for value, _, _ in amounts]
        for i, net in enumerate(values):
            for tax in values[i + 1 :]:
                if net <= 0 or net == tax:
                    continue
                if rate == 0 and tax != 0:
                    continue
                if rate > 0 and not _rate_matches(rate, net, tax, whole):
                    continue
                return {"rate": _plain(rate), "net": format_amount(net), "tax": format_amount(tax)}
    return None


def _plain(rate: Decimal) -> str:
    return format(rate.normalize(), "f")


def tax_breakdown(
    layout: Layout, tax_total: Decimal | None
) -> tuple[list[dict], Segment | None, bool | None]:
    """(entries by rate, the first row's segment, whether their tax adds up to `tax_total`).

    A rate printed twice (a line item and the summary) keeps its last row: summaries follow
    the items."""
    by_rate: dict[str, tuple[dict, Segment]] = {}
    for row in layout.rows:
        entry = _row_entry("  ".join(segment.text for segment in row))
        if entry:
            by_rate.pop(entry["rate"], None)
            by_rate[entry["rate"]] = (entry, row[0])
    if not by_rate:
        return [], None, None
    entries = [entry for entry, _ in by_rate.values()]
    first = next(iter(by_rate.values()))[1]
    if tax_total is None:
        return entries, first, None
    total = sum(Decimal(entry["tax"]) for entry in entries)
    if abs(total - tax_total) <= CENT * len(entries):
        return entries, first, True
    single = [entry for entry in entries if abs(Decimal(entry["tax"]) - tax_total) <= CENT]
    if single:
        return single, first, True
    return entries, first, False
