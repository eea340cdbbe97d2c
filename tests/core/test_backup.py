"""`manage.py backup` and `restore` (core/backup/): a round trip with stored files, every
refusal before anything is changed (a damaged backup, a newer schema, a target with data), the
retention, unfinished backups, and a backup taken while a writer keeps committing.

Each SQLite test runs the commands as `manage.py` processes on an installation of its own (a
database file copied from one migrated per module, a media folder, a backup folder), as an
operator would, whichever database the suite itself runs on. The PostgreSQL round trip runs
when the suite does (`make test-postgres`)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django_q.models import Schedule

from core.backup import backup_find, backups_list, scheduled_backup
from core.backup.errors import BackupError

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

# Run inside `manage.py shell`: two customers and two invoices whose files are in the storage.
SEED = """
import hashlib
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from customers.models import Customer
from invoices.models import Invoice
for n in range(2):
    customer = Customer.objects.create(name=f"Customer {n}", email=f"c{n}@example.test")
    body = f"%PDF-1.4 invoice {n}".encode() * 50
    sha = hashlib.sha256(body).hexdigest()
    name = default_storage.save(f"invoices/pdf/{sha}.pdf", ContentFile(body))
    Invoice.objects.create(file=name, original_name=f"{n}.pdf", sha256=sha, mime="application/pdf",
                           size=len(body), customer=customer)
