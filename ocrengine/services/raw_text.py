"""Raw OCR text sent by a client, turned into the `DocumentText` the extractors read.

One page per text, one row per line. Runs of two or more spaces split a line into segments
placed where a monospaced text layer would put them, so column-aligned text ("Total    12.00",
a header above its value) keeps its geometry for the layout rules.
"""

from __future__ import annotations

import re

from ocrengine.engines.base import DocumentText, OcrLine, PageText

CHAR_WIDTH, ROW_HEIGHT, TEXT_HEIGHT = 6.0, 14.0, 10.0
RAW_TEXT_ENGINE = "raw_text"
_GAP = re.compile(r"\S+(?: \S+)*")


def raw_text_page(text: str, number: int) -> PageText:
    lines: list[OcrLine] = []
    rows = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    width = 0.0
    for row_index, row in enumerate(rows):
        row = row.expandtabs(4)
        top = row_index * ROW_HEIGHT
        for match in _GAP.finditer(row):
            x0, x1 = match.start() * CHAR_WIDTH, match.end() * CHAR_WIDTH
            lines.append(OcrLine(match.group(0), (x0, top, x1, top + TEXT_HEIGHT), 1.0))
            width = max(width, x1)
    return PageText(
        number=number,
        text="\n".join(rows),
        lines=lines,
        width=width,
        height=len(rows) * ROW_HEIGHT,
        source="text_layer",
        engine=RAW_TEXT_ENGINE,
    )


def raw_text_document(texts: list[str]) -> DocumentText:
    return DocumentText(
        pages=[raw_text_page(text, number) for number, text in enumerate(texts, start=1)]
    )
