"""Starting the project under gunicorn on loopback, and driving it, for the HTTP benchmarks."""

from __future__ import annotations

import asyncio
import http.client
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")


def server_environment(folder: Path, settings_module: str, **extra: str) -> dict[str, str]:
    """The environment of a throwaway installation under `folder`: its own SQLite database,
    media, logs and metrics folder, and access tokens that outlive the run."""
    (folder / "prometheus").mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "LOG_DIR": str(folder / "log"),
        "JWT_ACCESS_LIFETIME_S": "7200",
        "PROMETHEUS_MULTIPROC_DIR": str(folder / "prometheus"),
        **extra,
    }


def manage(env: dict[str, str], *args: str) -> str:
    """`manage.py ARGS` in that environment; its stdout, or exit with its stderr's end."""
    done = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


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
        "--config", "python:config.gunicorn",  # what make run and the docker image serve with
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
        "--log-level", "warning",
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


class _Connection:
    """One keep-alive HTTP/1.1 connection; reconnects when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, request: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(request)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (line.partition(":") for line in lines[1:] if line)
        }
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.writer.close()
            self.reader = self.writer = None
        return status, body


def http_request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """The bytes of one HTTP/1.1 request on a keep-alive connection to 127.0.0.1."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def drive(
    port: int,
    requests: list[bytes],
    concurrency: int,
    on_response: Callable[[int, bytes], None] | None = None,
) -> dict:
    """Send `requests` in order from `concurrency` keep-alive connections, each sending its
    next request as soon as its last answer arrived (a closed loop), from one asyncio loop: a
    thread per caller would take more of the machine's CPU from the server it measures.
    Latency is each request's wall time from the caller's side; a non-200 answer is an error."""
    return asyncio.run(_drive(port, requests, concurrency, on_response))


async def _drive(port, requests, concurrency, on_response) -> dict:
    latencies: list[float] = []
    errors = 0
    queue = iter(requests)

    async def caller() -> None:
        nonlocal errors
        connection = _Connection(port)
        for request in queue:
            started = time.perf_counter()
            try:
                status, body = await asyncio.wait_for(connection.send(request), timeout=30)
            except (OSError, asyncio.IncompleteReadError, TimeoutError):
                connection, status, body = _Connection(port), 0, b""
            latencies.append((time.perf_counter() - started) * 1000)
            errors += status != 200
            if on_response is not None and status == 200:
                on_response(status, body)

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(share: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(share * len(latencies)))], 1)

    return {"requests": len(requests), "errors": errors, "p50_ms": pct(0.50),
            "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "mean_ms": round(sum(latencies) / len(latencies), 1),
            "rps": round(len(requests) / elapsed, 1)}  # fmt: skip


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """CPU time (user + system) used so far by gunicorn's master and its live workers."""
    pids = [server.pid]
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue  # a worker that exited between the two reads
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def drive_rounds(
    port: int,
    scenarios: Mapping[str, Callable[[int], list[bytes]]],
    concurrency: int,
    rounds: int,
    on_response: Mapping[str, Callable[[int, bytes], None]] | None = None,
    server: subprocess.Popen | None = None,
) -> dict[str, dict]:
    """Each scenario's requests for round 0, 1, ... (`scenarios[name](round)`), driven
    scenario after scenario in every round (A B C, A B C, ...): a spell when the shared machine
    runs slower then falls on every scenario alike instead of on whichever ran during it.

    Per scenario: the median round's p50/p95/p99/mean/req/s, the p95 of every round, and the
    total requests and errors; given the `server`, also the CPU it spent per request and how
    many cores it kept busy, over all rounds."""
    by_round: dict[str, list[dict]] = {name: [] for name in scenarios}
    cpu_s = dict.fromkeys(scenarios, 0.0)
    wall_s = dict.fromkeys(scenarios, 0.0)
    for number in range(rounds):
        for name, requests in scenarios.items():
            hook = (on_response or {}).get(name)
            cpu_before = server_cpu_seconds(server) if server else 0.0
            started = time.perf_counter()
            by_round[name].append(drive(port, requests(number), concurrency, hook))
            wall_s[name] += time.perf_counter() - started
            cpu_s[name] += (server_cpu_seconds(server) - cpu_before) if server else 0.0
    summary = {name: _median_round(results) for name, results in by_round.items()}
    if server is not None:
        for name, result in summary.items():
            result["server_cpu_ms"] = round(cpu_s[name] / result["requests"] * 1000, 2)
            result["server_cores_busy"] = round(cpu_s[name] / wall_s[name], 2)
    return summary


def _median_round(results: list[dict]) -> dict:
    summary = {
        key: round(statistics.median(result[key] for result in results), 1)
        for key in ("p50_ms", "p95_ms", "p99_ms", "mean_ms", "rps")
    }
    return {
        **summary,
        "requests": sum(result["requests"] for result in results),
        "errors": sum(result["errors"] for result in results),
        "rounds": len(results),
        "p95_by_round": [result["p95_ms"] for result in results],
    }
