"""Candidate values for each field: find a label, then read the value beside or below it.

Every candidate carries how it was found (`method`) and a `score`; choosing among them is
left to the validators in `invoice_checks.py`, which can prefer a lower-scored candidate that makes
the totals add up.
"""

# ruff: noqa: RUF001 - full-width CJK punctuation is printed on the documents we read

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from ocrengine.extraction.labels import EXCLUDED_WORDS, QUALIFIED_BEFORE
from ocrengine.extraction.labels_world import QUALIFIED_AFTER
from ocrengine.extraction.layout import Layout, Segment
from ocrengine.extraction.lines import TOTAL_ROW
from ocrengine.extraction.normalize import (
    clean_text,
    detect_currency,
    find_amounts,
    find_dates,
    format_amount,
)
from ocrengine.extraction.taxids import find_labelled_tax_id, find_tax_ids, labelled_checksum

# How much we trust where the value was found, relative to its label.
METHOD_WEIGHT = {"inline": 1.0, "right": 0.95, "below": 0.85, "letterhead": 0.6, "guess": 0.45}
# A tax id whose check digits hold beats one whose digits fail (a misread, a phone number).
CHECKSUM_WEIGHT = {True: 1.1, None: 1.0, False: 0.6}
_CJK = re.compile(r"[\u3400-\u9fff]")
_LEADING_NOISE = re.compile(
    r"^[\s:：#№°.,;|*)(（）\-–—]+|^(?:no|nr|n°|number|num)\b\.?[\s:#]*", re.I
)


@dataclass(frozen=True)
class FieldRule:
    name: str
    type: str
    labels: tuple[tuple[str, bool], ...]  # (alias, from the spec?)
    patterns: tuple[re.Pattern, ...]
    required: bool = False


@dataclass
class Candidate:
    field: str
    value: str
    score: float
    method: str
    segment: Segment | None = None
    alias: str = ""
    amount: Decimal | None = None
    extra: dict = field(default_factory=dict)

    @property
    def confidence(self) -> float:
        return self.segment.confidence if self.segment else 0.9


@dataclass(frozen=True)
class LabelHit:
    fields: tuple[str, ...]
    alias: str
    start: int
    end: int
    from_spec: bool


def _letter(ch: str) -> str:
    """A letter of an alias as a pattern: an accented Latin letter also matches its plain
    form, since scans and ASCII-only systems drop accents ("Echeance", "Facture a")."""
    if ch.isspace():
        return r"\s*"
    if ch in "łŁ":
        return "[łŁlLtT]"  # OCR reads the Polish ł as l or t ("Do zaptaty", "ptatnosci")
    plain = _plain(ch)
    return f"[{re.escape(ch)}{re.escape(plain)}]" if plain != ch else re.escape(ch)


def _plain(text: str) -> str:
    """`text` without the accents of its Latin letters ("płatności" → "platnosci")."""
    return text if text.isascii() else text.translate(_UNACCENTED)


def _unaccented_table() -> dict[int, str]:
    table = {ord(ch): plain for ch, plain in zip("łŁøØđĐ", "lLoOdD", strict=True)}
    for code in range(0xC0, 0x250):  # Latin-1 Supplement and Latin Extended-A/B
        base = unicodedata.normalize("NFD", chr(code))[0]
        if base != chr(code) and base.isascii() and base.isalpha():
            table.setdefault(code, base)
    return table


_UNACCENTED = _unaccented_table()


def alias_regex(alias: str) -> re.Pattern:
    """Case-insensitive, whitespace- and accent-tolerant; Latin aliases must sit on word
    boundaries."""
    parts = [_letter(ch) for ch in alias.strip()]
    body = "".join(parts).replace(r"\.", r"\.?")
    if _CJK.search(alias):
        return re.compile(body)
    if len(parts) > 3 and alias[0].isalpha() and alias[1].isalpha():
        # Text layers often split a kerned capital from its word ("F actuurnummer").
        body = parts[0] + r"\s?" + "".join(parts[1:]).replace(r"\.", r"\.?")
    if alias[0] in "iI" and len(alias) > 4 and alias[1].isalpha():
        body = r"[iIl1|]" + body[1:]  # OCR reads a leading I as l, 1 or |
    prefix = r"(?<![^\W\d_])" if alias[0].isalnum() else ""
    suffix = r"(?![^\W\d_])" if alias.strip()[-1].isalnum() else ""
    return re.compile(prefix + body + suffix, re.IGNORECASE)


