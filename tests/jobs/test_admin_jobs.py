"""The job list in the operator console: filters, search and the retry action."""

import pytest
from django.test import Client

from jobs import registry
from jobs.models import ProcessingJob

pytestmark = pytest.mark.django_db

registry.register_job_handler(
    "test.admin_echo", registry.JobHandler(run=lambda job: {"echo": job.pk})
)


@pytest.fixture
def admin_client_(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def _listed(client: Client, **params) -> set[str]:
    response = client.get("/admin/jobs/processingjob/", params)
    assert response.status_code == 200
    return {job.kind for job in response.context["cl"].result_list}


def test_list_filters_by_status_and_kind_and_searches(admin_client_):
    ProcessingJob.objects.create(kind="invoice.process", status="failed", error_code="corrupt_file")
    ProcessingJob.objects.create(kind="statement.import", status="succeeded")
    assert _listed(admin_client_, status__exact="failed") == {"invoice.process"}
    assert _listed(admin_client_, kind="statement.import") == {"statement.import"}
    assert _listed(admin_client_, q="corrupt") == {"invoice.process"}


def test_retry_action_requeues_failed_jobs_and_skips_others(
    admin_client_, django_capture_on_commit_callbacks
):
    failed = ProcessingJob.objects.create(
        kind="test.admin_echo", status="failed", attempts=3, error_code="x"
    )
    done = ProcessingJob.objects.create(kind="test.admin_echo", status="succeeded", attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(
            "/admin/jobs/processingjob/",
            {"action": "retry_failed", "_selected_action": [failed.pk, done.pk]},
            follow=True,
        )
    page = response.content.decode()
    assert "Queued 1 job(s) again." in page and "Skipped 1 job(s)" in page
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.result) == ("succeeded", 1, {"echo": failed.pk})
    done.refresh_from_db()
    assert done.attempts == 1


def test_jobs_cannot_be_added_or_edited_by_hand(admin_client_):
    job = ProcessingJob.objects.create(kind="test.admin_echo")
    assert admin_client_.get("/admin/jobs/processingjob/add/").status_code == 403
    response = admin_client_.post(f"/admin/jobs/processingjob/{job.pk}/change/", {"kind": "other"})
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.kind == "test.admin_echo"
