#!/usr/bin/env python3
"""GET /api/v1/customers/ under load, next to a minimal Django view on the same server.

usage: .venv/bin/python bench/customers_list.py [--requests N] [--rounds 5] [--concurrency 32]
                                                [--no-record]

Migrates a fresh SQLite database in a temporary folder, creates 1,000 customers assigned to one
agent plus a supervisor, starts gunicorn with config/gunicorn.py (2 workers x 4 threads, as
make run does) on 127.0.0.1 with the default configuration (SQLite, JSON request log, metrics),
and drives 32 concurrent keep-alive connections from an asyncio load generator on the same
machine. After a warm-up the scenarios take turns, round after round, and each figure is the
median round's. Writes the "Customers list"
section of docs/benchmarks.md. Targets: the list at >= 40% of the minimal view's requests/s and
p95 <= 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from record import write_section  # bench/record.py: the one section writer
from serving import (
    drive,
    drive_rounds,
    http_request,
    manage,
    server_environment,
    start_gunicorn,
)

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 0.40
TARGET_P95_MS = 100.0

SEED_SCRIPT = """
import json
from django.contrib.auth.models import Group
from django.contrib.auth import get_user_model
from rest_framework_simplejwt.tokens import RefreshToken
from customers.models import Customer
User = get_user_model()
agent = User.objects.create_user("bench_agent", password="bench-agent-pass-1")
agent.groups.add(Group.objects.get(name="agent"))
supervisor = User.objects.create_user("bench_supervisor", password="bench-sup-pass-1")
supervisor.groups.add(Group.objects.get(name="supervisor"))
Customer.objects.bulk_create(
    Customer(name=f"Customer {n:04d}", kind="company" if n % 5 == 0 else "person",
             email=f"customer{n}@example.test", phone=f"+86 10 5555 {n:04d}",
             id_number=f"11010519491231{n:04d}", tax_id=f"9111{n:06d}",
             address=f"{n} Bench Street", assigned_agent=agent)
    for n in range(COUNT)
)
print(json.dumps({"agent": str(RefreshToken.for_user(agent).access_token),
                  "supervisor": str(RefreshToken.for_user(supervisor).access_token)}))
