"""GET /api/v1/health/: 200 when every check passes, 503 when any fails (broken for real).

The worker check reads the heartbeat that a django-q2 cluster writes to the shared cache, so the
200 case starts a real `manage.py qcluster` process on a throwaway file database and file cache
that this test process reads too."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
URL = "/api/v1/health/"


def _checks(response) -> dict:
    body = response.json()
    assert body["status"] == ("ok" if response.status_code == 200 else "failing")
    assert set(body["checks"]) == {"database", "migrations", "storage", "disk", "worker"}
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


@pytest.mark.slow
def test_a_running_cluster_makes_it_200_and_stopping_it_503(anon_client, tmp_path):
    cache_dir = tmp_path / "cache"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.config.qcluster_settings",
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
            # The master stops its sentinel and workers; the heartbeat stops or says "Stopping".
            cluster.terminate()
            response = _poll(anon_client, until=503)
            assert response.status_code == 503
            assert _checks(response)["worker"]["ok"] is False
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
