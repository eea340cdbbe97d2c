"""The IMAP side of a mailbox poll, on the standard library's imaplib: connect (IMAPS or
STARTTLS, certificates checked), select, search, fetch without setting \\Seen, mark, move."""

from __future__ import annotations

import base64
import imaplib
import re
import ssl
from contextlib import contextmanager, suppress

from django.conf import settings

from core.encrypted_fields import UnreadableSecret

from ..models import Mailbox


class MailboxError(Exception):
    """The server could not be reached, refused the login, or answered a command with NO/BAD."""


def _quoted(text: str) -> str:
    """A folder name as an IMAP quoted string, in IMAP's modified UTF-7 (RFC 3501 5.1.3), so
    "Rechnungen/Eingänge" or "发票" can be selected."""
    encoded = imap_utf7(text)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def imap_utf7(text: str) -> str:
    """Modified UTF-7: printable ASCII as is ("&" as "&-"), other runs as "&" + base64 of their
    UTF-16BE with "," for "/" + "-"."""
    out, run = [], []

    def flush() -> None:
        if run:
            packed = base64.b64encode("".join(run).encode("utf-16-be")).rstrip(b"=")
            out.append("&" + packed.decode("ascii").replace("/", ",") + "-")
            run.clear()

    for char in text:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            run.append(char)
    flush()
    return "".join(out)


def _text(error: Exception) -> str:
    """imaplib's errors carry the server's bytes; the words, for people."""
    first = error.args[0] if error.args else error
    return first.decode("utf-8", "replace") if isinstance(first, bytes) else str(first)


def _check(answer: tuple, what: str) -> list:
    status, data = answer
    if status != "OK":
        detail = b" ".join(part for part in data if isinstance(part, bytes)).decode(
            "utf-8", "replace"
        )
        raise MailboxError(f"{what}: {status} {detail}".strip())
    return data


def _tls_context() -> ssl.SSLContext:
    """Certificates and host names checked, against the system's CAs and
    INGESTION_IMAP_CA_FILE's."""
    context = ssl.create_default_context()
    if settings.INGESTION_IMAP_CA_FILE:
        context.load_verify_locations(cafile=settings.INGESTION_IMAP_CA_FILE)
    return context


@contextmanager
def imap_session(mailbox: Mailbox):
    """A logged-in connection with the mailbox's folder selected; logged out on leaving."""
    timeout = settings.INGESTION_IMAP_TIMEOUT_S
    password = mailbox.password
    if isinstance(password, UnreadableSecret) or not password:
        raise MailboxError("The stored password cannot be decrypted with FIELD_ENCRYPTION_KEYS.")
    try:
        if mailbox.security == Mailbox.Security.SSL:
            connection = imaplib.IMAP4_SSL(
                mailbox.host,
                mailbox.port,
                ssl_context=_tls_context(),
                timeout=timeout,
            )
        else:
            connection = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
            if mailbox.security == Mailbox.Security.STARTTLS:
                _check(connection.starttls(_tls_context()), "STARTTLS")
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailboxError(f"Cannot connect to {mailbox.host}:{mailbox.port}: {error}") from None
    try:
        try:
            _check(connection.login(mailbox.username, password), "LOGIN")
        except imaplib.IMAP4.error as error:
            # imaplib raises on NO; the message is the server's, never the password.
            raise MailboxError(f"LOGIN refused: {_text(error)}") from None
        _check(connection.select(_quoted(mailbox.folder)), f"SELECT {mailbox.folder}")
        yield ImapFolder(connection)
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailboxError(f"IMAP: {_text(error)}") from None
    finally:
        with suppress(OSError, imaplib.IMAP4.error):
            connection.logout()


_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


class ImapFolder:
    def __init__(self, connection: imaplib.IMAP4) -> None:
        self.connection = connection
        permanent = connection.untagged_responses.get("PERMANENTFLAGS", [b""])
        # `\*` in PERMANENTFLAGS: the server keeps keywords it has not seen before.
        self.keywords_allowed = any(b"\\*" in (item or b"") for item in permanent)
        # Asked again after login: servers list MOVE, UIDPLUS and the like only to a logged-in
        # client, and imaplib keeps the greeting's list.
        answer = _check(connection.capability(), "CAPABILITY")
        capabilities = set((answer[0] or b"").decode("ascii", "replace").upper().split())
        self.can_move = "MOVE" in capabilities
        self.uidplus = "UIDPLUS" in capabilities

    def unprocessed_uids(self, keywords: list[str]) -> list[bytes]:
        """UIDs of unseen messages that carry none of `keywords`, oldest first."""
        criteria = ["UNSEEN"]
        if self.keywords_allowed:
            criteria += [f"UNKEYWORD {keyword}" for keyword in keywords]
        data = _check(self.connection.uid("SEARCH", *criteria), "SEARCH")
        return sorted((data[0] or b"").split(), key=int)

    def size(self, uid: bytes) -> int:
        data = _check(self.connection.uid("FETCH", uid, "(RFC822.SIZE)"), "FETCH")
        for item in data:
            text = item[0] if isinstance(item, tuple) else item
            if isinstance(text, bytes) and (match := _SIZE.search(text)):
                return int(match.group(1))
        return 0

    def message(self, uid: bytes) -> bytes | None:
        """The whole message; BODY.PEEK leaves \\Seen unset until the message is marked."""
        data = _check(self.connection.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                return item[1]
        return None

    def mark(self, uid: bytes, keyword: str, move_to: str = "") -> None:
        """\\Seen plus `keyword` (where the server keeps keywords), then moved if asked."""
        flags = "\\Seen" + (f" {keyword}" if self.keywords_allowed and keyword else "")
        _check(self.connection.uid("STORE", uid, "+FLAGS.SILENT", f"({flags})"), "STORE")
        if not move_to:
            return
        if self.can_move:
            _check(self.connection.uid("MOVE", uid, _quoted(move_to)), "MOVE")
            return
        _check(self.connection.uid("COPY", uid, _quoted(move_to)), "COPY")
        _check(self.connection.uid("STORE", uid, "+FLAGS.SILENT", "(\\Deleted)"), "STORE")
        if self.uidplus:
            _check(self.connection.uid("EXPUNGE", uid), "EXPUNGE")
        else:
            _check(self.connection.expunge(), "EXPUNGE")
