"""The worker: `match.propose` jobs queued after a statement import and after an invoice is
approved (MATCH_ON_IMPORT), run as the tests run jobs (on commit, the sync cluster)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import override_settings

from billing.services import reference_data_seed
from invoices.services.review import invoice_approve
from jobs.models import ProcessingJob
from matching.models import MatchRun, ReceiptMatch
from matching.services import match_confirm, match_run_job, matches_propose
from tests.billing.conftest import fake_statement, import_file
from tests.billing.statement_factory import maybank_pdf
from tests.matching.records import charge, receipt
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_import():
    with override_settings(MATCH_ON_IMPORT=True):
        yield


def test_a_statement_import_queues_matching_for_its_charges(
    on_import, customer, django_capture_on_commit_callbacks
):
    reference_data_seed()
    # Recognised receipts waiting for the statement (saved before the import).
    grocer = receipt(customer, total="144.61", day=date(2026, 11, 7), seller="Demo Mart Sdn Bhd")
    statement = import_file(
        django_capture_on_commit_callbacks, maybank_pdf(fake_statement()), customer=customer
    )
    assert statement.status == "verified"
    run = MatchRun.objects.get(trigger="statement", source_id=statement.pk)
    assert run.job.status == ProcessingJob.Status.SUCCEEDED and run.job.kind == "match.propose"
    assert (run.date_from, run.date_to) == (date(2026, 11, 7), date(2026, 11, 14))  # its debits
    # Two identical DEMO MART rows: the receipt is proposed for both, confirmed for neither.
    matches = ReceiptMatch.objects.filter(invoice=grocer)
    assert matches.count() == 2 and not matches.filter(status="confirmed").exists()
    assert run.outcome["proposed"] == 2


def test_approving_an_invoice_queues_matching(
    on_import, customer, agent, django_capture_on_commit_callbacks
):
    row = charge(customer, amount="88.00", day=date(2026, 11, 3), description="ACME SUPPLIES")
    with django_capture_on_commit_callbacks(execute=True):
        invoice = receipt(customer, total="88.00", day=date(2026, 11, 3), status="needs_review")
    assert not MatchRun.objects.exists()  # needs review: its figures are not trusted yet
    with django_capture_on_commit_callbacks(execute=True):
        invoice_approve(invoice=invoice, approved_by=agent)
    run = MatchRun.objects.get(trigger="invoice", source_id=invoice.pk)
    assert run.job.status == ProcessingJob.Status.SUCCEEDED
    match = ReceiptMatch.objects.get()
    assert (match.transaction_id, match.status, match.auto_confirmed) == (row.pk, "confirmed", True)
    # The job is idempotent: running it again changes nothing.
    assert match_run_job(run.job)["auto_confirmed"] == 0
    assert ReceiptMatch.objects.get().status == "confirmed"


def test_off_switch(customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        receipt(customer, total="1.00", day=date(2026, 11, 3))
    assert not MatchRun.objects.exists()


def test_a_confirmation_is_sent_to_match_webhook_subscribers(
    agent, customer, django_capture_on_commit_callbacks
):
    WebhookSubscription.objects.create(
        name="books", url="https://books.example.test/hook", secret="s" * 32,
        event_types=["match.confirmed"],
    )  # fmt: skip
    row = charge(customer, amount="88.00", day=date(2026, 11, 3), description="ACME SUPPLIES")
    receipt(customer, total="88.00", day=date(2026, 11, 3))
    proposed = charge(customer, amount="9.00", day=date(2026, 11, 3), description="ELSEWHERE")
    receipt(customer, total="9.00", day=date(2026, 11, 8), seller="Other")
    with django_capture_on_commit_callbacks() as fan_outs:  # sent once the work commits
        matches_propose()  # one auto-confirmed, one proposed
        match_confirm(match=ReceiptMatch.objects.get(transaction=proposed), decided_by=agent)
    with django_capture_on_commit_callbacks():  # the deliveries' own jobs are not run here
        for fan_out in fan_outs:
            fan_out()
    bodies = [
        json.loads(d.body)["data"] for d in WebhookDelivery.objects.filter(event="match.confirmed")
    ]
    assert sorted((b["transaction_id"], b["auto_confirmed"], b["decided_by"]) for b in bodies) == [
        (row.pk, True, None), (proposed.pk, False, agent.username)
    ]  # fmt: skip
