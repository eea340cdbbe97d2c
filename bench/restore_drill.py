"""The restore drill: a backup taken while the app writes, the data destroyed, the restore timed.

usage: python bench/restore_drill.py [--database sqlite|postgres|both] [--preload N ...]
                                     [--rate R] [--after S] [--no-record]

For each database (SQLite in a file; PostgreSQL from `scripts/postgres.sh`, on a port of its
own, as `make test-postgres` starts it):

1. a throwaway installation is migrated and preloaded (N customers, N/100 invoices with their
   stored files), and gunicorn serves it;
2. a writer process creates customers (every fifth with an invoice and its stored file)
   through the ORM at R rows a second, logging each row's commit time;
3. `manage.py backup` runs while the writer writes; the writer goes on for S seconds more;
4. disaster: gunicorn is stopped, the database (the SQLite file and its -wal/-shm; the
   PostgreSQL database, dropped and created empty) and the media folder are destroyed;
5. `manage.py restore` (which ends with verify_integrity) runs, gunicorn is started again, and
   the clock stops at the first 200 from /api/v1/health/ready/.

RPO is the time between the last row the restored database has and the last row written
before the destruction (by the writer's commit times); RTO the time from the start of the
restore to the app answering ready. Writes the "Restore drill" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from record import write_section  # bench/record.py: the one section writer
from serving import PY, ROOT, start_gunicorn

PG_PORT = os.environ.get("DRILL_PGPORT", "54339")  # not the test suite's 54329
PG_DATA = f"/tmp/ledgerlens-pg-drill-{PG_PORT}"
PG_DATABASE = "ledgerlens_drill"
READY = "/api/v1/health/ready/"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--preload", type=int, nargs="+", default=[20_000, 200_000],
                        help="customers before the drill; one drill per size")  # fmt: skip
    parser.add_argument("--rate", type=float, default=20.0, help="rows a second the writer adds")
    parser.add_argument("--after", type=float, default=5.0, help="seconds written after backup")
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--writer", type=Path, help=argparse.SUPPRESS)  # the writer process
    args = parser.parse_args(argv)
    if args.writer:
        return writer(args.writer, args.rate)
    results = []
    for database in ("sqlite", "postgres") if args.database == "both" else (args.database,):
        for preload in args.preload:
            results.append(drill(database, preload, args))
            print(_line(results[-1]), flush=True)
    if not args.no_record:
        write_section("restore_drill", _section(results, args))
    return 0 if all(result["restored_ok"] for result in results) else 1


def drill(database: str, preload: int, args) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"ledgerlens-drill-{database}-"))
    url = f"sqlite:///{folder / 'db.sqlite3'}" if database == "sqlite" else _postgres_start()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(folder / "media"),
        "LOG_DIR": str(folder / "log"),
        "BACKUP_DIR": str(folder / "backups"),
        "LOG_LEVEL": "WARNING",
    }
    try:
        if database == "postgres":
            _postgres_recreate()
        _manage(env, "migrate", "--noinput", "-v", "0")
        _manage(env, "createcachetable")
        _manage(env, "shell", "-v", "0", "-c", PRELOAD.format(count=preload))
        # The schedule's previous backup: the one under test then copies only what changed.
        started = time.monotonic()
        _manage(env, "backup")
        first_backup_s = time.monotonic() - started
        port = 8790 if database == "sqlite" else 8791
        server = start_gunicorn(env, port=port, workers=1, threads=2, ready_path=READY,
                                log=folder / "gunicorn.log")  # fmt: skip
        log = folder / "writes.log"
        writer_process = subprocess.Popen(
            [PY, __file__, "--writer", str(log), "--rate", str(args.rate)], cwd=ROOT, env=env
        )
        _wait_for_rows(log, 50)
        started = time.monotonic()
        backup_out = _manage(env, "backup")
        backup_s = time.monotonic() - started
        time.sleep(args.after)  # the writes the backup will not have
        writer_process.send_signal(signal.SIGTERM)
        writer_process.wait(timeout=60)
        written = _read_log(log)

        server.terminate()  # the disaster: the app is down, its data gone
        server.wait(timeout=30)
        _destroy(database, folder)

        started = time.monotonic()
        restore = subprocess.run([PY, "manage.py", "restore", "--input", env["BACKUP_DIR"]],
                                 cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # fmt: skip
        restore_s = time.monotonic() - started
        server = start_gunicorn(env, port=port, workers=1, threads=2, ready_path=READY,
                                log=folder / "gunicorn-after.log")  # fmt: skip
        ready_status = _wait_ready(port)
        rto_s = time.monotonic() - started
        server.terminate()
        server.wait(timeout=30)
        counts = _manage(env, "shell", "-v", "0", "-c", COUNTS).split()
        last_restored, customers, invoices = (int(value) for value in counts)
        return _result(database, preload, args, written, first_backup_s, last_restored, customers, invoices, folder,
                       backup_s, restore_s, rto_s, restore, ready_status, backup_out)  # fmt: skip
    finally:
        if database == "postgres":
            subprocess.run(["scripts/postgres.sh", "stop"], cwd=ROOT, env=_pg_env(), check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _result(database, preload, args, written, first_backup_s, last_restored, customers, invoices, folder,
            backup_s, restore_s, rto_s, restore, ready_status, backup_out) -> dict:  # fmt: skip
    last_time = written[-1][1]
    # "Backup written to DIR: N file(s), B bytes."
    summary = next(line for line in backup_out.splitlines() if line.startswith("Backup written"))
    restored_time = dict(written).get(last_restored)
    if restore.returncode:
        print(restore.stdout, restore.stderr, file=sys.stderr)
    return {
        "database": database,
        "preload": preload,
        "rate": args.rate,
        "written": len(written),
        "restored_drill_rows": sum(1 for number, _ in written if number <= last_restored),
        "lost_rows": sum(1 for number, _ in written if number > last_restored),
        "rpo_s": round(last_time - restored_time, 2) if restored_time else None,
        "customers": customers,
        "invoices": invoices,
        "first_backup_s": round(first_backup_s, 2),
        "backup_s": round(backup_s, 2),
        "restore_s": round(restore_s, 2),
        "ready_after_restore_s": round(rto_s - restore_s, 2),
        "rto_s": round(rto_s, 2),
        "restored_ok": restore.returncode == 0 and ready_status == 200,
        "verify": "passed" if "verify_integrity passed" in restore.stdout else "failed",
        "backup_mb": round(int(summary.split(", ")[-1].split()[0]) / 1e6, 1),
        "backup_files": int(summary.split(": ")[-1].split()[0]),
    }


# Preload: customers in bulk, and one invoice with its stored file per 100 customers.
PRELOAD = """
import hashlib
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from customers.models import Customer
from invoices.models import Invoice
Customer.objects.bulk_create(
    [Customer(name=f"preloaded {{n}}", email=f"p{{n}}@example.test") for n in range({count})],
    batch_size=1000)
