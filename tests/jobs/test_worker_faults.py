"""kill -9 of a worker cluster in the middle of OCR: the job is taken over and finishes once.

A real `manage.py qcluster` (tests/jobs/live_cluster.py) runs on the test database; an invoice
scan is uploaded through the API; once its job is `running` and the worker is inside the OCR
engine, the cluster's whole process group gets SIGKILL, so nothing is recorded. A second cluster
starts; the ORM broker hands it the dead worker's task again after Q_RETRY_S, and the job,
running for longer than Q_TIMEOUT_S + JOB_STALE_MARGIN_S (no live attempt can be that old), is
taken over by a new claim (jobs/services.py). The settings are small (8 s + 1 s, redelivery
after 18 s) so that this takes seconds, not the production 11 minutes.

"In the middle of OCR" is made certain by the gated engine (tests/jobs/gated_ocr.py): a real
engine class in the registry that waits inside recognize() until the test opens its gate, so
the kill cannot come too early (before OCR) or too late (the job done) on a slow machine."""

from __future__ import annotations

import pytest
from django_q.conf import Conf
from django_q.models import OrmQ

from invoices.models import Invoice
from jobs.models import ProcessingJob
from tests.invoices import documents
from tests.invoices.conftest import post_upload
from tests.jobs.gated_ocr import GATE_FILE
from tests.jobs.live_cluster import start_cluster, wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),  # keeps the role groups
]

# Redelivery (Q_RETRY_S) comes well after the job turns stale (timeout + margin = 9 s), so the
# redelivered task finds it stale even if the worker claimed it a few seconds after the pull.
FAST_TAKEOVER = {
    "Q_WORKERS": "1",
    "Q_TIMEOUT_S": "8",
    "JOB_STALE_MARGIN_S": "1",
    "Q_RETRY_S": "18",
}


@pytest.fixture
def live(settings, tmp_path, monkeypatch):
    """Tasks go to the broker (the test settings run them inline); clusters killed at the end."""
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(Conf, "SYNC", False)
    clusters = []

    def start(name: str, **env: str):
        cluster = start_cluster(name, log_dir=tmp_path, media_root=settings.MEDIA_ROOT, **env)
        clusters.append(cluster)
        cluster.wait_running()
        return cluster

    yield start
    for cluster in clusters:
        cluster.close()


def test_a_job_whose_worker_is_killed_mid_ocr_is_taken_over_and_finishes_once(
    live, agent_client, tmp_path
):
    gate = tmp_path / "ocr-gate"
    gate.mkdir()
    # Both clusters run with the same settings: the first one's task lock (Q_RETRY_S, set when
    # it pulled the task) is what lets the second one have the task again. The test kills the
    # first within a poll (0.1 s) of seeing it inside OCR, far inside its 8 s timeout.
    first = live("first", OCR_GATE_DIR=str(gate), **FAST_TAKEOVER)

    response = post_upload(agent_client, ("scan.png", documents.invoice_png()))
    assert response.status_code == 202, response.content
    invoice_id = response.json()["results"][0]["invoice_id"]
    job = Invoice.objects.get(pk=invoice_id).job

    def in_ocr() -> bool:
        job.refresh_from_db()
        return job.status == ProcessingJob.Status.RUNNING and any(gate.glob("entered-*"))

    wait_for(in_ocr, what="the job running, its worker inside the OCR engine")
    first.kill()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.claim) == (ProcessingJob.Status.RUNNING, 1, 1)

    # Scans read as the invoice's text from now on: the next attempt runs straight through.
    (gate / GATE_FILE).write_text("\n".join(documents.INVOICE_LINES), encoding="utf-8")
    second = live("second", OCR_GATE_DIR=str(gate), **FAST_TAKEOVER)

    def ended() -> bool:
        job.refresh_from_db()
        return job.status in (ProcessingJob.Status.SUCCEEDED, ProcessingJob.Status.FAILED)

    wait_for(ended, what=f"the job taken over and ended; cluster log:\n{second.log()[-2000:]}")
    assert job.status == ProcessingJob.Status.SUCCEEDED, (job.error_code, job.error)
    # Claimed twice (the killed attempt, the takeover), finished once.
    assert (job.attempts, job.claim) == (2, 2)
    assert Invoice.objects.count() == 1
    invoice = Invoice.objects.get()
    assert invoice.status == Invoice.Status.RECOGNIZED
    assert (invoice.invoice_number, str(invoice.total_amount)) == ("INV-2024-0042", "238.00")
    assert invoice.engine == "gated"
    assert not ProcessingJob.objects.filter(status=ProcessingJob.Status.RUNNING).exists()
    # The dead worker's task was delivered again and acknowledged: nothing left to redeliver.
    wait_for(lambda: not OrmQ.objects.exists(), what="the broker's queue empty")
