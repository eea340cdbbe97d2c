"""Background jobs: create, run with counted attempts, retry, sweep the stale.

The ORM broker redelivers a task whose worker died, again and again, without counting, so the
job row keeps its own attempt count and final state; handlers must be idempotent.

A job is run by at most one attempt at a time: a task claims the job (queued → running) under a
row lock, and a task for a job that is already running does nothing unless that job is stale,
i.e. running for longer than the cluster's task timeout plus JOB_STALE_MARGIN_S. No live
attempt can be that old, because django-q2 interrupts a task at its timeout and its guard kills
the worker a few seconds later; so the worker of a stale job is gone (killed, out of memory,
host lost) and its job may be taken over: by a redelivered task, by the sweeper
(`job_sweep_stale`, scheduled as `manage.py sweep_jobs`), by a retry or by a reprocess. Every
claim takes a new `claim` number, and an attempt records its outcome only while it still holds
the latest claim, so an attempt that was taken over never overwrites the one that replaced it.

A job can also lose its task while it is still queued: the task was acknowledged after a
failed claim ("database is locked"), or async_task failed after the commit. A job queued for
longer than JOB_QUEUED_STALE_S is stale too: the sweeper enqueues it again (`job_sweep_queued`,
not an attempt: attempts count claims), and a retry or a reprocess may take it over. A second
task for the same job is harmless, because a job is claimed once: whichever task comes second
finds it running or ended and does nothing.

Messages stored on a job are shown to API users: they are this module's or a handler's own
words (`PermanentJobError`), never an internal exception's text, which goes to the log.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django_q.exceptions import TimeoutException
from django_q.tasks import async_task

from core.errors import ConflictError
from jobs.models import ProcessingJob
from jobs.registry import JobHandler, PermanentJobError, job_handler
from jobs.staleness import (
    is_queued_stale,
    is_running_stale,
    job_is_stale,
    queued_stale_cutoff,
    queued_stale_filter,
    running_stale_cutoff,
    running_stale_filter,
    task_timeout_s,
)

logger = logging.getLogger(__name__)

# The one task entry point (jobs/tasks.py), by the dotted path django-q2 stores with the task.
RUN_JOB_TASK = "jobs.tasks.run_job"

ENDED_STATES = (ProcessingJob.Status.SUCCEEDED, ProcessingJob.Status.FAILED)


def job_create(
    *,
    kind: str,
    target: models.Model | None = None,
    created_by=None,
    max_attempts: int | None = None,
) -> ProcessingJob:
    """Create a queued job and enqueue it once the surrounding transaction commits."""
    if job_handler(kind) is None:
        raise ValueError(f"no handler registered for job kind {kind!r}")
    job = ProcessingJob.objects.create(
        kind=kind,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=target.pk if target is not None else None,
        created_by=created_by if created_by and created_by.is_authenticated else None,
        max_attempts=max_attempts or settings.JOB_MAX_ATTEMPTS,
        queued_at=timezone.now(),
    )
    _enqueue_on_commit(job.pk)
    return job


def _enqueue_on_commit(job_id: int) -> None:
    # No per-task timeout: the cluster's is the one job_stale_after() counts from.
    transaction.on_commit(lambda: async_task(RUN_JOB_TASK, job_id))


# --- Running -----------------------------------------------------------------------------------


def job_run(*, job_id: int) -> ProcessingJob | None:
    """Run a job once: claim it, call its handler, record the outcome. Does nothing for a job
    that already ended or that another live attempt is running (a redelivered or duplicate
    task). A django-q2 timeout is recorded like a crash (requeued while attempts remain) and
    raised again, so that the cluster counts the task failed and replaces the worker."""
    job = _claim(job_id)
    if job is None:
        return None
    handler = job_handler(job.kind)
    try:
        result = handler.run(job)
    except PermanentJobError as error:
        return _fail(job, handler, error.code, error.message)
    except TimeoutException:
        logger.error("job %s attempt %s ran past the task timeout", job.pk, job.attempts)
        limit = f"the {task_timeout_s()}-second time limit"
        _attempt_failed(
            job,
            handler,
            code="timed_out",
            retry=f"Attempt {job.attempts} of {job.max_attempts} ran past {limit}; "
            "it will be tried again.",
            final=f"The job ran past {limit} on its last attempt "
            f"({job.attempts} of {job.max_attempts}).",
        )
        raise
    except Exception:
        logger.exception("job %s attempt %s crashed", job.pk, job.attempts)
        return _attempt_failed(
            job,
            handler,
            code="attempts_exhausted",
            retry=f"Attempt {job.attempts} of {job.max_attempts} failed unexpectedly; "
            "it will be tried again.",
            final=f"Gave up after {job.attempts} attempts: the job failed unexpectedly "
            "(the cause is in the server log).",
        )
    recorded = _record(
        job,
        status=ProcessingJob.Status.SUCCEEDED,
        result=result or {},
        error_code="",
        error="",
        finished_at=timezone.now(),
    )
    return job if recorded else None


def _claim(job_id: int) -> ProcessingJob | None:
    with transaction.atomic():
        job = ProcessingJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in ENDED_STATES:
            return None
        if job.status == ProcessingJob.Status.RUNNING and not is_running_stale(job):
            # A second delivery of the task while an attempt is alive: never run it twice.
            logger.info("job %s is already running (claim %s); task skipped", job.pk, job.claim)
            return None
        handler = job_handler(job.kind)
        if handler is None:
            job.status = ProcessingJob.Status.FAILED
            job.error_code, job.error = "unknown_kind", f"No handler for job kind {job.kind!r}."
            job.finished_at = timezone.now()
            job.save()
            return None
        if job.attempts >= job.max_attempts:
            # Every earlier attempt died with its worker before recording an outcome.
            message = f"Gave up after {job.attempts} attempts; the worker stopped each time."
            _fail(job, handler, "attempts_exhausted", message)
            return None
        job.attempts += 1
        job.claim += 1
        job.status = ProcessingJob.Status.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["attempts", "claim", "status", "started_at"])
    return job


def _record(job: ProcessingJob, **fields) -> bool:
    """Store an attempt's outcome if the job is still as the attempt left it (same status,
    running by default, and latest claim); False when it was taken over meanwhile, whose
    outcome then stands."""
    held = ProcessingJob.objects.filter(pk=job.pk, status=job.status, claim=job.claim).update(
        **fields
    )
    if not held:
        logger.warning(
            "job %s claim %s was taken over; its outcome (%s) is dropped",
            job.pk,
            job.claim,
            fields.get("status"),
        )
        return False
    for name, value in fields.items():
        setattr(job, name, value)
    return True


def _attempt_failed(
    job: ProcessingJob, handler: JobHandler, *, code: str, retry: str, final: str
) -> ProcessingJob | None:
    if job.attempts >= job.max_attempts:
        return _fail(job, handler, code, final)
    requeued = _record(
        job,
        status=ProcessingJob.Status.QUEUED,
        queued_at=timezone.now(),
        error_code="retrying",
        error=retry,
    )
    if not requeued:
        return None
    _enqueue_on_commit(job.pk)
    return job


def _fail(job: ProcessingJob, handler: JobHandler, code: str, message: str) -> ProcessingJob | None:
    fields = {
        "status": ProcessingJob.Status.FAILED,
        "error_code": code,
        "error": message[:2000],
        "finished_at": timezone.now(),
    }
    if not _record(job, **fields):
        return None
    if handler.on_failure is not None:
        handler.on_failure(job)
    return job


# --- Taking over stale jobs ----------------------------------------------------------------------


def job_sweep_stale() -> dict[str, int]:
    """Requeue each stale running job that has attempts left and fail the others (calling
    their handler's on_failure). Returns how many were requeued and failed. Safe to run while
    workers run: each job is re-checked under its row lock."""
    cutoff = running_stale_cutoff()
    counts = {"requeued": 0, "failed": 0}
    if cutoff is None:
        logger.warning("Q_CLUSTER has no timeout: no job can be told stale, none was swept")
        return counts
    stale_ids = list(
        ProcessingJob.objects.filter(running_stale_filter(cutoff)).values_list("pk", flat=True)
    )
    for job_id in stale_ids:
        try:
            with transaction.atomic():
                outcome = _sweep_one(job_id, cutoff)
        except Exception:
            # One job whose on_failure breaks must not keep the others running forever.
            logger.exception("sweeping stale job %s failed", job_id)
            continue
        if outcome:
            counts[outcome] += 1
    return counts


def _sweep_one(job_id: int, cutoff: datetime) -> str | None:
    job = (
        ProcessingJob.objects.select_for_update()
        .filter(running_stale_filter(cutoff), pk=job_id)
        .first()
    )
    if job is None:  # it ended or was claimed again since the list was read
        return None
    logger.warning(
        "job %s attempt %s is stale (running since %s); its worker is gone",
        job.pk,
        job.attempts,
        job.started_at,
    )
    handler = job_handler(job.kind)
    if handler is None:
        message = f"No handler for job kind {job.kind!r}."
        _record(
            job,
            status=ProcessingJob.Status.FAILED,
            error_code="unknown_kind",
            error=message,
            finished_at=timezone.now(),
        )
        return "failed"
    outcome = _attempt_failed(
        job,
        handler,
        code="worker_lost",
        retry=f"Attempt {job.attempts} of {job.max_attempts} stopped with its worker; "
        "it will be tried again.",
        final=f"Gave up after {job.attempts} attempts; the last one stopped with its worker.",
    )
    if outcome is None:
        return None
    return "failed" if outcome.status == ProcessingJob.Status.FAILED else "requeued"


def job_sweep_queued() -> int:
    """Enqueue again each job queued for longer than JOB_QUEUED_STALE_S (its task was lost)
    and restart its queued clock; attempts are not touched (a task that never claimed the job
    was no attempt). Returns how many were enqueued. Safe while workers run: each job is
    re-checked under its row lock, and a task that turns up late finds the job claimed."""
    cutoff = queued_stale_cutoff()
    if cutoff is None:
        return 0
    lost_ids = list(
        ProcessingJob.objects.filter(queued_stale_filter(cutoff)).values_list("pk", flat=True)
    )
    enqueued = 0
    for job_id in lost_ids:
        try:
            with transaction.atomic():  # the task is sent as this commits
                added = _enqueue_lost(job_id, cutoff)
        except Exception:
            # The broker refusing one task must not keep the others waiting; the job is tried
            # again once it has waited JOB_QUEUED_STALE_S more.
            logger.exception("enqueueing queued job %s again failed", job_id)
            continue
        enqueued += added
    return enqueued


def _enqueue_lost(job_id: int, cutoff: datetime) -> int:
    job = (
        ProcessingJob.objects.select_for_update()
        .filter(queued_stale_filter(cutoff), pk=job_id)
        .first()
    )
    if job is None:  # claimed, ended or enqueued again since the list was read
        return 0
    logger.warning(
        "job %s is queued since %s (%s of %s attempts made); its task is taken for lost and "
        "enqueued again",
        job.pk,
        job.queued_at or job.created_at,
        job.attempts,
        job.max_attempts,
    )
    ProcessingJob.objects.filter(pk=job.pk).update(queued_at=timezone.now())
    _enqueue_on_commit(job.pk)
    return 1


def job_release_stale(*, job: ProcessingJob) -> bool:
    """End a stale job as failed so that its caller can start a new job for the same target in
    its place: a running one as `worker_lost`, a queued one as `task_lost`. Its handler's
    on_failure is not called, the caller speaks for the target. False (nothing changed) when
    the job is not stale."""
    with transaction.atomic():
        job = ProcessingJob.objects.select_for_update().get(pk=job.pk)
        if is_running_stale(job):
            code = "worker_lost"
            message = f"Attempt {job.attempts} stopped with its worker; a new job took its place."
        elif is_queued_stale(job):
            code = "task_lost"
            message = (
                f"The job waited in the queue for over {settings.JOB_QUEUED_STALE_S} seconds "
                "(its task was lost); a new job took its place."
            )
        else:
            return False
        logger.warning("job %s (%s) is stale; released for a new job", job.pk, job.status)
        return _record(
            job,
            status=ProcessingJob.Status.FAILED,
            error_code=code,
            error=message,
            finished_at=timezone.now(),
        )


def job_retry(*, job: ProcessingJob) -> ProcessingJob:
    """Start a failed job, or a stale one (running with its worker gone, or queued with its
    task lost), again from a fresh attempt count. Refused (409) for a job that is queued or
    running and not stale, or succeeded."""
    with transaction.atomic():
        job = ProcessingJob.objects.select_for_update().get(pk=job.pk)
        if job.status != ProcessingJob.Status.FAILED and not job_is_stale(job):
            raise ConflictError(
                f"Only failed jobs can be retried; this one is {job.status}.",
                code="job_not_failed",
                details={"status": job.status},
            )
        job.status = ProcessingJob.Status.QUEUED
        job.attempts = 0
        job.error_code = job.error = ""
        job.started_at = job.finished_at = None
        job.queued_at = timezone.now()
        job.save()
        _enqueue_on_commit(job.pk)
    return job
