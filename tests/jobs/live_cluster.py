"""Real django-q2 clusters for the worker tests: `manage.py qcluster` processes (as `make run`
starts one) on the test database itself, the file SQLite one or the PostgreSQL of the PG run,
and its broker, so that a document uploaded through the API in the test is processed by them.

Each cluster runs in its own process group (its master, sentinel, pusher, monitor and workers
fork from it) and logs to its own file; `kill()` is SIGKILL to the whole group, a host lost.
`wait_for` polls a condition with a generous deadline: these tests never sleep a fixed time."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 120.0
T = TypeVar("T")


def wait_for(condition: Callable[[], T], *, what: str, timeout_s: float = DEADLINE_S) -> T:
    """The condition's first truthy value; AssertionError naming `what` past the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s:.0f} s: {what}")
        time.sleep(0.1)


def test_database_url() -> str:
    """DATABASE_URL of the database this test runs on (pytest-django's test database)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user, password = quote(db["USER"] or "", safe=""), quote(db["PASSWORD"] or "", safe="")
    return f"postgres://{user}:{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass
class LiveCluster:
    name: str
    process: subprocess.Popen
    log_path: Path
    _log: object = field(repr=False, default=None)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def processed(self) -> int:
        """How many tasks this cluster processed (django-q2's monitor logs each one)."""
        return self.log().count("Processed 'jobs.tasks.run_job'")

    def wait_running(self) -> None:
        wait_for(lambda: "running." in self.log() or self.process.poll() is not None,
                 what=f"cluster {self.name} running")  # fmt: skip
        assert self.process.poll() is None, f"cluster {self.name} exited:\n{self.log()[-3000:]}"

    def kill(self) -> None:
        """SIGKILL to the whole process group: no worker gets to record anything."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        # Workers are the master's grandchildren: wait until none of the group is left.
        wait_for(lambda: not _group_alive(self.process.pid), what=f"cluster {self.name} gone")

    def close(self) -> None:
        self.kill()
        if self._log is not None:
            self._log.close()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # Zombies still count for killpg; they hold no database connection and do no work.
    out = subprocess.run(["ps", "-o", "stat=", "-g", str(pgid)], capture_output=True, text=True)
    return any(not state.startswith("Z") for state in out.stdout.split())


def start_cluster(name: str, *, log_dir: Path, media_root: Path, **env: str) -> LiveCluster:
    """Start `manage.py qcluster` on the test database; `env` adds settings (Q_WORKERS, ...)."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.jobs.cluster_settings",
        "DATABASE_URL": test_database_url(),
        "TEST_MEDIA_ROOT": str(media_root),
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    log_path = log_dir / f"cluster-{name}.log"
    log = log_path.open("w", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=environment,
        start_new_session=True,  # its own process group, killed whole
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return LiveCluster(name=name, process=process, log_path=log_path, _log=log)
