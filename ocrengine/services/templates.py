"""Prompt templates: drafts, publishing, one default per document type, immutability once used,
and a cached read path for the analysis API.

Guarantees: a template that has been used (analysed with, or ever published) never changes;
editing it makes a new draft version; publishing makes a draft the type's only default and
archives the previous default, in one transaction; the cached template of a type is dropped
when the transaction that changed it commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.errors import ConflictError, DomainError, NotFoundError
from ocrengine.extraction import validate_spec
from ocrengine.models import DocumentType, PromptTemplate

logger = logging.getLogger(__name__)


# --- validation -----------------------------------------------------------------------------


def template_spec_errors(*, spec: Any) -> list[str]:
    """Every problem with a template's field spec; empty when it is valid.

    A validator is valid when some document type's extractor declares it
    (`ocrengine.extraction.registry`).
    """
    return validate_spec(spec)


def _check_spec(spec: Any, prompt: Any) -> None:
    errors = template_spec_errors(spec=spec)
    if not isinstance(prompt, str):
        errors.append("prompt: must be a string")
    if errors:
        raise DomainError(
            "The template's field spec is invalid.", code="invalid_spec", details={"errors": errors}
        )


def _next_version(document_type: DocumentType) -> int:
    latest = document_type.templates.aggregate(latest=Max("version"))["latest"]
    return (latest or 0) + 1


def _locked_type(document_type: DocumentType) -> DocumentType:
    # Serialises version numbering and default switching per type (PostgreSQL row lock;
    # SQLite's IMMEDIATE transactions already serialise writers).
    return DocumentType.objects.select_for_update().get(pk=document_type.pk)


# --- writes ---------------------------------------------------------------------------------


@transaction.atomic
def template_create_draft(
    *,
    document_type: DocumentType,
    spec: dict[str, Any],
    prompt: str | None = None,
    notes: str = "",
    created_by=None,
) -> PromptTemplate:
    """A new draft with the next version number. `prompt` defaults to the spec's own."""
    prompt = spec.get("prompt", "") if prompt is None and isinstance(spec, dict) else prompt
    _check_spec(spec, prompt)
    locked = _locked_type(document_type)
    return PromptTemplate.objects.create(
        document_type=locked,
        version=_next_version(locked),
        status=PromptTemplate.Status.DRAFT,
        spec=spec,
        prompt=prompt or "",
        notes=notes[:200],
        created_by=created_by if created_by is not None and created_by.is_authenticated else None,
    )


def template_is_editable(template: PromptTemplate) -> bool:
    return template.status == PromptTemplate.Status.DRAFT and template.used_at is None


@transaction.atomic
def template_revise(
    *,
    template: PromptTemplate,
    spec: dict[str, Any] | None = None,
    prompt: str | None = None,
    notes: str | None = None,
    revised_by=None,
) -> PromptTemplate:
    """Change a template's content. An unused draft changes in place; any other template is
    immutable, so its revision becomes a new draft version (the original is untouched)."""
    template = PromptTemplate.objects.select_for_update().get(pk=template.pk)
    new_spec = spec if spec is not None else template.spec
    new_prompt = prompt if prompt is not None else template.prompt
    new_notes = notes if notes is not None else template.notes
    if not template_is_editable(template):
        return template_create_draft(
            document_type=template.document_type,
            spec=new_spec,
            prompt=new_prompt,
            notes=new_notes or f"revision of v{template.version}",
            created_by=revised_by,
        )
    _check_spec(new_spec, new_prompt)
    template.spec, template.prompt, template.notes = new_spec, new_prompt, new_notes[:200]
    template.save(update_fields=["spec", "prompt", "notes"])
    return template


@transaction.atomic
def template_publish(*, template: PromptTemplate, published_by=None) -> PromptTemplate:
    """Make `template` its type's only active default; the previous default is archived.

    A draft is published as it is. Publishing an archived version (a roll-back) publishes a
    new version with its content, since a used version never changes. Publishing the current
    default is a no-op.
    """
    locked = _locked_type(template.document_type)
    template = PromptTemplate.objects.select_for_update().get(pk=template.pk)
    if template.is_default:
        return template
    _check_spec(template.spec, template.prompt)
    if template.status != PromptTemplate.Status.DRAFT:
        template = PromptTemplate.objects.create(
            document_type=locked,
            version=_next_version(locked),
            status=PromptTemplate.Status.DRAFT,
            spec=template.spec,
            prompt=template.prompt,
            notes=f"republished from v{template.version}",
            created_by=published_by if published_by and published_by.is_authenticated else None,
        )
    # Clear the old default first: the conditional unique constraint allows only one.
    locked.templates.filter(is_default=True).update(
        is_default=False, status=PromptTemplate.Status.ARCHIVED
    )
    template.status, template.is_default = PromptTemplate.Status.ACTIVE, True
    template.used_at = template.used_at or timezone.now()
    template.save(update_fields=["status", "is_default", "used_at"])
    template_cache_invalidate(document_type_code=locked.code)
    return template