"""


@dataclass
class Site:
    """One installation: its database, storage and backup folder, and `manage.py` on them."""

    root: Path
    database_url: str

    @property
    def db(self) -> Path:
        return self.root / "db.sqlite3"

    @property
    def media(self) -> Path:
        return self.root / "media"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": self.database_url,
            "MEDIA_ROOT": str(self.media),
            "LOG_DIR": str(self.root / "log"),
            "BACKUP_DIR": str(self.backups),
            "LOG_LEVEL": "WARNING",
        }

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env(), capture_output=True,
            text=True, timeout=300, check=False,
        )  # fmt: skip

    def ok(self, *args: str) -> str:
        done = self.manage(*args)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def refused(self, *args: str) -> str:
        done = self.manage(*args)
        assert done.returncode == 1, done.stdout + done.stderr
        return done.stderr

    def only_backup(self) -> Path:
        (found,) = backups_list(self.backups)
        return found

    def rows(self, table: str) -> int:
        with sqlite3.connect(self.db) as db:
            return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def stored(self) -> dict[str, bytes]:
        return {
            str(path.relative_to(self.media)): path.read_bytes()
            for path in sorted(self.media.rglob("*"))
            if path.is_file()
        }


@pytest.fixture(scope="module")
def migrated_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("migrated")
    Site(folder, f"sqlite:///{folder / 'db.sqlite3'}").ok("migrate", "--noinput", "-v", "0")
    return folder / "db.sqlite3"


@pytest.fixture
def site(tmp_path, migrated_db) -> Site:
    site = Site(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with sqlite3.connect(migrated_db) as source, sqlite3.connect(site.db) as copy:
        source.backup(copy)
    return site


@pytest.fixture
def seeded(site) -> Site:
    site.ok("shell", "-c", SEED)
    return site


AFTER = "from customers.models import Customer; Customer.objects.create(name='After')"


@pytest.fixture(scope="module")
def backed_up_once(tmp_path_factory, migrated_db) -> Path:
    """A seeded installation with one backup, made once per module."""
    root = tmp_path_factory.mktemp("backed-up") / "site"
    root.mkdir()
    site = Site(root, f"sqlite:///{root / 'db.sqlite3'}")
    with sqlite3.connect(migrated_db) as source, sqlite3.connect(site.db) as copy:
        source.backup(copy)
    site.ok("shell", "-c", SEED)
    site.ok("backup")
    return root


@pytest.fixture
def backed_up(tmp_path, backed_up_once) -> Site:
    """That installation and its backup, copied for one test to change as it likes."""
    root = tmp_path / "site"
    shutil.copytree(backed_up_once, root)
    return Site(root, f"sqlite:///{root / 'db.sqlite3'}")


def _destroy(site: Site) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{site.db}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(site.media)


def test_round_trip_restores_the_database_and_the_stored_files(seeded):
    files_before = seeded.stored()
    assert len(files_before) == 2
    assert "Backup written to" in seeded.ok("backup")
    backup = seeded.only_backup()
    assert backup.stat().st_mode & 0o777 == 0o700  # it holds every record: its owner's only
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"] == {"vendor": "sqlite", "file": "database.sqlite3"}
    assert manifest["schema"]["latest"]["jobs"] == "0003_backup_schedule"
    assert {entry["path"] for entry in manifest["files"]} == {
        "database.sqlite3",
        *(f"media/{name}" for name in files_before),
    }
    _destroy(seeded)

    out = seeded.ok("restore", "--input", str(seeded.backups))  # the newest backup in it

    assert "2 file(s) stored" in out and "verify_integrity passed" in out
    assert seeded.rows("customers_customer") == 2
    assert seeded.rows("invoices_invoice") == 2
    assert seeded.stored() == files_before


def test_unchanged_files_are_hard_linked_to_the_previous_backup(backed_up):
    backed_up.ok("backup")
    first, second = backups_list(backed_up.backups)
    for path in (first / "media").rglob("*.pdf"):
        twin = second / path.relative_to(first)
        assert twin.read_bytes() == path.read_bytes()
        assert twin.stat().st_ino == path.stat().st_ino


def test_a_tampered_file_is_refused_before_anything_changes(backed_up):
    backup = backed_up.only_backup()
    tampered = next((backup / "media").rglob("*.pdf"))
    tampered.write_bytes(tampered.read_bytes().replace(b"invoice", b"INVOICE"))
    backed_up.ok("shell", "-c", AFTER)
    files_before = backed_up.stored()
    (backed_up.media / "invoices" / "pdf" / "newer.pdf").write_bytes(b"uploaded after the backup")

    error = backed_up.refused("restore", "--input", str(backup), "--yes")

    assert "damaged" in error and "does not match its sha256" in error
    assert backed_up.rows("customers_customer") == 3  # the row written after the backup is there
    assert backed_up.stored() == {
        **files_before,
        "invoices/pdf/newer.pdf": b"uploaded after the backup",
    }


def test_a_missing_file_and_a_corrupt_manifest_are_refused(backed_up, tmp_path):
    backup = backed_up.only_backup()
    assert "is not a folder" in backed_up.refused("restore", "--input", str(tmp_path / "nowhere"))
    (backup / "database.sqlite3").unlink()
    assert "database.sqlite3 is missing" in backed_up.refused("restore", "--input", str(backup))
    (backup / "manifest.json").write_text('{"format": "ledgerlens-backup", "vers')
    assert "cannot be read as JSON" in backed_up.refused("restore", "--input", str(backup))


def test_a_manifest_naming_a_path_outside_the_backup_is_refused(backed_up):
    backup = backed_up.only_backup()
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["files"].append({"path": "media/../../escape.txt", "sha256": "0" * 64, "size": 1})
    (backup / "manifest.json").write_text(json.dumps(manifest))
    assert "outside the backup" in backed_up.refused("restore", "--input", str(backup), "--yes")


def test_a_backup_from_a_newer_schema_is_refused(backed_up):
    backup = backed_up.only_backup()
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["schema"]["applied"]["customers"].append("0099_from_the_future")
    (backup / "manifest.json").write_text(json.dumps(manifest))
    _destroy(backed_up)

    error = backed_up.refused("restore", "--input", str(backup))

    assert "newer schema" in error and "customers.0099_from_the_future" in error
    assert not backed_up.db.exists() and not backed_up.media.exists()  # nothing was written


def test_a_target_with_data_needs_yes(backed_up):
    backed_up.ok("shell", "-c", AFTER)

    error = backed_up.refused("restore", "--input", str(backed_up.backups))
    assert "not empty" in error and "--yes" in error
    assert backed_up.rows("customers_customer") == 3

    assert "verify_integrity passed" in backed_up.ok(
        "restore", "--input", str(backed_up.backups), "--yes"
    )
    assert backed_up.rows("customers_customer") == 2  # back to the backup's moment


def test_media_only_puts_back_missing_files_and_leaves_the_database(backed_up):
    files = backed_up.stored()
    missing, changed = sorted(files)
    (backed_up.media / missing).unlink()
    (backed_up.media / changed).write_bytes(b"changed since")
    backed_up.ok("shell", "-c", AFTER)

    out = backed_up.manage("restore", "--input", str(backed_up.backups), "--media-only")

    assert "1 file(s) stored" in out.stdout and "1 stored file(s) differ" in out.stdout
    assert out.returncode == 1 and "verify_integrity failed" in out.stderr  # the changed one
    assert backed_up.rows("customers_customer") == 3  # the database was not touched
    assert backed_up.stored() == {**files, changed: b"changed since"}
    out = backed_up.ok("restore", "--input", str(backed_up.backups), "--media-only", "--yes")
    assert "1 replaced" in out and "verify_integrity passed" in out
    assert backed_up.stored() == files and backed_up.rows("customers_customer") == 3


def test_retention_keeps_the_newest(site):
    for _ in range(3):
        site.ok("backup", "--keep", "2")
    names = [path.name for path in backups_list(site.backups)]
    assert len(names) == 2
    site.ok("backup", "--keep", "2")
    newest = [path.name for path in backups_list(site.backups)]
    assert newest[0] == names[1] and len(newest) == 2


def test_an_unfinished_backup_is_never_taken_for_one(site):
    site.ok("backup")
    finished = site.only_backup()
    # What a backup that crashed leaves: a later time, with a manifest even, but `.partial`.
    crashed = site.backups / "29991231T235959.000000Z.partial"
    shutil.copytree(finished, crashed)

    assert backups_list(site.backups) == [finished]
    assert backup_find(site.backups) == finished
    with pytest.raises(BackupError, match="unfinished"):
        backup_find(crashed)
    assert "unfinished" in site.refused("restore", "--input", str(crashed))
    site.ok("backup")  # the next backup clears what the crashed one left
    assert not crashed.exists() and len(backups_list(site.backups)) == 2


def test_a_failed_backup_leaves_nothing_behind(site):
    site.db.unlink()
    assert "does not exist" in site.refused("backup")
    assert [path.name for path in site.backups.iterdir()] == [".backup.lock"]


def test_a_backup_taken_while_a_writer_commits_is_consistent(site):
    """A writer commits pairs of customers, one transaction each, before, during and after a
    `manage.py backup` process: the copy passes SQLite's integrity check and holds whole pairs
    only, a prefix of what the writer committed."""
    committed = 0
    stop = threading.Event()
    progress = threading.Condition()
    failures: list[BaseException] = []

    def writer() -> None:
        nonlocal committed
        db = sqlite3.connect(site.db, timeout=30, isolation_level=None)
        try:
            while not stop.is_set():
                db.execute("BEGIN IMMEDIATE")
                for half in ("a", "b"):
                    db.execute(
                        "INSERT INTO customers_customer (name, kind, email, phone, id_number, "
                        "tax_id, address, is_active, created_at, updated_at) VALUES "
                        "(?, 'person', '', '', '', '', '', 1, datetime('now'), datetime('now'))",
                        (f"pair {committed} {half}",),
                    )
                db.execute("COMMIT")
                with progress:
                    committed += 1
                    progress.notify_all()
        except BaseException as error:
            failures.append(error)
            with progress:
                progress.notify_all()
        finally:
            db.close()

    def wait_for(pairs: int) -> None:
        with progress:
            assert progress.wait_for(lambda: committed >= pairs or failures, timeout=120)
        assert not failures, failures

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        wait_for(50)
        before = committed
        site.ok("backup")
        after = committed
        wait_for(after + 50)  # the writer kept committing through the whole backup
    finally:
        stop.set()
        thread.join(timeout=60)

    with sqlite3.connect(site.only_backup() / "database.sqlite3") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        names = [row[0] for row in copy.execute("SELECT name FROM customers_customer")]
    pairs = {name.rsplit(" ", 1)[0] for name in names}
    assert len(names) == 2 * len(pairs)  # no half-written pair
    assert pairs == {f"pair {n}" for n in range(len(pairs))}  # a prefix of the commits
    assert before <= len(pairs) <= after


@pytest.mark.django_db
def test_the_schedule_backs_up_into_backup_dir_and_follows_the_interval(tmp_path):
    schedule = Schedule.objects.get(name="backup")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "core.backup.scheduled_backup",
        "I",
        5,
    )
    with override_settings(BACKUP_DIR=tmp_path, BACKUP_KEEP=1, BACKUP_INTERVAL_S=90):
        scheduled_backup()
        written = scheduled_backup()
    assert [str(path) for path in backups_list(tmp_path)] == [written]
    assert Schedule.objects.get(name="backup").minutes == 2  # 90 s in whole minutes
    with override_settings(BACKUP_DIR=tmp_path / "off", BACKUP_INTERVAL_S=0):
        assert "off" in scheduled_backup()
    assert not (tmp_path / "off").exists()


@pytest.fixture
def postgres_sites(tmp_path):
    """Two new databases on the suite's PostgreSQL server, dropped afterwards."""
    import psycopg

    settings_dict = connection.settings_dict
    login = {key: settings_dict[upper] for key, upper in (
        ("user", "USER"), ("password", "PASSWORD"), ("host", "HOST"), ("port", "PORT"))}  # fmt: skip
    names = [f"ledgerlens_backup_{uuid.uuid4().hex[:8]}_{role}" for role in ("from", "to")]
    with psycopg.connect(dbname="postgres", autocommit=True, **login) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    base = f"postgres://{login['user']}:{login['password']}@{login['host']}:{login['port']}"
    try:
        yield [Site(tmp_path / name, f"{base}/{name}") for name in names]
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **login) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


