"""Faults, each scripted against the real stack, its outcome recorded.

usage: python bench/faults.py [--scenario NAME ...] [--no-record]

The stack (bench/stack.py): PostgreSQL from scripts/postgres.sh (port BENCH_PGPORT), Redis (a
throwaway redis-server: cache, rate-limit store and broker, REDIS_URL), gunicorn as `make run`
serves (config/gunicorn.py) and one `manage.py qcluster`. A probe thread sends GET
/api/v1/invoices/ as an agent (JWT) every 20 ms throughout and records each answer. Scenarios:

- kill9: 30 documents queued, the worker cluster's process group SIGKILLed while jobs run, a
  new cluster started; the sweeper (`manage.py sweep_jobs`, as scheduled) takes the stale jobs
  over (the Redis broker does not redeliver). Every document once, nothing left running.
- postgres: PostgreSQL stopped (`pg_ctl -m fast`) under the probe's load for 5 s, then started;
  answers during the outage (503 `database_unavailable` in the error shape expected), and the
  time from the server being back to the first 200, without restarting gunicorn.
- redis: redis-server killed for 5 s under load, an upload sent meanwhile, Redis started again
  (empty: a cache, not a store); answers during the outage, whether the upload's job ran once
  Redis was back (the sweeper enqueues a job whose task was lost, JOB_QUEUED_STALE_S).
- disk: the media folder on a 1 MiB tmpfs (root), filled but for a few KiB; an upload is
  answered 507 `insufficient_storage`; what the volume holds after it; the same file uploaded
  again once there is room.
- sigterm: 8 uploads in flight when gunicorn's master gets SIGTERM: each answered (graceful
  timeout, 30 s), and how long the master took to exit.

Writes the "Faults (kill -9, PostgreSQL restart, Redis down, disk full)" section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from record import write_section  # bench/record.py: the one section writer
from serving import ROOT, start_gunicorn
from stack import (
    PG_PORT,
    REDIS_PORT,
    cluster_running,
    installation_env,
    load_average,
    manage,
    postgres_restart_server,
    postgres_start,
    postgres_stop,
    prepare,
    redis_start,
    start_cluster,
    stop_group,
    wait_for,
)

sys.path.insert(0, str(ROOT))
HTTP_PORT = int(os.environ.get("BENCH_FAULTS_PORT", "8791"))
SCENARIOS = ("kill9", "postgres", "redis", "disk", "sigterm")

TOKEN_SCRIPT = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework_simplejwt.tokens import RefreshToken
user, _ = get_user_model().objects.get_or_create(username="faults")
user.groups.add(Group.objects.get(name="agent"))
print(RefreshToken.for_user(user).access_token)
"""


# --- HTTP -----------------------------------------------------------------------------------------


def call(method: str, path: str, token: str, body: bytes = b"", headers: dict | None = None,
         timeout: float = 60) -> tuple[int, dict]:  # fmt: skip
    """(status, JSON body or {}); status 0 when the connection failed."""
    connection = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=timeout)
    try:
        connection.request(method, path, body=body or None,
                           headers={"Authorization": f"Bearer {token}", **(headers or {})})  # fmt: skip
        response = connection.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw) if raw else {}
        except ValueError:
            return response.status, {"_raw": raw[:200].decode(errors="replace")}
    except (OSError, http.client.HTTPException):
        return 0, {}
    finally:
        connection.close()


def multipart(name: str, data: bytes, field: str = "files") -> tuple[bytes, dict]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def upload(token: str, name: str, data: bytes) -> tuple[int, dict]:
    body, headers = multipart(name, data)
    return call("POST", "/api/v1/invoices/", token, body, headers)


def in_error_shape(body: dict) -> bool:
    error = body.get("error")
    return (
        isinstance(error, dict)
        and {"code", "message", "details"} <= set(error)
        and "request_id" in body
    )


class Probe(threading.Thread):
    """GET /api/v1/invoices/ every 20 ms; each answer with its time (monotonic)."""

    def __init__(self, token: str) -> None:
        super().__init__(daemon=True)
        self.token, self.answers, self.stopping = token, [], threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            status, body = call("GET", "/api/v1/invoices/?page_size=5", self.token, timeout=30)
            code = (body.get("error") or {}).get("code", "") if status >= 400 else ""
            self.answers.append(
                (time.monotonic(), status, code, status < 400 or in_error_shape(body))
            )
            time.sleep(0.02)

    def between(self, start: float, end: float) -> list[tuple]:
        return [a for a in self.answers if start <= a[0] < end]

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=60)


def summary(answers: list[tuple]) -> str:
    counts = Counter(f"{status} {code}".strip() if status else "connection failed"
                     for _t, status, code, _shape in answers)  # fmt: skip
    return ", ".join(f"{n}x {what}" for what, n in counts.most_common()) or "none"


