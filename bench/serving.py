"""Starting the project under gunicorn on loopback for the HTTP benchmarks."""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_gunicorn(
    env: dict[str, str], *, port: int, workers: int, threads: int, ready_path: str, log: Path
) -> subprocess.Popen:
    """gunicorn serving config.wsgi on 127.0.0.1:`port`, returned once `ready_path` answers at
    all (the health check, say, answers 503 when no worker cluster runs beside the benchmark).

    Its stderr (the JSON request log) goes to `log`, never to an unread pipe, which fills after
    a few hundred lines and stalls every worker."""
    errors = open(log, "wb")  # noqa: SIM115 - the server writes to it for its whole life
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
        "--timeout", "60", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors)
    for _ in range(600):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", ready_path)
            connection.getresponse().read()
            return server
        except OSError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.1)
    server.kill()
    sys.exit("gunicorn did not start:\n" + log.read_text(errors="replace")[-3000:])
