"""Ingestion fixtures: a real Dovecot on loopback for the session, a fresh IMAP folder and a
Mailbox on it per test, a private media root per test, and mail made by the tests."""

from __future__ import annotations

import imaplib
import itertools
import shutil
import tempfile
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from ingestion.models import Mailbox
from tests.factories import CustomerFactory
from tests.ingestion.dovecot import DovecotUnavailable, dovecot_start

_folders = itertools.count(1)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def folder_roots(settings, tmp_path) -> Path:
    """Watched folders may lie anywhere under this test's tmp_path."""
    settings.INGESTION_FOLDER_ROOTS = [tmp_path]
    return tmp_path


@pytest.fixture(scope="session")
def dovecot():
    # Not under pytest's tmp_path: that is private to this user (0700), and Dovecot's mail
    # processes run as another one (`nobody` when the tests run as root).
    root = Path(tempfile.mkdtemp(prefix="ledgerlens-dovecot-"))
    root.chmod(0o755)
    try:
        server = dovecot_start(root)
    except DovecotUnavailable as reason:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"Dovecot cannot run here: {reason}")
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def imap_connect(server) -> imaplib.IMAP4:
    connection = imaplib.IMAP4(server.host, server.port, timeout=30)
    connection.login(server.username, server.password)
    return connection


@pytest.fixture
def imap(dovecot):
    connection = imap_connect(dovecot)
    yield connection
    connection.logout()


@pytest.fixture
def imap_folder(imap) -> str:
    """A folder of its own for each test, so no test sees another's mail."""
    name = f"Test{next(_folders)}"
    assert imap.create(name)[0] == "OK"
    return name


@pytest.fixture
def customer(db):
    return CustomerFactory()


@pytest.fixture
def mailbox(dovecot, imap_folder, customer) -> Mailbox:
    return Mailbox.objects.create(
        customer=customer,
        host=dovecot.host,
        port=dovecot.port,
        security=Mailbox.Security.NONE,
        username=dovecot.username,
        password=dovecot.password,
        folder=imap_folder,
    )


def mail(subject: str, *attachments: tuple[str, bytes, str]) -> bytes:
    """A message with a text body and (file name, bytes, MIME type) attachments."""
    message = EmailMessage()
    message["From"] = "Supplier <billing@supplier.example>"
    message["To"] = "invoices@ledgerlens.example"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="supplier.example")
    message.set_content(f"{subject}\n\nPlease find the documents attached.\n")
    for filename, data, mime_type in attachments:
        maintype, subtype = mime_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def imap_append(connection: imaplib.IMAP4, folder: str, message: bytes) -> None:
    status, data = connection.append(folder, None, None, message)
    assert status == "OK", data


def imap_flags(connection: imaplib.IMAP4, folder: str) -> list[set[str]]:
    """Each message's flags in `folder`, in order."""
    assert connection.select(folder)[0] == "OK"
    status, data = connection.fetch("1:*", "(FLAGS)")
    assert status == "OK", data
    flags = []
    for line in data:
        if not line:
            continue
        inside = line.decode().split("FLAGS (", 1)[1].split(")", 1)[0]
        flags.append(set(inside.split()))
    return flags


def imap_count(connection: imaplib.IMAP4, folder: str) -> int:
    status, data = connection.select(folder, readonly=True)
    assert status == "OK", data
    return int(data[0])
