"""Jobs whose worker timed out or died: the django-q2 timeout is recorded, the sweeper requeues
or fails stale jobs, a retry takes one over, and an attempt that was taken over neither runs
beside its successor nor overwrites its outcome."""

import signal
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_q.exceptions import TimeoutException
from django_q.models import Schedule
from django_q.tasks import async_task
from django_q.timeout import TimeoutHandler

from jobs import registry, services, staleness
from jobs.models import ProcessingJob
from tests.conftest import assert_error_shape

pytestmark = pytest.mark.django_db

RUNNING = ProcessingJob.Status.RUNNING
FAILED_TARGETS: list[int] = []
RUNS: list[tuple[int, int]] = []  # (job id, attempt) of every handler call


def _time_is_up() -> None:
    """What django-q2's TimeoutHandler does when a task's time is up, without the wait: the
    alarm goes off now and its handler raises TimeoutException inside the running job."""
    handler = signal.getsignal(signal.SIGALRM)
    assert isinstance(getattr(handler, "__self__", None), TimeoutHandler), "not in a worker"
    signal.raise_signal(signal.SIGALRM)


def _slow_first_time(job: ProcessingJob) -> dict:
    RUNS.append((job.pk, job.attempts))
    if job.attempts == 1:
        _time_is_up()
    return {"attempt": job.attempts}


def _always_slow(job: ProcessingJob) -> dict:
    _time_is_up()
    return {}


def _crash_once(job: ProcessingJob) -> dict:
    if job.attempts == 1:
        raise OSError("/srv/ledgerlens/media/tmp/x.pdf: No space left on device")
    return {"attempt": job.attempts}


def _record_run(job: ProcessingJob) -> dict:
    RUNS.append((job.pk, job.attempts))
    return {"attempt": job.attempts}


def _duplicate_delivery_meanwhile(job: ProcessingJob) -> dict:
    """While this attempt runs, the broker hands the same task to another worker."""
    RUNS.append((job.pk, job.attempts))
    assert services.job_run(job_id=job.pk) is None
    return {"attempt": job.attempts}


def _taken_over_meanwhile(job: ProcessingJob) -> dict:
    """Attempt 1 hangs past the stale limit (yet lives on): the sweeper requeues the job and the
    redelivered task runs attempt 2 to the end before attempt 1 finishes."""
    RUNS.append((job.pk, job.attempts))
    if job.attempts == 1:
        _make_stale(job)
        assert services.job_sweep_stale() == {"requeued": 1, "failed": 0}
        assert services.job_run(job_id=job.pk).status == ProcessingJob.Status.SUCCEEDED
    return {"attempt": job.attempts}


registry.register_job_handler("test.slow_first_time", registry.JobHandler(run=_slow_first_time))
registry.register_job_handler(
    "test.always_slow",
    registry.JobHandler(run=_always_slow, on_failure=lambda job: FAILED_TARGETS.append(job.pk)),
)
registry.register_job_handler("test.crash_once", registry.JobHandler(run=_crash_once))
registry.register_job_handler(
    "test.record_run",
    registry.JobHandler(run=_record_run, on_failure=lambda job: FAILED_TARGETS.append(job.pk)),
)
registry.register_job_handler(
    "test.duplicate", registry.JobHandler(run=_duplicate_delivery_meanwhile)
)
registry.register_job_handler("test.taken_over", registry.JobHandler(run=_taken_over_meanwhile))


@pytest.fixture(autouse=True)
def _no_runs_carried_over():
    RUNS.clear()  # ids repeat from test to test: each test's database is rolled back


def _stale_age() -> timedelta:
    return timedelta(seconds=settings.Q_CLUSTER["timeout"] + settings.JOB_STALE_MARGIN_S)


def _make_stale(job: ProcessingJob) -> None:
    """What a worker killed mid-attempt leaves: running, started longer ago than any live
    attempt can have been."""
    started = timezone.now() - _stale_age() - timedelta(seconds=1)
    ProcessingJob.objects.filter(pk=job.pk).update(started_at=started)


