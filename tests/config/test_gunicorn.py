"""config/gunicorn.py, loaded the way scripts/run.sh and the docker image load it, serving the
project for real: threads from the environment, keep-alive, and stdout carrying only the JSON
request log."""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"X-Client": "api"})
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


@pytest.fixture
def served(tmp_path):
    """gunicorn with the project's config on a free loopback port; yields (port, stdout file)."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite3'}",
        "LOG_DIR": str(tmp_path / "log"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "2",
    }
    stdout = tmp_path / "stdout.log"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "config.wsgi:application", "--config", "python:config.gunicorn",
               "--bind", f"127.0.0.1:{port}"]  # fmt: skip
    with open(stdout, "wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                  stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(port, "/api/v1/health/")
                break
            except OSError:
                assert server.poll() is None, "gunicorn exited while starting"
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.2)
        yield port, stdout
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_it_serves_kept_alive_connections_and_writes_json_lines_to_stdout(served):
    port, stdout = served
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    statuses = []
    for attempt in range(2):
        connection.request("GET", f"/api/v1/health/?probe={attempt}", headers={"X-Client": "api"})
        response = connection.getresponse()
        body = json.loads(response.read())
        if attempt == 0:
            first_socket = connection.sock
        statuses.append(response.status)
    # 503: no worker cluster runs beside this server; the answer is still the health JSON.
    assert set(statuses) <= {200, 503}
    assert "database" in body["checks"]
    assert response.getheader("X-Request-ID")
    assert connection.sock is first_socket  # the second request reused the connection
    connection.close()

    time.sleep(0.5)  # the request line is written after the answer is sent
    lines = stdout.read_text().splitlines()
    records = [json.loads(line) for line in lines]  # gunicorn's plain access log would fail here
    assert sum(record.get("path") == "/api/v1/health/" for record in records) >= 3, lines