for n in range({count} // 100):
    body = (f"%PDF-1.4 preloaded invoice {{n}} " * 1500).encode()
    sha = hashlib.sha256(body).hexdigest()
    name = default_storage.save(f"invoices/pdf/{{sha}}.pdf", ContentFile(body))
    Invoice.objects.create(file=name, original_name=f"p{{n}}.pdf", sha256=sha,
                           mime="application/pdf", size=len(body))
"""
COUNTS = """
from customers.models import Customer
from invoices.models import Invoice
drill = [int(c.name.split()[1]) for c in Customer.objects.filter(name__startswith="drill ")]
print(max(drill, default=-1), Customer.objects.count(), Invoice.objects.count())
"""


def writer(log: Path, rate: float) -> int:
    """The writer process: a customer per tick (every fifth with an invoice and its file), each
    in its own transaction; `NUMBER COMMIT_TIME` per line once committed."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import hashlib

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import transaction

    from customers.models import Customer
    from invoices.models import Invoice

    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    number, tick = 0, 1.0 / rate
    next_at = time.monotonic()
    with open(log, "a", encoding="utf-8") as out:
        while not stopping:
            with transaction.atomic():
                customer = Customer.objects.create(name=f"drill {number}")
                if number % 5 == 0:
                    body = f"%PDF-1.4 drill invoice {number} ".encode() * 200
                    sha = hashlib.sha256(body).hexdigest()
                    name = default_storage.save(f"invoices/pdf/{sha}.pdf", ContentFile(body))
                    Invoice.objects.create(file=name, original_name=f"{number}.pdf", sha256=sha,
                                           mime="application/pdf", size=len(body),
                                           customer=customer)  # fmt: skip
            out.write(f"{number} {time.time():.6f}\n")
            out.flush()
            number += 1
            next_at += tick
            time.sleep(max(0.0, next_at - time.monotonic()))
    return 0


def _read_log(log: Path) -> list[tuple[int, float]]:
    rows = []
    for line in log.read_text(encoding="utf-8").splitlines():
        number, at = line.split()
        rows.append((int(number), float(at)))
    return rows


def _wait_for_rows(log: Path, rows: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if log.exists() and len(log.read_text().splitlines()) >= rows:
            return
        time.sleep(0.05)
    sys.exit("the writer wrote nothing")


def _wait_ready(port: int) -> int:
    status = 0
    for _ in range(1200):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", READY)
            status = connection.getresponse().status
            if status == 200:
                return status
        except OSError:
            pass
        time.sleep(0.05)
    return status


def _manage(env: dict, *args: str) -> str:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=False)  # fmt: skip
    if done.returncode:
        sys.exit(f"manage.py {args[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def _pg_env() -> dict:
    return {**os.environ, "PGPORT": PG_PORT, "PGDATA": PG_DATA}


def _postgres_start() -> str:
    done = subprocess.run(["scripts/postgres.sh", "start"], cwd=ROOT, env=_pg_env(),
                          capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout.strip().rsplit("/", 1)[0] + f"/{PG_DATABASE}"


def _psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-p", PG_PORT, "-U", "postgres", "-qc", sql],
                   check=True, capture_output=True)  # fmt: skip


def _postgres_recreate() -> None:
    _psql(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    _psql(f"CREATE DATABASE {PG_DATABASE} OWNER ledgerlens")


def _destroy(database: str, folder: Path) -> None:
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (folder / f"db.sqlite3{suffix}").unlink(missing_ok=True)
    else:
        _postgres_recreate()  # dropped with everything in it; an empty database in its place
    shutil.rmtree(folder / "media")


def _line(result: dict) -> str:
    return (f"{result['database']} ({result['preload']:,}): RPO {result['rpo_s']} s ({result['lost_rows']} rows lost), "
            f"RTO {result['rto_s']} s (restore {result['restore_s']} s, ready "
            f"{result['ready_after_restore_s']} s later), backup {result['backup_s']} s, "
            f"verify {result['verify']}")  # fmt: skip


def _section(results: list[dict], args) -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "## Restore drill",
        "",
        f"Recorded {when} by `make bench-restore` (`bench/restore_drill.py`) on "
        f"{platform.machine()}, {os.cpu_count()} CPU cores, load average {load} at the end. "
        "Each drill starts from a database preloaded with the customers the table names and one "
        "invoice with a stored file (~40 KB) per 100 of them, and a first backup (every file "
        "copied). A writer process then adds a customer every "
        f"{1 / args.rate:.2f} s through the ORM (every fifth with an invoice and its file); "
        "`manage.py backup` runs while it writes (as the schedule's next backup, it hard-links "
        f"the files the first one has), and the writer goes on for {args.after:g} s. Then "
        "gunicorn is stopped and the database and the media folder are destroyed; the clock "
        "runs from the start of `manage.py restore` (checksums, restore, verify_integrity) to "
        "the first 200 from `/api/v1/health/ready/` of a freshly started gunicorn.",
        "",
        "| database | preloaded customers | first backup s | backup s | backup MB (files) "
        "| rows written | rows lost | RPO s | restore s | ready after s | RTO s "
        "| customers restored | invoices restored | verify_integrity |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['database']} | {r['preload']:,} | {r['first_backup_s']} | {r['backup_s']} "
            f"| {r['backup_mb']} ({r['backup_files']}) | {r['written']} | {r['lost_rows']} "
            f"| {r['rpo_s']} | {r['restore_s']} | {r['ready_after_restore_s']} | {r['rto_s']} "
            f"| {r['customers']:,} | {r['invoices']:,} | {r['verify']} |"
        )
    lines += [
        "",
        "RPO here is the drill's own gap: the writes committed after the backup's database "
        f"snapshot (the {args.after:g} s the writer went on, plus the rest of the backup: its "
        "files and manifest). With the schedule the worst case is `BACKUP_INTERVAL_S` (300 s) "
        "plus one backup's time; on PostgreSQL, WAL archiving brings it to seconds "
        "([operations.md](operations.md#point-in-time-recovery-on-postgresql)). Backup and "
        "restore times include each `manage.py` process's start (about a second); backup MB "
        "counts every file in the backup, hard-linked ones too. PostgreSQL "
        "here is `scripts/postgres.sh`'s test server (fsync off), so its times are a lower "
        "bound for a durable server.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
