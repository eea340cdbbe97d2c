"""Export and import of prompt templates as one JSON bundle.

Import is all-or-nothing: the whole bundle is checked first and nothing is written unless every
entry is valid. An entry whose (document type, version) already exists with the same content is
skipped; one that exists with different content is a conflict and refuses the import. The
bundle's default becomes the type's default when the type has none yet, or when `activate` is
set; otherwise imported versions arrive archived (or as drafts, if exported as drafts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.errors import ConflictError, DomainError
from ocrengine.models import DocumentType, PromptTemplate
from ocrengine.services.templates import (
    template_cache_invalidate,
    template_publish,
    template_spec_errors,
)

BUNDLE_FORMAT = "ledgerlens.prompt_templates"
BUNDLE_VERSION = 1


def templates_export(*, document_type_codes: list[str] | None = None) -> dict[str, Any]:
    templates = PromptTemplate.objects.select_related("document_type").order_by(
        "document_type__code", "version"
    )
    if document_type_codes:
        templates = templates.filter(document_type__code__in=document_type_codes)
    return {
        "format": BUNDLE_FORMAT,
        "format_version": BUNDLE_VERSION,
        "exported_at": timezone.now().isoformat(),
        "templates": [
            {
                "document_type": t.document_type.code,
                "version": t.version,
                "status": t.status,
                "is_default": t.is_default,
                "spec": t.spec,
                "prompt": t.prompt,
                "notes": t.notes,
            }
            for t in templates
        ],
    }


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    activated: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "created": self.created,
            "skipped": self.skipped,
            "activated": self.activated,
            "errors": self.errors,
            "conflicts": self.conflicts,
        }


def _entry_errors(index: int, entry: Any, types: dict[str, DocumentType]) -> list[str]:
    where = f"templates[{index}]"
    if not isinstance(entry, dict):
        return [f"{where}: must be an object"]
    errors = []
    if entry.get("document_type") not in types:
        errors.append(
            f"{where}.document_type: unknown document type {entry.get('document_type')!r}"
        )
    version = entry.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        errors.append(f"{where}.version: must be a positive integer")
    if entry.get("status", "archived") not in PromptTemplate.Status.values:
        errors.append(f"{where}.status: must be one of {PromptTemplate.Status.values}")
    if not isinstance(entry.get("prompt", ""), str):
        errors.append(f"{where}.prompt: must be a string")
    if not isinstance(entry.get("notes", ""), str):
        errors.append(f"{where}.notes: must be a string")
    errors += [
        f"{where}.spec: {message}" for message in template_spec_errors(spec=entry.get("spec"))
    ]
    return errors


def _bundle_entries(bundle: Any) -> list:
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        raise DomainError(
            f"Not a prompt template bundle (format must be {BUNDLE_FORMAT!r}).",
            code="invalid_bundle",
        )
    if bundle.get("format_version") != BUNDLE_VERSION:
        raise DomainError(
            f"Unsupported bundle format_version {bundle.get('format_version')!r}.",
            code="invalid_bundle",
        )
    entries = bundle.get("templates")
    if not isinstance(entries, list) or not entries:
        raise DomainError("The bundle holds no templates.", code="invalid_bundle")
    return entries


def _plan(entries: list, report: ImportReport) -> list[dict]:
    """Entries to create, after checking every entry; fills report.errors/conflicts/skipped."""
    types = {t.code: t for t in DocumentType.objects.all()}
    seen: dict[tuple[str, int], int] = {}
    defaults: dict[str, int] = {}
    to_create = []
    for index, entry in enumerate(entries):
        errors = _entry_errors(index, entry, types)
        if errors:
            report.errors += errors
            continue
        code, version, label = entry["document_type"], entry["version"], ""
        label = f"{code} v{version}"
        if (code, version) in seen:
            report.errors.append(
                f"templates[{index}]: {label} also appears at templates[{seen[code, version]}]"
            )
            continue
        seen[code, version] = index
        if entry.get("is_default"):
            if code in defaults:
                report.errors.append(f"templates[{index}]: a second default for {code}")
                continue
            defaults[code] = version
        existing = PromptTemplate.objects.filter(document_type=types[code], version=version).first()
        if existing is None:
            to_create.append({**entry, "_type": types[code], "_label": label})
        elif existing.spec == entry["spec"] and existing.prompt == entry.get("prompt", ""):
            report.skipped.append(f"{label}: already present with the same content")
        else:
            report.conflicts.append(
                f"{label}: a different template already has this version "
                "here; renumber it or import it as a new draft"
            )
    return to_create


@transaction.atomic
def templates_import(*, bundle: Any, activate: bool = False, imported_by=None) -> ImportReport:
    """Import a bundle from `templates_export`; raises DomainError/ConflictError with the
    report in `details` when anything is wrong, having written nothing."""
    report = ImportReport()
    to_create = _plan(_bundle_entries(bundle), report)
    if report.errors:
        raise DomainError(
            "The bundle has invalid templates; nothing was imported.",
            code="invalid_bundle",
            details=report.as_dict(),
        )
    if report.conflicts:
        raise ConflictError(
            "The bundle conflicts with existing templates; nothing was imported.",
            code="template_conflict",
            details=report.as_dict(),
        )
    user = imported_by if imported_by is not None and imported_by.is_authenticated else None
    for entry in to_create:
        draft = entry.get("status") == PromptTemplate.Status.DRAFT
        template = PromptTemplate.objects.create(
            document_type=entry["_type"],
            version=entry["version"],
            status=PromptTemplate.Status.DRAFT
            if draft or entry.get("is_default")
            else PromptTemplate.Status.ARCHIVED,
            spec=entry["spec"],
            prompt=entry.get("prompt", ""),
            notes=(entry.get("notes") or "imported")[:200],
            created_by=user,
        )
        report.created.append(entry["_label"])
        document_type = entry["_type"]
        if entry.get("is_default") and (
            activate or not document_type.templates.filter(is_default=True).exists()
        ):
            template_publish(template=template, published_by=user)
            report.activated.append(entry["_label"])
        template_cache_invalidate(document_type_code=document_type.code)
    return report
