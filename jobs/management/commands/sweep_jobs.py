"""manage.py sweep_jobs: requeue or fail the jobs whose worker is gone (running for longer than
Q_TIMEOUT_S + JOB_STALE_MARGIN_S), and enqueue again the jobs whose task was lost (queued for
longer than JOB_QUEUED_STALE_S). Migration ocrengine 0008 schedules it every 5 minutes in
django-q2 (`Schedule` named `sweep_jobs`)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from jobs.services import job_sweep_queued, job_sweep_stale
from jobs.staleness import job_queued_stale_after, job_stale_after


class Command(BaseCommand):
    help = (
        "Requeue or fail background jobs left running by a worker that timed out or died, and "
        "enqueue again the jobs left queued by a lost task."
    )

    def handle(self, *args, **options) -> None:
        stale_after = job_stale_after()
        if stale_after is None:
            self.stderr.write("Q_CLUSTER sets no timeout: no running job can be told stale.")
        else:
            counts = job_sweep_stale()
            self.stdout.write(
                f"stale after {int(stale_after.total_seconds())} s: "
                f"{counts['requeued']} requeued, {counts['failed']} failed"
            )
        queued_after = job_queued_stale_after()
        if queued_after is None:
            self.stderr.write("JOB_QUEUED_STALE_S is 0: no queued job is enqueued again.")
            return
        enqueued = job_sweep_queued()
        self.stdout.write(
            f"queued for over {int(queued_after.total_seconds())} s: {enqueued} enqueued again"
        )