def template_mark_used(*, template_id: int) -> None:
    """Freeze a template on first use; later calls write nothing."""
    PromptTemplate.objects.filter(pk=template_id, used_at__isnull=True).update(
        used_at=timezone.now()
    )


# --- cached reads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateProfile:
    """What one analysis needs of a document type and template, cached as one value."""

    template_id: int
    document_type: str
    version: int
    status: str
    spec: dict[str, Any]
    prompt: str
    sensitive_fields: tuple[str, ...]
    llm_model: str
    used: bool


def _cache_key(code: str, version: int | None) -> str:
    return f"ocr:tpl:{code}:{'default' if version is None else f'v{version}'}"


def _profile(template: PromptTemplate) -> TemplateProfile:
    document_type = template.document_type
    return TemplateProfile(
        template_id=template.pk,
        document_type=document_type.code,
        version=template.version,
        status=template.status,
        spec=template.spec,
        prompt=template.prompt,
        sensitive_fields=tuple(document_type.sensitive_fields or ()),
        llm_model=document_type.llm_model,
        used=template.used_at is not None,
    )


def template_profile(*, document_type_code: str, version: int | None = None) -> TemplateProfile:
    """The type's default template (or `version`), cached for TEMPLATE_CACHE_TTL_S.

    Raises NotFoundError for an unknown or inactive type or version, ConflictError when the
    type has no published template or `version` is an unpublished draft.
    """
    key = _cache_key(document_type_code, version)
    profile = cache.get(key)
    if profile is None:
        profile = _profile(_load_template(document_type_code, version))
        cache.set(key, profile, settings.TEMPLATE_CACHE_TTL_S)
    return profile


def template_profile_mark_used(profile: TemplateProfile) -> TemplateProfile:
    """Record first use of the template and refresh the cached copies."""
    template_mark_used(template_id=profile.template_id)
    used = TemplateProfile(**{**profile.__dict__, "used": True})
    # The default key is dropped rather than rewritten: a publish may have just replaced it.
    cache.delete(_cache_key(profile.document_type, None))
    cache.set(
        _cache_key(profile.document_type, profile.version), used, settings.TEMPLATE_CACHE_TTL_S
    )
    return used


def _load_template(code: str, version: int | None) -> PromptTemplate:
    document_type = DocumentType.objects.filter(code=code, is_active=True).first()
    if document_type is None:
        known = list(DocumentType.objects.filter(is_active=True).values_list("code", flat=True))
        raise NotFoundError(
            f"Unknown document type {code!r}.",
            code="unknown_document_type",
            details={"known": known},
        )
    templates = PromptTemplate.objects.select_related("document_type")
    if version is None:
        template = templates.filter(document_type=document_type, is_default=True).first()
        if template is None:
            raise ConflictError(
                f"Document type {code!r} has no published template.", code="no_active_template"
            )
        return template
    template = templates.filter(document_type=document_type, version=version).first()
    if template is None:
        raise NotFoundError(
            f"{code} has no template version {version}.", code="template_version_not_found"
        )
    if template.status == PromptTemplate.Status.DRAFT:
        raise ConflictError(
            f"{code} v{version} is a draft; publish it before analysing with it.",
            code="template_not_published",
        )
    return template


def template_cache_invalidate(*, document_type_code: str) -> None:
    """Drop the type's cached templates now and again once the current transaction commits
    (a concurrent request may re-cache the old default in between)."""

    def drop() -> None:
        versions = PromptTemplate.objects.filter(
            document_type__code=document_type_code
        ).values_list("version", flat=True)
        keys = [_cache_key(document_type_code, None)]
        keys += [_cache_key(document_type_code, version) for version in versions]
        try:
            cache.delete_many(keys)
        except Exception:  # an unreachable cache holds nothing to go stale; saving must work
            logger.warning(
                "could not drop cached templates of %s", document_type_code, exc_info=True
            )

    drop()
    transaction.on_commit(drop)