class LabelIndex:
    """All aliases of all fields, matched at once so the longest label owns a span of text."""

    def __init__(self, rules: list[FieldRule]):
        owners: dict[str, list[str]] = {}
        spec_alias: set[str] = set()
        for rule in rules:
            for alias, from_spec in rule.labels:
                # Aliases meet text that was NFKC-folded ("nº" reads "no" there).
                key = clean_text(alias).casefold().strip()
                owners.setdefault(key, [])
                if rule.name not in owners[key]:
                    owners[key].append(rule.name)
                if from_spec:
                    spec_alias.add(key)
        # A cheap substring test on compacted text decides which regexes are worth running.
        self._aliases = [
            (_needle(key), alias_regex(key), key, tuple(names), key in spec_alias)
            for key, names in owners.items()
        ]

    def present_in(self, texts: list[str]) -> LabelIndex:
        """The index cut down to the aliases found somewhere in `texts`: a document names a
        handful of the hundreds of known labels, so each line then tests only those few."""
        compact = "\x00".join(_compact(text) for text in texts)
        narrowed = object.__new__(LabelIndex)
        narrowed._aliases = [alias for alias in self._aliases if alias[0] in compact]
        return narrowed

    def hits(self, text: str) -> list[LabelHit]:
        """Non-overlapping label occurrences, earliest first, the longest at each place."""
        compact = _compact(text)
        found = [
            LabelHit(names, key, m.start(), m.end(), from_spec)
            for needle, pattern, key, names, from_spec in self._aliases
            if needle in compact
            for m in pattern.finditer(text)
        ]
        found.sort(key=lambda hit: (hit.start, -(hit.end - hit.start)))
        chosen: list[LabelHit] = []
        for hit in found:
            if chosen and hit.start < chosen[-1].end:
                continue
            chosen.append(hit)
        return chosen


def _needle(key: str) -> str:
    # A leading "i" may be read as "l", "1" or "|" by OCR ("lnvoice"), and a "ł" as "l" or
    # "t": test the rest only (the longest run without a "ł").
    if "ł" in key:
        return max((_compact(part) for part in key.split("ł")), key=len)
    compact = _compact(key)
    return compact[1:] if compact[:1] == "i" and len(compact) > 4 else compact


def _compact(text: str) -> str:
    return _plain(re.sub(r"[\s.]+", "", text.casefold()))


@lru_cache(maxsize=64)
def label_index(rules: tuple[FieldRule, ...]) -> LabelIndex:
    return LabelIndex(list(rules))


def values_in(
    text: str, rule: FieldRule, month_first: bool, whole: bool = False
) -> list[tuple[str, Decimal | None]]:
    """Parse the values of `rule`'s type out of a value region, best first. `whole`: the
    document's currency has no minor unit (yen), so "10,000" is money without decimals."""
    text = _LEADING_NOISE.sub("", text.strip()).strip()
    if not text:
        return []
    if rule.type == "date":
        return [(value, None) for value, _ in find_dates(text, month_first=month_first)][:1]
    if rule.type == "amount":
        amounts = [
            (format_amount(value), value)
            for value, start, end in find_amounts(text)
            if _monetary(text, start, end, whole)
        ]
        return amounts[::-1] if rule.name == "total_amount" else amounts
    if rule.type == "currency":
        code = detect_currency(text)
        return [(code, None)] if code else []
    if rule.type == "tax_id":
        found = [(tax_id, None) for tax_id in find_tax_ids(text)]
        labelled = find_labelled_tax_id(text)
        if labelled and labelled not in [value for value, _ in found]:
            found.append((labelled, None))
        if found or not rule.patterns:
            return found
    if rule.type == "name":
        if text.endswith((":", "：")):
            return []  # another heading ("Bill To:  Ship To:"), not the name under this one
        letters = sum(ch.isalpha() for ch in text)
        return [(text, None)] if letters >= 2 and letters >= len(text) * 0.4 else []
    for pattern in rule.patterns:
        match = pattern.search(text)
        if match:
            return [(match.group(match.lastindex or 0), None)]
    if rule.patterns:
        return []
    token = text.split()[0] if text.split() else ""
    return [(token, None)] if any(ch.isdigit() for ch in token) else []


_GROUPED = re.compile(r"\d{1,3}(?:[,.]\d{3})+")
# Currencies without a minor unit: their amounts print without decimals.
ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "HUF", "ISK", "CLP", "VND", "IDR", "TWD"})
_DECIMALS = re.compile(r"[.,]\d{2}-?$")
# A code glued to what precedes it is the tail of an identifier ("AAACW8725FSD001"), not a
# currency.
_CURRENCY_BEFORE = re.compile(r"(€|\$|£|¥|￥|₹|RM|Rs\.?|(?<![A-Za-z0-9])[A-Z]{3})\s?-?$")
_CURRENCY_AFTER = re.compile(r"^\s?(€|元|円|zł|Kč|kr\b|[A-Z]{3}\b)")


