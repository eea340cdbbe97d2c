"""OCR of page images, tall ones in overlapping tiles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PIL import Image

from ocrengine.engines.base import OcrEngine, OcrLine, OcrResult, PageText

# Tall images (receipts) are OCR'd in overlapping tiles: engines shrink the long side to ~2000
# px, which would make the text of a long receipt too small to read.
TILE_ASPECT = 2.0
TILE_MIN_HEIGHT = 1600


def recognize_page(engine: OcrEngine, image: Image.Image) -> OcrResult:
    """OCR one page image, turned upright first when the page was scanned sideways or upside
    down (boxes come in the upright page's space); tall images are read in tiles."""
    result = _recognize(engine, image)
    turns = _turns_to_try(result, page_sized=min(image.size) >= PAGE_MIN_SIDE)
    if not turns:
        return result
    best, best_score = result, _reading_score(result)
    for angle in turns:
        turned = replace(_recognize(engine, image.rotate(angle, expand=True)), turned=angle)
        score = _reading_score(turned)
        if score > best_score * 1.5:
            best, best_score = turned, score
            if not _turns_to_try(turned, page_sized=False):
                break  # upright now: the other turns cannot read it better
    return best


# A page read sideways gives boxes taller than wide (the engine turns each crop to read it, so
# the text may even be right, but rows become columns); one upside down reads as low-confidence
# noise. Either way the page is read again turned, and the best reading is kept.
SIDEWAYS_SHARE = 0.5
UPSIDE_DOWN_CONFIDENCE = 0.75
# Some engines read a sideways page as a few short level fragments, no taller than wide: a
# whole page (at least this many pixels a side) that gives only a few such crumbs is read
# turned as well. A sparse page with a real word on it (a number, a name) is upright.
PAGE_MIN_SIDE = 800
SPARSE_PAGE_WORDS = 8
CRUMB_CHARS = 5


def _turns_to_try(result: OcrResult, *, page_sized: bool) -> tuple[int, ...]:
    words = [line for line in result.lines if len(line.text.strip()) >= 3]
    crumbs = all(len(line.text.strip()) <= CRUMB_CHARS for line in words)
    if page_sized and 0 < len(words) < SPARSE_PAGE_WORDS and crumbs:
        return (90, 270, 180)
    if len(words) < 3:
        return ()
    tall = sum(line.box[3] - line.box[1] > 1.5 * (line.box[2] - line.box[0]) for line in words)
    if tall >= SIDEWAYS_SHARE * len(words):
        return (90, 270)
    confidence = sum(line.confidence for line in result.lines) / len(result.lines)
    return (180,) if confidence < UPSIDE_DOWN_CONFIDENCE else ()


def _reading_score(result: OcrResult) -> float:
    """Confident characters read on level lines: what an upright page gives most of."""
    score = 0.0
    for line in result.lines:
        x0, y0, x1, y1 = line.box
        level = (x1 - x0) >= (y1 - y0) or len(line.text.strip()) < 3
        score += len(line.text.strip()) * line.confidence * (1.0 if level else 0.2)
    return score


def _recognize(engine: OcrEngine, image: Image.Image) -> OcrResult:
    """OCR one page image as it lies; tall images in overlapping tiles stitched back."""
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
            0, result.text, result.lines, result.width, result.height, "ocr", chosen[0].name,
            turned=result.turned,
        )  # fmt: skip

    return ocr
