"""User load: locust (bench/locustfile.py, an agent's day) against gunicorn + a worker cluster
on PostgreSQL + Redis, in steps of users; per endpoint p50/p95/p99, req/s, error rate, the
server's CPU per request, and the knee (the users at which p95 crosses 200 ms).

usage: python bench/load.py [--steps 10,25,50,100] [--step-s 60] [--agents N] [--no-record]

The stack is bench/stack.py's: PostgreSQL from scripts/postgres.sh on a port of its own,
a throwaway redis-server (cache, rate-limit counters, broker: REDIS_URL), gunicorn as
config/gunicorn.py serves (WEB_CONCURRENCY 2 x WEB_THREADS 4) and one `manage.py qcluster`.
Set-up: one agent account per simulated user of the largest step (--agents), each with a
customer, 6 processed invoices and a client address of its own (X-Forwarded-For through one
trusted proxy hop, TRUSTED_PROXY_COUNT=1, as behind nginx), one HMAC client, 400 distinct
statements for the uploads. Each step is a fresh headless locust run, one after the
other. Before it, every agent of the step logs in through the API, one after the other, and
those logins are timed apart (PBKDF2, ~0.3 s of CPU each: a hundred at once would be the ramp,
not the day); users then start signed in, 10 a second, and the stats are reset once all are
up, so a step's figures are its steady state. The
server's CPU is gunicorn's master and workers (user + system, /proc) over the step, divided by
the requests it answered. Locust runs on the same machine and takes CPU from the server it
measures; on a shared 2-core host every figure here is a floor, so the load average is
recorded with each step. Writes the "Load (locust)" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import base64
import csv
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from record import write_section  # bench/record.py: the one section writer
from serving import ROOT, server_cpu_seconds, start_gunicorn
from stack import (
    PG_PORT,
    REDIS_PORT,
    cluster_running,
    installation_env,
    load_average,
    manage,
    postgres_start,
    postgres_stop,
    prepare,
    redis_start,
    start_cluster,
    stop_group,
    wait_for,
)

sys.path.insert(0, str(ROOT))
HTTP_PORT = int(os.environ.get("BENCH_LOAD_PORT", "8792"))
KNEE_MS = 200.0
# Users start at this rate, and the stats are reset once all are up (--reset-stats): the step's
# figures are its steady state, not the logins of the ramp (PBKDF2, ~0.3 s of CPU each).
SPAWN_PER_S = 10

SETUP_SCRIPT = """
import json, sys
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from customers.models import Customer
from invoices.services import invoice_upload
from ocrengine.models import ApiClient
from tests.invoices import documents
agents, count = [], %(agents)d
group = Group.objects.get(name="agent")
for n in range(count):
    user, _ = get_user_model().objects.get_or_create(username=f"load_agent_{n}")
    user.set_password(f"load-pass-{n}")
    user.save()
    user.groups.add(group)
    customer = Customer.objects.create(name=f"Load Customer {n}", email=f"load{n}@example.test",
                                       id_number=f"1101051949123{n:05d}", assigned_agent=user)
    invoices = []
    for k in range(6):
        lines = tuple(l.replace("INV-2024-0042", f"LOAD-{n}-{k}") for l in documents.INVOICE_LINES)
        data = documents.invoice_pdf(lines)
        invoice = invoice_upload(file=SimpleUploadedFile(f"load-{n}-{k}.pdf", data),
                                 uploaded_by=user, customer=customer)
        invoices.append(invoice.pk)
    agents.append({"username": user.username, "password": f"load-pass-{n}",
                   "customer": customer.pk, "invoices": invoices,
                   "ip": f"10.0.{n // 250}.{n %% 250 + 1}"})
client = ApiClient.objects.create(name="load", key_id="load-key", secret="load-secret-0123456789",
                                  scopes=["analyze"], user=get_user_model().objects.get(username="load_agent_0"))
