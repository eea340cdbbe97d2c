"""Which OCR engine to use: by name, or from the `OCR_ENGINE` / `OCR_GPU` settings.

Settings are read when asked for, not at import, and with defaults, so scripts that configure
Django minimally (or not at all) still get the default engine.
"""

from __future__ import annotations

from collections.abc import Callable

from ocrengine.engines.base import OcrEngine
from ocrengine.engines.easyocr_engine import EasyOcrEngine
from ocrengine.engines.rapidocr_engine import RapidOcrEngine

DEFAULT_ENGINE = "rapidocr"

# name -> factory(gpu). Engines are cheap objects; their models are cached per process.
ENGINES: dict[str, Callable[[bool], OcrEngine]] = {
    "rapidocr": lambda gpu: RapidOcrEngine(),
    "easyocr": lambda gpu: EasyOcrEngine(gpu=gpu),
}


class UnknownEngine(LookupError):
    """The requested OCR engine name is not registered."""

    def __init__(self, name: str) -> None:
        self.name = name
        known = ", ".join(sorted(ENGINES))
        super().__init__(f"unknown OCR engine {name!r}; known engines: {known}")


def _setting(name: str, default: object) -> object:
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        return getattr(settings, name, default)
    except ImproperlyConfigured:  # plain script without DJANGO_SETTINGS_MODULE
        return default


def default_engine_name() -> str:
    return str(_setting("OCR_ENGINE", DEFAULT_ENGINE) or DEFAULT_ENGINE).strip().lower()


def get_engine(name: str | None = None, *, gpu: bool | None = None) -> OcrEngine:
    """Return the engine called `name` (default: settings.OCR_ENGINE, else "rapidocr").

    Raises UnknownEngine for a name that is not registered. Models load on first recognize().
    """
    chosen = (name or default_engine_name()).strip().lower()
    factory = ENGINES.get(chosen)
    if factory is None:
        raise UnknownEngine(chosen)
    use_gpu = bool(_setting("OCR_GPU", False)) if gpu is None else gpu
    return factory(use_gpu)


def available_engines() -> list[str]:
    """Names of the registered engines whose packages and weights are installed."""
    return [name for name, factory in sorted(ENGINES.items()) if factory(False).available()]
