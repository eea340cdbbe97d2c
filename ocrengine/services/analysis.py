"""Document analysis: text or a file in, the template's fields out; cached, masked, logged.

Guarantees: every call, successful or not, writes one AnalysisLog row (in batches: see
analysis_log_writer); results are cached by
(document type, template version, backend, content hash) for ANALYSIS_CACHE_TTL_S, unmasked,
and masked per caller on the way out; a request that names no template_version is answered by
the type's canary when the document's canary bucket says so, else by the default, and the log
row says which (template_route); a result produced by a fallback is not cached, so the
preferred backend is tried again next time; bad input raises a DomainError (one error shape).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.cache import cache

from core import metrics
from core.errors import DomainError, PayloadTooLargeError, UnsupportedMediaTypeError
from ocrengine.documents import DocumentError, read_document
from ocrengine.documents.errors import OverLimit, UnsupportedType
from ocrengine.engines.base import DocumentText
from ocrengine.extraction.patterns import PATTERN_TIMEOUT, PatternSyntaxError, PatternTimeout
from ocrengine.models import AnalysisLog, ApiClient
from ocrengine.services import analysis_log_writer, backends
from ocrengine.services.masking import SENSITIVE_PERMISSION, mask_fields
from ocrengine.services.raw_text import RAW_TEXT_ENGINE, raw_text_document
from ocrengine.services.templates import (
    TemplateProfile,
    template_profile,
    template_profile_mark_used,
    template_profile_routed,
)

logger = logging.getLogger(__name__)


class Caller:
    """Who is asking: a user (JWT or session), or a machine client acting as its user."""

    def __init__(self, *, user: Any | None, api_client: ApiClient | None, client_kind: str) -> None:
        self.user, self.api_client, self.client_kind = user, api_client, client_kind

    @cached_property
    def sees_sensitive(self) -> bool:
        # Asked only when a result has a sensitive value.
        user = self.user
        if user is None or not user.is_active:
            return False
        if hasattr(user, "may_view_analysis_sensitive") and not user.is_superuser:
            return user.may_view_analysis_sensitive  # loaded with the user on authentication
        return user.has_perm(SENSITIVE_PERMISSION)  # two queries

    @classmethod
    def from_request(cls, request) -> Caller:
        client = request.auth if isinstance(request.auth, ApiClient) else None
        user = request.user if getattr(request.user, "_meta", None) is not None else None
        kind = "api" if client else getattr(request, "client_kind", "api")
        if kind not in AnalysisLog.ClientKind.values:
            kind = AnalysisLog.ClientKind.API
        return cls(user=user, api_client=client, client_kind=kind)


@dataclass(frozen=True)
class UploadedDocument:
    data: bytes
    mime: str | None = None
    name: str = ""


@dataclass(frozen=True)
class AnalysisRequest:
    document_type: str
    raw_texts: list[str] | None = None
    file: UploadedDocument | None = None
    template_version: int | None = None
    backend: str | None = None


# --- the one analysis -----------------------------------------------------------------------


def document_analyze(*, request: AnalysisRequest, caller: Caller) -> dict[str, Any]:
    """Analyse one document and log the call; raises DomainError for bad input."""
    started = time.perf_counter()
    # template_version is set once the template resolves, which also marks the type as real.
    log = AnalysisLog(
        document_type=request.document_type[:40],
        backend=(request.backend or settings.ANALYSIS_DEFAULT_BACKEND)[:20],
    )
    try:
        payload = _analyze(request, log)
    except DomainError as error:
        _finish(log, caller, started, error_code=error.code)
        raise
    except Exception:
        _finish(log, caller, started, error_code="server_error")
        raise
    _finish(log, caller, started)
    return _present(payload, caller, cache_hit=log.cache_hit)


def analysis_log_refused(*, document_type: Any, caller: Caller, error_code: str) -> None:
    """Log a call refused before analysis (its input failed validation), so the log and the
    statistics see every call."""
    # Only a plausible code is kept: the refused input may be anything, a NUL character
    # included, which PostgreSQL would refuse to store.
    code = document_type if isinstance(document_type, str) and document_type.isprintable() else ""
    log = AnalysisLog(document_type=code[:40], backend=settings.ANALYSIS_DEFAULT_BACKEND)
    _finish(log, caller, time.perf_counter(), error_code=error_code)


def documents_analyze_batch(*, requests: list[AnalysisRequest], caller: Caller) -> list[dict]:
    """Each item analysed on its own, results in order; an item's failure is reported in the
    one error shape in its place and does not stop the others."""
    results: list[dict] = []
    for index, item in enumerate(requests):
        try:
            results.append(
                {
                    "index": index,
                    "status": 200,
                    "result": document_analyze(request=item, caller=caller),
                }
            )
        except DomainError as error:
            results.append(
                {
                    "index": index,
                    "status": error.status,
                    "error": {
                        "code": error.code,
                        "message": error.message,
                        "details": error.details,
                    },
                }
            )
        except Exception:
            logger.exception("batch item %d failed", index)
            results.append(
                {
                    "index": index,
                    "status": 500,
                    "error": {
                        "code": "server_error",
                        "message": "An internal error occurred.",
                        "details": {},
                    },
                }
            )
    return results


def _analyze(request: AnalysisRequest, log: AnalysisLog) -> dict[str, Any]:
    backend = request.backend or settings.ANALYSIS_DEFAULT_BACKEND
    if backend not in backends.BACKENDS:
        raise DomainError(
            f"Unknown backend {backend!r}.",
            code="unknown_backend",
            details={"known": list(backends.BACKENDS)},
        )
    profile = template_profile(
        document_type_code=request.document_type, version=request.template_version
    )
    log.template_version = profile.version
    content_key = _content_hash(request)
    profile = _routed(request, profile, content_key, log)
    key = f"ocr:res:{profile.document_type}:v{profile.version}:{backend}:{content_key}"
    cached = cache.get(key)
    if cached is not None:
        log.cache_hit, log.engine, log.confidence = (
            True,
            cached["engine"],
            cached["overall_confidence"],
        )
        log.backend = cached["backend"]
        return cached
    if not profile.used:
        profile = template_profile_mark_used(profile)
    document, pdf_bytes = _document(request)
    try:
        result = backends.run_backend(backend, profile, document, pdf_bytes=pdf_bytes)
    except (PatternTimeout, PatternSyntaxError) as error:
        raise _template_pattern_error(error, profile) from None
    payload = {
        "document_type": profile.document_type,
        "template_version": profile.version,
        "backend": result.backend,
        "engine": document.engines or RAW_TEXT_ENGINE,
        "fields": result.fields,
        "confidence": result.confidence,
        "overall_confidence": result.overall_confidence,
        "checks": result.checks,
        "lines": result.lines,
        "fallback_reason": result.fallback_reason or None,
        "_sensitive": list(profile.sensitive_fields),
        "_types": {f["name"]: f.get("type", "string") for f in profile.spec["fields"]},
    }
    log.backend, log.engine = result.backend, payload["engine"][:40]
    log.confidence, log.fallback_reason = result.overall_confidence, result.fallback_reason
    if not result.fallback_reason:
        cache.set(key, payload, settings.ANALYSIS_CACHE_TTL_S)
    return payload


def _routed(
    request: AnalysisRequest, profile: TemplateProfile, content_key: str, log: AnalysisLog
) -> TemplateProfile:
    """A named version answers as named; otherwise the canary may answer instead (its result is
    cached under its own version)."""
    if request.template_version is not None:
        log.template_route = AnalysisLog.TemplateRoute.REQUESTED
        return profile
    profile, canary = template_profile_routed(default=profile, content_key=content_key)
    log.template_version = profile.version
    log.template_route = (
        AnalysisLog.TemplateRoute.CANARY if canary else AnalysisLog.TemplateRoute.DEFAULT
    )
    return profile


class TemplatePatternError(DomainError):
    """The template's own pattern failed on this text: the request was well formed, the
    template could not read it."""

    status = 422
    code = PATTERN_TIMEOUT


def _template_pattern_error(
    error: PatternTimeout | PatternSyntaxError, profile: TemplateProfile
) -> TemplatePatternError:
    # The pattern itself goes to the log for the template's author, not to the caller.
    logger.warning(
        "%s template v%s: pattern failed: %s", profile.document_type, profile.version, error
    )
    where = {"document_type": profile.document_type, "template_version": profile.version}
    if isinstance(error, PatternTimeout):
        return TemplatePatternError(
            f"A pattern of the {profile.document_type} template (v{profile.version}) ran longer "
            f"than {error.timeout_s:g} s on this text and was stopped; an administrator can "
            "bound it.",
            details={**where, "timeout_s": error.timeout_s},
        )
    return TemplatePatternError(
        f"A pattern of the {profile.document_type} template (v{profile.version}) does not "
        "compile; an administrator can fix it.",
        code="invalid_template_pattern",
        details=where,
    )


def _content_hash(request: AnalysisRequest) -> str:
    if request.file is not None:
        return "f" + hashlib.sha256(request.file.data).hexdigest()
    texts = _checked_texts(request.raw_texts)
    return "t" + hashlib.sha256(json.dumps(texts, ensure_ascii=False).encode()).hexdigest()


def _checked_texts(raw_texts: list[str] | None) -> list[str]:
    if raw_texts is None:
        raise DomainError("Send raw_texts or a file.", code="no_input")
    if not raw_texts or not any(text.strip() for text in raw_texts):
        raise DomainError("raw_texts holds no text.", code="empty_text")
    if len(raw_texts) > settings.OCR_MAX_PAGES:
        raise PayloadTooLargeError(
            f"{len(raw_texts)} pages of text; the limit is {settings.OCR_MAX_PAGES}.",
            code="too_many_pages",
        )
    size = sum(len(text) for text in raw_texts)
    if size > settings.ANALYSIS_MAX_TEXT_CHARS:
        raise PayloadTooLargeError(
            f"{size} characters of text; the limit is {settings.ANALYSIS_MAX_TEXT_CHARS}.",
            code="text_too_large",
        )
    return raw_texts


def _document(request: AnalysisRequest) -> tuple[DocumentText, bytes | None]:
    if request.file is None:
        return raw_text_document(_checked_texts(request.raw_texts)), None
    data = request.file.data
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise PayloadTooLargeError(f"The file is larger than {settings.UPLOAD_MAX_BYTES} bytes.")
    try:
        document = read_document(
            data,
            mime=request.file.mime,
            max_pages=settings.OCR_MAX_PAGES,
            max_image_pixels=settings.OCR_MAX_IMAGE_PIXELS,
            raster_dpi=settings.OCR_RASTER_DPI,
        )
    except DocumentError as error:
        raise _document_refusal(error) from None
    if not document.text.strip():
        raise DomainError("No text could be read from the file.", code="no_text_found")
    # The file itself goes along: a PDF's e-invoice attachment, an XML or OFD invoice's data
    # and a Chinese invoice's QR code are read from its bytes.
    return document, data


def _document_refusal(error: DocumentError) -> DomainError:
    if isinstance(error, OverLimit):
        error_class = PayloadTooLargeError
    elif isinstance(error, UnsupportedType):
        error_class = UnsupportedMediaTypeError
    else:
        error_class = DomainError
    return error_class(error.message, code=error.code, details=error.details)


def _present(payload: dict[str, Any], caller: Caller, *, cache_hit: bool) -> dict[str, Any]:
    present = tuple(name for name in payload["_sensitive"] if payload["fields"].get(name))
    sensitive = present if present and not caller.sees_sensitive else ()
    fields, masked = mask_fields(payload["fields"], sensitive, payload["_types"])
    public = {key: value for key, value in payload.items() if not key.startswith("_")}
    return {**public, "fields": fields, "masked": masked, "cache_hit": cache_hit}


def _finish(log: AnalysisLog, caller: Caller, started: float, *, error_code: str = "") -> None:
    log.latency_ms = round((time.perf_counter() - started) * 1000, 2)
    log.success, log.error_code = not error_code, error_code[:60]
    log.client_kind, log.user, log.api_client = caller.client_kind, caller.user, caller.api_client
    analysis_log_writer.writer.add(log)
    metrics.observe_analysis(
        # Unresolved types and backends would let callers mint unbounded label values.
        document_type=log.document_type if log.template_version is not None else "unknown",
        backend=log.backend if log.backend in backends.BACKENDS else "unknown",
        success=log.success,
        cache_hit=log.cache_hit,
        seconds=log.latency_ms / 1000,
        fallback=bool(log.fallback_reason),
    )
