"""Webhooks: events fanned out to subscribers as signed POSTs, retried with back-off.

Signature: each POST carries `X-LedgerLens-Timestamp` (Unix seconds) and
`X-LedgerLens-Signature: sha256=<hex>`, the HMAC-SHA256, keyed with the subscription's secret,
of `<timestamp>.<raw body>`; `X-LedgerLens-Event` names the event and `X-LedgerLens-Delivery`
its id (the same on every attempt: receivers deduplicate by it). Delivery is at least once.

Each attempt is a `webhook.deliver` job. The delivery keeps its own attempt count and next
attempt time: an attempt claims the delivery by moving its next attempt time on by the back-off
before it sends, so a job run twice (a redelivered task, the sweeper taking over a lost worker)
finds nothing due and does nothing; `webhook_deliveries_due` (scheduled) starts a job for each
delivery whose next attempt is due.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.encrypted_fields import UnreadableSecret
from core.errors import DomainError
from jobs.models import ProcessingJob
from jobs.services import job_create
from webhooks import outbound
from webhooks.events import EVENT_TYPES
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)

WEBHOOK_DELIVER_JOB = "webhook.deliver"
ACTIVE_JOB = (ProcessingJob.Status.QUEUED, ProcessingJob.Status.RUNNING)


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """The `X-LedgerLens-Signature` value: sha256=hex(HMAC-SHA256(secret, timestamp.body))."""
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_subscription_validate(*, url: str, event_types: list[str]) -> None:
    """400 for a URL that is not http(s) or an event type that does not exist."""
    problem = outbound.url_problem(url)
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if problem or unknown:
        raise DomainError(
            problem or f"Unknown event types: {', '.join(unknown)}.",
            code="invalid_webhook",
            details={"url": url, "unknown_events": unknown, "events": list(EVENT_TYPES)},
        )


def webhooks_emit(*, event: str, payload: dict[str, Any]) -> None:
    """Send `event` with `payload` (JSON-serialisable) to every active subscriber of it, once
    the surrounding transaction commits (nothing is sent for work that rolls back). Callable
    from any service, inside or outside a transaction; never raises for a subscriber."""
    if event not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event {event!r}")
    created = timezone.now()
    transaction.on_commit(lambda: _fan_out(event, payload, created))


def _fan_out(event: str, payload: dict[str, Any], created: datetime) -> int:
    subscriptions = [
        s for s in WebhookSubscription.objects.filter(is_active=True) if event in s.event_types
    ]
    for subscription in subscriptions:
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    subscription=subscription, event=event, body="", next_attempt_at=created
                )
                delivery.body = json.dumps(
                    {"id": str(delivery.event_id), "event": event,
                     "created_at": created.isoformat(), "data": payload},
                    cls=DjangoJSONEncoder, ensure_ascii=False,
                )  # fmt: skip
                delivery.job = job_create(kind=WEBHOOK_DELIVER_JOB, target=delivery)
                delivery.save(update_fields=["body", "job"])
        except Exception:
            # The business change is committed; one subscriber's row must not undo the others.
            logger.exception("webhook %s for subscription %s not queued", event, subscription.pk)
    return len(subscriptions)


def _backoff(attempt: int) -> timedelta:
    seconds = min(settings.WEBHOOK_BACKOFF_S * 2 ** max(attempt - 1, 0),
                  settings.WEBHOOK_MAX_BACKOFF_S)  # fmt: skip
    return timedelta(seconds=seconds)


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Take the delivery's next attempt, if one is due: count it and move the next attempt time
    on by the back-off, in one conditional update (no lock held while sending)."""
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return None
    if delivery.next_attempt_at and delivery.next_attempt_at > now:
        return None
    attempt = delivery.attempts + 1
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=WebhookDelivery.Status.PENDING, attempts=delivery.attempts
    ).update(attempts=attempt, next_attempt_at=now + _backoff(attempt))
    if not claimed:
        return None
    delivery.attempts = attempt
    return delivery


def webhook_deliver(job: ProcessingJob) -> dict:
    """Job handler for `webhook.deliver`: one attempt of one delivery, if it is due."""
    now = timezone.now()
    delivery = _claim(job.target_id, now)
    if delivery is None:
        return {"skipped": "not_due"}
    subscription = delivery.subscription
    body = delivery.body.encode()
    secret = subscription.secret
    if not subscription.is_active:
        answer = outbound.Answer(None, "subscription_inactive", 0)
    elif isinstance(secret, UnreadableSecret) or not secret:
        answer = outbound.Answer(None, "secret_unreadable: FIELD_ENCRYPTION_KEYS opens it not", 0)
    else:
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "LedgerLens-Webhooks/1",
            "X-LedgerLens-Event": delivery.event,
            "X-LedgerLens-Delivery": str(delivery.event_id),
            "X-LedgerLens-Timestamp": timestamp,
            "X-LedgerLens-Signature": webhook_signature(
                secret=secret, timestamp=timestamp, body=body
            ),
        }
        answer = outbound.post(subscription.url, body, headers)
    _record(delivery, answer, now)
    return {"delivery_id": delivery.pk, "attempt": delivery.attempts,
            "status_code": answer.status_code, "status": delivery.status}  # fmt: skip


def _record(delivery: WebhookDelivery, answer: outbound.Answer, started: datetime) -> None:
    number = WebhookAttempt.objects.filter(delivery=delivery).count() + 1
    WebhookAttempt.objects.create(
        delivery=delivery, number=number, status_code=answer.status_code, error=answer.error,
        duration_ms=answer.duration_ms, started_at=started,
    )  # fmt: skip
    fields: dict[str, Any] = {
        "last_status_code": answer.status_code,
        "last_error": answer.error,
        "last_duration_ms": answer.duration_ms,
    }
    if answer.ok:
        fields.update(status=WebhookDelivery.Status.DELIVERED, delivered_at=timezone.now(),
                      next_attempt_at=None)  # fmt: skip
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        fields.update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    for name, value in fields.items():
        setattr(delivery, name, value)


def webhook_deliveries_due(now: datetime | None = None) -> int:
    """Start a `webhook.deliver` job for each pending delivery whose next attempt is due and
    that has no job queued or running. Returns how many were started (scheduled every
    WEBHOOK_RETRY_INTERVAL_S; `manage.py deliver_webhooks` runs it once)."""
    now = now or timezone.now()
    due = (
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        )
        .filter(Q(job__isnull=True) | ~Q(job__status__in=ACTIVE_JOB))
        .values_list("pk", flat=True)
    )
    started = 0
    for delivery_id in list(due):
        with transaction.atomic():
            delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
            if delivery is None:
                continue
            # Due by this run's clock: the job's attempt is due when it starts.
            delivery.next_attempt_at = min(delivery.next_attempt_at, timezone.now())
            delivery.job = job_create(kind=WEBHOOK_DELIVER_JOB, target=delivery)
            delivery.save(update_fields=["job", "next_attempt_at"])
            started += 1
    return started


def webhook_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now, whatever became of it, with a fresh attempt count (the log
    keeps the earlier attempts); its event id and body stay the same."""
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        delivery.refresh_from_db()
        delivery.job = job_create(kind=WEBHOOK_DELIVER_JOB, target=delivery)
        delivery.save(update_fields=["job"])
    return delivery
