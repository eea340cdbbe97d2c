"""OCR of page images, tall ones in overlapping tiles."""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image

from ocrengine.engines.base import OcrEngine, OcrLine, OcrResult, PageText

# Tall images (receipts) are OCR'd in overlapping tiles: engines shrink the long side to ~2000
# px, which would make the text of a long receipt too small to read.
TILE_ASPECT = 2.0
TILE_MIN_HEIGHT = 1600


def recognize_page(engine: OcrEngine, image: Image.Image) -> OcrResult:
    """OCR one page image; tall images are read in overlapping tiles and stitched back."""
    width, height = image.size
    tile = max(int(width * TILE_ASPECT), TILE_MIN_HEIGHT)
    if height <= tile * 1.25:
        return engine.recognize(image)
    overlap = max(tile // 10, 64)
    lines: list[OcrLine] = []
    top = 0
    while True:
        bottom = min(top + tile, height)
        part = engine.recognize(image.crop((0, top, width, bottom)))
        # Each tile owns the band between the midpoints of its overlaps, so a line read twice
        # is kept once, from the tile where it sits whole.
        own_from = top + overlap / 2 if top else 0
        own_to = bottom - overlap / 2 if bottom < height else height
        for line in part.lines:
            x0, y0, x1, y1 = line.box
            if own_from <= top + (y0 + y1) / 2 < own_to:
                lines.append(OcrLine(line.text, (x0, y0 + top, x1, y1 + top), line.confidence))
        if bottom >= height:
            break
        top = bottom - overlap
    return OcrResult.from_lines(lines, width=float(width), height=float(height))


# --- public API -----------------------------------------------------------------------------


def ocr_with(engine: OcrEngine | None) -> Callable[[Image.Image], PageText]:
    """An OCR step that resolves the default engine only when a page actually needs OCR."""
    chosen: list[OcrEngine] = [engine] if engine is not None else []

    def ocr(image: Image.Image) -> PageText:
        if not chosen:
            from ocrengine.engines.registry import get_engine

            chosen.append(get_engine())
        result = recognize_page(chosen[0], image)
        return PageText(
            0, result.text, result.lines, result.width, result.height, "ocr", chosen[0].name
        )

    return ocr
