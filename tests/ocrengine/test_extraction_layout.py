"""The layout's indexed row grouping and neighbour search give exactly what the plain
definitions give (every box compared with every other), on random pages and raw text."""

from __future__ import annotations

import random

import pytest

from ocrengine.engines.base import DocumentText, OcrLine, PageText
from ocrengine.extraction.layout import (
    Layout,
    _overlaps,
    _RowBuilder,
    _x_overlap,
    _y_overlap,
    build_layout,
)
from ocrengine.services.raw_text import raw_text_document


def plain_rows(lines: list[OcrLine]) -> list[list[OcrLine]]:
    rows: list[list[OcrLine]] = []
    for line in lines:
        middle = (line.box[1] + line.box[3]) / 2
        if rows:
            last = rows[-1]
            centre = sum((item.box[1] + item.box[3]) / 2 for item in last) / len(last)
            height = min(min(i.box[3] - i.box[1] for i in last), line.box[3] - line.box[1])
            stacked = any(_x_overlap(item.box, line.box) > 0.5 for item in last)
            if abs(middle - centre) <= max(height, 1.0) * 0.5 and not stacked:
                last.append(line)
                continue
        rows.append([line])
    return rows


def plain_right_of(layout: Layout, segment) -> list:
    nearby = [
        other
        for row in layout.rows[max(0, segment.row - 1) : segment.row + 2]
        for other in row
        if other.page == segment.page
        and other.box[0] >= segment.box[2] - 2
        and (other.row == segment.row or _y_overlap(segment.box, other.box) >= 0.5)
    ]
    return sorted(nearby, key=lambda other: other.box[0])


def plain_below(layout: Layout, segment, *, max_rows: int, span) -> list:
    found = []
    limit = segment.box[3] + segment.height * (max_rows + 1.5)
    x0, x1 = span or (segment.box[0], segment.box[2])
    label = (x0, segment.box[1], x1, segment.box[3])
    for row in layout.rows[segment.row + 1 : segment.row + 1 + max_rows]:
        if row[0].page != segment.page or row[0].box[1] > limit:
            break
        in_column = [c for c in row if _overlaps(label, c.box)]
        in_column.sort(key=lambda c: abs((c.box[0] + c.box[2]) / 2 - (x0 + x1) / 2))
        found.extend(in_column)
    return found


def _random_page(rng: random.Random, number: int) -> PageText:
    lines = []
    for _ in range(rng.randint(1, 30)):
        x0 = rng.choice([rng.uniform(0, 400), float(rng.randint(0, 10))])
        width = rng.choice([rng.uniform(0, 120), 0.0, 0.3, 0.7, 1.0, 1.2, -3.0, 30.0])
        y0 = rng.choice([rng.uniform(0, 100), float(rng.randint(0, 8) * 14)])
        height = rng.choice([10.0, 4.0, 0.0, rng.uniform(0, 20)])
        lines.append(OcrLine("x1", (x0, y0, x0 + width, y0 + height), 1.0))
    return PageText(number, "", lines, 500, 200, "ocr")


def _random_raw_text(rng: random.Random) -> str:
    words = ["a", "Total", "12.00", "x", "发票", "Invoice No", "\t"]
    gaps = [" ", "  ", "   "]
    return "\n".join(
        "".join(rng.choice(words) + rng.choice(gaps) for _ in range(rng.randint(1, 25)))
        for _ in range(rng.randint(1, 8))
    )


def _documents() -> list[DocumentText]:
    rng = random.Random(13)
    documents = [DocumentText([_random_page(rng, 1), _random_page(rng, 2)]) for _ in range(150)]
    documents += [raw_text_document([_random_raw_text(rng)]) for _ in range(80)]
    return documents


def indexed_rows(lines: list[OcrLine]) -> list[list[OcrLine]]:
    """build_layout's grouping loop, as it runs there."""
    rows: list[_RowBuilder] = []
    for line in lines:
        middle = (line.box[1] + line.box[3]) / 2
        if rows:
            last = rows[-1]
            height = min(last.min_height, line.box[3] - line.box[1])
            if abs(middle - last.centre) <= max(height, 1.0) * 0.5 and not last.stacks(line.box):
                last.add(line)
                continue
        rows.append(_RowBuilder(line))
    return [row.lines for row in rows]


def test_rows_are_grouped_as_comparing_every_box_would():
    for document in _documents():
        for page in document.pages:
            lines = sorted(
                (line for line in page.lines if line.text.strip()),
                key=lambda line: ((line.box[1] + line.box[3]) / 2, line.box[0]),
            )
            expected = [[id(line) for line in row] for row in plain_rows(lines)]
            assert [[id(line) for line in row] for row in indexed_rows(lines)] == expected


@pytest.mark.parametrize("max_rows", [2, 4])
def test_neighbours_right_and_below_are_those_every_box_comparison_finds(max_rows):
    rng = random.Random(max_rows)
    for document in _documents():
        layout = build_layout(document)
        for segment in layout.segments:
            expected = [s.index for s in plain_right_of(layout, segment)]
            assert [s.index for s in layout.right_of(segment)] == expected
            assert [s.index for s in layout.right_of(segment, limit=6)] == expected[:6]
            for span in (None, (segment.box[0], segment.box[0] + rng.uniform(-5, 60))):
                expected = plain_below(layout, segment, max_rows=max_rows, span=span)
                found = layout.below(segment, max_rows=max_rows, span=span)
                assert [s.index for s in found] == [s.index for s in expected]
