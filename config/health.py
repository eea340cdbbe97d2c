"""GET /api/v1/health/: each check's result; 200 when all pass, 503 otherwise.

Cheap enough to poll every few seconds: the migration check is cached once it passes.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

CheckResult = tuple[bool, str]
_migrations_known_applied = False


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
    name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)
    return True, "writable"


def check_disk() -> CheckResult:
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    free_mb = shutil.disk_usage(root).free // (1024 * 1024)
    ok = free_mb >= settings.HEALTH_MIN_FREE_DISK_MB
    return ok, f"{free_mb} MB free (minimum {settings.HEALTH_MIN_FREE_DISK_MB} MB)"


def check_worker() -> CheckResult:
    from django_q.status import Stat

    clusters = [stat for stat in Stat.get_all() if stat.status in ("Idle", "Working", "Starting")]
    if not clusters:
        return False, "no django-q2 cluster heartbeat"
    return True, f"{len(clusters)} cluster(s) alive"


CHECKS: dict[str, Callable[[], CheckResult]] = {
    "database": check_database,
    "migrations": check_migrations,
    "storage": check_storage,
    "disk": check_disk,
    "worker": check_worker,
}


def run_checks() -> dict[str, dict]:
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            ok, detail = check()
        except Exception as error:
            ok, detail = False, f"{type(error).__name__}: {error}"[:200]
        results[name] = {
            "ok": ok,
            "detail": detail,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
    return results


class HealthApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(summary="Liveness and dependency checks", responses={200: dict, 503: dict})
    def get(self, request: Request) -> Response:
        checks = run_checks()
        healthy = all(check["ok"] for check in checks.values())
        body = {"status": "ok" if healthy else "failing", "checks": checks}
        return Response(body, status=200 if healthy else 503)
