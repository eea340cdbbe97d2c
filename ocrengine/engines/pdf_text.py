"""Text-layer reader: pdfplumber words grouped into column segments and visual lines.

Each `OcrLine` is one *segment* of a visual line: words that sit close together. Words far
apart on the same visual line (table columns, a label and its value across the page) become
separate segments, so their boxes stay useful for label→value geometry, the same granularity
an OCR engine reports. The page `text` joins the segments of a visual line left to right with
padding proportional to the gap (always 2+ spaces), so columns stay apart in plain text too.
"""

from __future__ import annotations

from dataclasses import dataclass

import pdfplumber

from ocrengine.engines.base import OcrLine, PageText

# A gap wider than this many times the font size starts a new segment. A normal word space
# is ~0.25-0.35 em; letter-spaced CJK headings can reach ~0.9 em.
SEGMENT_GAP_EM = 1.1
# Points of horizontal gap rendered as one extra space in the page text.
POINTS_PER_SPACE = 5.0


@dataclass
class _Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


def _page_words(page: pdfplumber.page.Page) -> list[_Word]:
    raw = page.extract_words(x_tolerance=3, y_tolerance=2, keep_blank_chars=False)
    return [
        _Word(w["text"], float(w["x0"]), float(w["top"]), float(w["x1"]), float(w["bottom"]))
        for w in raw
        if w["text"].strip()
    ]


def _visual_lines(words: list[_Word]) -> list[list[_Word]]:
    """Cluster words whose vertical centres fall within half a line height of each other."""
    rows: list[list[_Word]] = []
    for word in sorted(words, key=lambda w: (w.middle, w.x0)):
        if rows:
            last = rows[-1]
            centre = sum(w.middle for w in last) / len(last)
            tolerance = min(w.height for w in [*last, word]) * 0.5
            if abs(word.middle - centre) <= tolerance:
                last.append(word)
                continue
        rows.append([word])
    return [sorted(row, key=lambda w: w.x0) for row in rows]


def _segments(row: list[_Word]) -> list[list[_Word]]:
    segments: list[list[_Word]] = [[row[0]]]
    for word in row[1:]:
        previous = segments[-1][-1]
        gap = word.x0 - previous.x1
        if gap > SEGMENT_GAP_EM * min(word.height, previous.height):
            segments.append([word])
        else:
            segments[-1].append(word)
    return segments


def _segment_line(segment: list[_Word]) -> OcrLine:
    box = (
        min(w.x0 for w in segment),
        min(w.top for w in segment),
        max(w.x1 for w in segment),
        max(w.bottom for w in segment),
    )
    return OcrLine(text=" ".join(w.text for w in segment), box=box, confidence=1.0)


def _row_text(lines: list[OcrLine]) -> str:
    parts: list[str] = []
    for index, line in enumerate(lines):
        if index:
            gap = line.box[0] - lines[index - 1].box[2]
            parts.append(" " * max(2, int(gap / POINTS_PER_SPACE)))
        parts.append(line.text)
    return "".join(parts)


def page_text(page: pdfplumber.page.Page, number: int) -> PageText:
    """Read one PDF page's text layer: segment lines with boxes in PDF points, confidence 1.0."""
    lines: list[OcrLine] = []
    row_texts: list[str] = []
    for row in _visual_lines(_page_words(page)):
        row_lines = [_segment_line(segment) for segment in _segments(row)]
        lines.extend(row_lines)
        row_texts.append(_row_text(row_lines))
    return PageText(
        number=number,
        text="\n".join(row_texts),
        lines=lines,
        width=float(page.width),
        height=float(page.height),
        source="text_layer",
        engine="pdfplumber",
    )
