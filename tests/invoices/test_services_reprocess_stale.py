"""An invoice whose processing job lost its worker, or its task while still queued: a reprocess
takes the job over instead of answering 409 for good, and the sweeper reruns or fails it, never
storing lines twice."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from invoices.models import Invoice, InvoiceLine
from invoices.services import invoice_process
from jobs.models import ProcessingJob
from jobs.services import job_run, job_sweep_queued, job_sweep_stale
from tests.conftest import assert_error_shape
from tests.invoices import documents
from tests.invoices.conftest import post_upload, upload_processed

pytestmark = pytest.mark.django_db
URL = "/api/v1/invoices/"


def _left_running(invoice: Invoice, *, stale: bool = True, attempts: int = 1) -> None:
    """What a worker killed inside the handler leaves: job running, invoice processing."""
    age = settings.Q_CLUSTER["timeout"] + settings.JOB_STALE_MARGIN_S + 1 if stale else 1
    ProcessingJob.objects.filter(pk=invoice.job_id).update(
        status=ProcessingJob.Status.RUNNING,
        attempts=attempts,
        finished_at=None,
        started_at=timezone.now() - timedelta(seconds=age),
    )
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.PROCESSING)


@pytest.fixture
def invoice(agent_client, django_capture_on_commit_callbacks) -> Invoice:
    invoice = upload_processed(
        agent_client, "a.pdf", documents.invoice_pdf(), django_capture_on_commit_callbacks
    )
    assert invoice.lines.count() == 2
    return invoice


def test_reprocess_takes_over_a_stale_job(
    agent_client, invoice, django_capture_on_commit_callbacks
):
    stale_job = invoice.job_id
    _left_running(invoice)
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(f"{URL}{invoice.pk}/reprocess/")
    assert response.status_code == 202, response.content
    old = ProcessingJob.objects.get(pk=stale_job)
    assert (old.status, old.error_code) == ("failed", "worker_lost")
    assert old.error == "Attempt 1 stopped with its worker; a new job took its place."
    invoice.refresh_from_db()
    assert invoice.job_id == response.json()["id"] != stale_job
    assert invoice.status == Invoice.Status.RECOGNIZED
    # The dead worker's task, handed out again, changes nothing.
    assert job_run(job_id=stale_job) is None
    assert invoice_process(old) == {"skipped": "superseded"}
    assert InvoiceLine.objects.filter(invoice=invoice).count() == 2


def test_reprocess_while_the_job_is_alive_is_still_409(agent_client, invoice):
    _left_running(invoice, stale=False)
    error = assert_error_shape(
        agent_client.post(f"{URL}{invoice.pk}/reprocess/"), 409, "job_in_progress"
    )
    assert error["details"]["job_id"] == invoice.job_id
    assert ProcessingJob.objects.get(pk=invoice.job_id).status == "running"


def test_the_sweeper_reruns_a_stale_job_without_doubling_lines(
    invoice, django_capture_on_commit_callbacks
):
    _left_running(invoice)
    with django_capture_on_commit_callbacks(execute=True):
        assert job_sweep_stale() == {"requeued": 1, "failed": 0}
    assert job_run(job_id=invoice.job_id) is None  # the dead worker's task, handed out again
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.RECOGNIZED
    assert (invoice.job.status, invoice.job.attempts) == ("succeeded", 2)
    assert invoice.lines.count() == 2


def test_the_sweeper_fails_the_invoice_when_no_attempt_is_left(agent_client, invoice):
    _left_running(invoice, attempts=3)
    assert job_sweep_stale() == {"requeued": 0, "failed": 1}
    body = agent_client.get(f"{URL}{invoice.pk}/").json()
    assert (body["status"], body["error_code"]) == ("failed", "worker_lost")
    assert body["error"] == "Gave up after 3 attempts; the last one stopped with its worker."


# --- A job queued with its task lost -----------------------------------------------------------


def _upload_with_lost_task(client, capture, *, lost: bool = True) -> Invoice:
    """What an upload whose task was lost leaves: job and invoice queued, nothing ran."""
    with capture(execute=False):  # the on-commit enqueue never reaches the broker
        response = post_upload(client, ("a.pdf", documents.invoice_pdf()))
    assert response.status_code == 202, response.content
    invoice = Invoice.objects.get(pk=response.json()["results"][0]["invoice_id"])
    age = settings.JOB_QUEUED_STALE_S + 1 if lost else settings.JOB_QUEUED_STALE_S - 60
    ProcessingJob.objects.filter(pk=invoice.job_id).update(
        queued_at=timezone.now() - timedelta(seconds=age)
    )
    return invoice


def test_reprocess_refuses_a_job_queued_for_less_and_takes_it_over_past_the_limit(
    agent_client, django_capture_on_commit_callbacks
):
    invoice = _upload_with_lost_task(agent_client, django_capture_on_commit_callbacks, lost=False)
    error = assert_error_shape(
        agent_client.post(f"{URL}{invoice.pk}/reprocess/"), 409, "job_in_progress"
    )
    assert error["details"]["job_id"] == invoice.job_id
    lost_job = invoice.job_id
    past = timezone.now() - timedelta(seconds=settings.JOB_QUEUED_STALE_S + 1)
    ProcessingJob.objects.filter(pk=lost_job).update(queued_at=past)  # its task never came
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(f"{URL}{invoice.pk}/reprocess/")
    assert response.status_code == 202, response.content
    old = ProcessingJob.objects.get(pk=lost_job)
    assert (old.status, old.attempts, old.error_code) == ("failed", 0, "task_lost")
    assert old.error == (
        f"The job waited in the queue for over {settings.JOB_QUEUED_STALE_S} seconds "
        "(its task was lost); a new job took its place."
    )
    invoice.refresh_from_db()
    assert invoice.job_id == response.json()["id"] != lost_job
    assert invoice.status == Invoice.Status.RECOGNIZED
    assert job_run(job_id=lost_job) is None  # the lost task, handed out after all
    assert InvoiceLine.objects.filter(invoice=invoice).count() == 2


def test_the_sweeper_runs_an_invoice_whose_task_was_lost(
    agent_client, django_capture_on_commit_callbacks
):
    invoice = _upload_with_lost_task(agent_client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert job_sweep_queued() == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.RECOGNIZED
    assert (invoice.job.status, invoice.job.attempts) == ("succeeded", 1)
    assert invoice.lines.count() == 2
