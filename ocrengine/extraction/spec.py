"""Field specs (the prompt template's content): loading defaults and validating imports.

A spec is JSON: {"fields": [{"name", "type", "required", "labels": {lang: [alias...]},
"patterns": [regex...], "validators": [...]}, ...], "validators": [...], "prompt": "...",
"seller_names": [{"name", "tax_id", "read"}, ...], "field_positions": [{"tax_id", "field",
"page", "box"}, ...]} (see `seller_names`, `field_positions`).

Patterns are Python `re` syntax, compiled and matched by `ocrengine.extraction.patterns` (the
`regex` module, under TEMPLATE_REGEX_TIMEOUT_S); validation compiles them the same way, so a spec that
saves is a spec that runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from ocrengine.extraction.field_positions import MAX_FIELD_POSITIONS, field_position_problem
from ocrengine.extraction.patterns import template_pattern_problem
from ocrengine.extraction.seller_names import MAX_SELLER_NAMES, seller_name_problem

SPEC_DIR = Path(__file__).resolve().parent.parent / "prompt_specs"
# Patterns one field may list (each is tried on every candidate value), and its labels (each
# becomes a regex tried on every line that holds its letters).
MAX_FIELD_PATTERNS = 20
MAX_FIELD_LABELS = 200
MAX_LABEL_CHARS = 100
FIELD_TYPES = {"string", "date", "amount", "currency", "tax_id", "name"}


@lru_cache(maxsize=8)
def _load(document_type: str) -> str:
    return (SPEC_DIR / f"{document_type}.json").read_text(encoding="utf-8")


def load_default_spec(document_type: str = "invoice") -> dict[str, Any]:
    """The shipped default spec for `document_type` (a fresh copy, safe to mutate)."""
    return json.loads(_load(document_type))


def shipped_spec_for(document_type: str) -> dict[str, Any]:
    """The spec shipped for `document_type`, else the invoice spec (a type added in the admin
    without a shipped spec is read by the invoice extractor)."""
    try:
        return load_default_spec(document_type)
    except FileNotFoundError:
        return load_default_spec("invoice")


def enabled_validators(spec: dict[str, Any]) -> set[str]:
    """The validators a (valid) spec enables, for the whole document or one field."""
    return set(spec.get("validators", [])) | {
        name for field in spec["fields"] for name in field.get("validators", [])
    }


def _field_errors(index: int, field: Any) -> list[str]:
    where = f"fields[{index}]"
    if not isinstance(field, dict):
        return [f"{where}: must be an object"]
    errors: list[str] = []
    if not isinstance(field.get("name"), str) or not field.get("name"):
        errors.append(f"{where}.name: required non-empty string")
    if field.get("type", "string") not in FIELD_TYPES:
        errors.append(f"{where}.type: must be one of {sorted(FIELD_TYPES)}")
    if "required" in field and not isinstance(field["required"], bool):
        errors.append(f"{where}.required: must be a boolean")
    labels = field.get("labels", {})
    if not isinstance(labels, dict) or not all(
        isinstance(v, list) and all(isinstance(a, str) and a.strip() for a in v)
        for v in labels.values()
    ):
        errors.append(f"{where}.labels: must map language codes to lists of non-empty strings")
    else:
        aliases = [alias for group in labels.values() for alias in group]
        if len(aliases) > MAX_FIELD_LABELS:
            errors.append(f"{where}.labels: at most {MAX_FIELD_LABELS} labels")
        if any(len(alias) > MAX_LABEL_CHARS for alias in aliases):
            errors.append(f"{where}.labels: a label may be at most {MAX_LABEL_CHARS} characters")
    patterns = field.get("patterns", [])
    if not isinstance(patterns, list):
        errors.append(f"{where}.patterns: must be a list of regular expressions")
    elif len(patterns) > MAX_FIELD_PATTERNS:
        errors.append(f"{where}.patterns: at most {MAX_FIELD_PATTERNS} patterns")
    else:
        for number, pattern in enumerate(patterns):
            problem = template_pattern_problem(pattern)
            if problem:
                errors.append(f"{where}.patterns[{number}]: {problem}")
    errors.extend(_validator_errors(f"{where}.validators", field.get("validators", [])))
    return errors


def _validator_errors(where: str, validators: Any) -> list[str]:
    # The registry imports the extractors, which load specs from here: looked up when used.
    from ocrengine.extraction.registry import known_validators

    if not isinstance(validators, list):
        return [f"{where}: must be a list"]
    known = known_validators()
    return [
        f"{where}: unknown validator {name!r}"
        for name in validators
        if not isinstance(name, str) or name not in known
    ]


def _entries_errors(
    key: str, entries: Any, limit: int, problem_of: Callable[[Any], str | None]
) -> list[str]:
    """A list section of learned entries (`seller_names`, `field_positions`): a list, bounded,
    each entry checked by `problem_of`."""
    if not isinstance(entries, list):
        return [f"{key}: must be a list"]
    if len(entries) > limit:
        return [f"{key}: at most {limit} entries"]
    problems = ((index, problem_of(entry)) for index, entry in enumerate(entries))
    return [f"{key}[{index}]: {problem}" for index, problem in problems if problem]


def validate_spec(spec: Any) -> list[str]:
    """Every problem with `spec`, as human-readable messages; an empty list means valid.

    Validators are those some registered extractor declares (`registry.known_validators`)."""
    if not isinstance(spec, dict):
        return ["spec: must be a JSON object"]
    fields = spec.get("fields")
    if not isinstance(fields, list) or not fields:
        return ["fields: required non-empty list"]
    errors: list[str] = []
    names: set[str] = set()
    for index, field in enumerate(fields):
        errors.extend(_field_errors(index, field))
        name = field.get("name") if isinstance(field, dict) else None
        if name in names:
            errors.append(f"fields[{index}].name: duplicate field {name!r}")
        names.add(name)
    errors.extend(_validator_errors("validators", spec.get("validators", [])))
    for key, limit, problem_of in (
        ("seller_names", MAX_SELLER_NAMES, seller_name_problem),
        ("field_positions", MAX_FIELD_POSITIONS, field_position_problem),
    ):
        if key in spec:
            errors.extend(_entries_errors(key, spec[key], limit, problem_of))
    if "prompt" in spec and not isinstance(spec["prompt"], str):
        errors.append("prompt: must be a string")
    return errors
