"""What every document type's extractor declares: how it reads, and which validators it runs.

A document type is one module that builds a `DocumentExtractor`, plus one line registering it
in `ocrengine.extraction.registry`. Spec validation accepts exactly the validators the
registered extractors declare, so a new type's checks need no other file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ocrengine.engines.base import DocumentText
from ocrengine.extraction.result import ExtractionResult


class Extract(Protocol):
    def __call__(
        self, document: DocumentText, spec: dict[str, Any], *, pdf_bytes: bytes | None = None
    ) -> ExtractionResult: ...


@dataclass(frozen=True)
class DocumentExtractor:
    """One document type's extraction.

    `fields` are the field names the extractor knows by name (its checks and normalisation
    read them); a spec may list others, which are read by their labels and patterns only.
    `validators` are the check names a spec may enable for the type.
    """

    name: str
    extract: Extract
    fields: tuple[str, ...]
    validators: frozenset[str]
