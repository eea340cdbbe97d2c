"""django-q2 entry points: thin, ids only."""

from ocrengine.services.jobs import job_run


def run_job(job_id: int) -> None:
    job_run(job_id=job_id)