def _left_running(kind: str, *, attempts: int = 1, stale: bool = True, **fields) -> ProcessingJob:
    age = _stale_age() + timedelta(seconds=1) if stale else timedelta(seconds=1)
    return ProcessingJob.objects.create(
        kind=kind,
        status=RUNNING,
        attempts=attempts,
        claim=attempts,
        max_attempts=3,
        started_at=timezone.now() - age,
        **fields,
    )


def _deliver(job: ProcessingJob) -> None:
    """The task reaching a worker again, through django-q2's own (in-process) worker."""
    async_task(services.RUN_JOB_TASK, job.pk)


# --- The django-q2 timeout ---------------------------------------------------------------------


def test_a_timed_out_attempt_is_requeued_and_the_next_delivery_finishes(
    django_capture_on_commit_callbacks,
):
    # Raised again after it is recorded, so that the cluster replaces the worker.
    with pytest.raises(TimeoutException), django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(kind="test.slow_first_time")
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error_code) == ("queued", 1, "retrying")
    timeout = settings.Q_CLUSTER["timeout"]
    assert job.error == (
        f"Attempt 1 of 3 ran past the {timeout}-second time limit; it will be tried again."
    )
    with django_capture_on_commit_callbacks(execute=True):
        _deliver(job)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result) == ("succeeded", 2, {"attempt": 2})
    assert (job.error_code, job.error) == ("", "")


def test_a_job_timing_out_on_its_last_attempt_fails_and_says_so(
    django_capture_on_commit_callbacks, agent, agent_client
):
    with pytest.raises(TimeoutException), django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(kind="test.always_slow", created_by=agent, max_attempts=2)
    with pytest.raises(TimeoutException):
        _deliver(job)
    body = agent_client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert (body["status"], body["attempts"], body["error_code"]) == ("failed", 2, "timed_out")
    timeout = settings.Q_CLUSTER["timeout"]
    assert body["error"] == (
        f"The job ran past the {timeout}-second time limit on its last attempt (2 of 2)."
    )
    assert FAILED_TARGETS[-1] == job.pk
    # Its task reaching a worker once more changes nothing.
    _deliver(job)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 2)


def test_a_retrying_job_shows_the_services_message_not_the_exception(
    django_capture_on_commit_callbacks, agent, agent_client, caplog
):
    job = services.job_create(kind="test.crash_once", created_by=agent)
    services.job_run(job_id=job.pk)  # the first attempt, before its requeued task runs
    body = agent_client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert (body["status"], body["error_code"]) == ("queued", "retrying")
    assert body["error"] == "Attempt 1 of 3 failed unexpectedly; it will be tried again."
    assert "No space left" in caplog.text and "/srv/" not in str(body)


# --- The sweeper -------------------------------------------------------------------------------


def test_the_sweeper_requeues_a_stale_job_and_leaves_live_ones(
    django_capture_on_commit_callbacks,
):
    stale = _left_running("test.record_run")
    live = _left_running("test.record_run", stale=False)
    queued = ProcessingJob.objects.create(kind="test.record_run")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("sweep_jobs", stdout=(out := StringIO()))
    assert (
        out.getvalue().splitlines()[0]
        == f"stale after {_stale_age().seconds} s: 1 requeued, 0 failed"
    )
    assert len(callbacks) == 1  # one task, for the stale job
    stale.refresh_from_db()
    assert (stale.status, stale.attempts, stale.result) == ("succeeded", 2, {"attempt": 2})
    live.refresh_from_db()
    queued.refresh_from_db()
    assert (live.status, live.attempts, queued.status) == ("running", 1, "queued")


def test_the_sweeper_fails_a_stale_job_without_attempts_left(django_capture_on_commit_callbacks):
    job = _left_running("test.record_run", attempts=3)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.job_sweep_stale() == {"requeued": 0, "failed": 1}
    assert callbacks == []
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("failed", "worker_lost")
    assert job.error == "Gave up after 3 attempts; the last one stopped with its worker."
    assert job.finished_at is not None
    assert FAILED_TARGETS[-1] == job.pk