def _monetary(text: str, start: int, end: int, whole: bool = False) -> bool:
    """A money amount, not a rate, count or code: two decimals, or a currency sign beside it,
    or (`whole`) thousands groups in a currency without decimals."""
    after = text[end : end + 2].lstrip()
    glued = text[end : end + 1].isalpha() and not _CURRENCY_AFTER.match(text[end:])
    if after.startswith(("%", "x", "X", "*")) or glued:  # "10,000円" is money, "12kg" is not
        return False
    if _DECIMALS.search(text[start:end]) or (whole and _GROUPED.fullmatch(text[start:end])):
        return True
    return bool(_CURRENCY_BEFORE.search(text[max(0, start - 4) : start])) or bool(
        _CURRENCY_AFTER.match(text[end:])
    )


def _span(segment: Segment, hit: LabelHit) -> tuple[float, float] | None:
    """The label's own x-range inside a longer segment, by its share of the characters."""
    if hit.start == 0 and hit.end >= len(segment.text.rstrip(" :：")):
        return None
    width = segment.box[2] - segment.box[0]
    length = max(len(segment.text), 1)
    return (
        segment.box[0] + width * hit.start / length,
        segment.box[0] + width * hit.end / length,
    )


def _region_after(segment: Segment, hits: list[LabelHit], position: int) -> str:
    """The text between hit `position` and the next label. `hits` are non-overlapping and in
    order, so the next one starts first after this one's end."""
    end = hits[position + 1].start if position + 1 < len(hits) else len(segment.text)
    return segment.text[hits[position].end : end]


def label_hits(layout: Layout, rules: list[FieldRule]) -> dict[int, list[LabelHit]]:
    """Each segment's label occurrences (segment index → hits, earliest first)."""
    index = label_index(tuple(rules)).present_in([seg.text for seg in layout.segments])
    return {seg.index: index.hits(seg.text) for seg in layout.segments}


def label_candidates(
    layout: Layout,
    rules: list[FieldRule],
    *,
    month_first: bool = False,
    hits_by_segment: dict[int, list[LabelHit]] | None = None,
) -> list[Candidate]:
    """Candidates from every label occurrence: inline after the label, right of it, below it.
    `hits_by_segment`: `label_hits(layout, rules)` when the caller has it already."""
    by_name = {rule.name: rule for rule in rules}
    whole = detect_currency(layout.text) in ZERO_DECIMAL_CURRENCIES
    if hits_by_segment is None:
        hits_by_segment = label_hits(layout, rules)
    candidates: list[Candidate] = []
    for segment in layout.segments:
        hits = hits_by_segment[segment.index]
        for position, hit in enumerate(hits):
            region = _region_after(segment, hits, position)
            if region.strip() in ("/", "／", "或", "or"):
                continue  # first half of a compound label ("统一社会信用代码/纳税人识别号")
            specificity = 0.9 + min(len(hit.alias), 12) / 120 + (0.05 if hit.from_spec else 0.0)
            words = set(re.findall(r"[^\W\d_]+", region.casefold()))
            before = re.findall(r"[^\W\d_]+", segment.text[: hit.start].casefold())[-1:]
            after = re.findall(r"[^\W\d_]+", region.casefold())[:2]
            for name in hit.fields:
                if name not in by_name:
                    continue  # a field the caller reads its own way
                if words & set(EXCLUDED_WORDS.get(name, ())):
                    continue  # "Total Qty", "VAT No": the label word, but another quantity
                qualified = bool(set(before) & set(QUALIFIED_BEFORE.get(name, ()))) or bool(
                    set(after) & set(QUALIFIED_AFTER.get(name, ()))
                )
                rule = by_name[name]
                for rank, (value, amount, method, where) in enumerate(
                    read_near(
                        layout,
                        segment,
                        region,
                        rule,
                        hits_by_segment,
                        month_first,
                        _span(segment, hit),
                        whole=whole,
                    )
                ):
                    score = specificity * METHOD_WEIGHT[method] * (0.97**rank)
                    score *= 0.7 if qualified else 1.0
                    extra = {}
                    if rule.type == "amount":
                        # Whether the label starts its row: a line of its own ("CGST @ 9%
                        # 11,250.00"), not a word inside a table row.
                        starts_row = layout.rows[segment.row][0] is segment and hit.start <= 2
                        extra = {"label_line": segment.text, "label_starts_row": starts_row}
                    if rule.type == "tax_id":
                        extra["checksum"] = labelled_checksum(hit.alias, value)
                        score *= CHECKSUM_WEIGHT[extra["checksum"]]
                    candidates.append(
                        Candidate(name, value, score, method, where, hit.alias, amount, extra)
                    )
    return candidates


