"""When a job may be taken over (see jobs/services.py): running for longer than any live
attempt can (the cluster's task timeout plus JOB_STALE_MARGIN_S), or queued for longer than
JOB_QUEUED_STALE_S, its task lost."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from jobs.models import ProcessingJob


def task_timeout_s() -> int | None:
    """The cluster's task timeout in seconds, or None when tasks may run without a limit."""
    timeout = settings.Q_CLUSTER.get("timeout")
    return timeout if timeout and timeout > 0 else None


def job_stale_after() -> timedelta | None:
    """How long a job may be running before its worker is taken for gone: the cluster's task
    timeout plus JOB_STALE_MARGIN_S. None (nothing is ever stale) when there is no timeout."""
    timeout = task_timeout_s()
    if timeout is None:
        return None
    return timedelta(seconds=timeout + settings.JOB_STALE_MARGIN_S)


def job_queued_stale_after() -> timedelta | None:
    """How long a job may be queued before its task is taken for lost (JOB_QUEUED_STALE_S);
    None (never) when the setting is 0."""
    seconds = settings.JOB_QUEUED_STALE_S
    return timedelta(seconds=seconds) if seconds > 0 else None


def _cutoff(stale_after: timedelta | None, now: datetime | None) -> datetime | None:
    return None if stale_after is None else (now or timezone.now()) - stale_after


def running_stale_cutoff(now: datetime | None = None) -> datetime | None:
    return _cutoff(job_stale_after(), now)


def queued_stale_cutoff(now: datetime | None = None) -> datetime | None:
    return _cutoff(job_queued_stale_after(), now)


def running_stale_filter(cutoff: datetime) -> Q:
    # A running job without a start time (not one this module left) runs since its creation.
    return Q(status=ProcessingJob.Status.RUNNING) & (
        Q(started_at__lt=cutoff) | Q(started_at__isnull=True, created_at__lt=cutoff)
    )


def queued_stale_filter(cutoff: datetime) -> Q:
    # A job queued before queued_at existed is queued since its creation.
    return Q(status=ProcessingJob.Status.QUEUED) & (
        Q(queued_at__lt=cutoff) | Q(queued_at__isnull=True, created_at__lt=cutoff)
    )


def is_running_stale(job: ProcessingJob) -> bool:
    """Running for longer than any live attempt can: its worker is gone."""
    cutoff = running_stale_cutoff()
    if cutoff is None or job.status != ProcessingJob.Status.RUNNING:
        return False
    return (job.started_at or job.created_at) < cutoff


def is_queued_stale(job: ProcessingJob) -> bool:
    """Queued for longer than JOB_QUEUED_STALE_S: its task was lost."""
    cutoff = queued_stale_cutoff()
    if cutoff is None or job.status != ProcessingJob.Status.QUEUED:
        return False
    return (job.queued_at or job.created_at) < cutoff


def job_is_stale(job: ProcessingJob) -> bool:
    """Whether the job may be taken over (see jobs/services.py)."""
    return is_running_stale(job) or is_queued_stale(job)
