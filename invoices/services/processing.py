"""The `invoice.process` job: read the stored file, extract, store fields and lines.

Idempotent: each run replaces the invoice's extracted data and lines in one transaction, so a
worker killed at any point leaves either the old state or the new one, and a redelivered run
produces the same single set of lines. A run for a job that is no longer the invoice's current
job (superseded by a reprocess) or for an approved invoice changes nothing.
"""

from __future__ import annotations

import importlib.metadata
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import ConflictError
from invoices.calibration import field_thresholds_for
from invoices.models import Invoice, InvoiceLine
from invoices.services import pipeline
from invoices.services.duplicates import invoice_duplicate_mark
from invoices.services.fields import fields_to_columns, line_rows
from invoices.services.review import LINES_SOURCE_KEY, lines_corrected
from invoices.services.storage import file_read, file_relocate, storage_name
from invoices.services.upload import INVOICE_PROCESS_JOB
from invoices.services.verification import verification_apply, verification_check
from jobs.models import ProcessingJob
from jobs.registry import PermanentJobError
from jobs.services import job_create, job_release_stale
from ocrengine.engines.registry import UnknownEngine, get_engine
from ocrengine.extraction.spec import shipped_spec_for
from ocrengine.models import DocumentType, PromptTemplate
from webhooks.events import INVOICE_STATUS_EVENTS, invoice_payload
from webhooks.services import webhooks_emit

logger = logging.getLogger(__name__)

STATUS_BY_OUTCOME = {
    pipeline.RECOGNIZED: Invoice.Status.RECOGNIZED,
    pipeline.NEEDS_REVIEW: Invoice.Status.NEEDS_REVIEW,
    pipeline.UNRECOGNIZED: Invoice.Status.UNRECOGNIZED,
}
ACTIVE_JOB_STATES = (ProcessingJob.Status.QUEUED, ProcessingJob.Status.RUNNING)


def read_limits() -> pipeline.ReadLimits:
    return pipeline.ReadLimits(
        max_pages=settings.OCR_MAX_PAGES,
        max_image_pixels=settings.OCR_MAX_IMAGE_PIXELS,
        raster_dpi=settings.OCR_RASTER_DPI,
    )


def template_for(document_type: DocumentType | None) -> PromptTemplate | None:
    """The active default prompt template of the document type, if one is published."""
    if document_type is None:
        return None
    return PromptTemplate.objects.filter(
        document_type=document_type, is_default=True, status=PromptTemplate.Status.ACTIVE
    ).first()


def spec_for(document_type: DocumentType | None, template: PromptTemplate | None) -> dict:
    """The template's spec, else the spec shipped for the type, else the invoice spec."""
    if template is not None:
        return template.spec
    return shipped_spec_for(document_type.code if document_type else "invoice")


TEXT_LAYER_READER = "pdfplumber"


def _engine_version(engine_names: str) -> str:
    versions = []
    for name in filter(None, engine_names.split(",")):
        if name == TEXT_LAYER_READER:
            versions.append(f"{name} {importlib.metadata.version(name)}")
            continue
        try:
            versions.append(get_engine(name).version)
        except UnknownEngine:
            versions.append(name)
    return ", ".join(versions)[:40]


def no_nul(text: str) -> str:
    # PostgreSQL refuses NUL in text and JSON; broken PDFs' text layers do contain it.
    return text.replace("\x00", "")


def _boxes(outcome: pipeline.DocumentOutcome) -> list[dict]:
    return [
        {
            "page": page.number,
            "width": page.width,
            "height": page.height,
            "source": page.source,
            "engine": page.engine,
            "turned": page.turned,
            "lines": [
                {
                    "text": no_nul(line.text),
                    "box": list(line.box),
                    "confidence": round(line.confidence, 3),
                }
                for line in page.lines
            ],
        }
        for page in outcome.document.pages
    ]


def _apply_outcome(invoice: Invoice, outcome: pipeline.DocumentOutcome) -> list[InvoiceLine]:
    """Copy the outcome onto the invoice's columns (not saved); returns its new lines."""
    result = outcome.result
    conversion = fields_to_columns(result.as_flat_dict())
    # Corrections people made survive a reprocess: a person outranks the extractor.
    manual = {
        name: source
        for name, source in (invoice.field_sources or {}).items()
        if isinstance(source, dict) and source.get("source") == "manual"
    }
    for name in manual:
        conversion.values.pop(name, None)
        conversion.rejected.pop(name, None)
    for name, value in conversion.values.items():
        setattr(invoice, name, value)
    confidence = {name: round(f.confidence, 3) for name, f in result.fields.items() if f.value}
    confidence.update(dict.fromkeys(set(manual) - {LINES_SOURCE_KEY}, 1.0))
    checks = list(result.checks)
    for name, reason in conversion.rejected.items():
        confidence[name] = 0.0
        checks.append({"name": "fits_column", "field": name, "ok": False, "reason": reason})
    overall = result.overall_confidence
    status = outcome.status
    if conversion.rejected and status == pipeline.RECOGNIZED:
        # A value was found but could not be stored: a person must look at it.
        overall = min(overall, settings.OCR_CONFIDENCE_THRESHOLD - 0.01)
        status = pipeline.NEEDS_REVIEW
    invoice.status = STATUS_BY_OUTCOME[status]
    invoice.confidence = max(round(overall, 3), 0.0)
    invoice.field_confidence = confidence
    invoice.field_sources = {
        **{
            name: {"page": f.page, "box": list(f.box) if f.box else None, "source": f.source}
            for name, f in result.fields.items()
            if f.value and name not in conversion.rejected
        },
        **manual,
    }
    invoice.checks = checks
    invoice.raw_text = no_nul(outcome.document.text)
    invoice.boxes = _boxes(outcome)
    invoice.pages = len(outcome.document.pages)
    invoice.engine = outcome.engine[:40]
    invoice.engine_version = _engine_version(outcome.engine)
    invoice.error_code = invoice.error = ""
    return line_rows(invoice, result.lines)


