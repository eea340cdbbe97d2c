"""The service (billing) period: two dates after a period label ("Leistungszeitraum:
01.03.2024 - 31.03.2024", "Okres: 2024-03-01 do 2024-03-31", "請求期間 2024年3月1日〜2024年3月31日"),
or a month ("Period: March 2024", "03/2024"), which runs from its first day to its last.
"""

from __future__ import annotations

import calendar
import re

from ocrengine.extraction.candidates import Candidate, FieldRule, label_index
from ocrengine.extraction.layout import Layout
from ocrengine.extraction.normalize import MONTHS, clean_text, find_dates

_MONTH_NAMES = "|".join(sorted((re.escape(m) for m in MONTHS if len(m) > 3), key=len, reverse=True))
_MONTH_YEAR = re.compile(
    rf"(?<![^\W\d_])(?:({_MONTH_NAMES})\.?\s+(\d{{4}})|(?<![\d./-])(0?[1-9]|1[0-2])[./-](\d{{4}})(?![\d./-]))",
    re.IGNORECASE,
)


def _month_span(text: str) -> tuple[str, str] | None:
    match = _MONTH_YEAR.search(clean_text(text))
    if not match:
        return None
    if match[1]:
        month, year = MONTHS[match[1].casefold()], int(match[2])
    else:
        month, year = int(match[3]), int(match[4])
    if not 1990 <= year <= 2100:
        return None
    last = calendar.monthrange(year, month)[1]
    return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"


def period_in(text: str, *, month_first: bool = False) -> tuple[str, str] | None:
    """(start, end) from a value region: two dates in order, else one month."""
    dates = [value for value, _ in find_dates(text, month_first=month_first)]
    if len(dates) >= 2 and dates[0] <= dates[1]:
        return dates[0], dates[1]
    if not dates:
        return _month_span(text)
    return None


def period_candidates(
    layout: Layout, rule: FieldRule, *, month_first: bool = False
) -> list[Candidate]:
    """service_period_start and _end from each period label's line (and the segments to its
    right), the earliest label first."""
    if not rule.labels:
        return []
    index = label_index((rule,)).present_in([segment.text for segment in layout.segments])
    found: list[Candidate] = []
    for segment in layout.segments:
        for hit in index.hits(segment.text):
            tail = segment.text[hit.end :]
            right = "  ".join(other.text for other in layout.right_of(segment, limit=3))
            period = period_in(tail, month_first=month_first) or period_in(
                f"{tail} {right}", month_first=month_first
            )
            if period:
                score = 0.9 + min(len(hit.alias), 12) / 120
                found.append(Candidate("service_period_start", period[0], score, "inline", segment))
                found.append(Candidate("service_period_end", period[1], score, "inline", segment))
                return found
    return found
