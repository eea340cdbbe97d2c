"""The job mechanism: attempts counted by the job itself, permanent vs transient failures,
redelivery after the end does nothing, retry from the API."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from jobs import registry, services
from jobs.models import ProcessingJob
from tests.conftest import assert_error_shape

pytestmark = pytest.mark.django_db

CALLS: list[int] = []
PHRASE = "a real small task"


def _count_words(job: ProcessingJob) -> dict:
    CALLS.append(job.pk)
    return {"words": len(PHRASE.split())}


def _always_crash(job: ProcessingJob) -> dict:
    raise RuntimeError("disk on fire")


def _permanent(job: ProcessingJob) -> dict:
    raise registry.PermanentJobError("corrupt_file", "The file is not a PDF.")


FAILED_TARGETS: list[int] = []
registry.register_job_handler("test.count_words", registry.JobHandler(run=_count_words))
registry.register_job_handler(
    "test.crash",
    registry.JobHandler(run=_always_crash, on_failure=lambda job: FAILED_TARGETS.append(job.pk)),
)
registry.register_job_handler("test.permanent", registry.JobHandler(run=_permanent))


def test_job_runs_through_the_queue_and_records_its_result(
    django_capture_on_commit_callbacks, agent
):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(kind="test.count_words", created_by=agent)
    job.refresh_from_db()
    assert job.status == ProcessingJob.Status.SUCCEEDED
    assert job.result == {"words": 4}
    assert job.attempts == 1
    assert job.finished_at >= job.started_at


def test_redelivered_task_after_success_does_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(kind="test.count_words")
    calls_before = len(CALLS)
    assert services.job_run(job_id=job.pk) is None
    assert len(CALLS) == calls_before


def test_crashing_job_is_retried_then_fails_with_reason(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(kind="test.crash", max_attempts=3)
    job.refresh_from_db()
    assert job.status == ProcessingJob.Status.FAILED
    assert job.attempts == 3
    assert job.error_code == "attempts_exhausted"
    assert job.error.startswith("Gave up after 3 attempts")
    assert FAILED_TARGETS[-1] == job.pk


def test_a_crash_is_logged_not_shown(
    django_capture_on_commit_callbacks, agent, agent_client, caplog
):
    """The internal exception's text is for the log; API users read the service's message."""
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(kind="test.crash", created_by=agent, max_attempts=2)
    body = agent_client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["status"] == "failed"
    assert body["error"] == (
        "Gave up after 2 attempts: the job failed unexpectedly (the cause is in the server log)."
    )
    assert "disk on fire" not in str(body) and "RuntimeError" not in str(body)
    assert "disk on fire" in caplog.text


def test_worker_dying_each_time_ends_failed_not_forever():
    # What the third dead worker leaves; the broker hands its task out again Q_RETRY_S later.
    job = ProcessingJob.objects.create(
        kind="test.count_words",
        attempts=3,
        max_attempts=3,
        status=ProcessingJob.Status.RUNNING,
        started_at=timezone.now() - timedelta(seconds=settings.Q_CLUSTER["retry"]),
    )
    assert services.job_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.status == ProcessingJob.Status.FAILED
    assert "worker stopped" in job.error


def test_permanent_error_fails_at_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(kind="test.permanent")
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error_code) == ("failed", 1, "corrupt_file")


def test_job_status_and_retry_api(django_capture_on_commit_callbacks, agent, agent_client):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(kind="test.permanent", created_by=agent)
    response = agent_client.get(f"/api/v1/jobs/{job.pk}/")
    assert response.status_code == 200
    assert response.json()["status"] == "failed"
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(f"/api/v1/jobs/{job.pk}/retry/")
    assert response.status_code == 202
    job.refresh_from_db()
    assert job.status == "failed" and job.attempts == 1  # ran again from a fresh count


def test_retry_of_a_job_that_did_not_fail_is_a_409(
    django_capture_on_commit_callbacks, agent, agent_client
):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(kind="test.count_words", created_by=agent)
    assert_error_shape(agent_client.post(f"/api/v1/jobs/{job.pk}/retry/"), 409, "job_not_failed")


def test_agents_do_not_see_other_agents_jobs(other_agent, agent_client):
    job = ProcessingJob.objects.create(kind="test.count_words", created_by=other_agent)
    assert_error_shape(agent_client.get(f"/api/v1/jobs/{job.pk}/"), 404, "not_found")


def test_supervisor_sees_every_job(agent, supervisor_client):
    job = ProcessingJob.objects.create(kind="test.count_words", created_by=agent)
    assert supervisor_client.get(f"/api/v1/jobs/{job.pk}/").status_code == 200
