"""config/gunicorn.py, loaded the way scripts/run.sh and the docker image load it, serving the
project for real: workers and threads from the environment, keep-alive, stdout carrying only
the JSON request log, Ctrl-C left to the master, and a refusal to share a port."""

import http.client
import json
import os
import runpy
import signal
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


def _command(port: int) -> list[str]:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    return [str(gunicorn), "config.wsgi:application", "--config", "python:config.gunicorn",
            "--bind", f"127.0.0.1:{port}"]  # fmt: skip


def _listening_sockets(port: int) -> int:
    """Sockets listening on 127.0.0.1:`port`, from the kernel's table."""
    local = f"0100007F:{port:04X}"
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(row.split()[1] == local and row.split()[3] == "0A" for row in rows)  # 0A: LISTEN


def _wait_for(condition, what: str, deadline_s: float = 60.0):
    """Poll `condition` until it returns a truthy value; a generous deadline, never a fixed
    sleep: CI runs on a busy 2-core machine where a worker may take seconds to boot."""
    deadline = time.monotonic() + deadline_s
    while not (result := condition()):
        assert time.monotonic() < deadline, f"{what} within {deadline_s:.0f} s"
        time.sleep(0.1)
    return result


def _sigint_ignored(pid: str) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    ignored = int(next(line for line in status.splitlines() if line.startswith("SigIgn:"))
                  .split()[1], 16)  # fmt: skip
    return bool(ignored & (1 << (signal.SIGINT - 1)))


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _environment(folder: Path, **extra: str) -> dict[str, str]:
    """A throwaway installation under `folder`: the local settings, its own database and logs."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{folder / 'served.sqlite3'}",
        "LOG_DIR": str(folder / "log"),
        **extra,
    }


@pytest.fixture
def served(tmp_path):
    """gunicorn with the project's config on a free loopback port; yields (port, stdout file,
    environment, server process)."""
    port = _free_port()
    env = _environment(
        tmp_path,
        MEDIA_ROOT=str(tmp_path / "media"),
        WEB_CONCURRENCY="2",
        WEB_THREADS="2",
        HOME=str(tmp_path),  # where gunicorn would put its control socket by default
    )
    env.pop("XDG_RUNTIME_DIR", None)  # which it would prefer
    stdout = tmp_path / "stdout.log"
    with open(stdout, "wb") as out:
        server = subprocess.Popen(_command(port), cwd=ROOT, env=env, stdout=out,
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
        yield port, stdout, env, server
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_it_serves_kept_alive_connections_and_writes_json_lines_to_stdout(served):
    port, stdout, _env, _server = served
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

    def json_lines() -> list[dict] | None:
        # The request line is written after the answer is sent: wait for it to arrive.
        records = [json.loads(line) for line in stdout.read_text().splitlines()]
        return records if sum(r.get("path") == "/api/v1/health/" for r in records) >= 3 else None

    # json.loads on every line: gunicorn's plain access log would fail here.
    _wait_for(json_lines, "three JSON request lines on stdout")


@pytest.mark.slow
def test_it_leaves_no_control_socket_for_the_next_server_to_take_over(served):
    _port, _stdout, env, _server = served
    assert runpy.run_path(str(ROOT / "config" / "gunicorn.py"))["control_socket_disable"]
    assert not (Path(env["HOME"]) / ".gunicorn").exists()


@pytest.mark.slow
def test_workers_leave_ctrl_c_to_the_master(served):
    _port, _stdout, _env, server = served
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")

    # The first worker to boot answered the fixture's probe; the second may still be booting.
    def both_workers() -> list[str] | None:
        pids = children.read_text().split()
        return pids if len(pids) == 2 else None

    workers = _wait_for(both_workers, "two workers")
    # SIGINT ignored (set once each worker has booted): a Ctrl-C reaches them through the
    # master's SIGQUIT only, instead of twice (a hung worker in 5 of 18 stops of a server that
    # had answered API calls).
    for pid in workers:
        _wait_for(lambda pid=pid: _sigint_ignored(pid), f"worker {pid} ignoring SIGINT")
    server.send_signal(signal.SIGINT)
    assert server.wait(timeout=60) == 0


@pytest.mark.slow
def test_a_second_server_on_the_same_port_refuses_to_start(served):
    port, _stdout, env, _server = served
    second = subprocess.run(
        _command(port), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert second.returncode != 0
    assert "Connection in use" in second.stderr, second.stderr
    assert _listening_sockets(port) == 1  # the first server's, untouched
    assert _get(port, "/api/v1/health/").status in (200, 503)


@pytest.mark.slow
def test_make_run_stops_cleanly_and_says_why_when_its_port_is_taken(tmp_path):
    with socket.socket() as taken:  # someone else's server
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.Popen([str(ROOT / "scripts" / "run.sh")], cwd=ROOT,
                               env=_environment(tmp_path, BIND=f"127.0.0.1:{port}"),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)  # fmt: skip
        output, _ = run.communicate(timeout=120)

    # Exit 1 with gunicorn's reason; before, its exit trap re-signalled itself until bash
    # crashed (139), and the worker cluster it had started was left to the crash.
    assert run.returncode == 1, output
    assert "Connection in use" in output, output
    # Nothing it started stays running: the worker cluster's own processes may take a moment
    # to follow their parent out on a busy machine, so wait for the group to empty.
    _wait_for(lambda: not _group_alive(run.pid), "every process make run started to exit")
