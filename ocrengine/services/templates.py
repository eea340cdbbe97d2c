"""Prompt templates: drafts, publishing, one default per document type, canary releases,
immutability once used, and a cached read path for the analysis API.

Guarantees: a template that has been used (analysed with, ever published or ever a canary)
never changes; editing it makes a new draft version; publishing makes a draft the type's only
default and archives the previous default, in one transaction; a type has at most one canary,
which answers the documents whose canary bucket (`canary_bucket`) is below its percent, until
it is promoted (the default, the previous one archived) or rolled back (archived, the default
untouched); every canary change is audited in the admin's history (LogEntry) and the log; the
cached templates of a type are dropped when the transaction that changed them commits.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
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
    if template.status == PromptTemplate.Status.CANARY:
        return _promote(locked, template, by=published_by)
    _check_spec(template.spec, template.prompt)
    if template.status != PromptTemplate.Status.DRAFT:
        template = _republished(locked, template, by=published_by)
    _make_default(locked, template)
    template_cache_invalidate(document_type_code=locked.code)
    return template


def _republished(locked: DocumentType, template: PromptTemplate, *, by) -> PromptTemplate:
    """A new draft version with a used template's content (a used version never changes)."""
    return PromptTemplate.objects.create(
        document_type=locked,
        version=_next_version(locked),
        status=PromptTemplate.Status.DRAFT,
        spec=template.spec,
        prompt=template.prompt,
        notes=f"republished from v{template.version}",
        created_by=by if by is not None and by.is_authenticated else None,
    )


def _make_default(locked: DocumentType, template: PromptTemplate) -> None:
    # Clear the old default first: the conditional unique constraint allows only one.
    locked.templates.filter(is_default=True).update(
        is_default=False, status=PromptTemplate.Status.ARCHIVED
    )
    template.status, template.is_default = PromptTemplate.Status.ACTIVE, True
    template.canary_percent = None
    template.used_at = template.used_at or timezone.now()
    template.save(update_fields=["status", "is_default", "canary_percent", "used_at"])


# --- canary releases ------------------------------------------------------------------------


def canary_bucket(*, document_type_code: str, content_key: str) -> int:
    """The document's bucket, 0-99: the first 8 hex digits of sha256("<type>:<content key>")
    mod 100, where the content key is the analysis cache's ("t" + sha256 of the raw_texts JSON,
    or "f" + sha256 of the file). A document is the canary's when its bucket is below the
    canary's percent: the same document always gets the same version, and raising the percent
    only moves documents onto the canary."""
    digest = hashlib.sha256(f"{document_type_code}:{content_key}".encode()).hexdigest()
    return int(digest[:8], 16) % 100


def _check_percent(percent: Any) -> int:
    if isinstance(percent, bool) or not isinstance(percent, int) or not 1 <= percent <= 99:
        raise DomainError(
            "canary_percent is a whole number from 1 to 99.",
            code="invalid_canary_percent",
            details={"canary_percent": percent},
        )
    return percent


def _current_canary(locked: DocumentType) -> PromptTemplate | None:
    return locked.templates.filter(canary_percent__isnull=False).first()


def _audit(template: PromptTemplate, by, message: str) -> None:
    """Who changed a canary, in the template's admin history and in the log."""
    user = by if by is not None and by.is_authenticated else None
    logger.info(
        "prompt template %s v%s: %s",
        template.document_type.code,
        template.version,
        message,
        extra={"template_id": template.pk, "user": user.get_username() if user else None},
    )
    if user is not None:
        LogEntry.objects.log_actions(
            user_id=user.pk,
            queryset=[template],
            action_flag=CHANGE,
            change_message=message,
            single_object=True,
        )


@transaction.atomic
def template_canary_start(
    *, template: PromptTemplate, percent: int, started_by=None
) -> PromptTemplate:
    """Make `template` its type's canary for `percent` % (1-99) of the analyse traffic, or set
    the share of the running canary. The default keeps answering the rest.

    A draft becomes the canary itself (and is frozen); an archived version is copied into a new
    version first, as publishing does. Refused (409) for the default, for a type without a
    default and while another version is the type's canary.
    """
    _check_percent(percent)
    locked = _locked_type(template.document_type)
    template = PromptTemplate.objects.select_for_update().get(pk=template.pk)
    code = locked.code
    if template.is_default:
        raise ConflictError(
            f"{code} v{template.version} is the default; a canary is another version.",
            code="template_is_default",
        )
    if not locked.templates.filter(is_default=True).exists():
        raise ConflictError(
            f"Document type {code!r} has no published template to compare a canary with; "
            "publish one first.",
            code="no_active_template",
        )
    current = _current_canary(locked)
    if current is not None and current.pk != template.pk:
        raise ConflictError(
            f"{code} v{current.version} is already the canary; promote or roll it back first.",
            code="canary_exists",
            details={"canary_id": current.pk, "canary_version": current.version},
        )
    previous = template.canary_percent
    if previous == percent:
        return template
    if previous is None:
        _check_spec(template.spec, template.prompt)
        if template.status != PromptTemplate.Status.DRAFT:
            template = _republished(locked, template, by=started_by)
        template.status = PromptTemplate.Status.CANARY
        template.canary_started_at = timezone.now()
        template.canary_started_by = (
            started_by if started_by is not None and started_by.is_authenticated else None
        )
        template.used_at = template.used_at or timezone.now()
    template.canary_percent = percent
    template.save()
    _audit(
        template,
        started_by,
        f"Canary started at {percent}%."
        if previous is None
        else f"Canary share changed from {previous}% to {percent}%.",
    )
    template_cache_invalidate(document_type_code=code)
    return template


