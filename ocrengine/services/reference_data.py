"""Seeds the prompt templates shipped in `ocrengine/prompt_specs/` as version 1 of their
document type. Document types themselves come from a data migration. Idempotent."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

from ocrengine.models import DocumentType, PromptTemplate

PROMPT_SPECS_DIR = Path(__file__).resolve().parent.parent / "prompt_specs"


def shipped_prompt_specs() -> dict[str, dict]:
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(PROMPT_SPECS_DIR.glob("*.json"))
    }


@transaction.atomic
def reference_data_seed() -> dict[str, int]:
    created = 0
    for code, spec in shipped_prompt_specs().items():
        document_type = DocumentType.objects.filter(code=code).first()
        if document_type is None or document_type.templates.exists():
            continue
        PromptTemplate.objects.create(
            document_type=document_type,
            version=1,
            status=PromptTemplate.Status.ACTIVE,
            is_default=True,
            spec=spec,
            prompt=spec.get("prompt", ""),
            notes="shipped with LedgerLens",
        )
        created += 1
    return {"prompt_templates_created": created}