def first_ok_after(answers: list[tuple], moment: float) -> float | None:
    return next(
        (t - moment for t, status, _c, _s in answers if t >= moment and status == 200), None
    )


# --- The stack ------------------------------------------------------------------------------------


class Stack:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.redis = redis_start(folder / "redis")
        self.env = installation_env(
            folder, postgres_start(), f"redis://127.0.0.1:{REDIS_PORT}/0", LOG_LEVEL="WARNING",
            Q_TIMEOUT_S="60", Q_RETRY_S="75", JOB_STALE_MARGIN_S="2", JOB_QUEUED_STALE_S="10",
        )  # fmt: skip
        prepare(self.env)
        self.token = manage(self.env, "shell", "-c", TOKEN_SCRIPT).strip().splitlines()[-1]
        self.gunicorn = self.start_gunicorn()
        self.cluster = self.start_cluster("first")

    def start_gunicorn(self) -> subprocess.Popen:
        return start_gunicorn(self.env, port=HTTP_PORT, workers=2, threads=4,
                              ready_path="/api/v1/health/live/", log=self.folder / "gunicorn.log")  # fmt: skip

    def start_cluster(self, name: str) -> subprocess.Popen:
        log = self.folder / f"cluster-{name}.log"
        cluster = start_cluster(self.env, log, LOG_LEVEL="INFO")
        wait_for(lambda: cluster_running(log), what=f"cluster {name} running")
        return cluster

    def sweep(self) -> str:
        return manage(self.env, "sweep_jobs", check=False).strip()

    def jobs(self) -> dict:
        script = ("import json; from jobs.models import ProcessingJob as J; from invoices.models import Invoice as I; "
                  "print(json.dumps({'jobs': dict(__import__('collections').Counter(J.objects.values_list('status', flat=True))), "
                  "'attempts': dict(__import__('collections').Counter(J.objects.values_list('attempts', flat=True))), "
                  "'invoices': I.objects.count(), 'distinct_numbers': I.objects.values('invoice_number').distinct().count()}))")  # fmt: skip
        return json.loads(manage(self.env, "shell", "-c", script).strip().splitlines()[-1])

    def close(self) -> None:
        stop_group(self.cluster, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self.gunicorn.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.gunicorn.wait(timeout=40)
        stop_group(self.redis)
        postgres_stop(PG_PORT)


def _documents(first: int, count: int):
    from tests.jobs.batch_documents import mixed_batch

    return [d for d in mixed_batch(count * 2, first=first) if d.kind == "invoice"][:count]


# --- Scenarios ------------------------------------------------------------------------------------


def _scans(first: int, count: int) -> list[tuple[str, bytes]]:
    """Image-only PDFs of two pages (scans, no text layer): real OCR, seconds per document."""
    import io

    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from tests.invoices import documents

    scans = []
    for index in range(first, first + count):
        lines = tuple(
            line.replace("INV-2024-0042", f"SCAN-{index}") for line in documents.INVOICE_LINES
        )
        picture = Image.open(io.BytesIO(documents.invoice_png(lines)))
        buffer = io.BytesIO()
        pdf = canvas.Canvas(buffer, pagesize=A4)
        for _page in range(2):
            pdf.drawImage(
                ImageReader(picture),
                30,
                300,
                width=A4[0] - 60,
                height=(A4[0] - 60) * picture.height / picture.width,
            )
            pdf.showPage()
        pdf.save()
        scans.append((f"scan-{index}.pdf", buffer.getvalue()))
    return scans


def _job_states() -> dict[str, int]:
    """Job counts by status, read with psql: cheaper than a Django process per poll."""
    done = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "-d", "ledgerlens", "-tAc",
         "SELECT status, count(*) FROM ocrengine_processingjob GROUP BY status"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return {
        line.split("|")[0]: int(line.split("|")[1]) for line in done.stdout.split() if "|" in line
    }


def scenario_kill9(stack: Stack, probe: Probe) -> dict:
    scans = _scans(1000, 12)
    before_jobs = sum(_job_states().values())
    stop_group(stack.cluster, signal.SIGKILL)  # queue the batch first, so the kill finds work
    for name, data in scans:
        status, _body = upload(stack.token, name, data)
        assert status == 202, status
    stack.cluster = stack.start_cluster("kill9-a")
    wait_for(lambda: _job_states().get("running", 0) >= 1 and _job_states().get("succeeded", 0) >= before_jobs + 2,
             what="jobs running, some done", timeout_s=600)  # fmt: skip
    stop_group(stack.cluster, signal.SIGKILL)
    killed_at = time.monotonic()
    state_when_killed = _job_states()
    stack.cluster = stack.start_cluster("kill9-b")
    sweeps = []

    def all_done() -> bool:
        state = _job_states()
        if state.get("running") or state.get("queued"):
            sweeps.append(stack.sweep())  # the scheduled sweeper's work, run now
            return False
        return True

    wait_for(all_done, what="every job ended", timeout_s=900)
    after = stack.jobs()
    return {
        "documents": f"{len(scans)} two-page scans (OCR)",
        "jobs_when_killed": state_when_killed,
        "seconds_from_kill_to_all_done": round(time.monotonic() - killed_at, 1),
        "jobs_after": after["jobs"],
        "attempts_after": after["attempts"],
        "invoices": after["invoices"],
        "distinct_invoice_numbers": after["distinct_numbers"],
        "sweeps_that_took_over": sum("0 requeued" not in s for s in sweeps),
    }


def scenario_postgres(stack: Stack, probe: Probe) -> dict:
    time.sleep(3)
    down_at = time.monotonic()
    postgres_stop(PG_PORT, "fast")
    time.sleep(5)
    up_at = time.monotonic()
    postgres_restart_server(PG_PORT)
    back_at = time.monotonic()
    wait_for(
        lambda: first_ok_after(probe.answers, back_at) is not None,
        what="a 200 after PostgreSQL returned",
    )
    time.sleep(3)
    outage = probe.between(down_at, up_at)
    return {
        "outage_s": round(up_at - down_at, 1),
        "answers_during_outage": summary(outage),
        "all_in_error_shape": all(shape for *_rest, shape in outage),
        "seconds_to_first_200_after_restart": round(first_ok_after(probe.answers, back_at), 2),
        "answers_after": summary(probe.between(back_at, time.monotonic())),
        "gunicorn_restarted": False,
    }


def scenario_redis(stack: Stack, probe: Probe) -> dict:
    time.sleep(2)
    down_at = time.monotonic()
    stop_group(stack.redis, signal.SIGKILL)
    time.sleep(1)
    document = _documents(2000, 1)[0]
    upload_status, upload_body = upload(stack.token, document.name, document.data)
    time.sleep(4)
    up_at = time.monotonic()
    stack.redis = redis_start(stack.folder / "redis")
    wait_for(
        lambda: first_ok_after(probe.answers, up_at) is not None, what="a 200 after Redis returned"
    )
    back_s = first_ok_after(probe.answers, up_at)

    def processed() -> bool:
        state = stack.jobs()
        if state["jobs"].get("queued") or state["jobs"].get("running"):
            stack.sweep()
            return False
        return True

    wait_for(processed, what="the upload's job ended", timeout_s=300)
    outage = probe.between(down_at, up_at)
    return {
        "outage_s": round(up_at - down_at, 1),
        "answers_during_outage": summary(outage),
        "all_in_error_shape": all(shape for *_rest, shape in outage),
        "upload_during_outage": f"{upload_status} {(upload_body.get('error') or {}).get('code', '')}".strip(),
        "seconds_to_first_200_after_restart": round(back_s, 2),
        "jobs_after": stack.jobs()["jobs"],
    }


def scenario_disk(stack: Stack, probe: Probe) -> dict:
    media = Path(stack.env["MEDIA_ROOT"])
    media.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(media)],
                             capture_output=True, text=True)  # fmt: skip
    if mounted.returncode:
        return {"skipped": f"cannot mount a tmpfs: {mounted.stderr.strip()}"}
    try:
        filler = media / "filler"
        with contextlib.suppress(OSError), filler.open("wb") as handle:
            while True:
                handle.write(b"\0" * 4096)
                handle.flush()
        filler.write_bytes(filler.read_bytes()[: -8 * 4096])  # leave ~32 KiB
        from tests.invoices import documents

        # Larger than the ~32 KiB left, within OCR_MAX_PAGES (50): its job can then succeed.
        big = documents.invoice_pdf(pages=50)
        status, body = upload(stack.token, "big.pdf", big)
        left = sorted(
            str(p.relative_to(media)) for p in media.rglob("*") if p.is_file() and p != filler
        )
        sizes = {name: (media / name).stat().st_size for name in left}
        filler.unlink()
        again_status, again_body = upload(stack.token, "big.pdf", big)
        job_url = (again_body.get("results") or [{}])[0].get("status_url", "")
        job = {}
        if job_url:
            wait_for(lambda: call("GET", job_url, stack.token)[1].get("status") in ("succeeded", "failed"),
                     what="the second upload's job ended", timeout_s=300)  # fmt: skip
            job = call("GET", job_url, stack.token)[1]
        return {
            "upload_size": len(big),
            "answer_when_full": f"{status} {(body.get('error') or {}).get('code', '')}",
            "in_error_shape": in_error_shape(body),
            "left_on_the_volume": {
                name: f"{size} of {len(big)} bytes" for name, size in sizes.items()
            },
            "same_file_again_with_room": f"{again_status}",
            "its_job": f"{job.get('status')} {job.get('error_code', '')}".strip(),
        }
    finally:
        subprocess.run(["umount", "-l", str(media)], capture_output=True)


