"""Page geometry: segments (text with a box) grouped into visual rows, and the two places a
value sits relative to its label — to the right on the same row, or below in the same column.
"""

# ruff: noqa: RUF001 - full-width CJK punctuation is printed on the documents we read

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import pairwise

from ocrengine.engines.base import Box, DocumentText
from ocrengine.extraction.normalize import clean_text
from ocrengine.extraction.patterns import cap_line

_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff（(:：])")


def normalise_segment_text(text: str) -> str:
    """NFKC plus joining letter-spaced CJK ("发 票 号 码" → "发票号码"), cut to MAX_LINE_CHARS:
    this is where a document's text enters the invoice engine, so no regex behind it sees a
    longer line (NFKC may lengthen text, hence the second cut)."""
    return cap_line(_CJK_GAP.sub("", clean_text(cap_line(text.strip()))).strip())


@dataclass(frozen=True)
class Segment:
    text: str
    box: Box
    page: int
    confidence: float
    source: str
    row: int  # index into Layout.rows
    index: int  # index into Layout.segments

    @property
    def height(self) -> float:
        return max(self.box[3] - self.box[1], 1.0)


@dataclass
class Layout:
    segments: list[Segment]
    rows: list[list[Segment]]
    _index: list[_RowIndex] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index = [_RowIndex(row) for row in self.rows]

    @property
    def text(self) -> str:
        return "\n".join("  ".join(seg.text for seg in row) for row in self.rows)

    def right_of(self, segment: Segment, *, limit: int | None = None) -> list[Segment]:
        """Segments to the right that share the label's line, left to right (the first
        `limit` of them).

        Neighbouring rows count when boxes overlap vertically: skewed scans put a value a
        little higher or lower than its label, across a row boundary.
        """
        nearby: list[Segment] = []
        start_x = segment.box[2] - 2
        for number in range(max(0, segment.row - 1), min(segment.row + 2, len(self.rows))):
            row, index = self.rows[number], self._index[number]
            own = number == segment.row
            if row[0].page != segment.page or not (own or index.spans_y(segment.box)):
                continue
            taken = 0
            for position in range(index.first_at_or_after(start_x), len(row)):
                other = row[position]
                if other.box[0] >= start_x and (own or _y_overlap(segment.box, other.box) >= 0.5):
                    nearby.append(other)
                    taken += 1
                    if limit is not None and taken >= limit and index.in_x_order:
                        break  # the rest of the row lies further right
        nearby.sort(key=lambda other: other.box[0])
        return nearby if limit is None else nearby[:limit]

    def below(
        self, segment: Segment, *, max_rows: int = 4, span: tuple[float, float] | None = None
    ) -> list[Segment]:
        """Segments in the next rows whose horizontal span overlaps the label's column.

        `span` narrows the label to its own x-range when it shares a segment with others
        ("Grondslag BTW bedrag" holds two column headers).
        """
        found: list[Segment] = []
        limit = segment.box[3] + segment.height * (max_rows + 1.5)
        x0, x1 = span or (segment.box[0], segment.box[2])
        label_box = (x0, segment.box[1], x1, segment.box[3])
        centre = (x0 + x1) / 2
        for number in range(segment.row + 1, min(segment.row + 1 + max_rows, len(self.rows))):
            row = self.rows[number]
            if row[0].page != segment.page or row[0].box[1] > limit:
                break
            # In a table the value closest to the header's centre belongs to its column.
            in_column = [
                c for c in self._index[number].near(row, label_box) if _overlaps(label_box, c.box)
            ]
            in_column.sort(key=lambda c: abs((c.box[0] + c.box[2]) / 2 - centre))
            found.extend(in_column)
        return found


