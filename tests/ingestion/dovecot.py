"""A real IMAP server for the tests: Dovecot (Debian's dovecot-imapd, installed by
`make system-deps`) in the foreground on loopback, from a configuration written into a
temporary folder: one passwd-file account, Maildir storage, a plain port (which offers
STARTTLS) and an IMAPS port, both on free ports, with a self-signed certificate for 127.0.0.1
made here (`cert.pem`, which the TLS tests trust as their CA file)."""

from __future__ import annotations

import contextlib
import getpass
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

START_DEADLINE_S = 60.0
USERNAME, PASSWORD = "ledgerlens", "imap-test-password-1"


class DovecotUnavailable(Exception):
    """Why Dovecot cannot run here (the tests skip with this reason)."""


@dataclass
class Dovecot:
    host: str
    port: int
    tls_port: int
    username: str
    password: str
    root: Path
    process: subprocess.Popen

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)


def _binary() -> str:
    for candidate in (shutil.which("dovecot"), "/usr/sbin/dovecot"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise DovecotUnavailable(
        "dovecot is not installed (Debian package dovecot-imapd: run `make system-deps`)"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _self_signed(root: Path) -> None:
    """cert.pem and key.pem for 127.0.0.1 (an IP subject alternative name, as checked)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (root / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (root / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (root / "key.pem").chmod(0o600)


def _identities(root: Path, mail: Path) -> dict[str, str]:
    """Who runs what. As root: Debian's dovecot/dovenull users, mail owned by `nobody` (Dovecot
    refuses mail access as root); as anyone else: everything as that user."""
    if os.geteuid() == 0:
        for name in ("dovecot", "dovenull"):
            try:
                pwd.getpwnam(name)
            except KeyError:
                raise DovecotUnavailable(f"the system user {name!r} is missing") from None
        mail_user = pwd.getpwnam("nobody")
        os.chown(mail, mail_user.pw_uid, mail_user.pw_gid)
        return {
            "internal": "dovecot",
            "login": "dovenull",
            "uid": str(mail_user.pw_uid),
            "gid": str(mail_user.pw_gid),
            "first_valid_uid": "1",
        }
    me = getpass.getuser()
    return {
        "internal": me,
        "login": me,
        "uid": str(os.getuid()),
        "gid": str(os.getgid()),
        "first_valid_uid": str(min(os.getuid(), 500)),
    }


def _config(root: Path, port: int, tls_port: int) -> Path:
    mail = root / "mail"
    mail.mkdir()
    ids = _identities(root, mail)
    _self_signed(root)
    (root / "passwd").write_text(f"{USERNAME}:{{PLAIN}}{PASSWORD}\n")
    conf = root / "dovecot.conf"
    conf.write_text(
        f"""\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {ids["internal"]}
default_login_user = {ids["login"]}
first_valid_uid = {ids["first_valid_uid"]}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={ids["uid"]} gid={ids["gid"]} home={mail}/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
"""
    )
    return conf


def _greets(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
            return connection.recv(64).startswith(b"* OK")
    except OSError:
        return False


def dovecot_start(root: Path) -> Dovecot:
    """Dovecot running on a free loopback port, once its greeting answers; raises
    DovecotUnavailable with the reason (and its log) when it cannot start."""
    binary = _binary()
    port, tls_port = _free_port(), _free_port()
    while tls_port == port:
        tls_port = _free_port()
    conf = _config(root, port, tls_port)
    check = subprocess.run(
        [binary, "-c", str(conf), "-n"], capture_output=True, text=True, timeout=60
    )
    if check.returncode != 0:
        raise DovecotUnavailable(f"dovecot refuses its configuration: {check.stderr.strip()}")
    process = subprocess.Popen(
        [binary, "-F", "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=open(root / "stderr.log", "wb"),  # noqa: SIM115 (kept open by the child)
    )
    server = Dovecot("127.0.0.1", port, tls_port, USERNAME, PASSWORD, root, process)
    deadline = time.monotonic() + START_DEADLINE_S
    while not _greets(port):
        if process.poll() is not None:
            stderr = (root / "stderr.log").read_text(errors="replace")
            raise DovecotUnavailable(
                f"dovecot exited with status {process.returncode}: {stderr}{server.log()}"
            )
        if time.monotonic() > deadline:
            server.stop()
            raise DovecotUnavailable(
                f"dovecot did not answer on 127.0.0.1:{port} within {START_DEADLINE_S:.0f} s: "
                f"{server.log()}"
            )
        # Not a sleep: returns at once should dovecot exit, else the port is asked again.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.05)
    return server
