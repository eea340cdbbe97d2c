"""Extraction backends behind one call: `rules` (offline, the engine invoices use) and `llm`
(chat completions), which falls back to rules with the reason recorded."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from core.errors import DomainError
from ocrengine.engines.base import DocumentText
from ocrengine.extraction.registry import extract_for
from ocrengine.services import llm
from ocrengine.services.templates import TemplateProfile

logger = logging.getLogger(__name__)

RULES, LLM = "rules", "llm"
BACKENDS = (RULES, LLM)
# The llm backend sends documents (and the key's spend) to an outside service: only holders.
LLM_PERMISSION = "ocrengine.use_llm_backend"
# The model gives no confidence; a value found in the text is trusted more than one that is not.
LLM_GROUNDED_CONFIDENCE, LLM_UNGROUNDED_CONFIDENCE = 0.85, 0.4


@dataclass
class BackendResult:
    backend: str
    fields: dict[str, str | None]
    confidence: dict[str, float]
    overall_confidence: float
    checks: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    fallback_reason: str = ""


class BackendNotPermittedError(DomainError):
    status = 403
    code = "llm_not_permitted"


def backend_permitted(name: str, user: Any) -> bool:
    """Whether `user` (a request's user; a machine client acts as its linked user) may have a
    document analysed by backend `name`."""
    if name != LLM:
        return True
    return bool(user is not None and user.is_active and user.has_perm(LLM_PERMISSION))


def run_backend(
    name: str, profile: TemplateProfile, document: DocumentText, *, pdf_bytes: bytes | None
) -> BackendResult:
    if name not in BACKENDS:
        raise DomainError(
            f"Unknown backend {name!r}.", code="unknown_backend", details={"known": list(BACKENDS)}
        )
    if name == LLM:
        llm.llm_input_check(document.text)  # a clear 413, not a silent fallback
        try:
            return _run_llm(profile, document)
        except llm.LlmFailure as failure:
            logger.warning("llm backend failed, falling back to rules: %s", failure.reason)
            result = _run_rules(profile, document, pdf_bytes)
            result.fallback_reason = failure.reason
            return result
    return _run_rules(profile, document, pdf_bytes)


def _run_rules(
    profile: TemplateProfile, document: DocumentText, pdf_bytes: bytes | None
) -> BackendResult:
    extracted = extract_for(profile.document_type, document, profile.spec, pdf_bytes=pdf_bytes)
    return BackendResult(
        backend=RULES,
        fields={name: item.value for name, item in extracted.fields.items()},
        confidence={name: round(item.confidence, 3) for name, item in extracted.fields.items()},
        overall_confidence=round(extracted.overall_confidence, 3),
        checks=list(extracted.checks),
        lines=list(extracted.lines),
    )


def _run_llm(profile: TemplateProfile, document: DocumentText) -> BackendResult:
    text = document.text
    config = llm.LlmSettings.for_model(profile.llm_model)
    values = llm.llm_extract(text=text, spec=profile.spec, prompt=profile.prompt, config=config)
    confidence = {
        name: 0.0
        if value is None
        else (LLM_GROUNDED_CONFIDENCE if llm.grounded(value, text) else LLM_UNGROUNDED_CONFIDENCE)
        for name, value in values.items()
    }
    required = [f["name"] for f in profile.spec["fields"] if f.get("required")] or list(values)
    overall = sum(confidence.get(name, 0.0) for name in required) / max(len(required), 1)
    return BackendResult(
        backend=LLM, fields=values, confidence=confidence, overall_confidence=round(overall, 3)
    )
