"""Health endpoints, anonymous and cheap enough to poll every few seconds.

- `GET /api/v1/health/live/`: liveness. The process answers; no database, no files. Always 200.
- `GET /api/v1/health/ready/`: readiness of this web process: database, migrations, storage
  (readable and writable) and free disk; 200 when all pass, 503 otherwise. The worker heartbeat
  is reported beside them (`worker`) and never fails it: a web process can serve while the
  worker is down, so the load balancer must not take it out of rotation for that.
- `GET /api/v1/health/`: the whole system's status for monitoring (not a probe): the same checks
  with the worker counted among them; 503 when any fails, the worker included.

A failing check says which check failed and why in plain words; the exception itself (paths,
hosts, credentials in a connection string) goes to the log only. The migration check is cached
once it passes; storage is checked without writing a file on every call (see check_storage).
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

logger = logging.getLogger("ledgerlens.health")

CheckResult = tuple[bool, str]
_migrations_known_applied = False
# The last write probe of a non-local storage, per process: (monotonic time, result).
_storage_probe: tuple[float, CheckResult] | None = None
_storage_probe_lock = threading.Lock()
_ALIVE_CLUSTER_STATES = ("Idle", "Working", "Starting")


def check_database() -> CheckResult:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, connections[DEFAULT_DB_ALIAS].vendor


def check_migrations() -> CheckResult:
    global _migrations_known_applied
    if _migrations_known_applied:
        return True, "applied"
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        return False, f"{len(pending)} pending"
    _migrations_known_applied = True
    return True, "applied"


def check_storage() -> CheckResult:
    """Whether uploads can be stored and read back, without a write per call: a local folder
    is checked with access(2) (which also sees a read-only mount); any other storage gets a
    real write, read and delete at most once per HEALTH_STORAGE_PROBE_INTERVAL_S."""
    if isinstance(default_storage, FileSystemStorage):
        root = Path(default_storage.location)
        root.mkdir(parents=True, exist_ok=True)  # a fresh volume: created once, as a save would
        if not os.access(root, os.R_OK | os.W_OK | os.X_OK):
            return False, "the media folder is not readable and writable"
        return True, "readable and writable"
    global _storage_probe
    with _storage_probe_lock:
        now = time.monotonic()
        if (
            _storage_probe is None
            or now - _storage_probe[0] >= settings.HEALTH_STORAGE_PROBE_INTERVAL_S
        ):
            _storage_probe = (now, _storage_round_trip())
        return _storage_probe[1]


def _storage_round_trip() -> CheckResult:
    try:
        name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
        try:
            with default_storage.open(name) as stored:
                readable = stored.read() == b"ok"
        finally:
            default_storage.delete(name)
    except Exception:
        logger.exception("health: the storage probe failed")
        return False, "a test file could not be written, read and deleted"
    return readable, "readable and writable" if readable else "a test file read back wrong"


def check_disk() -> CheckResult:
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    free_mb = shutil.disk_usage(root).free // (1024 * 1024)
    ok = free_mb >= settings.HEALTH_MIN_FREE_DISK_MB
    return ok, f"{free_mb} MB free (minimum {settings.HEALTH_MIN_FREE_DISK_MB} MB)"


def alive_clusters(*, host: str | None = None) -> list:
    """django-q2 clusters whose heartbeat (kept a few seconds in the broker) says they run;
    only those on `host` (a hostname: the container or pod) when given."""
    from django_q.status import Stat

    return [
        stat
        for stat in Stat.get_all()
        if stat.status in _ALIVE_CLUSTER_STATES and (host is None or stat.host == host)
    ]


def check_worker() -> CheckResult:
    clusters = alive_clusters()
    if not clusters:
        return False, "no django-q2 cluster heartbeat"
    return True, f"{len(clusters)} cluster(s) alive"


READINESS_CHECKS: dict[str, Callable[[], CheckResult]] = {
    "database": check_database,
    "migrations": check_migrations,
    "storage": check_storage,
    "disk": check_disk,
}
CHECKS: dict[str, Callable[[], CheckResult]] = {**READINESS_CHECKS, "worker": check_worker}


def run_check(name: str, check: Callable[[], CheckResult]) -> dict:
    started = time.perf_counter()
    try:
        ok, detail = check()
    except Exception:
        # The exception names paths, hosts, sometimes credentials: the log has it, not the body.
        logger.exception("health check %s failed", name)
        ok, detail = False, "the check raised an error (details in the server log)"
    return {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000, 1)}


def run_checks(checks: dict[str, Callable[[], CheckResult]] | None = None) -> dict[str, dict]:
    return {name: run_check(name, check) for name, check in (checks or CHECKS).items()}


def _status(checks: dict[str, dict]) -> tuple[bool, str]:
    healthy = all(check["ok"] for check in checks.values())
    return healthy, "ok" if healthy else "failing"


class _AnonymousProbe(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class LivenessApi(_AnonymousProbe):
    @extend_schema(summary="Liveness: the process answers (no I/O)", responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


class ReadinessApi(_AnonymousProbe):
    @extend_schema(
        summary="Readiness: database, migrations, storage, disk; the worker reported apart",
        responses={200: dict, 503: dict},
    )
    def get(self, request: Request) -> Response:
        checks = run_checks(READINESS_CHECKS)
        healthy, status = _status(checks)
        body = {"status": status, "checks": checks, "worker": run_check("worker", check_worker)}
        return Response(body, status=200 if healthy else 503)


class HealthApi(_AnonymousProbe):
    @extend_schema(
        summary="System status: every check, the worker included (for monitoring)",
        responses={200: dict, 503: dict},
    )
    def get(self, request: Request) -> Response:
        checks = run_checks()
        healthy, status = _status(checks)
        return Response({"status": status, "checks": checks}, status=200 if healthy else 503)
