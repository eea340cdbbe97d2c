"""The health endpoints, broken for real: GET /api/v1/health/ (the whole system, the worker
counted: 200 when every check passes, 503 when any fails), /health/live/ (no I/O, always 200) and
/health/ready/ (the web's dependencies; the worker reported but never failing it).

The worker check reads the heartbeat that a django-q2 cluster writes to the shared cache, so the
200 case starts a real `manage.py qcluster` process on a throwaway file database and file cache
that this test process reads too."""

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.storage import InMemoryStorage
from django.core.management import CommandError, call_command
from django.test import override_settings

from core import health

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
URL = "/api/v1/health/"
LIVE, READY = "/api/v1/health/live/", "/api/v1/health/ready/"
READINESS = {"database", "migrations", "storage", "disk"}


def _checks(response) -> dict:
    body = response.json()
    assert body["status"] == ("ok" if response.status_code == 200 else "failing")
    assert set(body["checks"]) == READINESS | {"worker"}
    for check in body["checks"].values():
        assert set(check) == {"ok", "detail", "ms"}
    return body["checks"]


def test_without_a_worker_heartbeat_it_is_503(anon_client):
    response = anon_client.get(URL)
    assert response.status_code == 503
    checks = _checks(response)
    assert checks["worker"]["ok"] is False
    assert all(checks[name]["ok"] for name in ("database", "migrations", "storage", "disk"))


def test_unwritable_storage_fails_the_storage_check(anon_client, tmp_path):
    not_a_directory = tmp_path / "a-file"
    not_a_directory.write_text("media root cannot live inside a file")
    with override_settings(MEDIA_ROOT=str(not_a_directory / "media")):
        response = anon_client.get(URL)
    assert response.status_code == 503
    assert _checks(response)["storage"]["ok"] is False


@override_settings(HEALTH_MIN_FREE_DISK_MB=10**12)
def test_too_little_free_disk_fails_the_disk_check(anon_client):
    response = anon_client.get(URL)
    assert response.status_code == 503
    disk = _checks(response)["disk"]
    assert disk["ok"] is False and "MB free" in disk["detail"]


def test_health_needs_no_login_and_is_cheap(anon_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        anon_client.get(URL)


def _ready(response) -> dict:
    body = response.json()
    assert set(body) == {"status", "checks", "worker"}
    assert body["status"] == ("ok" if response.status_code == 200 else "failing")
    assert set(body["checks"]) == READINESS
    for check in [*body["checks"].values(), body["worker"]]:
        assert set(check) == {"ok", "detail", "ms"}
    return body


def _broken_media_root(tmp_path):
    not_a_directory = tmp_path / "a-file"
    not_a_directory.write_text("media root cannot live inside a file")
    return not_a_directory / "media"


def test_liveness_does_no_io_and_answers_even_when_dependencies_fail(
    anon_client, tmp_path, django_assert_num_queries
):
    broken = override_settings(MEDIA_ROOT=str(_broken_media_root(tmp_path)))
    with broken, django_assert_num_queries(0):
        response = anon_client.get(LIVE)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_does_not_fail_because_the_worker_is_down(anon_client):
    response = anon_client.get(READY)
    assert response.status_code == 200
    body = _ready(response)
    assert body["status"] == "ok"
    assert all(check["ok"] for check in body["checks"].values())
    assert body["worker"]["ok"] is False
    assert body["worker"]["detail"] == "no django-q2 cluster heartbeat"


def test_readiness_fails_on_unusable_storage_without_leaking_the_exception(
    anon_client, tmp_path, caplog
):
    media_root = _broken_media_root(tmp_path)
    with override_settings(MEDIA_ROOT=str(media_root)), caplog.at_level(logging.ERROR):
        response = anon_client.get(READY)
    assert response.status_code == 503
    storage = _ready(response)["checks"]["storage"]
    assert storage["ok"] is False
    text = response.content.decode()
    assert str(tmp_path) not in text and "Errno" not in text and "Error" not in text
    # The operator finds the exception in the log.
    record = next(r for r in caplog.records if r.name == "ledgerlens.health")
    assert record.exc_info and str(tmp_path) in str(record.exc_info[1])


@override_settings(HEALTH_MIN_FREE_DISK_MB=10**12)
def test_too_little_free_disk_fails_readiness(anon_client):
    response = anon_client.get(READY)
    assert response.status_code == 503
    assert _ready(response)["checks"]["disk"]["ok"] is False


def test_polling_writes_nothing_into_a_local_media_folder(anon_client, tmp_path):
    media_root = tmp_path / "media"
    media_root.mkdir()
    with override_settings(MEDIA_ROOT=str(media_root)):
        for url in (READY, URL, READY, LIVE):
            anon_client.get(url)
    assert list(media_root.rglob("*")) == []


class CountingMemoryStorage(InMemoryStorage):
    """A storage that is not the local file system, counting the files saved into it."""

    saves = 0

    def _save(self, name, content):
        type(self).saves += 1
        return super()._save(name, content)


@pytest.fixture
def remote_storage(settings, monkeypatch):
    monkeypatch.setattr(health, "_storage_probe", None)
    CountingMemoryStorage.saves = 0
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.CountingMemoryStorage"},
    }
    return CountingMemoryStorage


