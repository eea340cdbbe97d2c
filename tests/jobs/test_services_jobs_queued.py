"""Jobs whose task was lost while they were still queued (acknowledged after a failed claim, or
never enqueued because async_task failed after the commit): the sweeper enqueues them again,
the new task runs the job once, a duplicate task does nothing, and a retry takes one over."""

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django_q.tasks import async_task

from jobs import registry, services, staleness
from jobs.models import ProcessingJob
from tests.conftest import assert_error_shape

pytestmark = pytest.mark.django_db

RUNS: list[tuple[int, int]] = []  # (job id, attempt) of every handler call


def _record_run(job: ProcessingJob) -> dict:
    RUNS.append((job.pk, job.attempts))
    return {"attempt": job.attempts}


def _lost_task_turns_up_meanwhile(job: ProcessingJob) -> dict:
    """While the re-enqueued task runs the job, the task taken for lost reaches a worker."""
    RUNS.append((job.pk, job.attempts))
    assert services.job_run(job_id=job.pk) is None
    return {"attempt": job.attempts}


registry.register_job_handler("test.queued_run", registry.JobHandler(run=_record_run))
registry.register_job_handler(
    "test.queued_duplicate", registry.JobHandler(run=_lost_task_turns_up_meanwhile)
)


@pytest.fixture(autouse=True)
def _no_runs_carried_over():
    RUNS.clear()  # ids repeat from test to test: each test's database is rolled back


def _queued(kind: str = "test.queued_run", *, lost: bool = True, **fields) -> ProcessingJob:
    """What a lost task leaves: the job queued, never claimed, its task gone. Made through
    job_create with its enqueue dropped (the on-commit callback is captured, never run); a lost
    one is then dated back past JOB_QUEUED_STALE_S."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "_enqueue_on_commit", lambda job_id: None)
        job = services.job_create(kind=kind, **fields)
    age = settings.JOB_QUEUED_STALE_S + 1 if lost else settings.JOB_QUEUED_STALE_S - 60
    ProcessingJob.objects.filter(pk=job.pk).update(
        queued_at=timezone.now() - timedelta(seconds=age)
    )
    job.refresh_from_db()
    return job


def _deliver(job: ProcessingJob) -> None:
    """A task for the job reaching a worker, through django-q2's own (in-process) worker."""
    async_task(services.RUN_JOB_TASK, job.pk)


# --- The sweeper -------------------------------------------------------------------------------


def test_the_sweeper_enqueues_an_old_queued_job_again_and_leaves_a_fresh_one(
    django_capture_on_commit_callbacks,
):
    lost = _queued()
    fresh = _queued(lost=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("sweep_jobs", stdout=(out := StringIO()))
    stale_s = settings.Q_CLUSTER["timeout"] + settings.JOB_STALE_MARGIN_S
    assert out.getvalue() == (
        f"stale after {stale_s} s: 0 requeued, 0 failed\n"
        f"queued for over {settings.JOB_QUEUED_STALE_S} s: 1 enqueued again\n"
    )
    assert len(callbacks) == 1  # one task, for the lost job; nothing ran inline
    lost.refresh_from_db()
    assert (lost.status, lost.attempts, lost.claim) == ("queued", 0, 0)
    assert lost.queued_at > timezone.now() - timedelta(minutes=1)  # its clock starts again
    fresh.refresh_from_db()
    assert (fresh.status, fresh.attempts) == ("queued", 0)
    callbacks[0]()  # the new task reaches a worker
    lost.refresh_from_db()
    assert (lost.status, lost.attempts, lost.claim, lost.result) == (
        "succeeded", 1, 1, {"attempt": 1},
    )  # fmt: skip
    assert [(lost.pk, 1)] == RUNS


def test_a_job_enqueued_again_is_not_enqueued_again_at_the_next_sweep(
    django_capture_on_commit_callbacks,
):
    _queued()
    with django_capture_on_commit_callbacks(execute=False) as first:
        assert services.job_sweep_queued() == 1
    with django_capture_on_commit_callbacks(execute=False) as second:
        assert services.job_sweep_queued() == 0
    assert (len(first), len(second)) == (1, 0)


def test_the_sweeper_logs_each_job_it_enqueues_again(django_capture_on_commit_callbacks, caplog):
    job = _queued()
    with django_capture_on_commit_callbacks(execute=False):
        services.job_sweep_queued()
    assert f"job {job.pk} is queued since" in caplog.text
    assert "enqueued again" in caplog.text


def test_a_requeued_attempt_keeps_its_count_when_enqueued_again(
    django_capture_on_commit_callbacks,
):
    """A job requeued after attempt 1, whose next task was lost: enqueuing it again is not an
    attempt, so the next claim is attempt 2 of 3."""
    job = _queued()
    ProcessingJob.objects.filter(pk=job.pk).update(attempts=1, claim=1, error_code="retrying")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.job_sweep_queued() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts, job.claim) == ("succeeded", 2, 2)
    assert [(job.pk, 2)] == RUNS