NEWER_MIGRATION = "from django.db.migrations.recorder import MigrationRecorder; MigrationRecorder.Migration.objects.create(app='customers', name='0099_later')"
COUNT = "from customers.models import Customer; from invoices.models import Invoice; print(Customer.objects.count(), Invoice.objects.count())"


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="pg_dump/pg_restore need the PostgreSQL server of `make test-postgres`",
)
def test_postgres_round_trip_into_a_new_database_and_over_a_used_one(postgres_sites):
    source, target = postgres_sites
    source.ok("migrate", "--noinput", "-v", "0")
    source.ok("shell", "-c", SEED)
    source.ok("backup")
    backup = source.only_backup()
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"] == {"vendor": "postgresql", "file": "database.pgdump"}

    # Into an empty database (no tables) with an empty storage: no --yes needed.
    out = target.ok("restore", "--input", str(backup))
    assert "2 file(s) stored" in out and "verify_integrity passed" in out
    assert target.ok("shell", "-v", "0", "-c", COUNT).split() == ["2", "2"]
    assert target.stored() == source.stored()

    # Over the database it came from, after more writes: --clean puts it back as it was.
    source.ok("shell", "-c", AFTER)
    assert "not empty" in source.refused("restore", "--input", str(backup))
    assert "verify_integrity passed" in source.ok("restore", "--input", str(backup), "--yes")
    assert source.ok("shell", "-v", "0", "-c", COUNT).split() == ["2", "2"]

    # Over a database at a newer schema than the backup: refused, since --clean would leave
    # the newer migrations' tables behind.
    source.ok("shell", "-c", NEWER_MIGRATION)
    error = source.refused("restore", "--input", str(backup), "--yes")
    assert "customers.0099_later" in error and "empty database" in error
