"""Webhooks against a real local receiver: signed events from the services that change an
invoice's or a statement's status, retries with back-off through the job system, and the
outbound guards (private addresses, redirects)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from billing.services import reference_data_seed
from core.encrypted_fields import unseal
from invoices.models import Invoice
from invoices.services import invoice_approve
from jobs.models import ProcessingJob
from tests.billing.conftest import fake_statement, import_file
from tests.billing.statement_factory import maybank_pdf
from tests.invoices import documents
from tests.invoices.conftest import upload_processed
from tests.invoices.factories import InvoiceFactory
from tests.webhooks.receiver import Receiver, running
from webhooks.events import EVENT_TYPES, MATCH_CONFIRMED
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.services import (
    webhook_deliver,
    webhook_deliveries_due,
    webhook_redeliver,
    webhooks_emit,
)

SECRET = "whsec-test-1234567890"


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_BACKOFF_S = 30
    settings.WEBHOOK_MAX_ATTEMPTS = 4


def subscribe(url: str, events=EVENT_TYPES, **kwargs) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        name="books", url=url, secret=SECRET, event_types=list(events), **kwargs
    )


def verify(received) -> dict:
    """What a receiver does: recompute the signature over timestamp.body."""
    timestamp = received.headers["X-LedgerLens-Timestamp"]
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + received.body, hashlib.sha256)
    assert received.headers["X-LedgerLens-Signature"] == "sha256=" + expected.hexdigest()
    return json.loads(received.body)


def test_approving_an_invoice_posts_a_signed_event(db, supervisor, capture):
    invoice = InvoiceFactory(status=Invoice.Status.NEEDS_REVIEW)
    with running() as receiver:
        subscription = subscribe(receiver.url)
        with capture(execute=True):
            invoice_approve(invoice=invoice, approved_by=supervisor)
        (received,) = receiver.wait_for(1)
    assert received.path == "/hooks/ledgerlens"
    assert received.headers["X-LedgerLens-Event"] == "invoice.approved"
    event = verify(received)
    assert event["event"] == "invoice.approved"
    assert event["data"]["invoice_id"] == invoice.pk
    assert event["data"]["reviewer"] == "supervisor_sue"
    delivery = WebhookDelivery.objects.get()
    assert event["id"] == str(delivery.event_id) == received.headers["X-LedgerLens-Delivery"]
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.job.kind == "webhook.deliver" and delivery.job.status == "succeeded"
    (attempt,) = delivery.log.all()
    assert attempt.status_code == 200 and attempt.duration_ms >= 0
    # The secret is stored encrypted, as the HMAC clients' are.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_webhooksubscription WHERE id=%s",
                       [subscription.pk])  # fmt: skip
        stored = cursor.fetchone()[0]
    assert stored != SECRET and unseal(stored) == SECRET


def test_an_uploaded_invoice_is_an_event_once_the_worker_read_it(agent_client, capture):
    """The real upload API and the invoice job (inline on commit): its outcome is the event."""
    with running() as receiver:
        subscribe(receiver.url, events=["invoice.recognized", "invoice.needs_review"])
        invoice = upload_processed(agent_client, "invoice.pdf", documents.invoice_pdf(), capture)
        (received,) = receiver.wait_for(1)
    invoice.refresh_from_db()
    event = verify(received)
    assert invoice.status in ("recognized", "needs_review")
    assert event["event"] == f"invoice.{invoice.status}"
    assert event["data"]["invoice_id"] == invoice.pk
    assert event["data"]["invoice_number"] == invoice.invoice_number


def test_nothing_is_sent_for_work_that_rolls_back_or_for_other_events(db, supervisor, capture):
    with running() as receiver:
        subscribe(receiver.url, events=["statement.verified"])
        subscribe(receiver.url, is_active=False)
        with capture(execute=True):
            invoice_approve(invoice=InvoiceFactory(), approved_by=supervisor)
        subscribe(receiver.url, events=["invoice.approved"])
        with capture(execute=True), contextlib.suppress(RuntimeError), transaction.atomic():
            invoice_approve(invoice=InvoiceFactory(), approved_by=supervisor)
            raise RuntimeError("the approval rolls back")
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()


def test_a_verified_statement_import_is_an_event(db, capture):
    reference_data_seed()  # the banks and their templates
    with running() as receiver:
        subscribe(receiver.url, events=["statement.verified", "statement.review"])
        statement = import_file(capture, maybank_pdf(fake_statement()), "maybank.pdf")
        (received,) = receiver.wait_for(1)
    assert statement.status == "verified"
    event = verify(received)
    assert event["event"] == "statement.verified"
    assert event["data"]["statement_id"] == statement.pk
    assert event["data"]["bills"] == list(statement.bills.values_list("pk", flat=True))


def test_failed_attempts_are_retried_with_back_off_until_one_succeeds(db, capture):
    with running(Receiver(fail_first=2)) as receiver:
        subscribe(receiver.url)
        with capture(execute=True):
            webhooks_emit(event=MATCH_CONFIRMED, payload={"match_id": 7})
        receiver.wait_for(1)
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            "pending", 1, 500,
        )  # fmt: skip
        first_retry = delivery.next_attempt_at
        assert first_retry - delivery.log.get().started_at == timedelta(seconds=30)
        with capture(execute=True):
            assert webhook_deliveries_due() == 0  # not due yet: nothing is sent
        with capture(execute=True):
            assert webhook_deliveries_due(now=first_retry) == 1
        receiver.wait_for(2)
        delivery.refresh_from_db()
        assert delivery.attempts == 2 and delivery.status == "pending"
        second = delivery.log.order_by("number").last().started_at
        assert delivery.next_attempt_at - second == timedelta(seconds=60)  # doubled
        with capture(execute=True):
            assert webhook_deliveries_due(now=delivery.next_attempt_at) == 1
        requests = receiver.wait_for(3)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    assert [a.status_code for a in delivery.log.order_by("number")] == [500, 500, 200]
    assert len({r.headers["X-LedgerLens-Delivery"] for r in requests}) == 1  # one event id
    assert {json.loads(r.body)["data"]["match_id"] for r in requests} == {7}


def test_a_delivery_gives_up_after_the_last_attempt(db, capture, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    with running(Receiver(fail_first=10, fail_status=503)) as receiver:
        subscribe(receiver.url)
        with capture(execute=True):
            webhooks_emit(event=MATCH_CONFIRMED, payload={})
        delivery = WebhookDelivery.objects.get()
        with capture(execute=True):
            webhook_deliveries_due(now=timezone.now() + timedelta(days=1))
        receiver.wait_for(2)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 2, "http_503")
    with capture(execute=True):
        assert webhook_deliveries_due(now=timezone.now() + timedelta(days=30)) == 0


def test_an_attempt_run_twice_sends_once(db, capture):
    """A redelivered task or the sweeper's takeover runs the handler again: the attempt claimed
    the delivery (its next attempt moved on by the back-off), so nothing is sent twice."""
    with running(Receiver(fail_first=1)) as receiver:
        subscribe(receiver.url)
        with capture(execute=True):
            webhooks_emit(event=MATCH_CONFIRMED, payload={})
        receiver.wait_for(1)
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == "pending"  # the first attempt failed; the retry is not due
        job = ProcessingJob.objects.get(pk=delivery.job_id)
        assert webhook_deliver(job) == {"skipped": "not_due"}
        with capture(execute=True):
            webhook_deliveries_due(now=delivery.next_attempt_at)
        receiver.wait_for(2)
        delivery.refresh_from_db()
        assert delivery.status == "delivered"
        assert webhook_deliver(ProcessingJob.objects.get(pk=delivery.job_id)) == {
            "skipped": "not_due"
        }
    assert len(receiver.requests) == 2


def test_redelivery_sends_the_same_event_again(db, capture):
    with running() as receiver:
        subscribe(receiver.url)
        with capture(execute=True):
            webhooks_emit(event=MATCH_CONFIRMED, payload={"match_id": 1})
        delivery = WebhookDelivery.objects.get()
        with capture(execute=True):
            webhook_redeliver(delivery=delivery)
        first, again = receiver.wait_for(2)
    assert first.body == again.body
    assert delivery.log.count() == 2


def test_private_addresses_are_refused_unless_allowed(db, capture, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with running() as receiver:
        subscribe(receiver.url)
        with capture(execute=True):
            webhooks_emit(event=MATCH_CONFIRMED, payload={})
    delivery = WebhookDelivery.objects.get()
    assert receiver.requests == []
    assert delivery.last_error.startswith("private_address: 127.0.0.1")
    assert delivery.last_status_code is None and delivery.status == "pending"


def test_redirects_are_not_followed(db, capture):
    with running() as target, running(Receiver(redirect_to="")) as redirecting:
        redirecting.redirect_to = target.url
        subscribe(redirecting.url)
        with capture(execute=True):
            webhooks_emit(event=MATCH_CONFIRMED, payload={})
        redirecting.wait_for(1)
    delivery = WebhookDelivery.objects.get()
    assert target.requests == []
    assert delivery.last_status_code == 302 and delivery.last_error.startswith("redirect_refused")


def test_only_http_urls_and_known_events(db):
    from core.errors import DomainError
    from webhooks.services import webhook_subscription_validate

    for url, events in [("ftp://example.test/x", []), ("https://a.test/", ["invoice.paid"])]:
        with pytest.raises(DomainError):
            webhook_subscription_validate(url=url, event_types=events)
    with pytest.raises(ValueError):
        webhooks_emit(event="invoice.paid", payload={})


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks
