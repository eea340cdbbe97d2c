"""What extraction returns: per-field values with where they came from and how sure we are."""

from __future__ import annotations

from dataclasses import dataclass, field

from ocrengine.engines.base import Box


@dataclass
class ExtractedField:
    value: str | None
    confidence: float = 0.0
    page: int | None = None
    box: Box | None = None
    source: str = ""  # "text_layer", "ocr", "xml" or "derived"


@dataclass
class ExtractionResult:
    fields: dict[str, ExtractedField] = field(default_factory=dict)
    lines: list[dict] = field(default_factory=list)
    overall_confidence: float = 0.0
    checks: list[dict] = field(default_factory=list)

    def as_flat_dict(self) -> dict[str, str | None]:
        return {name: extracted.value for name, extracted in self.fields.items()}