def _canary_of(locked: DocumentType, template: PromptTemplate) -> PromptTemplate:
    template = PromptTemplate.objects.select_for_update().get(pk=template.pk)
    if template.canary_percent is None:
        current = _current_canary(locked)
        raise ConflictError(
            f"{locked.code} v{template.version} is not a canary"
            + (f" (v{current.version} is)." if current else "; the type has none."),
            code="no_canary",
            details={"canary_id": current.pk if current else None},
        )
    return template


@transaction.atomic
def template_canary_promote(*, template: PromptTemplate, promoted_by=None) -> PromptTemplate:
    """The canary becomes its type's default (all traffic); the previous default is archived.
    Refused (409 no_canary) when `template` is not the type's canary."""
    locked = _locked_type(template.document_type)
    return _promote(locked, _canary_of(locked, template), by=promoted_by)


def _promote(locked: DocumentType, canary: PromptTemplate, *, by) -> PromptTemplate:
    previous = locked.templates.filter(is_default=True).first()
    percent = canary.canary_percent
    _make_default(locked, canary)
    replaced = f"; v{previous.version} archived" if previous is not None else ""
    _audit(canary, by, f"Canary at {percent}% promoted to the default{replaced}.")
    template_cache_invalidate(document_type_code=locked.code)
    return canary


@transaction.atomic
def template_canary_rollback(*, template: PromptTemplate, rolled_back_by=None) -> PromptTemplate:
    """The canary stops answering and is archived; the default answers all traffic again and is
    not touched. Refused (409 no_canary) when `template` is not the type's canary."""
    locked = _locked_type(template.document_type)
    canary = _canary_of(locked, template)
    percent = canary.canary_percent
    canary.status, canary.canary_percent = PromptTemplate.Status.ARCHIVED, None
    canary.save(update_fields=["status", "canary_percent"])
    _audit(canary, rolled_back_by, f"Canary at {percent}% rolled back; archived.")
    template_cache_invalidate(document_type_code=locked.code)
    return canary


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


@dataclass(frozen=True)
class CanaryProfile:
    """A type's canary and its share of the traffic, cached as one value."""

    profile: TemplateProfile
    percent: int


# Cached for a type without a canary (the cache cannot tell None from a miss).
_NO_CANARY = "none"


def _cache_key(code: str, version: int | None) -> str:
    return f"ocr:tpl:{code}:{'default' if version is None else f'v{version}'}"


def _canary_cache_key(code: str) -> str:
    return f"ocr:tpl:{code}:canary"


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


def template_canary_profile(*, document_type_code: str) -> CanaryProfile | None:
    """The type's canary and its percent, or None; cached like the default."""
    key = _canary_cache_key(document_type_code)
    cached = cache.get(key)
    if cached is None:
        canary = (
            PromptTemplate.objects.select_related("document_type")
            .filter(
                document_type__code=document_type_code,
                document_type__is_active=True,
                canary_percent__isnull=False,
            )
            .first()
        )
        cached = CanaryProfile(_profile(canary), canary.canary_percent) if canary else _NO_CANARY
        cache.set(key, cached, settings.TEMPLATE_CACHE_TTL_S)
    return cached if isinstance(cached, CanaryProfile) else None


def template_profile_routed(
    *, default: TemplateProfile, content_key: str
) -> tuple[TemplateProfile, bool]:
    """The version that answers a document when the request names none, and whether it is the
    canary: the type's canary when the document's `canary_bucket` is below its percent, else
    `default` (the type's default profile)."""
    canary = template_canary_profile(document_type_code=default.document_type)
    if canary is not None and canary.profile.version != default.version:
        bucket = canary_bucket(document_type_code=default.document_type, content_key=content_key)
        if bucket < canary.percent:
            return canary.profile, True
    return default, False


def template_profile_mark_used(profile: TemplateProfile) -> TemplateProfile:
    """Record first use of the template and refresh the cached copies."""
    template_mark_used(template_id=profile.template_id)
    used = TemplateProfile(**{**profile.__dict__, "used": True})
    # The default key is dropped rather than rewritten: a publish may have just replaced it.
    # (A canary is frozen when it starts, so its cached copy is always a used one.)
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
        keys = [_cache_key(document_type_code, None), _canary_cache_key(document_type_code)]
        keys += [_cache_key(document_type_code, version) for version in versions]
        try:
            cache.delete_many(keys)
        except Exception:  # an unreachable cache holds nothing to go stale; saving must work
            logger.warning(
                "could not drop cached templates of %s", document_type_code, exc_info=True
            )

    drop()
    transaction.on_commit(drop)
