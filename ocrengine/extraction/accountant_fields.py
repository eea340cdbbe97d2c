"""The fields accountants book and pay by (#15), read for the invoice extractor: purchase order
number, payment terms (and the due date they imply), IBAN, BIC, bank account, seller and buyer
addresses and tax ids by party block, service period, tax breakdown by rate.

`refine` runs on the label reader's candidates (validating what it read for these fields and
adding what layout finds); `complete` runs once the rest is chosen (due date from the terms and
the issue date, the breakdown against the tax total); `checks` reports what it verified.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ocrengine.extraction.bank_details import bank_candidates, iban_ok
from ocrengine.extraction.candidates import Candidate, FieldRule, LabelHit
from ocrengine.extraction.labels import BUILTIN_LABELS
from ocrengine.extraction.layout import Layout
from ocrengine.extraction.normalize import format_amount
from ocrengine.extraction.parties import party_candidates
from ocrengine.extraction.payment_terms import (
    deadline_in_sentence,
    due_from_terms,
    terms_candidates,
)
from ocrengine.extraction.service_period import period_candidates
from ocrengine.extraction.tax_breakdown import RATE, tax_breakdown
from ocrengine.extraction.taxids import tax_id_checksum, tax_id_country

ACCOUNTANT_FIELDS = (
    "purchase_order_number", "payment_terms", "iban", "bic", "bank_account", "seller_address",
    "buyer_address", "service_period_start", "service_period_end", "tax_breakdown",
)  # fmt: skip
# Read from the layout here, never by the generic label reader: a period is two dates, an
# address several lines, a breakdown a table.
LAYOUT_FIELDS = frozenset(
    {
        "service_period_start",
        "service_period_end",
        "seller_address",
        "buyer_address",
        "tax_breakdown",
    }
)
# Re-read here from what the label reader found (its first token is not the whole value).
_REREAD = frozenset({"iban", "bic", "bank_account", "payment_terms"})
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9./_#-]{1,39}")


def generic_rules(rules: list[FieldRule]) -> list[FieldRule]:
    return [rule for rule in rules if rule.name not in LAYOUT_FIELDS]


def _period_rule(rules: list[FieldRule]) -> FieldRule:
    """The period labels: the spec's own (on service_period_start) and the built-in ones."""
    spec = next((rule for rule in rules if rule.name == "service_period_start"), None)
    labels = list(spec.labels) if spec else []
    seen = {alias.casefold() for alias, _ in labels}
    for aliases in BUILTIN_LABELS.get("service_period", {}).values():
        labels.extend((alias, False) for alias in aliases if alias.casefold() not in seen)
    return FieldRule("service_period", "string", tuple(labels), ())


def refine(
    layout: Layout,
    rules: list[FieldRule],
    hits_by_segment: dict[int, list[LabelHit]],
    found: list[Candidate],
    *,
    month_first: bool,
    parties: bool = True,
) -> tuple[list[Candidate], set[int]]:
    """(the candidates with these fields validated and completed; the segments of buyer and
    delivery blocks, where the seller is not to be guessed)."""
    names = {rule.name for rule in rules}
    wanted = names & set(ACCOUNTANT_FIELDS)
    party, not_seller = party_candidates(layout, hits_by_segment, found) if parties else ([], set())
    # A tax id printed inside the buyer's block is the buyer's, whichever label it carries.
    kept: list[Candidate] = []
    for candidate in found:
        in_buyer = candidate.segment is not None and candidate.segment.index in not_seller
        if candidate.field == "seller_tax_id" and in_buyer:
            continue
        if candidate.field in _REREAD:
            continue
        if candidate.field == "purchase_order_number" and not _reference_ok(candidate.value):
            continue
        kept.append(candidate)
    labelled = {name: [c for c in found if c.field == name] for name in _REREAD}
    extra = [c for c in party if c.field in names]
    if wanted:
        extra += bank_candidates(layout, labelled)
        spans = _term_spans(layout, hits_by_segment)
        extra += terms_candidates(layout, labelled["payment_terms"], spans)
        extra += _breakdown_sums(layout)
        if "service_period_start" in names or "service_period_end" in names:
            extra += period_candidates(layout, _period_rule(rules), month_first=month_first)
    return kept + [c for c in extra if c.field in names], not_seller | _label_only(
        layout, hits_by_segment
    )


def _label_only(layout: Layout, hits_by_segment: dict[int, list[LabelHit]]) -> set[int]:
    """Segments that are nothing but labels ("Sub Total", "Rechnungsdatum"): never a seller."""
    found: set[int] = set()
    for segment in layout.segments:
        hits = hits_by_segment.get(segment.index, [])
        if not hits or hits[0].start > 1:
            continue
        rest, last = "", 0
        for hit in hits:
            rest, last = rest + segment.text[last : hit.start], hit.end
        rest += segment.text[last:]
        if not re.search(r"[^\W\d_]{2}", rest):
            found.add(segment.index)
    return found


def _breakdown_sums(layout: Layout) -> list[Candidate]:
    """With two rates or more, the invoice's tax (and net) may be printed only per rate: their
    sums are candidates too, for net + tax = total to confirm or not."""
    entries, segment, _ = tax_breakdown(layout, None)
    if len(entries) < 2:
        return []
    sums = []
    for name, key in (("tax_amount", "tax"), ("net_amount", "net")):
        value = sum((Decimal(entry[key]) for entry in entries), Decimal(0))
        sums.append(Candidate(name, format_amount(value), 0.5, "derived", segment, "", value))
    return sums