class _RowIndex:
    """Where a row's segments sit, so the few near a label are found by bisection instead of
    reading the whole row for every label (a caller's line with hundreds of gaps is a row of
    hundreds of segments, and each may be a label). Narrows, never decides: callers still
    apply their exact test to what it returns."""

    __slots__ = ("_monotone", "_x0s", "_x1s", "_y_high", "_y_low", "in_x_order")

    def __init__(self, row: list[Segment]) -> None:
        self._x0s = [segment.box[0] for segment in row]
        self._x1s = [segment.box[2] for segment in row]
        self.in_x_order = all(a <= b for a, b in pairwise(self._x0s))
        # Left and right edges both in order and every box the right way round: the segments
        # within reach of an x-range are then one run of the row.
        self._monotone = (
            self.in_x_order
            and all(a <= b for a, b in pairwise(self._x1s))
            and all(segment.box[0] <= segment.box[2] for segment in row)
        )
        self._y_low = min((segment.box[1] for segment in row), default=0.0)
        self._y_high = max((segment.box[3] for segment in row), default=0.0)

    def spans_y(self, box: Box) -> bool:
        """Whether any segment of the row could overlap `box` vertically at all."""
        return self._y_high > box[1] and self._y_low < box[3]

    def first_at_or_after(self, x: float) -> int:
        """The first position whose left edge may be at or right of `x`."""
        return bisect_left(self._x0s, x) if self.in_x_order else 0

    def near(self, row: list[Segment], label: Box) -> list[Segment]:
        """The row's segments that `_overlaps(label, ...)` can accept (a superset)."""
        if not self._monotone or label[0] > label[2]:
            return row
        # _overlaps accepts a right-way-round box exactly when it starts at most `reach` right
        # of the label and ends at most `reach` left of it; a unit more absorbs rounding.
        reach = max((label[2] - label[0]) * 0.5, 20) + 1.0
        first = bisect_left(self._x1s, label[0] - reach)
        return row[first : bisect_right(self._x0s, label[2] + reach)]


def _y_overlap(a: Box, b: Box) -> float:
    """Vertical overlap as a share of the shorter box."""
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    return overlap / max(min(a[3] - a[1], b[3] - b[1]), 1.0)


def _x_overlap(a: Box, b: Box) -> float:
    """Horizontal overlap as a share of the narrower box."""
    overlap = min(a[2], b[2]) - max(a[0], b[0])
    return overlap / max(min(a[2] - a[0], b[2] - b[0]), 1.0)


def _overlaps(label: Box, value: Box) -> bool:
    """Same column: the value starts near the label's left edge or the spans intersect."""
    width = label[2] - label[0]
    if abs(value[0] - label[0]) <= max(width * 0.5, 20):
        return True
    # Right-aligned numbers under a short header: allow a small horizontal gap.
    gap = max(label[0], value[0]) - min(label[2], value[2])
    return gap <= max(width * 0.5, 20)


class _RowBuilder:
    """A visual row being gathered, keeping what the next line is tested against (mean centre,
    lowest height, which boxes it could overlap) current, so a row of k lines costs about
    k log k rather than k² (raw text with many gaps on one line gives rows of hundreds).

    `stacks(box)` is exactly `any(_x_overlap(item.box, box) > 0.5 for item in row)`: boxes at
    most 0.5 wide can never overlap anything by more than half, so they are not indexed; boxes
    wider than 1 never contain one another within a row (that is an overlap of 1), so sorted by
    left edge they are sorted by right edge too, and those a box meets are one run found by
    bisection; boxes 0.5 to 1 wide are found by their left edge within a small window.
    """

    def __init__(self, line) -> None:
        self.lines: list = []
        self._centre_sum = 0.0
        self.min_height = float("inf")
        self._wide_x0: list[float] = []
        self._wide_x1: list[float] = []
        self._wide: list[Box] = []
        self._narrow_x0: list[float] = []
        self._narrow: list[Box] = []
        self.add(line)

    @property
    def centre(self) -> float:
        return self._centre_sum / len(self.lines)

    def add(self, line) -> None:
        box = line.box
        self.lines.append(line)
        self._centre_sum += (box[1] + box[3]) / 2
        self.min_height = min(self.min_height, box[3] - box[1])
        width = box[2] - box[0]
        if width > 1.0:
            at = bisect_left(self._wide_x0, box[0])
            self._wide_x0.insert(at, box[0])
            self._wide_x1.insert(at, box[2])
            self._wide.insert(at, box)
        elif width > 0.5:
            at = bisect_left(self._narrow_x0, box[0])
            self._narrow_x0.insert(at, box[0])
            self._narrow.insert(at, box)

    def stacks(self, box: Box) -> bool:
        if box[2] - box[0] <= 0.5:
            return False
        start = bisect_right(self._wide_x1, box[0])
        end = bisect_left(self._wide_x0, box[2])
        for index in range(start, end):
            if _x_overlap(self._wide[index], box) > 0.5:
                return True
        start = bisect_right(self._narrow_x0, box[0] - 1.5)
        end = bisect_left(self._narrow_x0, box[2])
        return any(_x_overlap(self._narrow[i], box) > 0.5 for i in range(start, end))


