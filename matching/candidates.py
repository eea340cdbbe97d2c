"""Candidate pairs of invoices and card charges, and their scores: plain data in, no Django.

Bucketed so that 10,000 charges against 10,000 invoices compare only plausible pairs: invoices
are indexed by (customer, total in cents) for exact amounts and by (customer, currency) sorted
by amount for the FX tolerance, each bucket sorted by date, so a charge finds its candidates
with two bisections instead of a scan.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from matching.names import name_similarity, normalise_name

AMOUNT_WEIGHT, DATE_WEIGHT, NAME_WEIGHT = Decimal("0.5"), Decimal("0.2"), Decimal("0.3")
SCORE_PLACES = Decimal("0.001")


@dataclass(frozen=True)
class InvoiceRow:
    id: int
    customer_id: int
    date: date
    total_cents: int
    currency: str  # '' when the invoice prints none: taken as the card's currency
    seller: str


@dataclass(frozen=True)
class ChargeRow:
    id: int
    customer_id: int
    date: date
    amount_cents: int
    currency: str  # the statement's currency
    fx_cents: int | None
    fx_currency: str
    merchant: str  # the clean merchant name if a rule gave one, else the description


@dataclass
class Candidate:
    invoice_id: int
    transaction_id: int
    score: Decimal
    reasons: dict = field(default_factory=dict)


@dataclass
class _DatedBucket:
    dates: list[int] = field(default_factory=list)  # ordinal days, sorted
    rows: list[InvoiceRow] = field(default_factory=list)


def _dated(rows: list[InvoiceRow]) -> _DatedBucket:
    rows = sorted(rows, key=lambda row: row.date)
    return _DatedBucket(dates=[row.date.toordinal() for row in rows], rows=rows)


def _within(bucket: _DatedBucket, day: date, window: int) -> list[InvoiceRow]:
    centre = day.toordinal()
    low = bisect_left(bucket.dates, centre - window)
    high = bisect_right(bucket.dates, centre + window)
    return bucket.rows[low:high]


class InvoiceIndex:
    """Invoices by (customer, cents) and by (customer, currency), for `candidates_for`."""

    def __init__(self, invoices: list[InvoiceRow]) -> None:
        by_amount: dict[tuple, list] = defaultdict(list)
        by_currency: dict[tuple, list] = defaultdict(list)
        for invoice in invoices:
            by_amount[(invoice.customer_id, invoice.total_cents)].append(invoice)
            if invoice.currency:
                by_currency[(invoice.customer_id, invoice.currency)].append(invoice)
        self.by_amount = {key: _dated(rows) for key, rows in by_amount.items()}
        self.by_currency = {
            key: sorted(rows, key=lambda row: row.total_cents) for key, rows in by_currency.items()
        }
        self.currency_cents = {
            key: [row.total_cents for row in rows] for key, rows in self.by_currency.items()
        }


def candidates_for(
    charge: ChargeRow, index: InvoiceIndex, *, window_days: int, fx_tolerance: float
) -> list[Candidate]:
    """Every invoice of the charge's customer that it may have paid: the same amount in the
    card's currency, or the charge's original (FX) amount within `fx_tolerance` in the
    invoice's currency; dated within `window_days` of the charge. Scored, best first."""
    found: dict[int, Candidate] = {}
    bucket = index.by_amount.get((charge.customer_id, charge.amount_cents))
    if bucket is not None:
        for invoice in _within(bucket, charge.date, window_days):
            if invoice.currency in ("", charge.currency):
                found[invoice.id] = _scored(charge, invoice, "exact", Decimal(1), window_days)
    if charge.fx_cents and charge.fx_currency and charge.fx_currency != charge.currency:
        key = (charge.customer_id, charge.fx_currency)
        cents = index.currency_cents.get(key)
        if cents:
            tolerance = Decimal(str(fx_tolerance))
            low = bisect_left(cents, int(charge.fx_cents * (1 - tolerance)))
            high = bisect_right(cents, int(charge.fx_cents * (1 + tolerance)) + 1)
            for invoice in index.by_currency[key][low:high]:
                days = abs((invoice.date - charge.date).days)
                if days > window_days or invoice.id in found:
                    continue
                off = abs(Decimal(invoice.total_cents - charge.fx_cents)) / charge.fx_cents
                if off > tolerance:
                    continue
                share = Decimal(1) - (off / tolerance / 2 if tolerance else Decimal(0))
                found[invoice.id] = _scored(charge, invoice, "fx", share, window_days)
    return sorted(found.values(), key=lambda c: (-c.score, c.invoice_id))


def _scored(
    charge: ChargeRow, invoice: InvoiceRow, kind: str, amount_share: Decimal, window: int
) -> Candidate:
    days = abs((invoice.date - charge.date).days)
    date_share = Decimal(1) - Decimal(days) / Decimal(window + 1)
    name_share = Decimal(str(name_similarity(invoice.seller, charge.merchant)))
    score = AMOUNT_WEIGHT * amount_share + DATE_WEIGHT * date_share + NAME_WEIGHT * name_share
    reasons = {
        "amount": kind,
        "amount_score": float(round(amount_share, 3)),
        "days_apart": days,
        "date_score": float(round(date_share, 3)),
        "name_score": float(name_share),
        "seller": normalise_name(invoice.seller),
        "merchant": normalise_name(charge.merchant),
    }
    if kind == "fx":
        reasons["fx"] = {
            "currency": charge.fx_currency,
            "charged_original": _money(charge.fx_cents),
            "invoice_total": _money(invoice.total_cents),
        }
    return Candidate(
        invoice_id=invoice.id,
        transaction_id=charge.id,
        score=min(score, Decimal(1)).quantize(SCORE_PLACES),
        reasons=reasons,
    )


def _money(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def date_margin(window_days: int) -> timedelta:
    return timedelta(days=window_days)