"""


def _environment(folder: Path) -> dict[str, str]:
    return server_environment(folder, "bench.customers_settings", DEBUG="0")


def _prepare(env: dict[str, str], customers: int) -> dict[str, str]:
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "createcachetable")
    output = manage(env, "shell", "-c", SEED_SCRIPT.replace("COUNT", str(int(customers))))
    return json.loads(output.strip().splitlines()[-1])


def _measure(
    port: int, tokens: dict[str, str], args: argparse.Namespace, server: subprocess.Popen
) -> dict[str, dict]:
    scenarios = {
        "minimal Django view": ("/bench/minimal/", None),
        "customers list, agent (page 1 of 20)": ("/api/v1/customers/", tokens["agent"]),
        "customers list, supervisor (page 10 of 20)": ("/api/v1/customers/?page=10", tokens["supervisor"]),
        "customers list, agent search + filter": (
            "/api/v1/customers/?search=5555&kind=person&ordering=-created_at", tokens["agent"]),
    }  # fmt: skip
    requests = {}
    for name, (path, token) in scenarios.items():
        headers = {"X-Client": "api", **({"Authorization": f"Bearer {token}"} if token else {})}
        requests[name] = http_request("GET", path, headers)
        drive(port, [requests[name]] * max(100, args.requests // 10), args.concurrency)  # warm-up
    results = drive_rounds(
        port,
        {name: (lambda _round, request=request: [request] * args.requests)
         for name, request in requests.items()},
        args.concurrency,
        args.rounds,
        server=server,
    )  # fmt: skip
    for name, result in results.items():
        print(f"{name:<46} {json.dumps(result)}", flush=True)
    return results


def _inside_django(log_file: Path, path: str) -> dict[str, float]:
    """p50 and p95 of the request log's durations for `path`."""
    durations = sorted(
        record["duration_ms"]
        for record in map(json.loads, log_file.read_text().splitlines())
        if record.get("path") == path and "duration_ms" in record
    )
    return {
        "p50_ms": round(durations[len(durations) // 2], 1),
        "p95_ms": round(durations[int(len(durations) * 0.95)], 1),
    }


def _section(
    results: dict[str, dict], args: argparse.Namespace, profile: dict, inside: dict[str, float]
) -> str:
    baseline = results["minimal Django view"]["rps"]
    lines = [
        "## Customers list",
        "",
        f"`.venv/bin/python bench/customers_list.py` — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, {os.cpu_count()} CPU(s), load average before the run "
        f"{os.getloadavg()[0]:.1f}, Python {platform.python_version()}. gunicorn "
        f"`config.wsgi` with {args.workers} workers x {args.threads} threads on 127.0.0.1 (config/gunicorn.py), "
        "the default "
        f"configuration (SQLite WAL, JSON request log, Prometheus metrics); {args.customers:,} customers "
        f"assigned to one agent, pages of 50; {args.concurrency} concurrent keep-alive connections "
        f"from an asyncio load generator on the same machine. After a warm-up, {args.rounds} rounds "
        f"of {args.requests:,} requests per scenario, the scenarios taking turns within each round "
        "so that slower spells of the shared machine fall on all of them; each figure is the "
        "median round's, and the last column lists every round's p95. The minimal view is a plain Django view returning a small JSON body "
        "through the same middleware, served from a bench-only URL module.",
        "",
        "| scenario | requests | errors | p50 ms | p95 ms | p99 ms | req/s | vs minimal | "
        "server CPU ms/request | server cores busy | p95 by round |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, row in results.items():
        ratio = row["rps"] / baseline if baseline else 0.0
        lines.append(f"| {name} | {row['requests']} | {row['errors']} | {row['p50_ms']} | "
                     f"{row['p95_ms']} | {row['p99_ms']} | {row['rps']} | {ratio:.0%} | "
                     f"{row['server_cpu_ms']} | {row['server_cores_busy']} | "
                     f"{' / '.join(str(p95) for p95 in row['p95_by_round'])} |")  # fmt: skip
    lists = [row for name, row in results.items() if name.startswith("customers")]
    worst_ratio = min(row["rps"] for row in lists) / baseline
    worst_p95 = max(row["p95_ms"] for row in lists)
    met = worst_ratio >= TARGET_RATIO and worst_p95 <= TARGET_P95_MS
    lines += [
        "",
        f"Targets: list throughput ≥ {TARGET_RATIO:.0%} of the minimal view's and p95 ≤ "
        f"{TARGET_P95_MS:.0f} ms. Lowest ratio {worst_ratio:.0%}, highest p95 {worst_p95} ms: "
        f"{'met' if met else 'NOT met'}.",
        "",
        f"Queries per list request, whatever the page size: {profile['queries']} (user with "
        "role, count, page).",
        "",
        "CPU per request in one process, without the HTTP server (Django test client, "
        f"`time.process_time`, 200 requests): minimal view {profile['cpu_minimal']} ms; "
        f"customers list (agent, page 1) {profile['cpu_list']} ms.",
        "",
        "Inside Django (the JSON request log's `duration_ms`, middleware included) a list "
        f"request took p50 {inside['p50_ms']} ms and p95 {inside['p95_ms']} ms under this load; "
        "the rest of the callers' latency is waiting for a turn: 32 callers share two worker "
        "processes of four threads on two cores, with the load generator.",
    ]
    return "\n".join(lines)


QUERY_SCRIPT = """
import json
import time
from django.db import connection
from django.test import Client
from django.contrib.auth import get_user_model
from rest_framework_simplejwt.tokens import RefreshToken
user = get_user_model().objects.get(username="bench_agent")
client = Client(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")


def queries(path):
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    # An execute wrapper sees every query, whatever DEBUG is.
    with connection.execute_wrapper(count):
        assert client.get(path, HTTP_HOST="127.0.0.1").status_code == 200
    return len(executed)


def cpu_ms(path):
    for _ in range(20):
        client.get(path, HTTP_HOST="127.0.0.1")
    started = time.process_time()
    for _ in range(200):
        client.get(path, HTTP_HOST="127.0.0.1")
    return round((time.process_time() - started) / 200 * 1000, 2)


result = {"queries": queries("/api/v1/customers/?page=3"),
          "cpu_minimal": cpu_ms("/bench/minimal/"), "cpu_list": cpu_ms("/api/v1/customers/")}
print(json.dumps(result))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=2000, help="per scenario and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="ledgerlens-bench-customers-"))
    env = _environment(folder)
    tokens = _prepare(env, args.customers)
    profile = json.loads(manage(env, "shell", "-c", QUERY_SCRIPT).strip().splitlines()[-1])
    server = start_gunicorn(
        env,
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        ready_path="/bench/minimal/",
        log=Path(env["LOG_DIR"]).parent / "gunicorn.err",
    )
    try:
        results = _measure(args.port, tokens, args, server)
    finally:
        server.terminate()
        server.wait(timeout=30)
    inside = _inside_django(Path(env["LOG_DIR"]) / "ledgerlens.log", "/api/v1/customers/")
    section = _section(results, args, profile, inside)
    print(section)
    if not args.no_record:
        write_section("customers_list", section, args.doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