def build_layout(document: DocumentText) -> Layout:
    """Flatten a document into segments ordered by page, visual row, then x."""
    segments: list[Segment] = []
    rows: list[list[Segment]] = []
    for page in document.pages:
        lines = [line for line in page.lines if line.text.strip()]
        lines.sort(key=lambda line: ((line.box[1] + line.box[3]) / 2, line.box[0]))
        page_rows: list[_RowBuilder] = []
        for line in lines:
            middle = (line.box[1] + line.box[3]) / 2
            if page_rows:
                last = page_rows[-1]
                height = min(last.min_height, line.box[3] - line.box[1])
                # Two lines stacked in one column are never one row, however tall and
                # skewed their OCR boxes are.
                if abs(middle - last.centre) <= max(height, 1.0) * 0.5 and not last.stacks(
                    line.box
                ):
                    last.add(line)
                    continue
            page_rows.append(_RowBuilder(line))
        for page_row in (builder.lines for builder in page_rows):
            row: list[Segment] = []
            for text, box, confidence in _join_spaced_cjk(page_row, ocr=page.source == "ocr"):
                row.append(
                    Segment(
                        text=text,
                        box=box,
                        page=page.number,
                        confidence=confidence,
                        source=page.source,
                        row=len(rows),
                        index=len(segments) + len(row),
                    )
                )
            segments.extend(row)
            rows.append(row)
    return Layout(segments=segments, rows=rows)


_SHORT_CJK = re.compile(r"^[\u3400-\u9fff]{1,2}$")


# OCR splits an amount at its decimal point ("RM 39. 80", "18 .77") and doubles a date's
# separator ("14--03-18").
_SPLIT_DECIMALS = re.compile(r"(?<=\d) ?([.,]) (?=\d{2}(?!\d))|(?<=\d) ([.,])(?=\d{2}(?!\d))")
_DOUBLED_SEPARATOR = re.compile(r"(?<=\d)([-/.])\1(?=\d)")


def _repair_ocr(text: str) -> str:
    text = _SPLIT_DECIMALS.sub(lambda m: m.group(1) or m.group(2), text)
    return _DOUBLED_SEPARATOR.sub(r"\1", text)


def _join_spaced_cjk(lines: list, *, ocr: bool = False) -> list[tuple[str, Box, float]]:
    """Merge letter-spaced CJK labels split into fragments ("名", "称: 某公司") back together;
    on OCR'd pages, also amounts split at their decimal point."""
    merged: list[tuple[str, Box, float]] = []
    for line in sorted(lines, key=lambda item: item.box[0]):
        text = normalise_segment_text(line.text)
        if ocr:
            text = _repair_ocr(text)
        box = tuple(float(v) for v in line.box)
        if merged and _SHORT_CJK.match(merged[-1][0]) and text[:1] and _CJK_START.match(text):
            previous_text, previous_box, previous_conf = merged[-1]
            merged[-1] = (
                previous_text + text,
                (
                    previous_box[0],
                    min(previous_box[1], box[1]),
                    box[2],
                    max(previous_box[3], box[3]),
                ),
                min(previous_conf, float(line.confidence)),
            )
            continue
        merged.append((text, box, float(line.confidence)))
    return merged


_CJK_START = re.compile(r"[\u3400-\u9fff]")