def scenario_sigterm(stack: Stack, probe: Probe) -> dict:
    from tests.invoices import documents

    results: list[tuple[int, float]] = []
    sent = threading.Barrier(9)

    def one(index: int) -> None:
        lines = tuple(
            line.replace("INV-2024-0042", f"SIGTERM-{index}") for line in documents.INVOICE_LINES
        )
        data = documents.invoice_pdf(lines, pages=40)
        body, headers = multipart(f"term-{index}.pdf", data)
        connection = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=120)
        connection.connect()
        sent.wait()
        started = time.monotonic()
        try:
            connection.request("POST", "/api/v1/invoices/", body=body,
                               headers={"Authorization": f"Bearer {stack.token}", **headers})  # fmt: skip
            response = connection.getresponse()
            response.read()
            results.append((response.status, time.monotonic() - started))
        except (OSError, http.client.HTTPException):
            results.append((0, time.monotonic() - started))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    sent.wait()
    time.sleep(0.05)  # the requests are on the wire
    term_at = time.monotonic()
    stack.gunicorn.send_signal(signal.SIGTERM)
    for thread in threads:
        thread.join(timeout=120)
    stack.gunicorn.wait(timeout=60)
    exited_s = time.monotonic() - term_at
    stack.gunicorn = stack.start_gunicorn()
    return {
        "in_flight": len(threads),
        "answers": dict(Counter(status or "connection failed" for status, _s in results)),
        "slowest_s": round(max(s for _st, s in results), 2),
        "master_exit_s": round(exited_s, 2),
    }


