"""An export too large to answer at once: built by a job (`export.build`), downloaded later."""

from django.conf import settings
from django.db import models


class Export(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    dataset = models.CharField(max_length=20)
    format = models.CharField(max_length=20)
    # The list filters as asked (query parameters), applied again by the job as the same user.
    params = models.JSONField(default=dict, blank=True)
    base_url = models.CharField(max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    file = models.FileField(upload_to="exports/", max_length=300, blank=True)
    filename = models.CharField(max_length=120, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    rows = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    job = models.ForeignKey(
        "jobs.ProcessingJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.dataset}.{self.format} #{self.pk} ({self.status})"
