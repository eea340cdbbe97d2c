"""Page geometry: segments (text with a box) grouped into visual rows, and the two places a
value sits relative to its label — to the right on the same row, or below in the same column.
"""

# ruff: noqa: RUF001 - full-width CJK punctuation is printed on the documents we read

from __future__ import annotations

import re
from dataclasses import dataclass

from ocrengine.engines.base import Box, DocumentText
from ocrengine.extraction.normalize import clean_text

_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff（(:：])")


def normalise_segment_text(text: str) -> str:
    """NFKC plus joining letter-spaced CJK ("发 票 号 码" → "发票号码")."""
    return _CJK_GAP.sub("", clean_text(text)).strip()


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

    @property
    def text(self) -> str:
        return "\n".join("  ".join(seg.text for seg in row) for row in self.rows)

    def right_of(self, segment: Segment) -> list[Segment]:
        """Segments to the right that share the label's line, left to right.

        Neighbouring rows count when boxes overlap vertically: skewed scans put a value a
        little higher or lower than its label, across a row boundary.
        """
        nearby = [
            other
            for row in self.rows[max(0, segment.row - 1) : segment.row + 2]
            for other in row
            if other.page == segment.page
            and other.box[0] >= segment.box[2] - 2
            and (other.row == segment.row or _y_overlap(segment.box, other.box) >= 0.5)
        ]
        return sorted(nearby, key=lambda other: other.box[0])

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
        for row in self.rows[segment.row + 1 : segment.row + 1 + max_rows]:
            if row[0].page != segment.page or row[0].box[1] > limit:
                break
            # In a table the value closest to the header's centre belongs to its column.
            in_column = [c for c in row if _overlaps(label_box, c.box)]
            in_column.sort(key=lambda c: abs((c.box[0] + c.box[2]) / 2 - centre))
            found.extend(in_column)
        return found


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


def build_layout(document: DocumentText) -> Layout:
    """Flatten a document into segments ordered by page, visual row, then x."""
    segments: list[Segment] = []
    rows: list[list[Segment]] = []
    for page in document.pages:
        lines = [line for line in page.lines if line.text.strip()]
        lines.sort(key=lambda line: ((line.box[1] + line.box[3]) / 2, line.box[0]))
        page_rows: list[list] = []
        for line in lines:
            middle = (line.box[1] + line.box[3]) / 2
            if page_rows:
                last = page_rows[-1]
                centre = sum((item.box[1] + item.box[3]) / 2 for item in last) / len(last)
                height = min(min(i.box[3] - i.box[1] for i in last), line.box[3] - line.box[1])
                # Two lines stacked in one column are never one row, however tall and
                # skewed their OCR boxes are.
                stacked = any(_x_overlap(item.box, line.box) > 0.5 for item in last)
                if abs(middle - centre) <= max(height, 1.0) * 0.5 and not stacked:
                    last.append(line)
                    continue
            page_rows.append([line])
        for page_row in page_rows:
            row: list[Segment] = []
            for text, box, confidence in _join_spaced_cjk(page_row):
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


def _join_spaced_cjk(lines: list) -> list[tuple[str, Box, float]]:
    """Merge letter-spaced CJK labels split into fragments ("名", "称: 某公司") back together."""
    merged: list[tuple[str, Box, float]] = []
    for line in sorted(lines, key=lambda item: item.box[0]):
        text = normalise_segment_text(line.text)
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