# What a party heading may add to its word: "Cessionario/committente (cliente)", "Buyer (Bill
# to)", "Nabywca / Odbiorca" (and the ")" left after a label inside the brackets).
HEADING_TAIL = re.compile(r"^(?:\s*/\s*[^\W\d_]+|\s*\([^()]{1,40}\)|\s*\))+")


def read_near(
    layout: Layout,
    segment: Segment,
    region: str,
    rule: FieldRule,
    hits_by_segment: dict[int, list[LabelHit]],
    month_first: bool,
    span: tuple[float, float] | None = None,
    *,
    whole: bool = False,
) -> list[tuple[str, Decimal | None, str, Segment]]:
    if rule.type == "name":
        region = HEADING_TAIL.sub("", region)
    if rule.type == "name" and region.strip() and not re.match(r"\s*[:：]", region):
        return []  # a party word inside running text ("greetings from ..."), not a label
    inline = [
        (value, amount, "inline", segment)
        for value, amount in values_in(region, rule, month_first, whole)
    ]
    if inline and rule.type != "amount":
        return inline
    if region.strip(" :：#") and rule.type == "name":
        return []
    if rule.type == "name" and not region.strip():
        # A party heading without a colon ("Factuuradres   Afleveradres") heads an address
        # block: its name is the first line below, not the next heading to the right.
        below = _read_below(layout, segment, rule, hits_by_segment, month_first, span, whole)
        if below:
            return below
    right: list[tuple[str, Decimal | None, str, Segment]] = []
    following = layout.right_of(segment, limit=6)
    for position, other in enumerate(following):
        other_hits = hits_by_segment[other.index]
        text = other.text[: other_hits[0].start] if other_hits else other.text
        values = values_in(text, rule, month_first, whole)
        if not values and rule.type == "date" and not other_hits and position + 1 < len(following):
            # OCR split the date in two boxes ("3" | "May 2024"): read them together.
            values = values_in(f"{text} {following[position + 1].text}", rule, month_first, whole)
        right.extend((value, amount, "right", other) for value, amount in values)
        # Only amounts continue along a table row ("Total  24.99  5.00  29.99").
        if other_hits or (values and rule.type != "amount"):
            break
    if right:
        # An amount inside the label ("Tax 15% on $ 112.90   $ 16.94") may be a base, not
        # the value: keep both and let net + tax = total decide.
        return inline + (right[::-1] if rule.name == "total_amount" else right)
    if inline:
        return inline
    return _read_below(layout, segment, rule, hits_by_segment, month_first, span, whole)


def _read_below(
    layout: Layout,
    segment: Segment,
    rule: FieldRule,
    hits_by_segment: dict[int, list[LabelHit]],
    month_first: bool,
    span: tuple[float, float] | None,
    whole: bool = False,
) -> list[tuple[str, Decimal | None, str, Segment]]:
    max_rows = 2 if rule.type == "name" else 4
    for other in layout.below(segment, max_rows=max_rows, span=span):
        other_hits = hits_by_segment[other.index]
        text = other.text[: other_hits[0].start] if other_hits else other.text
        values = values_in(text, rule, month_first, whole)
        if values:
            found = [(value, amount, "below", other) for value, amount in values]
            if rule.type == "amount":
                found = _column_total(layout, segment, rule, month_first, span, whole) + found
            return found
        if other_hits and other_hits[0].start == 0:
            break
    return []


COLUMN_TOTAL_ROWS = 12


def _column_total(
    layout: Layout,
    heading: Segment,
    rule: FieldRule,
    month_first: bool,
    span: tuple[float, float] | None,
    whole: bool,
) -> list[tuple[str, Decimal | None, str, Segment]]:
    """The column's figure on a totals row under the heading ("Razem", "Summe", "Total"): in a
    summary of several tax rates that, not the first rate's row, is the document's."""
    for other in layout.below(heading, max_rows=COLUMN_TOTAL_ROWS, span=span):
        if TOTAL_ROW.search(layout.rows[other.row][0].text):
            values = values_in(other.text, rule, month_first, whole)
            return [(value, amount, "below", other) for value, amount in values[:1]]
    return []