print(json.dumps({"agents": agents, "hmac_client": {"key_id": "load-key", "secret": "load-secret-0123456789"}}))
"""


def _statements(count: int) -> list[str]:
    from tests.billing.statement_factory import FakeCard, FakeStatement, FakeTxn, maybank_pdf

    made = []
    for index in range(count):
        rows = [
            FakeTxn(date(2026, 11, 5), date(2026, 11, 4), "PAYMENT - THANK YOU", Decimal("634.40"), "credit"),
            FakeTxn(date(2026, 11, 7), date(2026, 11, 7), f"LOAD MART {index}", Decimal(f"{index % 900 + 10}.61")),
        ]  # fmt: skip
        statement = FakeStatement(
            date(2026, 11, 18), [FakeCard(f"{index % 10000:04d}", Decimal("1000.00"), rows)]
        )
        made.append(base64.b64encode(maybank_pdf(statement)).decode())
    return made


def _percentile_rows(stats_csv: Path) -> list[dict]:
    with stats_csv.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _sign_in(agents: list[dict]) -> tuple[list[dict], list[float]]:
    """Each agent logged in through the API one after the other, as at the start of a shift:
    (the agents with their tokens, each login's seconds)."""
    signed, seconds = [], []
    connection = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=60)
    for agent in agents:
        body = json.dumps({"username": agent["username"], "password": agent["password"]})
        started = time.perf_counter()
        connection.request("POST", "/api/v1/auth/login/", body=body, headers={
            "Content-Type": "application/json", "X-Forwarded-For": agent["ip"]})  # fmt: skip
        response = connection.getresponse()
        payload = response.read()
        seconds.append(time.perf_counter() - started)
        if response.status != 200:
            raise SystemExit(
                f"login of {agent['username']} answered {response.status}: {payload!r}"
            )
        tokens = json.loads(payload)
        signed.append({**agent, "access": tokens["access"], "refresh": tokens["refresh"]})
    connection.close()
    return signed, seconds


