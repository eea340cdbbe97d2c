"""/metrics counts jobs by status (jobs/metrics.py, registered by the jobs app with core's
metrics), next to the queue depth core reads from the broker."""

import pytest
from django.test import Client

from jobs.models import ProcessingJob

pytestmark = pytest.mark.django_db


def test_jobs_are_counted_by_status(settings):
    settings.METRICS_ALLOW_INTERNAL, settings.METRICS_TOKEN = True, ""
    ProcessingJob.objects.create(kind="invoice.process", status=ProcessingJob.Status.FAILED)
    ProcessingJob.objects.create(kind="invoice.process", status=ProcessingJob.Status.FAILED)
    ProcessingJob.objects.create(kind="statement.import", status=ProcessingJob.Status.QUEUED)

    text = Client(REMOTE_ADDR="127.0.0.1").get("/metrics").content.decode()

    assert 'ledgerlens_jobs{status="failed"} 2.0' in text
    assert 'ledgerlens_jobs{status="queued"} 1.0' in text
    assert "ledgerlens_queue_depth " in text


def test_jobs_are_counted_when_workers_share_a_metrics_folder(settings, tmp_path, monkeypatch):
    # Under gunicorn with PROMETHEUS_MULTIPROC_DIR each scrape builds its own registry; the
    # collectors apps registered are read into it too.
    settings.METRICS_ALLOW_INTERNAL, settings.METRICS_TOKEN = True, ""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    ProcessingJob.objects.create(kind="invoice.process", status=ProcessingJob.Status.RUNNING)

    text = Client(REMOTE_ADDR="127.0.0.1").get("/metrics").content.decode()

    assert 'ledgerlens_jobs{status="running"} 1.0' in text
    assert "ledgerlens_queue_depth " in text
