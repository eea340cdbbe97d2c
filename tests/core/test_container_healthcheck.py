"""docker/healthcheck.py, the container's health check, run as Docker runs it: a process of its
own against a real server (the web) or the real `manage.py check_worker` (the worker)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "docker" / "healthcheck.py"


def _run(role: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), role], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)  # fmt: skip


# live_server flushes the database after the test; serialized_rollback puts the rows the
# migrations made (role groups, content types) back, as every later test expects them.
LIVE_DB = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@LIVE_DB
def test_the_web_is_healthy_when_ready_though_no_worker_runs(live_server):
    done = _run("web", HEALTHCHECK_URL=f"{live_server.url}/api/v1/health/ready/",
                ALLOWED_HOSTS=".localhost,localhost")  # fmt: skip
    assert done.returncode == 0, done.stderr


@LIVE_DB
def test_the_web_is_unhealthy_when_refused(live_server, settings):
    settings.HEALTH_MIN_FREE_DISK_MB = 10**12  # readiness fails: 503
    done = _run("web", HEALTHCHECK_URL=f"{live_server.url}/api/v1/health/ready/",
                ALLOWED_HOSTS="localhost")  # fmt: skip
    assert done.returncode == 1
    assert "503" in done.stderr


def test_the_worker_is_unhealthy_without_a_cluster_on_this_host(tmp_path):
    done = _run("worker", DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert done.returncode == 1
    assert "No live django-q2 cluster" in done.stderr