def _step(
    users: int, seconds: int, folder: Path, fixture_data: dict, server: subprocess.Popen
) -> dict:
    prefix = folder / f"step-{users}"
    agents, login_s = _sign_in(fixture_data["agents"][:users])
    fixture = folder / f"fixture-{users}.json"
    fixture.write_text(json.dumps({**fixture_data, "agents": agents}), encoding="utf-8")
    load_before = load_average()
    cpu_before = server_cpu_seconds(server)
    command = [
        str(ROOT / ".venv" / "bin" / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"),
        "--headless", "--users", str(users), "--spawn-rate", str(min(users, SPAWN_PER_S)),
        "--reset-stats", "--run-time", f"{seconds}s",
        "--host", f"http://127.0.0.1:{HTTP_PORT}", "--csv", str(prefix), "--only-summary",
        "--loglevel", "WARNING", "--stop-timeout", "10",
    ]  # fmt: skip
    with (folder / f"locust-{users}.log").open("wb") as errors:
        subprocess.run(command, cwd=ROOT, env={**os.environ, "LOAD_FIXTURE": str(fixture)},
                       stdout=subprocess.DEVNULL, stderr=errors, check=False)  # fmt: skip
    cpu = server_cpu_seconds(server) - cpu_before
    rows = _percentile_rows(Path(f"{prefix}_stats.csv"))
    endpoints, total = {}, None
    for row in rows:
        entry = {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "p50": float(row["50%"] or 0), "p95": float(row["95%"] or 0), "p99": float(row["99%"] or 0),
            "rps": round(float(row["Requests/s"] or 0), 1),
        }  # fmt: skip
        if row["Name"] == "Aggregated":
            total = entry
        else:
            endpoints[
                f"{row['Type']} {row['Name']}".replace("POST POST", "POST").replace(
                    "PATCH PATCH", "PATCH"
                )
            ] = entry
    total = total or {"requests": 0, "failures": 0, "p50": 0, "p95": 0, "p99": 0, "rps": 0}
    return {
        "users": users,
        "seconds": seconds,
        "endpoints": endpoints,
        "total": total,
        "error_rate": round(total["failures"] / total["requests"], 4)
        if total["requests"]
        else None,
        "cpu_ms_per_request": round(cpu / total["requests"] * 1000, 1)
        if total["requests"]
        else None,
        "server_cores_busy": round(cpu / seconds, 2),
        "load_before": load_before,
        "load_after": load_average(),
        "logins": {
            "count": len(login_s),
            "median_ms": round(statistics.median(login_s) * 1000),
            "max_ms": round(max(login_s) * 1000),
        },
    }


def knee(steps: list[dict]) -> str:
    """The users at which the aggregated p95 crosses KNEE_MS, interpolated between steps."""
    previous = None
    for step in steps:
        p95 = step["total"]["p95"]
        if p95 > KNEE_MS:
            if previous is None:
                return f"already above {KNEE_MS:.0f} ms at {step['users']} users (p95 {p95:.0f} ms)"
            u0, p0 = previous["users"], previous["total"]["p95"]
            u1 = step["users"]
            at = u0 + (KNEE_MS - p0) * (u1 - u0) / (p95 - p0)
            return (f"about {at:.0f} users: p95 {p0:.0f} ms at {u0}, {p95:.0f} ms at {u1}; linear "
                    f"between them, {u0} + ({KNEE_MS:.0f} - {p0:.0f}) x ({u1} - {u0}) / ({p95:.0f} - {p0:.0f}) = {at:.0f}")  # fmt: skip
        previous = step
    last = steps[-1]
    return (
        f"not reached: p95 {last['total']['p95']:.0f} ms at {last['users']} users, the largest step"
    )


MEAN_THINK_S = 1.25  # locustfile.Agent.wait_time: between(0.5, 2.0)
TARGET_RPS = 100


def _ceiling(step: dict) -> str:
    """What the largest step could reach at most: the users' own pace, and the server CPU that
    TARGET_RPS would take at the CPU per request measured."""
    users, cpu_ms = step["users"], step["cpu_ms_per_request"] or 0.0
    offered = users / (MEAN_THINK_S + step["total"]["p50"] / 1000)
    cores = TARGET_RPS * cpu_ms / 1000
    return (
        f"Ceilings at {users} users: with a mean think time of {MEAN_THINK_S} s, {users} agents "
        f"send at most {users} / {MEAN_THINK_S} = {users / MEAN_THINK_S:.0f} req/s even if every "
        f"answer were instant ({offered:.0f} at the p50 measured); and {TARGET_RPS} req/s at the "
        f"{cpu_ms} ms of gunicorn CPU measured per request is {cores:.1f} cores for gunicorn "
        f"alone, of the {os.cpu_count()} this host shares with locust, the worker, PostgreSQL "
        "and Redis. The latency above the knee is queueing for those cores."
    )


def _section(steps: list[dict], args) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "## Load (locust)",
        "",
        f"`make bench-load` (bench/load.py, bench/locustfile.py), {stamp}: an agent's day "
        "(token refresh, the review queue, invoice list and detail, page images, "
        "corrections, statement uploads, the dashboard, analyse via JWT and via HMAC; think "
        f"time 0.5-2 s) against gunicorn (2 workers x 4 threads) and one worker cluster on "
        f"PostgreSQL + Redis, {args.step_s} s per step, {args.agents} agent accounts, each from an address of its own. Host: "
        f"{os.cpu_count()} cores ({platform.machine()}), which locust, the worker, PostgreSQL "
        "and Redis share with gunicorn: these numbers are a floor, not the capacity of a "
        "server of its own. Latencies in ms (locust's, client side).",
        "",
        "| users | requests | req/s | errors | p50 | p95 | p99 | server CPU ms/request | "
        "server cores busy | load avg before | load avg after |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in steps:
        t = s["total"]
        errors = "-" if s["error_rate"] is None else f"{s['error_rate'] * 100:.2f}%"
        lines.append(
            f"| {s['users']} | {t['requests']} | {t['rps']} | {errors} | "
            f"{t['p50']:.0f} | {t['p95']:.0f} | {t['p99']:.0f} | {s['cpu_ms_per_request']} | "
            f"{s['server_cores_busy']} | {s['load_before']} | {s['load_after']} |"
        )  # fmt: skip
    lines += ["", f"Knee (aggregated p95 crosses {KNEE_MS:.0f} ms): {knee(steps)}.", ""]
    lines += [_ceiling(steps[-1]), ""]
    logins = [s["logins"] for s in steps]
    lines += [
        "Logins are timed apart: before each step every agent of it logs in through the API, one "
        "after the other on the idle server (PBKDF2 with Django's default iterations is the "
        "cost, on purpose): "
        + "; ".join(
            f"{s['users']} users: median {x['median_ms']} ms, max {x['max_ms']} ms"
            for s, x in zip(steps, logins, strict=True)
        )
        + ". In the step the agents start signed in, as a workbench session outlives a minute.",
        "",
    ]
    for s in steps:
        lines += [
            f"**{s['users']} users, per endpoint**",
            "",
            "| endpoint | requests | failures | p50 | p95 | p99 | req/s |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, e in sorted(s["endpoints"].items()):
            lines.append(f"| `{name}` | {e['requests']} | {e['failures']} | {e['p50']:.0f} | "
                         f"{e['p95']:.0f} | {e['p99']:.0f} | {e['rps']} |")  # fmt: skip
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="10,25,50,100")
    parser.add_argument("--step-s", type=int, default=60)
    parser.add_argument("--agents", type=int, help="agent accounts (default: the largest step)")
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--not-before", help="HH:MM UTC: set up now, start the first step then")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "load.json")
    args = parser.parse_args(argv)
    args.agents = args.agents or max(int(u) for u in args.steps.split(","))
    folder = Path(tempfile.mkdtemp(prefix="ledgerlens-load-"))
    redis = redis_start(folder / "redis")
    env = installation_env(folder, postgres_start(), f"redis://127.0.0.1:{REDIS_PORT}/0",
                           LOG_LEVEL="WARNING", ANALYZE_RATE_LIMIT="100000000/min",
                           TRUSTED_PROXY_COUNT="1")  # fmt: skip
    cluster = server = None
    try:
        prepare(env)
        log = folder / "cluster.log"
        cluster = start_cluster(env, log, LOG_LEVEL="INFO")
        wait_for(lambda: cluster_running(log), what="the worker cluster running")
        fixture_data = json.loads(
            manage(env, "shell", "-c", SETUP_SCRIPT % {"agents": args.agents})
            .strip()
            .splitlines()[-1]
        )
        fixture_data["statements"] = _statements(400)
        server = start_gunicorn(env, port=HTTP_PORT, workers=2, threads=4,
                                ready_path="/api/v1/health/live/", log=folder / "gunicorn.log")  # fmt: skip
        if args.not_before:  # a shared machine: the load itself waits for a quiet hour
            hour, minute = map(int, args.not_before.split(":"))
            now = time.gmtime()
            wait_s = (hour * 60 + minute) * 60 - (now.tm_hour * 3600 + now.tm_min * 60 + now.tm_sec)
            time.sleep(max(0, wait_s))
        steps = []
        for users in (int(u) for u in args.steps.split(",")):
            step = _step(users, args.step_s, folder, fixture_data, server)
            print(json.dumps({k: v for k, v in step.items() if k != "endpoints"}), flush=True)
            steps.append(step)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
        if cluster is not None:
            stop_group(cluster)
        stop_group(redis)
        postgres_stop(PG_PORT)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(steps, indent=2), encoding="utf-8")
    if not args.no_record:
        write_section("load", _section(steps, args))
        print("wrote the load section of docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
