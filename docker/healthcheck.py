"""The container's health check (Dockerfile HEALTHCHECK, docker/compose.yaml): exit 0 healthy.

`healthcheck.py web` asks this container's gunicorn for /api/v1/health/ready/ (database,
migrations, storage, disk; a stopped worker does not fail it). `healthcheck.py worker` runs
`manage.py check_worker`: a django-q2 cluster on this host has a live heartbeat. Without an
argument the role is read from the container's command line (`entrypoint.sh web|worker`).

The request names the first ALLOWED_HOSTS entry as its Host (Django refuses others) and says it
came over https (else production would redirect it there).
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

READY_URL = os.environ.get("HEALTHCHECK_URL", "http://127.0.0.1:8000/api/v1/health/ready/")


def _role() -> str:
    if len(sys.argv) > 1:
        return sys.argv[1]
    try:
        words = Path("/proc/1/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "web"
    return "worker" if b"worker" in words else "web"


def _host() -> str:
    for host in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = host.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def web_ready() -> int:
    request = urllib.request.Request(
        READY_URL, headers={"Host": _host(), "X-Forwarded-Proto": "https", "X-Client": "api"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return 0 if response.status == 200 else 1
    except OSError as error:  # HTTPError (503) included
        print(f"not ready: {error}", file=sys.stderr)
        return 1


def worker_alive() -> int:
    manage = Path(__file__).resolve().parent.parent / "manage.py"
    return subprocess.run([sys.executable, str(manage), "check_worker"], check=False).returncode


if __name__ == "__main__":
    sys.exit(worker_alive() if _role() == "worker" else web_ready())