RUNNERS = {"kill9": scenario_kill9, "postgres": scenario_postgres, "redis": scenario_redis,
           "disk": scenario_disk, "sigterm": scenario_sigterm}  # fmt: skip


def _section(results: dict) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "## Faults (kill -9, PostgreSQL restart, Redis down, disk full)",
        "",
        f"`make bench-faults` (bench/faults.py), {stamp}, on {os.cpu_count()} shared cores "
        f"({platform.machine()}), load average {load_average()}: PostgreSQL, Redis (cache, "
        "rate limits, broker), gunicorn (2 workers x 4 threads) and one worker cluster on "
        "loopback; a probe sends GET /api/v1/invoices/ every 20 ms throughout. What each "
        "scenario measured:",
        "",
        "| scenario | outcome |",
        "|---|---|",
    ]
    for name, outcome in results.items():
        cells = "; ".join(f"{key}: {value}" for key, value in outcome.items())
        lines.append(f"| {name} | {cells.replace('|', '/')} |")
    lines += [
        "",
        "What a healthy run shows: kill9, the jobs running at the SIGKILL stay `running` "
        "until stale (Q_TIMEOUT_S 60 + JOB_STALE_MARGIN_S 2 here), then the sweeper takes them "
        "over (the Redis broker does not redeliver): every job succeeded, attempts 2 only for "
        "those, as many distinct invoice numbers as documents; postgres, only 503 "
        "`database_unavailable` in the error shape during the outage and a 200 within a second "
        "of the restart, gunicorn untouched; redis, an upload during the outage refused 503 "
        "`service_unavailable`, its stored job run once the sweeper enqueues it again "
        "(JOB_QUEUED_STALE_S 10 here), so jobs_after all succeeded; disk, 507 "
        "`insufficient_storage` in the error shape and nothing left on the volume (a failed "
        "write removes what it left, invoices/services/storage.py), the same file sent again "
        "with room accepted and its job succeeded; sigterm, every request in flight answered.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", choices=SCENARIOS)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "faults.json")
    parser.add_argument("--from-json", type=Path, help="record a saved run's outcomes again")
    args = parser.parse_args(argv)
    if args.from_json:
        write_section("faults", _section(json.loads(args.from_json.read_text(encoding="utf-8"))))
        return 0
    folder = Path(tempfile.mkdtemp(prefix="ledgerlens-faults-"))
    stack = Stack(folder)
    probe = Probe(stack.token)
    probe.start()
    results = {}
    try:
        for name in args.scenario or SCENARIOS:
            print(f"scenario {name} ...", flush=True)
            try:
                results[name] = RUNNERS[name](stack, probe)
            except (Exception, SystemExit) as error:  # one scenario failing still records the rest
                results[name] = {"error": f"{type(error).__name__}: {error}"}
            print(name, json.dumps(results[name]), flush=True)
    finally:
        probe.stop()
        stack.close()
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    if not args.no_record:
        write_section("faults", _section(results))
        print("wrote the faults section of docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
