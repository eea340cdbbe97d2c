"""Payment terms ("Net 30", "zahlbar innerhalb 14 Tagen", "termin płatności 14 dni", "a 30
días", "entro 30 giorni", "splatnost 14 dní", "30 dagar netto", "30日以内") and the due date
they imply when none is printed: the issue date plus the term's days.
"""

# ruff: noqa: RUF001 - full-width CJK punctuation is printed on the documents we read

from __future__ import annotations

import calendar
import datetime as dt
import re

from ocrengine.extraction.candidates import Candidate
from ocrengine.extraction.layout import Layout
from ocrengine.extraction.normalize import find_dates

_DAY_WORDS = (
    r"days?|calendar\s+days|tage?n?|tg\.?|jours?|j\.|dagen|dni|dnia|días|dias|d[ií]as\s+"
    r"naturales|giorni|gg\.?|dnů|dní|dny|dagar|dgr|dage|päivää|日以内|日"
)
# "Net 30", "30 days", "14 Tagen", "30日以内": a number of days, not part of a date or amount.
_DAYS = re.compile(
    rf"(?<![\d.,/年月-])(\d{{1,3}})\s*(?:-\s*)?(?:{_DAY_WORDS})(?![^\W\d_])"
    r"|\bnet(?:to)?\s*(\d{1,3})(?![\d.,%])"
    r"|\bN(\d{2,3})\b",
    re.IGNORECASE,
)
# Words that make a number of days a payment term (not "returns within 30 days").
_PAYMENT_CUE = re.compile(
    r"net|netto|pay|paid|payable|payment|terms|due|zahl|fällig|paiement|payable|règlement|"
    r"échéance|betal|płat|platn|termin|pago|plazo|vencim|pagamento|scadenza|prazo|splat|"
    r"úhrad|forfall|förfall|支払|振込|期限|a\s+\d+\s*d[ií]as|entro|überweis|ueberweis|remit|"
    r"virement|bonifico|przelew|transferencia|r[eé]gl",
    re.IGNORECASE,
)
# Immediate payment has no days: a term all the same, and the due date is the issue date.
_IMMEDIATE = re.compile(
    r"(?:due\s+)?(?:up)?on\s+receipt|payable\s+immediately|sofort\s+(?:zahlbar|fällig)|"
    r"ohne\s+abzug\s+sofort|à\s+réception|natychmiast|al\s+contado|a\s+la\s+vista|"
    r"a\s+vista|pronta\s+cassa|ihned|omgående|即時",
    re.IGNORECASE,
)
_MAX_TERM_CHARS = 120
_END_OF_MONTH = re.compile(
    r"fin\s+de\s+mois|end\s+of\s+(?:the\s+)?month|\beom\b|monatsende|ende\s+des\s+monats|"
    r"fine\s+mese|fin\s+de\s+mes|final\s+do\s+m[eê]s|koniec\s+miesiąca|月末",
    re.IGNORECASE,
)


# An early-payment discount's days are not the term: "2 % Skonto innerhalb 10 Tagen, 30 Tage
# netto", "2/10 net 30".
_DISCOUNT = re.compile(
    r"skonto|discount|escompte|sconto|descuento|desconto|rabat|korting|kassarabatt|割引",
    re.IGNORECASE,
)


def term_days(text: str) -> int | None:
    """The days a payment term gives ("Net 30" → 30), 0 for immediate payment, else None. Of
    several ("10 Tage 2 % Skonto, 30 Tage netto"), the longest: the discount's days are the
    shorter ones."""
    if _IMMEDIATE.search(text):
        return 0
    days = [int(next(g for g in match.groups() if g)) for match in _DAYS.finditer(text)]
    days = [d for d in days if 0 <= d <= 180]
    return max(days) if days else None


def looks_like_terms(text: str) -> bool:
    """Whether a labelled value reads like a term (days or immediate), not a stray word."""
    return term_days(text) is not None or bool(re.search(r"\d", text))


def terms_candidates(
    layout: Layout, labelled: list[Candidate], spans: dict[int, str]
) -> list[Candidate]:
    """Payment-term candidates: labelled values that read like a term, then any line that
    names a number of days beside a payment word. `spans`: segment index → its text after a
    payment-terms or due-date label (the label reader's regions)."""
    found = [
        Candidate("payment_terms", _tidy(c.value), c.score, c.method, c.segment)
        for c in labelled
        if looks_like_terms(c.value)
    ]
    for segment in layout.segments:
        text = spans.get(segment.index, segment.text)
        days = term_days(text)
        if days is None:
            continue
        labelled_here = segment.index in spans
        if not labelled_here and not _PAYMENT_CUE.search(segment.text):
            continue
        score = 0.8 if labelled_here else 0.5
        if _DISCOUNT.search(text) and not re.search(r"net|netto|rein", text, re.IGNORECASE):
            score *= 0.6  # the discount's own line: the net term, if printed, is another
        phrase = _tidy(text if labelled_here else segment.text)
        found.append(
            Candidate("payment_terms", phrase, score, "inline", segment, extra={"days": days})
        )
    return found


def due_from_terms(issue: str | None, terms: list[Candidate]) -> Candidate | None:
    """The due date `issue` + the best term's days, when a term gives a number of days."""
    if not issue:
        return None
    for candidate in sorted(terms, key=lambda c: -c.score):
        days = candidate.extra.get("days")
        if days is None:
            days = term_days(candidate.value)
        if days is None:
            continue
        try:
            due = dt.date.fromisoformat(issue) + dt.timedelta(days=days)
        except ValueError:
            return None
        if _END_OF_MONTH.search(candidate.value):  # "30 jours fin de mois": that month's end
            due = due.replace(day=calendar.monthrange(due.year, due.month)[1])
        return Candidate(
            "due_date", due.isoformat(), candidate.score * 0.8, "derived", candidate.segment
        )
    return None


# A date a payment sentence sets as the deadline: "Bitte überweisen Sie den Betrag bis zum
# 22.05.2024", "please pay by 3 May 2024", "à régler avant le 15/04/2024".
_BY_DATE = re.compile(
    r"(?:\bbis\s+(?:zum\s+|spätestens\s+)?|\bspätestens\s+(?:am\s+|bis\s+)?|\buntil\s+|"
    r"\bby\s+|\bbefore\s+|\bno\s+later\s+than\s+|\bavant\s+le\s+|\bau\s+plus\s+tard\s+le\s+|"
    r"\bhasta\s+el\s+|\bantes\s+del?\s+|\bentro\s+il\s+|\bdo\s+dnia\s+|\bsenast\s+|"
    r"\buiterlijk\s+(?:op\s+)?|\baté\s+)$",
    re.IGNORECASE,
)


def deadline_in_sentence(layout: Layout, *, month_first: bool) -> Candidate | None:
    """The due date a payment sentence names ("überweisen Sie ... bis zum 22.05.2024")."""
    for segment in layout.segments:
        if not _PAYMENT_CUE.search(segment.text):
            continue
        for value, start in find_dates(segment.text, month_first=month_first):
            if _BY_DATE.search(segment.text[max(0, start - 30) : start]):
                return Candidate("due_date", value, 0.7, "inline", segment)
    return None


def _tidy(text: str) -> str:
    text = re.sub(r"\s{2,}", " ", text.strip(" :：;,.-\t"))
    return text[:_MAX_TERM_CHARS].strip()
