"""RapidOCR engine: PP-OCRv4 (Chinese + English) detection and recognition on onnxruntime.

The models ship inside the rapidocr-onnxruntime wheel, so nothing is downloaded. The angle
classifier is off: our pages are upright after EXIF transposition and PDF rasterisation, and
the classifier costs time and sometimes flips good lines.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import threading
from typing import Any

import numpy as np
from PIL import Image

from ocrengine.engines.base import OcrLine, OcrResult, ProcessModels, axis_aligned_box

ENGINE_NAME = "rapidocr"
DISTRIBUTION = "rapidocr-onnxruntime"
MODEL_FAMILY = "PP-OCRv4"

# Pages are shrunk to at most this long side before anything else (RapidOCR's max_side_len).
# An A4 page at 200 dpi is 1654x2339, so 2000 keeps 8 pt body text ~20 px tall for the
# recogniser, whose cost depends on the amount of text, not on the resolution.
DEFAULT_MAX_SIDE = 2000
# The detector alone sees a copy scaled so its short side is at least DETECTOR_MIN_SIDE and its
# long side at most DETECTOR_MAX_SIDE: it still finds 8 pt text on an A4 page at that size, for
# about 40% of the cost of the full 2000 px. Recognition still reads crops of the 2000 px image.
DETECTOR_MIN_SIDE = 736
DETECTOR_MAX_SIDE = 1280
# PP-OCRv4 recognition reads a line scaled to 48 px high and emits one column per 8 px.
REC_HEIGHT = 48
REC_STRIDE = 8
# An ink-free gap this many character pitches (the line's mean advance) wide between two Latin
# characters is a word space. A space plus side bearings is ~0.8 pitch in proportional fonts
# and ~1.1 in monospaced ones; the widest gap inside a word (around "1", ".", "l" in a
# monospaced font) is ~0.5.
SPACE_GAP_PITCHES = 0.6
# Between two digits the gap must be twice that: tabular figures give a narrow "1" wide side
# bearings, and a false space splits amounts and dates ("1 20.00", "2026-03-1 5").
DIGIT_GAP_FACTOR = 2.0
MIN_INK_CONTRAST = 40
INK_SHARE = 0.3
NO_SPACE_BEFORE = frozenset(",.:;!?%)]}")
NO_SPACE_AFTER = frozenset("([{")

# One pipeline per settings per process (see ProcessModels).
_models = ProcessModels()


def _load_model(max_side: int, threads: int) -> tuple[Any, threading.Lock]:
    """Return the process-wide RapidOCR pipeline (and its lock), building it on first use."""
    return _models.get((max_side, threads), lambda: _build_pipeline(max_side, threads))


def _build_pipeline(max_side: int, threads: int) -> Any:
    from rapidocr_onnxruntime import RapidOCR  # heavy import: only when first needed

    pipeline = RapidOCR(
        use_cls=False,
        print_verbose=False,
        max_side_len=max_side,
        intra_op_num_threads=threads,
        inter_op_num_threads=1,
    )
    _size_detector_input(pipeline)
    # One line per recogniser run: a batch is padded to its widest line, and on an invoice page
    # that padding cost ~35% more CPU than it saved (measured 10.4 -> 6.7 CPU s for the 74
    # lines of a dense A4 page).
    pipeline.text_rec.rec_batch_num = 1
    return pipeline


def detector_scale(height: int, width: int) -> float:
    """How much the detector's copy of a page is resized: small images (receipt photos, single
    lines) are enlarged so thin text is found, large pages shrunk to bound the cost."""
    scale = 1.0
    if min(height, width) < DETECTOR_MIN_SIDE:
        scale = DETECTOR_MIN_SIDE / min(height, width)
    if max(height, width) * scale > DETECTOR_MAX_SIDE:
        scale = DETECTOR_MAX_SIDE / max(height, width)
    return scale


def _size_detector_input(pipeline: Any) -> None:
    # RapidOCR 1.4's own choice is "enlarge to 736 px on the short side, never shrink", which
    # runs the detector on all 2000x1414 pixels of an A4 page; ours also caps the long side.
    import cv2
    from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess

    class SizedDetectorInput(DetPreProcess):
        def resize(self, img: np.ndarray) -> np.ndarray:
            height, width = img.shape[:2]
            scale = detector_scale(height, width)
            # The network needs sides that are multiples of 32.
            new_height = max(32, round(height * scale / 32) * 32)
            new_width = max(32, round(width * scale / 32) * 32)
            return cv2.resize(img, (new_width, new_height))

    detector = pipeline.text_det
    detector.get_preprocess = lambda _longest: SizedDetectorInput(
        mean=detector.mean, std=detector.std
    )


class RapidOcrEngine:
    """OcrEngine over rapidocr-onnxruntime; safe to share between threads."""

    name = ENGINE_NAME

    def __init__(self, *, max_side: int = DEFAULT_MAX_SIDE, threads: int | None = None) -> None:
        self.max_side = max_side
        # -1 lets onnxruntime use every core, which is what a dedicated worker wants.
        self.threads = threads if threads is not None else -1

    @property
    def version(self) -> str:
        try:
            package = importlib.metadata.version(DISTRIBUTION)
        except importlib.metadata.PackageNotFoundError:
            package = "missing"
        return f"{DISTRIBUTION} {package} ({MODEL_FAMILY} ch+en)"

    def available(self) -> bool:
        return importlib.util.find_spec("rapidocr_onnxruntime") is not None

    def warm_up(self) -> None:
        """Load the models now (e.g. at worker start) instead of on the first page."""
        _load_model(self.max_side, self.threads)

    def recognize(self, image: Image.Image) -> OcrResult:
        """Read one image; boxes are pixels of `image`, confidences 0..1, lines in reading order."""
        pipeline, lock = _load_model(self.max_side, self.threads)
        pixels = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])  # BGR
        with lock:
            found = _detect_and_read(pipeline, pixels)
        lines = [
            OcrLine(text=text, box=axis_aligned_box(points), confidence=_unit(score))
            for points, text, score in found
            if text
        ]
        return OcrResult.from_lines(lines, width=float(image.width), height=float(image.height))


def _detect_and_read(pipeline: Any, bgr: np.ndarray) -> list[tuple[Any, str, float]]:
    """RapidOCR's own __call__ steps, keeping each line's crop and character positions so the
    word spaces PP-OCRv4 drops in Latin text can be put back (see `restore_spaces`)."""
    raw_h, raw_w = bgr.shape[:2]
    image, ratio_h, ratio_w = pipeline.preprocess(bgr)
    record: dict[str, Any] = {"preprocess": {"ratio_h": ratio_h, "ratio_w": ratio_w}}
    image, record = pipeline.maybe_add_letterbox(image, record)
    boxes, _elapsed = pipeline.auto_text_det(image)
    if boxes is None:
        return []
    crops = pipeline.get_crop_img_list(image, boxes)
    recognised, _elapsed = pipeline.text_rec(crops, True)
    quads = pipeline._get_origin_points(boxes, record, raw_h, raw_w)
    found = []
    for quad, crop, (text, score, *positions) in zip(quads, crops, recognised, strict=True):
        if float(score) < pipeline.text_score or not text.strip():
            continue
        if positions:
            text = restore_spaces(text, crop, positions[0])
        found.append((quad, " ".join(text.split()), float(score)))
    return found


def _is_cjk(char: str) -> bool:
    return (
        "\u2e80" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or "\uff00" <= char <= "\uffef"
    )


def _may_space(left: str, right: str) -> bool:
    # Typography: no space before closing punctuation or after an opening bracket, and none
    # next to Chinese; "1 ,234" from a "1" with wide side bearings would break amounts.
    if left.isspace() or right.isspace() or _is_cjk(left) or _is_cjk(right):
        return False
    return right not in NO_SPACE_BEFORE and left not in NO_SPACE_AFTER


def restore_spaces(text: str, crop: np.ndarray, positions: list[Any]) -> str:
    """Insert a space between two Latin characters whose ink is separated by a word-sized gap.

    `positions` is RapidOCR's word-box info: [columns, words, word_columns, ...]; each column is
    REC_STRIDE pixels of the crop scaled to REC_HEIGHT. Chinese text is left as read.
    """
    columns, _words, word_columns = positions[0], positions[1], positions[2]
    centres = [column for word in word_columns for column in word]
    if len(centres) != len(text) or len(text) < 2 or not columns:
        return text
    crop_h, crop_w = crop.shape[:2]
    gray = crop.mean(axis=2) if crop.ndim == 3 else crop.astype(float)
    band = gray[int(crop_h * 0.15) : max(int(crop_h * 0.85), int(crop_h * 0.15) + 1)]
    low, high = (float(value) for value in np.percentile(band, (2, 90)))  # ink, paper
    if high - low < MIN_INK_CONTRAST:
        return text
    # Faint thermal print and anti-aliased edges are light grey: anything clearly darker
    # than the paper counts as ink, or gaps inside letters would look like word spaces.
    ink = (band < high - INK_SHARE * (high - low)).any(axis=0)
    # Column index -> x in the crop: the recogniser saw the crop resized to REC_HEIGHT high.
    scale = crop_w / max(np.ceil(REC_HEIGHT * crop_w / crop_h), 1.0)
    pitch = (centres[-1] - centres[0]) * REC_STRIDE * scale / (len(text) - 1)
    min_gap = max(SPACE_GAP_PITCHES * pitch, 2.0)
    out = [text[0]]
    for index in range(1, len(text)):
        left, right = text[index - 1], text[index]
        if _may_space(left, right):
            x0 = int((centres[index - 1] + 0.5) * REC_STRIDE * scale)
            x1 = int((centres[index] + 0.5) * REC_STRIDE * scale)
            needed = min_gap * (DIGIT_GAP_FACTOR if left.isdigit() and right.isdigit() else 1)
            if _longest_blank_run(ink[x0:x1]) >= needed:
                out.append(" ")
        out.append(right)
    return "".join(out)


def _longest_blank_run(ink: np.ndarray) -> int:
    longest = current = 0
    for has_ink in ink:
        current = 0 if has_ink else current + 1
        longest = max(longest, current)
    return longest


def _unit(score: Any) -> float:
    return min(max(float(score), 0.0), 1.0)