def test_setting_the_limit_to_0_turns_it_off(settings, django_capture_on_commit_callbacks):
    job = _queued()
    settings.JOB_QUEUED_STALE_S = 0
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("sweep_jobs", stdout=StringIO(), stderr=(err := StringIO()))
    assert "JOB_QUEUED_STALE_S is 0" in err.getvalue()
    assert callbacks == []
    job.refresh_from_db()
    assert job.status == "queued"


def test_without_a_cluster_timeout_lost_queued_jobs_are_still_enqueued_again(
    settings, django_capture_on_commit_callbacks
):
    job = _queued()
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": None}
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep_jobs", stdout=(out := StringIO()), stderr=StringIO())
    assert "1 enqueued again" in out.getvalue()
    job.refresh_from_db()
    assert job.status == "succeeded"


# --- A job is claimed once: a second task for it does nothing ----------------------------------


def test_the_lost_task_turning_up_after_the_new_one_ran_does_nothing(
    django_capture_on_commit_callbacks,
):
    job = _queued()
    with django_capture_on_commit_callbacks(execute=True):
        services.job_sweep_queued()
    _deliver(job)  # the task taken for lost, handed out after all
    job.refresh_from_db()
    assert (job.status, job.attempts, job.claim) == ("succeeded", 1, 1)
    assert [(job.pk, 1)] == RUNS


def test_the_lost_task_turning_up_while_the_new_one_runs_does_nothing(
    django_capture_on_commit_callbacks,
):
    job = _queued("test.queued_duplicate")
    with django_capture_on_commit_callbacks(execute=True):
        services.job_sweep_queued()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.claim) == ("succeeded", 1, 1)
    assert [(job.pk, 1)] == RUNS


def test_the_lost_task_turning_up_first_runs_the_job_and_the_new_one_does_nothing(
    django_capture_on_commit_callbacks,
):
    job = _queued()
    with django_capture_on_commit_callbacks(execute=False) as sweep_task:
        services.job_sweep_queued()
    _deliver(job)  # the task taken for lost reaches a worker before the sweeper's
    sweep_task[0]()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.claim) == ("succeeded", 1, 1)
    assert [(job.pk, 1)] == RUNS


# --- Retry takes over a lost queued job --------------------------------------------------------


def test_retry_refuses_a_job_queued_for_less_and_takes_it_over_past_the_limit(
    django_capture_on_commit_callbacks, agent, agent_client
):
    job = _queued(created_by=agent, lost=False)
    error = assert_error_shape(agent_client.post(f"/api/v1/jobs/{job.pk}/retry/"), 409)
    assert (error["code"], error["details"]) == ("job_not_failed", {"status": "queued"})
    past = timezone.now() - timedelta(seconds=settings.JOB_QUEUED_STALE_S + 1)
    ProcessingJob.objects.filter(pk=job.pk).update(queued_at=past)  # its task never came
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(f"/api/v1/jobs/{job.pk}/retry/")
    assert response.status_code == 202, response.content
    job.refresh_from_db()
    assert (job.status, job.attempts, job.claim) == ("succeeded", 1, 1)
    assert [(job.pk, 1)] == RUNS


def test_a_retried_job_counts_its_queued_time_from_the_retry(
    django_capture_on_commit_callbacks, agent
):
    """An old job retried: its new task is not taken for lost at once (created_at is old)."""
    job = _queued(created_by=agent)
    ProcessingJob.objects.filter(pk=job.pk).update(
        status=ProcessingJob.Status.FAILED,
        created_at=timezone.now() - timedelta(days=2),
        queued_at=timezone.now() - timedelta(days=2),
    )
    job.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False):
        services.job_retry(job=job)
    job.refresh_from_db()
    assert staleness.job_is_stale(job) is False
    assert services.job_sweep_queued() == 0
