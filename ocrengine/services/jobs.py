"""Background jobs: create, run with counted attempts, retry.

The ORM broker redelivers a task whose worker died, again and again, without counting, so the
job row keeps its own attempt count and final state; handlers must be idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django_q.tasks import async_task

from config.errors import ConflictError
from ocrengine.models import ProcessingJob

logger = logging.getLogger(__name__)


class PermanentJobError(Exception):
    """A failure that another attempt cannot fix (corrupt file, wrong password...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class JobHandler:
    run: Callable[[ProcessingJob], dict]
    # Called once when the job ends failed, so the target (invoice, import) can say so too.
    on_failure: Callable[[ProcessingJob], None] | None = None


_handlers: dict[str, JobHandler] = {}


def register_job_handler(kind: str, handler: JobHandler) -> None:
    _handlers[kind] = handler


def job_create(
    *,
    kind: str,
    target: models.Model | None = None,
    created_by=None,
    max_attempts: int | None = None,
) -> ProcessingJob:
    """Create a queued job and enqueue it once the surrounding transaction commits."""
    if kind not in _handlers:
        raise ValueError(f"no handler registered for job kind {kind!r}")
    job = ProcessingJob.objects.create(
        kind=kind,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=target.pk if target is not None else None,
        created_by=created_by if created_by and created_by.is_authenticated else None,
        max_attempts=max_attempts or settings.JOB_MAX_ATTEMPTS,
    )
    _enqueue_on_commit(job.pk)
    return job


def _enqueue_on_commit(job_id: int) -> None:
    transaction.on_commit(lambda: async_task("ocrengine.tasks.run_job", job_id))


def job_run(*, job_id: int) -> ProcessingJob | None:
    """Run a job once: claim it, call its handler, record the outcome. Safe to call again for a
    job that already ended (a redelivered task), which does nothing."""
    job = _claim(job_id)
    if job is None:
        return None
    handler = _handlers[job.kind]
    try:
        result = handler.run(job)
    except PermanentJobError as error:
        return _fail(job, handler, error.code, error.message)
    except Exception as error:
        logger.exception("job %s attempt %s crashed", job.pk, job.attempts)
        if job.attempts >= job.max_attempts:
            message = f"Gave up after {job.attempts} attempts: {type(error).__name__}: {error}"
            return _fail(job, handler, "attempts_exhausted", message)
        _requeue(job, f"{type(error).__name__}: {error}")
        return job
    job.status = ProcessingJob.Status.SUCCEEDED
    job.result = result or {}
    job.error_code = job.error = ""
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "result", "error_code", "error", "finished_at"])
    return job


def _claim(job_id: int) -> ProcessingJob | None:
    with transaction.atomic():
        job = ProcessingJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (
            ProcessingJob.Status.SUCCEEDED,
            ProcessingJob.Status.FAILED,
        ):
            return None
        if job.kind not in _handlers:
            job.status = ProcessingJob.Status.FAILED
            job.error_code, job.error = "unknown_kind", f"No handler for job kind {job.kind!r}."
            job.finished_at = timezone.now()
            job.save()
            return None
        if job.attempts >= job.max_attempts:
            # Every earlier attempt died with its worker before recording an outcome.
            message = f"Gave up after {job.attempts} attempts; the worker stopped each time."
            _fail(job, _handlers[job.kind], "attempts_exhausted", message)
            return None
        job.attempts += 1
        job.status = ProcessingJob.Status.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["attempts", "status", "started_at"])
    return job


def _requeue(job: ProcessingJob, reason: str) -> None:
    job.status = ProcessingJob.Status.QUEUED
    job.error_code, job.error = "retrying", reason[:2000]
    job.save(update_fields=["status", "error_code", "error"])
    _enqueue_on_commit(job.pk)


def _fail(job: ProcessingJob, handler: JobHandler, code: str, message: str) -> ProcessingJob:
    job.status = ProcessingJob.Status.FAILED
    job.error_code, job.error = code, message[:2000]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error_code", "error", "finished_at"])
    if handler.on_failure is not None:
        handler.on_failure(job)
    return job


def job_retry(*, job: ProcessingJob) -> ProcessingJob:
    """Start a failed job again from a fresh attempt count."""
    with transaction.atomic():
        job = ProcessingJob.objects.select_for_update().get(pk=job.pk)
        if job.status != ProcessingJob.Status.FAILED:
            raise ConflictError(
                f"Only failed jobs can be retried; this one is {job.status}.",
                code="job_not_failed",
                details={"status": job.status},
            )
        job.status = ProcessingJob.Status.QUEUED
        job.attempts = 0
        job.error_code = job.error = ""
        job.started_at = job.finished_at = None
        job.save()
        _enqueue_on_commit(job.pk)
    return job