def test_stale_follows_the_cluster_timeout_setting(settings):
    job = ProcessingJob.objects.create(
        kind="test.record_run",
        status=RUNNING,
        attempts=1,
        claim=1,
        started_at=timezone.now() - timedelta(seconds=30),
    )
    assert services.job_sweep_stale() == {"requeued": 0, "failed": 0}  # 600 s timeout: alive
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 20}
    settings.JOB_STALE_MARGIN_S = 5
    assert staleness.job_stale_after() == timedelta(seconds=25)
    assert services.job_sweep_stale() == {"requeued": 1, "failed": 0}
    job.refresh_from_db()
    assert job.status == "queued"


def test_without_a_cluster_timeout_nothing_is_swept(settings):
    job = _left_running("test.record_run")
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": None}
    call_command("sweep_jobs", stdout=StringIO(), stderr=(err := StringIO()))
    assert "no timeout" in err.getvalue()
    job.refresh_from_db()
    assert job.status == "running"


def test_a_migration_schedules_the_sweeper(django_capture_on_commit_callbacks):
    schedule = Schedule.objects.get(name="sweep_jobs")
    assert (schedule.func, schedule.args, schedule.schedule_type, schedule.minutes) == (
        "django.core.management.call_command", "'sweep_jobs'", Schedule.MINUTES, 5,
    )  # fmt: skip
    assert schedule.repeats == -1
    job = _left_running("test.record_run")
    with django_capture_on_commit_callbacks(execute=True):
        call_command(schedule.args.strip("'"), stdout=StringIO())  # what the scheduler calls
    job.refresh_from_db()
    assert job.status == "succeeded"


# --- One attempt at a time ---------------------------------------------------------------------


def test_a_second_delivery_while_an_attempt_runs_does_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(kind="test.duplicate")
    job.refresh_from_db()
    assert (job.status, job.attempts, job.claim) == ("succeeded", 1, 1)
    assert [(job.pk, 1)] == RUNS


def test_a_redelivered_task_takes_over_a_stale_job_itself(django_capture_on_commit_callbacks):
    job = _left_running("test.record_run")
    with django_capture_on_commit_callbacks(execute=True):
        _deliver(job)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.claim) == ("succeeded", 2, 2)


def test_after_a_sweep_the_old_and_the_new_task_run_the_job_once(
    django_capture_on_commit_callbacks,
):
    job = _left_running("test.record_run")
    with django_capture_on_commit_callbacks(execute=False) as sweep_task:
        services.job_sweep_stale()
    _deliver(job)  # the dead worker's task, handed out again by the broker
    sweep_task[0]()  # then the sweeper's own task
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("succeeded", 2)
    assert [(job.pk, 2)] == RUNS


def test_an_attempt_taken_over_does_not_overwrite_its_successor(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(kind="test.taken_over")
    job.refresh_from_db()
    assert [(job.pk, 1), (job.pk, 2)] == RUNS
    assert (job.status, job.attempts, job.claim, job.result) == (
        "succeeded", 2, 2, {"attempt": 2},
    )  # fmt: skip


# --- Retry takes over a stale job --------------------------------------------------------------


def test_retry_takes_over_a_stale_job(django_capture_on_commit_callbacks, agent, agent_client):
    job = _left_running("test.record_run", created_by=agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(f"/api/v1/jobs/{job.pk}/retry/")
    assert response.status_code == 202, response.content
    job.refresh_from_db()
    assert (job.status, job.attempts, job.claim) == ("succeeded", 1, 2)


def test_retry_of_a_live_running_job_is_still_409(agent, agent_client):
    job = _left_running("test.record_run", created_by=agent, stale=False)
    error = assert_error_shape(agent_client.post(f"/api/v1/jobs/{job.pk}/retry/"), 409)
    assert (error["code"], error["details"]) == ("job_not_failed", {"status": "running"})


def test_the_admin_retry_action_takes_over_stale_jobs_and_skips_live_ones(
    staff_user, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(staff_user)
    stale = _left_running("test.record_run")
    live = _left_running("test.record_run", stale=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/jobs/processingjob/",
            {"action": "retry_failed", "_selected_action": [stale.pk, live.pk]},
            follow=True,
        )
    page = response.content.decode()
    assert "Queued 1 job(s) again." in page
    assert "Skipped 1 job(s) that had not failed and are not stale." in page
    stale.refresh_from_db()
    live.refresh_from_db()
    assert (stale.status, live.status) == ("succeeded", "running")
