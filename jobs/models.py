"""The one model of the job system: a unit of background work, its attempts and outcome."""

from django.conf import settings
from django.db import models


class ProcessingJob(models.Model):
    """One unit of background work. Keeps its own attempt count and final state because the
    ORM broker redelivers a dead worker's task without counting."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=40, db_index=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=3)
    # Each claim by a worker takes the next number, never reset (attempts is, by a retry): an
    # attempt records its outcome only while its claim is still the job's latest, so a worker
    # that was taken for gone and comes back cannot overwrite the attempt that took over.
    claim = models.PositiveIntegerField(default=0, editable=False)
    target_type = models.CharField(max_length=60, blank=True, help_text="app_label.model")
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # When the job last entered the queue (created, requeued after an attempt, retried, or
    # enqueued again by the sweeper): a job queued for longer than JOB_QUEUED_STALE_S has lost
    # its task. Jobs from before this field count from created_at.
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table kept its name when the model moved here from ocrengine (jobs 0001).
        db_table = "ocrengine_processingjob"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def duration_s(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
