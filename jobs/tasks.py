"""The one django-q2 entry point for every job: thin, ids only (jobs.services.RUN_JOB_TASK)."""

from jobs.services import job_run


def run_job(job_id: int) -> None:
    job_run(job_id=job_id)