def test_other_storage_is_probed_at_most_once_per_interval(anon_client, settings, remote_storage):
    settings.HEALTH_STORAGE_PROBE_INTERVAL_S = 3600
    for _ in range(3):
        response = anon_client.get(READY)
        assert response.status_code == 200
        assert _ready(response)["checks"]["storage"]["ok"] is True
    anon_client.get(URL)
    assert remote_storage.saves == 1
    settings.HEALTH_STORAGE_PROBE_INTERVAL_S = 0  # the interval has passed
    anon_client.get(READY)
    assert remote_storage.saves == 2


def test_the_worker_probe_command_fails_without_a_cluster_on_this_host(db):
    with pytest.raises(CommandError, match="No live django-q2 cluster"):
        call_command("check_worker")
    with pytest.raises(CommandError, match="No live django-q2 cluster on any host"):
        call_command("check_worker", "--any-host")


@pytest.mark.slow
def test_a_running_cluster_makes_it_200_and_stopping_it_503(anon_client, tmp_path):
    cache_dir = tmp_path / "cache"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.core.qcluster_settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cluster.sqlite3'}",
        "QCLUSTER_TEST_CACHE_DIR": str(cache_dir),
        "Q_WORKERS": "1",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "django_q", "--noinput"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    # Its own process group, so the sentinel and workers it forks can be stopped with it.
    cluster = subprocess.Popen([*manage, "qcluster"], cwd=ROOT, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    file_cache = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                              "LOCATION": str(cache_dir)}}  # fmt: skip
    try:
        with override_settings(CACHES=file_cache):
            response = _poll(anon_client, until=200)
            assert response.status_code == 200, response.json()
            assert "1 cluster(s) alive" in _checks(response)["worker"]["detail"]
            ready = anon_client.get(READY)
            assert ready.status_code == 200 and _ready(ready)["worker"]["ok"] is True
            call_command("check_worker")  # the worker's own probe, on this host
            # The master stops its sentinel and workers; the heartbeat stops or says "Stopping".
            cluster.terminate()
            response = _poll(anon_client, until=503)
            assert response.status_code == 503
            assert _checks(response)["worker"]["ok"] is False
            ready = anon_client.get(READY)
            assert ready.status_code == 200 and _ready(ready)["worker"]["ok"] is False
            with pytest.raises(CommandError):
                call_command("check_worker")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait(timeout=10)


def _poll(client, *, until: int, timeout_s: float = 60.0):
    deadline = time.monotonic() + timeout_s
    while True:
        response = client.get(URL)
        if response.status_code == until or time.monotonic() > deadline:
            return response
        time.sleep(0.5)
