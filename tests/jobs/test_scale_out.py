"""Two worker clusters ("two hosts") on one database and broker: every document exactly once.

Two real `manage.py qcluster` processes (tests/jobs/live_cluster.py) share the test database
and its ORM broker. A batch of N mixed documents (text-layer invoices and Maybank statements)
is uploaded through the API; each is processed exactly once: one job per document, claimed
once (attempts and claim 1), one invoice row per invoice number, one bill per statement, and
each task processed by one cluster only (each logs the tasks it processed). Both clusters did
some of the work. The long version with throughput, 1 cluster against 2, is
`make bench-scale` (bench/scale_out.py)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_q.conf import Conf
from django_q.models import OrmQ, Success

from billing.models import Bill, StatementImport, Transaction
from billing.services import reference_data_seed
from invoices.models import Invoice
from jobs.models import ProcessingJob
from tests.factories import CustomerFactory
from tests.invoices.conftest import post_upload
from tests.jobs.batch_documents import mixed_batch
from tests.jobs.live_cluster import start_cluster, wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),  # keeps the role groups
]

N_DOCUMENTS = 20
ENDED = (ProcessingJob.Status.SUCCEEDED, ProcessingJob.Status.FAILED)


@pytest.fixture
def two_clusters(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(Conf, "SYNC", False)  # to the broker, not inline
    # MATCH_ON_IMPORT=0: the count of tasks below is the uploads' own, without the receipt
    # matching each recognised invoice and imported statement would queue (tests/matching/).
    clusters = [
        start_cluster(
            name,
            log_dir=tmp_path,
            media_root=settings.MEDIA_ROOT,
            Q_WORKERS="2",
            MATCH_ON_IMPORT="0",
        )
        for name in ("host-a", "host-b")
    ]
    try:
        for cluster in clusters:
            cluster.wait_running()
        yield clusters
    finally:
        for cluster in clusters:
            cluster.close()


def _upload(client, document, customer) -> int:
    if document.kind == "invoice":
        response = post_upload(client, (document.name, document.data))
        assert response.status_code == 202, response.content
        return Invoice.objects.get(pk=response.json()["results"][0]["invoice_id"]).job_id
    payload = {"file": SimpleUploadedFile(document.name, document.data), "customer": customer.pk}
    response = client.post("/api/v1/statements/", payload, format="multipart")
    assert response.status_code == 202, response.content
    return response.json()["job"]


def test_two_clusters_process_every_document_exactly_once(two_clusters, agent, agent_client):
    reference_data_seed()
    customer = CustomerFactory(assigned_agent=agent)
    batch = mixed_batch(N_DOCUMENTS)
    job_ids = [_upload(agent_client, document, customer) for document in batch]
    assert len(set(job_ids)) == N_DOCUMENTS

    jobs = ProcessingJob.objects.filter(pk__in=job_ids)
    wait_for(lambda: jobs.filter(status__in=ENDED).count() == N_DOCUMENTS,
             what=f"{N_DOCUMENTS} jobs ended")  # fmt: skip
    outcomes = {(job.status, job.attempts, job.claim, job.error) for job in jobs}
    assert outcomes == {(ProcessingJob.Status.SUCCEEDED, 1, 1, "")}

    invoices = [d.key for d in batch if d.kind == "invoice"]
    numbers = Counter(Invoice.objects.values_list("invoice_number", flat=True))
    assert numbers == Counter(invoices)  # each invoice once, none twice
    assert set(Invoice.objects.values_list("status", flat=True)) == {Invoice.Status.RECOGNIZED}
    cards = [d.key for d in batch if d.kind == "statement"]
    assert StatementImport.objects.count() == len(cards)
    assert Counter(Bill.objects.values_list("card__last4", flat=True)) == Counter(cards)
    assert Transaction.objects.count() == 3 * len(cards)

    # Every task was processed by one cluster, once, and both clusters took part. A cluster's
    # monitor saves a task's result, acknowledges it, then logs it: wait for the log lines.
    wait_for(lambda: not OrmQ.objects.exists(), what="every task acknowledged")
    wait_for(lambda: sum(cluster.processed() for cluster in two_clusters) >= N_DOCUMENTS,
             what="every task logged by its cluster")  # fmt: skip
    processed = {cluster.name: cluster.processed() for cluster in two_clusters}
    assert sum(processed.values()) == N_DOCUMENTS, processed
    assert all(count > 0 for count in processed.values()), processed
    assert Success.objects.filter(func="jobs.tasks.run_job").count() == N_DOCUMENTS
