"""Unlabelled guesses, used only when no label led to a value: they score low on purpose."""

from __future__ import annotations

import re
from decimal import Decimal

from ocrengine.extraction.candidates import CHECKSUM_WEIGHT, Candidate
from ocrengine.extraction.labels import COMPANY_FORMS
from ocrengine.extraction.layout import Layout, Segment
from ocrengine.extraction.normalize import (
    detect_currency,
    find_amounts,
    find_dates,
    format_amount,
)
from ocrengine.extraction.taxids import find_tax_ids, national_tax_ids

_DOCUMENT_TITLES = (
    r"tax\s*invoice|invoice|receipt|cash\s*(?:sale|bill|receipt)|official receipt|simplified tax "
    r"invoice|rechnung|facture|factuur|fattura|factura|payment receipt|bill|quotation|发票|收据|"
    r"faktura(?:\s+vat)?|fatura|請求書|御請求書|ご請求書|領収書|納品書|見積書"
)
# A title may say which copy this is: "Kopie factuur", "Invoice (copy)", "Duplicata facture".
_COPY = r"copy|kopie|duplicate|duplicata|duplikat|original|copia|cópia|kopia"
_GENERIC_HEADINGS = re.compile(
    rf"^(?:(?:{_COPY})\W+(?:of\s+)?)?(?:{_DOCUMENT_TITLES}|welcome|thank you)"
    rf"(?:\W+(?:{_COPY}))?\W*$",
    re.IGNORECASE,
)
# A letterhead that runs into the title or the department on one line: "Amazon Web Services
# Invoice", "Free Service Abonné", "Muster Kundenservice".
_TRAILING_TITLE = re.compile(
    rf"\s+(?:{_DOCUMENT_TITLES}|service\s+(?:abonnés?|clients?|clientèle)|customer\s+(?:service|care)|"
    r"kundenservice|kundendienst|klantenservice|servicio\s+al\s+cliente|servizio\s+clienti)\W*$",
    re.IGNORECASE,
)
_FORMS = "|".join(re.escape(form).replace(r"\ ", r"\s*") for form in COMPANY_FORMS)
# OCR glues words ("AEONCO.(M)BHD"), so a form that ends the line needs no left boundary.
_COMPANY_RE = re.compile(
    rf"(?<![^\W\d_])({_FORMS})(?![^\W\d_])|(sdn\.?\s*bhd|bhd|gmbh|ltd|llc|inc)\W*$"
    # Japanese forms lead or end the name with no space ("株式会社東京テック").
    r"|(株式会社|有限会社|合同会社)",
    re.IGNORECASE,
)


# The item table's header: no letterhead or address lies below it.
TABLE_HEADER = re.compile(
    r"^(?:description|désignation|designation|bezeichnung|beschreibung|omschrijving|artikel|"
    r"article|item|qty|pos\.?|nazwa|opis|descripción|concepto|descrizione|descrição|popis|"
    r"beskrivning|benämning|品名|品目)\b",
    re.IGNORECASE,
)
_ATTENTION = re.compile(r"^\s*(attn|attention|z\.\s*hd|à l'attention|t\.a\.v)\b", re.I)


_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")


def date_guess(layout: Layout, month_first: bool) -> list[Candidate]:
    """The first date, or the first printed with a time: a receipt's transaction stamp
    ("14-03-18 21:49") over a date stamped across the paper ("PAID 13 MAR 2018")."""
    first: Candidate | None = None
    for segment in layout.segments:
        dates = find_dates(segment.text, month_first=month_first)
        if not dates:
            continue
        candidate = Candidate("date", dates[0][0], 0.45, "guess", segment)
        if _TIME.search(segment.text):
            return [candidate]
        first = first or candidate
    return [first] if first else []


def currency_guess(layout: Layout, *, chinese: bool) -> list[Candidate]:
    code = detect_currency(layout.text)
    if code:
        return [Candidate("currency", code, 0.8, "detected")]
    if chinese:
        return [Candidate("currency", "CNY", 0.6, "guess")]
    return []


def total_guess(layout: Layout) -> list[Candidate]:
    """The largest two-decimal amount: on most invoices and receipts that is the total."""
    best: tuple[Decimal, Segment] | None = None
    for segment in layout.segments:
        for value, start, end in find_amounts(segment.text):
            raw = segment.text[start:end]
            plausible = re.search(r"[.,]\d{2}$", raw) and value < Decimal("10000000")
            if plausible and (best is None or value > best[0]):
                best = (value, segment)
    if best is None:
        return []
    return [Candidate("total_amount", format_amount(best[0]), 0.3, "guess", best[1], "", best[0])]


# Invoice generators print the number under the title with a bare marker: "INVOICE" then
# "# 1042" or "No. 2024/17".
_BARE_NUMBER = re.compile(r"^(?:#|no\.?|nr\.?|n°|nº)\s*([A-Z0-9][\w\-/.]*\d[\w\-/.]*)$", re.I)


