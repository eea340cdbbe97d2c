"""Webhook subscribers, the deliveries of events to them, and each delivery's attempts."""

import uuid

from django.db import models

from core.encrypted_fields import EncryptedSecretField
from webhooks.events import EVENT_TYPES


class WebhookSubscription(models.Model):
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    # Read back whole to sign each delivery, so stored encrypted (FIELD_ENCRYPTION_KEYS), as
    # the HMAC clients' secrets are.
    secret = EncryptedSecretField()
    event_types = models.JSONField(
        default=list, help_text=f"Events sent to this URL: {', '.join(EVENT_TYPES)}."
    )
    is_active = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event for one subscriber: its signed body, sent until a 2xx answers or
    WEBHOOK_MAX_ATTEMPTS attempts failed."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40, db_index=True)
    # The event's id, the same on every attempt and redelivery: receivers deduplicate by it.
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    job = models.ForeignKey(
        "jobs.ProcessingJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription} ({self.status})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveIntegerField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()

    class Meta:
        ordering = ["delivery", "number", "id"]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.status_code or self.error}"