def _skip_reason(invoice: Invoice | None, job: ProcessingJob) -> str:
    """Why this run must not touch the invoice, or "" when it is the invoice's current job."""
    if invoice is None:
        return "invoice_deleted"
    if invoice.job_id != job.pk:
        return "superseded"
    if invoice.status == Invoice.Status.APPROVED:
        return "approved"
    return ""


def invoice_process(job: ProcessingJob) -> dict:
    """Job handler for `invoice.process`. Unreadable documents fail permanently (the original
    file stays where it is); crashes propagate so the job mechanism retries."""
    invoice = Invoice.objects.select_related("document_type").filter(pk=job.target_id).first()
    if reason := _skip_reason(invoice, job):
        return {"skipped": reason}
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.PROCESSING)
    try:
        data = file_read(invoice.file.name)
    except FileNotFoundError:
        raise PermanentJobError("file_missing", "The stored file is missing.") from None
    template = template_for(invoice.document_type)
    outcome = pipeline.document_extract(
        data=data,
        mime=invoice.mime,
        spec=spec_for(invoice.document_type, template),
        document_type=invoice.document_type.code if invoice.document_type else "invoice",
        threshold=settings.OCR_CONFIDENCE_THRESHOLD,
        limits=read_limits(),
        field_thresholds=field_thresholds_for,  # calibrated from reviewer outcomes
    )
    if outcome.status == pipeline.FAILED:
        raise PermanentJobError(outcome.error_code, outcome.error)
    verified = verification_check(outcome.result)  # 查验, when configured: no row locks held
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
        if reason := _skip_reason(invoice, job):
            return {"skipped": reason}
        lines = _apply_outcome(invoice, outcome)
        verification_apply(invoice=invoice, check=verified)
        invoice_duplicate_mark(invoice=invoice)  # the same invoice as another file
        invoice.template_version = template.version if template else None
        invoice.file.name = file_relocate(
            current=invoice.file.name,
            target=storage_name(
                sha256=invoice.sha256,
                mime=invoice.mime,
                unrecognized=invoice.status == Invoice.Status.UNRECOGNIZED,
            ),
        )
        invoice.save()
        if event := INVOICE_STATUS_EVENTS.get(invoice.status):  # sent once this commits
            webhooks_emit(event=event, payload=invoice_payload(invoice))
        if lines_corrected(invoice):
            lines = list(invoice.lines.all())  # a person outranks the extractor
        else:
            invoice.lines.all().delete()
            InvoiceLine.objects.bulk_create(lines)
        if template is not None and template.used_at is None:
            PromptTemplate.objects.filter(pk=template.pk, used_at__isnull=True).update(
                used_at=timezone.now()
            )
    return {
        "invoice_id": invoice.pk,
        "status": invoice.status,
        "confidence": invoice.confidence,
        "pages": invoice.pages,
        "lines": len(lines),
        "engine": invoice.engine,
        "seconds": round(outcome.seconds, 3),
    }


def invoice_process_failed(job: ProcessingJob) -> None:
    """The job ended failed: the invoice says why; its file stays where it is."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().filter(pk=job.target_id).first()
        if _skip_reason(invoice, job):
            return
        invoice.status = Invoice.Status.FAILED
        invoice.error_code = job.error_code[:60]
        invoice.error = job.error
        invoice.save(update_fields=["status", "error_code", "error", "updated_at"])


def invoice_reprocess(*, invoice: Invoice, requested_by) -> ProcessingJob:
    """Queue a fresh extraction. Refused (409) for an approved invoice or while a job is queued
    or running; a stale job (left running by a worker that is gone, or queued for longer than
    JOB_QUEUED_STALE_S because its task was lost) is ended and replaced."""
    with transaction.atomic():
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to the job.
        invoice = (
            Invoice.objects.select_for_update(of=("self",)).select_related("job").get(pk=invoice.pk)
        )
        if invoice.status == Invoice.Status.APPROVED:
            raise ConflictError(
                "An approved invoice is final and cannot be reprocessed.",
                code="invoice_approved",
            )
        if (
            invoice.job is not None
            and invoice.job.status in ACTIVE_JOB_STATES
            and not job_release_stale(job=invoice.job)
        ):
            raise ConflictError(
                "This invoice is already being processed.",
                code="job_in_progress",
                details={"job_id": invoice.job_id, "status_url": f"/api/v1/jobs/{invoice.job_id}/"},
            )
        job = job_create(kind=INVOICE_PROCESS_JOB, target=invoice, created_by=requested_by)
        invoice.job = job
        invoice.status = Invoice.Status.QUEUED
        invoice.error_code = invoice.error = ""
        invoice.save(update_fields=["job", "status", "error_code", "error", "updated_at"])
    return job
