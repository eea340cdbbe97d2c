"""The server stack the scale-out, fault and load benchmarks run against, on loopback:
PostgreSQL from scripts/postgres.sh (on a port of its own, not the test suite's), Redis (a
throwaway `redis-server`, no persistence), `manage.py qcluster` worker clusters and gunicorn
(bench/serving.py), each process in its own process group so that it can be stopped whole."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from serving import PY, ROOT, server_environment

T = TypeVar("T")
PG_PORT = int(os.environ.get("BENCH_PGPORT", "54392"))
REDIS_PORT = int(os.environ.get("BENCH_REDIS_PORT", "63792"))


def wait_for(condition: Callable[[], T], *, what: str, timeout_s: float = 120.0) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit(f"not within {timeout_s:.0f} s: {what}")
        time.sleep(0.1)


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


# --- PostgreSQL ---------------------------------------------------------------------------------


def _pg_env(port: int) -> dict[str, str]:
    return {**os.environ, "PGPORT": str(port), "PGDATA": f"/tmp/ledgerlens-bench-pg-{port}"}


def postgres_start(port: int = PG_PORT) -> str:
    """Start (or reuse) the server; its DATABASE_URL, the database dropped and made empty."""
    done = subprocess.run([str(ROOT / "scripts" / "postgres.sh"), "start"], env=_pg_env(port),
                          capture_output=True, text=True, check=True)  # fmt: skip
    url = done.stdout.strip().splitlines()[-1]
    psql = ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-qc"]
    subprocess.run([*psql, "DROP DATABASE IF EXISTS ledgerlens WITH (FORCE)"], check=True)
    subprocess.run([*psql, "CREATE DATABASE ledgerlens OWNER ledgerlens"], check=True)
    return url


def postgres_stop(port: int = PG_PORT, mode: str = "fast") -> None:
    """pg_ctl stop; `immediate` is a crash (no checkpoint), as an OOM-killed server."""
    env = _pg_env(port)
    pgbin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    runas = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*runas, str(pgbin / "pg_ctl"), "-D", env["PGDATA"], "-m", mode, "-w", "stop"],
                   capture_output=True, check=False)  # fmt: skip


def postgres_restart_server(port: int = PG_PORT) -> None:
    subprocess.run([str(ROOT / "scripts" / "postgres.sh"), "start"], env=_pg_env(port),
                   capture_output=True, check=True)  # fmt: skip


# --- Redis --------------------------------------------------------------------------------------


def redis_start(folder: Path, port: int = REDIS_PORT) -> subprocess.Popen:
    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("redis-server is missing: apt-get install redis-server")
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    wait_for(lambda: _port_open(port), what="redis-server answering")
    return process


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


# --- The installation ---------------------------------------------------------------------------


def installation_env(folder: Path, database_url: str, redis_url: str = "", **extra: str) -> dict:
    # No scheduled backups into the repository's var/ while the benchmark runs.
    env = server_environment(folder, "config.settings.local", BACKUP_INTERVAL_S="0",
                             BACKUP_DIR=str(folder / "backups"), **extra)  # fmt: skip
    env["DATABASE_URL"] = database_url
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def manage(env: dict, *args: str, check: bool = True) -> str:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=False)  # fmt: skip
    if check and done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def prepare(env: dict) -> None:
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")
    manage(env, "seed_reference_data")


def start_cluster(env: dict, log: Path, **extra: str) -> subprocess.Popen:
    handle = open(log, "wb")  # noqa: SIM115 - the cluster writes to it for its whole life
    return subprocess.Popen([PY, "manage.py", "qcluster"], cwd=ROOT, env={**env, **extra},
                            stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


def cluster_running(log: Path) -> bool:
    return "running." in log.read_text(errors="replace")


def stop_group(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout_s: float = 20) -> None:
    """Signal the process group; SIGKILL what is left after `timeout_s`."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=timeout_s)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
