"""The one protocol every OCR engine speaks, and the text model the rest of the system reads.

Boxes are (x0, y0, x1, y1) in the page's own units: PDF points for text-layer pages, pixels
for rasterised or image pages; `PageText.width/height` say which space a box lives in.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from PIL import Image

Box = tuple[float, float, float, float]
PageSource = Literal["text_layer", "ocr"]


@dataclass(frozen=True)
class OcrLine:
    text: str
    box: Box
    confidence: float  # 0..1; text-layer lines are 1.0


@dataclass
class OcrResult:
    """What an engine returns for one image."""

    text: str
    lines: list[OcrLine]
    width: float
    height: float
    # Degrees the image was turned (counter-clockwise, as PIL's rotate) before it read upright:
    # the boxes are on the turned image, so whoever shows them turns the image the same way.
    turned: int = 0

    @classmethod
    def from_lines(cls, lines: list[OcrLine], width: float, height: float) -> OcrResult:
        """Order engine lines into visual rows and build the text the way the text layer does.

        Segments of one visual row are joined left to right with 2+ spaces (more for wider
        gaps, measured in line heights), so OCR'd and text-layer pages read alike downstream.
        """
        rows = visual_rows(lines)
        ordered = [line for row in rows for line in row]
        return cls(
            text="\n".join(_row_text(row) for row in rows),
            lines=ordered,
            width=width,
            height=height,
        )


def visual_rows(lines: list[OcrLine]) -> list[list[OcrLine]]:
    """Cluster boxes whose vertical centres lie within half a line height of the row's centre."""
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda item: ((item.box[1] + item.box[3]) / 2, item.box[0])):
        middle = (line.box[1] + line.box[3]) / 2
        if rows:
            row = rows[-1]
            centre = sum((item.box[1] + item.box[3]) / 2 for item in row) / len(row)
            tolerance = min(max(item.box[3] - item.box[1], 1.0) for item in [*row, line]) * 0.5
            if abs(middle - centre) <= tolerance:
                row.append(line)
                continue
        rows.append([line])
    return [sorted(row, key=lambda item: item.box[0]) for row in rows]


def _row_text(row: list[OcrLine]) -> str:
    parts: list[str] = []
    for index, line in enumerate(row):
        if index:
            previous = row[index - 1]
            gap = line.box[0] - previous.box[2]
            # Half a line height is about one space at typical fonts.
            space = max(min(line.box[3] - line.box[1], previous.box[3] - previous.box[1]) / 2, 1.0)
            parts.append(" " * max(2, int(gap / space)))
        parts.append(line.text)
    return "".join(parts)


@dataclass
class PageText:
    number: int  # 1-based
    text: str
    lines: list[OcrLine]
    width: float
    height: float
    source: PageSource
    engine: str = ""
    turned: int = 0  # OcrResult.turned of an OCR'd page; its boxes are on the turned page


@dataclass
class DocumentText:
    """A whole document's text, page by page, with where each line sits."""

    pages: list[PageText] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(page.text for page in self.pages)

    @property
    def mean_confidence(self) -> float:
        lines = [line for page in self.pages for line in page.lines]
        if not lines:
            return 0.0
        return sum(line.confidence for line in lines) / len(lines)

    @property
    def engines(self) -> str:
        return ",".join(sorted({page.engine for page in self.pages if page.engine}))


@runtime_checkable
class OcrEngine(Protocol):
    name: str

    @property
    def version(self) -> str: ...

    def available(self) -> bool: ...

    def recognize(self, image: Image.Image) -> OcrResult: ...


def axis_aligned_box(points: Any) -> Box:
    """Turn a 4-point quadrilateral [[x, y], ...] into (x0, y0, x1, y1)."""
    xs = [float(point[0]) for point in points]
    ys = [float(point[1]) for point in points]
    return (min(xs), min(ys), max(xs), max(ys))


class ProcessModels:
    """An engine's loaded models, built once per process and key, each with a lock for its
    calls (the runtimes mutate themselves during a call and already use every core).

    Forgotten in a forked child: onnxruntime's and torch's thread pools do not survive fork(),
    so a worker forked from a parent that had loaded a model loads its own instead of
    deadlocking on the inherited one."""

    def __init__(self) -> None:
        self._models: dict[Hashable, tuple[Any, threading.Lock]] = {}
        self._lock = threading.Lock()
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._models.clear()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], Any]) -> tuple[Any, threading.Lock]:
        model = self._models.get(key)
        if model is not None:
            return model
        with self._lock:
            model = self._models.get(key)
            if model is None:
                model = (build(), threading.Lock())
                self._models[key] = model
        return model
