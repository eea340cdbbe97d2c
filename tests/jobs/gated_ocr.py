"""An OCR engine for the kill -9 test that reads a page only once the test opens its gate.

The test decides when an OCR call may finish, so "a worker killed in the middle of OCR" does
not depend on how long a real engine takes on a busy machine: `recognize` first drops an
`entered-<pid>` file in OCR_GATE_DIR (the test waits for it), then waits for the gate file
`open`, whose lines are the page's text (what a scan of that page reads as); each line becomes
one box, top to bottom. It is registered in the engine registry by the cluster's settings
(tests/jobs/cluster_settings.py adds this app and sets OCR_ENGINE=gated), and the rest of the
pipeline (text layout, field extraction, the invoice row, the job) is the real one."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from PIL import Image

from ocrengine.engines.base import OcrLine, OcrResult

GATE_FILE = "open"
ENGINE_NAME = "gated"


class GatedOcrEngine:
    name = ENGINE_NAME

    @property
    def version(self) -> str:
        return "gated-ocr 1"

    def available(self) -> bool:
        return True

    def recognize(self, image: Image.Image) -> OcrResult:
        gate_dir = Path(settings.OCR_GATE_DIR)
        (gate_dir / f"entered-{os.getpid()}").touch()
        gate = gate_dir / GATE_FILE
        while not gate.exists():  # the test opens it; a killed worker never gets past here
            time.sleep(0.05)
        width, height = image.size
        lines = []
        for index, text in enumerate(gate.read_text(encoding="utf-8").splitlines()):
            if text.strip():
                top = 40.0 + 40 * index
                box = (50.0, top, 50.0 + 14 * len(text), top + 28)
                lines.append(OcrLine(text, box, 0.99))
        return OcrResult.from_lines(lines, width=float(width), height=float(height))


class GatedOcrConfig(AppConfig):
    name = "tests.jobs.gated_ocr"
    label = "gated_ocr"

    def ready(self) -> None:
        from ocrengine.engines import registry

        registry.ENGINES[ENGINE_NAME] = lambda gpu: GatedOcrEngine()