def number_guess(layout: Layout, *, top_rows: int = 8) -> list[Candidate]:
    """The bare-marked number in the first rows of a page titled as an invoice or receipt."""
    rows = [row for row in layout.rows[:top_rows] if row[0].page == layout.rows[0][0].page]
    titled = any(_GENERIC_HEADINGS.match(s.text) or _TRAILING_TITLE.search(s.text)
                 for row in rows for s in row)  # fmt: skip
    if not titled:
        return []
    for row in rows:
        for segment in row:
            match = _BARE_NUMBER.match(segment.text.strip())
            if match:
                return [Candidate("invoice_number", match.group(1), 0.45, "guess", segment)]
    return []


def _name_like(text: str) -> bool:
    letters = sum(ch.isalpha() for ch in text)
    return letters >= 3 and letters >= len(text.replace(" ", "")) * 0.6


# Company registration numbers printed after the name, e.g. "(126926-H)" in Malaysia.
_REGISTRATION = re.compile(r"\s*[(\uff08]\s*[\dA-Z]*\d[\dA-Z]*-?[A-Z]?\s*[)\uff09]\s*$")


def _company_name(top: list[Segment], index: int) -> str:
    """The legal-form line plus the line above when a long name wraps in a narrow letterhead
    (receipts), and the next line while a parenthesis is left open."""
    segment = top[index]
    text = segment.text
    if index > 0:
        above = top[index - 1]
        gap = segment.box[1] - above.box[3]
        close = -segment.height * 0.8 < gap < segment.height * 1.2
        if close and above.text.isupper() and text.isupper() and not _has_digit(above.text):
            text = f"{above.text} {text}"
    if text.count("(") > text.count(")") and index + 1 < len(top):
        text = f"{text} {top[index + 1].text}"
    return _REGISTRATION.sub("", text).strip()


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


# What sets a sender line's parts apart: "ACME GmbH · Hauptstr. 1 | 10115 Berlin - USt-Id ...".
_SEPARATED = re.compile(r"\s*[·•|]\s*|\s{3,}|\s+[-\u2013]\s+")


def company_in(text: str) -> str | None:
    """The part of a line that names a company with its legal form ("ACME Sp. z o.o." in
    "ACME Sp. z o.o. · ul. Długa 5 · 00-001 Warszawa"), or None."""
    for part in _SEPARATED.split(text):
        name = _REGISTRATION.sub("", part).strip(" ,;")
        # A name ends with its legal form ("Nordpol Sp. z o.o.") or, in Japanese, starts with
        # it ("株式会社..."); a sentence that mentions a company is not one.
        form = _COMPANY_RE.search(name)
        at_edge = form and (not name[form.end() :].strip(" .,)") or _CJK_FORM.match(name))
        if at_edge and _name_like(name) and len(name.split()) <= 6 and len(name) < 80:
            return name
    return None


_CJK_FORM = re.compile(r"^(株式会社|有限会社|合同会社|\(株\)|\(有\))")


def seller_guess(layout: Layout, *, exclude: set[int] | None = None) -> list[Candidate]:
    """A company name near the top (a legal form like GmbH, B.V., SDN BHD), else the first
    name-like line: letterheads put the issuer first. `exclude`: segment indexes already
    read as the buyer (the address block of a window envelope)."""
    if not layout.segments:
        return []
    exclude = exclude or set()
    top = [
        s for s in layout.segments if s.page == layout.segments[0].page and s.index not in exclude
    ][:12]
    table = next((i for i, s in enumerate(top) if TABLE_HEADER.match(s.text)), len(top))
    top = top[:table]
    for index, segment in enumerate(top):
        if _ATTENTION.match(segment.text):
            continue  # "ATTN: ..." addresses the recipient
        name = _REGISTRATION.sub("", segment.text)
        if _COMPANY_RE.search(name) and _name_like(name) and len(name) < 80:
            name = _company_name(top, index)
            if _SEPARATED.search(name):  # "Muster GmbH · Hauptstr. 1 · 10115 Berlin"
                name = company_in(name) or name
            return [Candidate("seller", name, 0.55, "letterhead", segment)]
    names = [s for s in top[:8] if _name_like(s.text) and not _GENERIC_HEADINGS.match(s.text)]
    # Letterheads are set in capitals or title case; an all-lowercase line is a scribble or
    # a sentence fragment.
    names.sort(key=lambda s: not any(ch.isupper() for ch in s.text))
    if not names:
        return []
    name = _TRAILING_TITLE.sub("", names[0].text)
    return [Candidate("seller", name, 0.35, "guess", names[0])]


def tax_id_guess(layout: Layout) -> list[Candidate]:
    """The first tax id printed anywhere (a format of its own, or behind its country's prefix:
    "NIP", "CNPJ", "登録番号"), a checksum-valid one first."""
    national: list[Candidate] = []
    for segment in layout.segments:
        found = find_tax_ids(segment.text)
        if found:
            return [Candidate("seller_tax_id", found[0], 0.5, "guess", segment)]
        for value, ok in national_tax_ids(segment.text):
            score = 0.5 * CHECKSUM_WEIGHT[ok]
            extra = {"checksum": ok}
            national.append(Candidate("seller_tax_id", value, score, "guess", segment, extra=extra))
    return sorted(national, key=lambda c: -c.score)[:1]
