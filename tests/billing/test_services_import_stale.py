"""A statement import whose worker was killed after storing the bills but before recording the
job's outcome: the sweeper or a retry runs it again and nothing is stored twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from billing.models import Bill, StatementImport, Transaction
from jobs.models import ProcessingJob
from jobs.services import job_run, job_sweep_stale
from tests.billing.conftest import fake_statement
from tests.billing.statement_factory import maybank_pdf

pytestmark = pytest.mark.usefixtures("seeded")


def _imported(client, customer, capture) -> StatementImport:
    data = maybank_pdf(fake_statement())
    with capture(execute=True):
        response = client.post(
            "/api/v1/statements/",
            {"file": SimpleUploadedFile("statement.pdf", data), "customer": customer.pk},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    return StatementImport.objects.get(pk=response.json()["id"])


def _killed_before_recording(statement: StatementImport) -> None:
    """The state a worker killed after the handler's transaction committed leaves behind."""
    stale = settings.Q_CLUSTER["timeout"] + settings.JOB_STALE_MARGIN_S + 1
    ProcessingJob.objects.filter(pk=statement.job_id).update(
        status=ProcessingJob.Status.RUNNING,
        finished_at=None,
        started_at=timezone.now() - timedelta(seconds=stale),
    )


def _stored(statement: StatementImport) -> tuple[int, int]:
    bills = Bill.objects.filter(statement_import=statement)
    return bills.count(), Transaction.objects.filter(bill__in=bills).count()


def test_the_sweeper_reruns_it_without_doubling_bills_or_rows(
    agent_client, customer, django_capture_on_commit_callbacks
):
    statement = _imported(agent_client, customer, django_capture_on_commit_callbacks)
    before = _stored(statement)
    assert before[0] == 1 and before[1] > 0
    _killed_before_recording(statement)
    with django_capture_on_commit_callbacks(execute=True):
        assert job_sweep_stale() == {"requeued": 1, "failed": 0}
    assert job_run(job_id=statement.job_id) is None  # the dead worker's task, handed out again
    statement.refresh_from_db()
    assert statement.status == StatementImport.Status.VERIFIED
    assert (statement.job.status, statement.job.attempts) == ("succeeded", 2)
    assert _stored(statement) == before


def test_retry_takes_over_the_stale_import(
    agent_client, customer, django_capture_on_commit_callbacks
):
    statement = _imported(agent_client, customer, django_capture_on_commit_callbacks)
    before = _stored(statement)
    _killed_before_recording(statement)
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(f"/api/v1/jobs/{statement.job_id}/retry/")
    assert response.status_code == 202, response.content
    statement.refresh_from_db()
    assert (statement.status, statement.job.status) == ("verified", "succeeded")
    assert _stored(statement) == before