def _reference_ok(value: str) -> bool:
    return bool(_REFERENCE.fullmatch(value)) and any(ch.isdigit() for ch in value)


def _term_spans(layout: Layout, hits_by_segment: dict[int, list[LabelHit]]) -> dict[int, str]:
    """Segment → its text after a payment-terms or due-date label."""
    spans: dict[int, str] = {}
    for segment in layout.segments:
        for hit in hits_by_segment.get(segment.index, []):
            if {"payment_terms", "due_date"} & set(hit.fields):
                spans[segment.index] = segment.text[hit.end :]
                break
    return spans


def complete(
    layout: Layout,
    chosen: dict[str, Candidate],
    by_field: dict[str, list[Candidate]],
    names: list[str],
    *,
    month_first: bool,
) -> None:
    """Fill what needs the chosen fields: the due date from the terms when none is printed,
    the tax breakdown checked against the chosen tax total."""
    if "due_date" in names and "due_date" not in chosen:
        due = deadline_in_sentence(layout, month_first=month_first)
        if due is None and "date" in chosen:
            due = due_from_terms(chosen["date"].value, by_field.get("payment_terms", []))
        if due is not None:
            chosen["due_date"] = due
    if "currency" in names and "currency" not in chosen:
        guess = _currency_of_country(chosen)
        if guess is not None:
            chosen["currency"] = guess
    if "tax_breakdown" in names and "tax_breakdown" not in chosen:
        tax = chosen.get("tax_amount")
        entries, segment, adds_up = tax_breakdown(layout, tax.amount if tax else None)
        if not entries and tax is not None and chosen.get("net_amount") is not None:
            entries, segment, adds_up = _single_rate(chosen["net_amount"], tax)
        if entries:
            score = {True: 1.0, None: 0.8, False: 0.5}[adds_up]
            candidate = Candidate("tax_breakdown", entries, score, "inline", segment)
            candidate.extra["adds_up"] = adds_up
            chosen["tax_breakdown"] = candidate


def _single_rate(net: Candidate, tax: Candidate) -> tuple[list[dict], object, bool | None]:
    """One rate printed by the tax ("TVA 20 %  100,00"), the net on its own line: one entry,
    when the rate times the net is the tax."""
    text = f"{tax.extra.get('label_line', '')} {tax.segment.text if tax.segment else ''}"
    for match in RATE.finditer(text):
        rate = Decimal(match[1].replace(",", "."))
        if 0 < rate <= 50 and abs(net.amount * rate / 100 - tax.amount) <= Decimal("0.02"):
            entry = {"rate": format(rate.normalize(), "f"), "net": net.value, "tax": tax.value}
            return [entry], tax.segment, True
    return [], None, None


_EURO = [
    "AT",
    "BE",
    "CY",
    "DE",
    "EE",
    "EL",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PT",
    "SI",
    "SK",
]
COUNTRY_CURRENCY = {
    **dict.fromkeys(_EURO, "EUR"), "PL": "PLN", "CZ": "CZK", "SE": "SEK", "DK": "DKK",
    "HU": "HUF", "RO": "RON", "BG": "BGN", "GB": "GBP", "CH": "CHF", "NO": "NOK", "JP": "JPY",
    "BR": "BRL",
}  # fmt: skip


def _currency_of_country(chosen: dict[str, Candidate]) -> Candidate | None:
    """No currency printed (or OCR lost the sign): the seller's country, by its IBAN or its
    tax id's prefix, says what it invoices in, most of the time."""
    for name in ("iban", "seller_tax_id"):
        candidate = chosen.get(name)
        if candidate is None:
            continue
        if name == "iban":
            country = candidate.value[:2]
        else:
            context = f"{candidate.alias} {candidate.segment.text if candidate.segment else ''}"
            country = tax_id_country(candidate.value, context)
        code = COUNTRY_CURRENCY.get(country or "")
        if code:
            return Candidate("currency", code, 0.4, "guess", candidate.segment)
    return None


def checks(chosen: dict[str, Candidate], confirmed: dict[str, bool | None]) -> list[dict]:
    """The checks these fields pass or fail (tax-id checksums, IBAN mod-97, the breakdown
    against the tax total); `confirmed` takes what they prove about each field."""
    done: list[dict] = []
    for name in ("seller_tax_id", "buyer_tax_id"):
        candidate = chosen.get(name)
        # Check digits catch misreads; structured data (e-invoice XML) has none to catch.
        read = candidate is not None and candidate.method != "xml"
        ok = None
        if read:
            ok = candidate.extra.get("checksum", tax_id_checksum(candidate.value))
        if ok is not None:
            done.append({"name": f"{name}_checksum", "ok": ok})
            confirmed[name] = ok and confirmed.get(name) is not False
    if "iban" in chosen:
        ok = iban_ok(chosen["iban"].value)
        done.append({"name": "iban_checksum", "ok": ok})
        confirmed["iban"] = ok
    breakdown = chosen.get("tax_breakdown")
    if breakdown is not None and breakdown.extra.get("adds_up") is not None:
        ok = bool(breakdown.extra["adds_up"])
        done.append({"name": "tax_breakdown_matches_tax", "ok": ok})
        confirmed["tax_breakdown"] = ok
    return done
