"""`mailbox_poll`: the mailbox's unseen mail, each attachment through the upload services."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone

from ..models import IngestedItem, Mailbox
from .imap import ImapFolder, MailboxError, imap_session
from .intake import document_file, sha256_hex

logger = logging.getLogger(__name__)
Outcome = IngestedItem.Outcome
# Base64 makes an attachment a third larger; a message past this cannot hold an acceptable
# file and is not downloaded at all.
_MESSAGE_OVERHEAD = 64 * 1024  # headers and a body around the attachment


@dataclass
class MailboxPollResult:
    messages: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    error: str = ""
    busy: bool = False  # another poll holds the mailbox

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def mailbox_poll(*, mailbox: Mailbox) -> MailboxPollResult:
    """Take in the mailbox's unseen, unmarked messages (at most INGESTION_MAX_MESSAGES).

    Guarantees: every attachment is filed for the mailbox's customer through the invoice
    upload or the statement import and recorded as an IngestedItem (imported, duplicate, or
    failed with the service's error code); a message with no usable attachment is recorded
    `skipped` (`no_attachment`); each message is then marked \\Seen plus the mailbox's keyword
    (or moved to `move_to`) and never taken again. A message that cannot be parsed
    (`unreadable_message`), is too large to hold an acceptable file (`message_too_large`), or
    fails for any other reason but the database (`ingestion_error`) is recorded `failed` and
    marked with INGESTION_ERROR_KEYWORD: kept on the server, logged, never retried. Bytes
    already recorded from the same message are not filed twice, so a poll cut short (or a
    database error, which stops the poll) is safely run again. Two polls of one mailbox never
    run at once (the second returns `busy`)."""
    result = MailboxPollResult()
    if not _lease_take(mailbox):
        result.busy = True
        return result
    try:
        with imap_session(mailbox) as folder:
            _poll_folder(mailbox, folder, result)
    except MailboxError as error:
        result.error = str(error)
        logger.warning("Polling mailbox %s failed: %s", mailbox.pk, error)
    finally:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_polled_at=timezone.now(), last_error=result.error[:2000], lease_until=None
        )
    return result


def _lease_take(mailbox: Mailbox) -> bool:
    now = timezone.now()
    # Longer than any poll can take: connect, then up to INGESTION_MAX_MESSAGES fetches.
    hold = timedelta(
        seconds=settings.INGESTION_IMAP_TIMEOUT_S * (settings.INGESTION_MAX_MESSAGES + 2)
    )
    return bool(
        Mailbox.objects.filter(pk=mailbox.pk)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + hold)
    )


def _poll_folder(mailbox: Mailbox, folder: ImapFolder, result: MailboxPollResult) -> None:
    keywords = [mailbox.processed_keyword, settings.INGESTION_ERROR_KEYWORD]
    uids = folder.unprocessed_uids([k for k in keywords if k])
    for uid in uids[: settings.INGESTION_MAX_MESSAGES]:
        result.messages += 1
        if _message_take(mailbox, folder, uid, result):
            folder.mark(uid, mailbox.processed_keyword, mailbox.move_to)
        else:
            folder.mark(uid, settings.INGESTION_ERROR_KEYWORD)


def _message_take(
    mailbox: Mailbox, folder: ImapFolder, uid: bytes, result: MailboxPollResult
) -> bool:
    """File one message's attachments; False when the message itself could not be taken."""
    largest = settings.UPLOAD_MAX_BYTES * 4 // 3 + _MESSAGE_OVERHEAD
    size = folder.size(uid)
    if size > largest:
        _message_failed(
            mailbox, f"uid:{uid.decode()}", sha256_hex(b"size:%d" % size), "message_too_large",
            f"The message is {size:,} bytes; no attachment in it can be under the "
            f"{settings.UPLOAD_MAX_BYTES:,}-byte limit.", result,
        )  # fmt: skip
        return False
    raw = folder.message(uid) or b""
    message_id = f"sha256:{sha256_hex(raw)}"
    try:
        message = message_from_bytes(raw, policy=policy.default)
        message_id = (str(message.get("Message-ID") or "").strip() or message_id)[:998]
        attachments = list(_attachments(message))
    except Exception as error:  # the email package refuses it: keep the mail, mark, log
        logger.warning("Mailbox %s: message uid %s cannot be parsed: %r", mailbox.pk, uid, error)
        _message_failed(
            mailbox, message_id, sha256_hex(raw), "unreadable_message",
            f"The message cannot be parsed: {error}", result,
        )  # fmt: skip
        return False
    source = {"source": IngestedItem.Source.MAIL, "mailbox": mailbox, "message_id": message_id}
    if not attachments:
        item, new = _message_record(
            mailbox, message_id, sha256_hex(raw), Outcome.SKIPPED, "no_attachment",
            "The message has no attachment to import.",
        )  # fmt: skip
        if new:
            result.count(item.outcome)
        return True
    try:
        for filename, data in attachments:
            item, new = document_file(
                data=data,
                filename=filename,
                customer=mailbox.customer,
                kind=mailbox.kind,
                source=source,
            )
            if new:
                result.count(item.outcome)
    except DatabaseError:
        raise  # the database, not the message: the next poll takes the message again
    except Exception as error:
        # A fault of ours on this message must not stop the mailbox or bring the message back
        # at every poll: it is marked and kept for a person to look at.
        logger.exception("Mailbox %s: message uid %s could not be filed", mailbox.pk, uid)
        _message_failed(
            mailbox, message_id, sha256_hex(raw), "ingestion_error",
            f"The message could not be filed ({type(error).__name__}); see the logs.", result,
        )  # fmt: skip
        return False
    return True


def _attachments(message: EmailMessage):
    """(file name, bytes) of each attached file, forwarded messages' included; body text and
    images embedded in an HTML body (a Content-ID, shown inline) are not attachments."""
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        filename = part.get_filename() or ""
        if disposition != "attachment" and not (filename and "Content-ID" not in part):
            continue
        data = part.get_payload(decode=True) or b""
        yield os.path.basename(filename.replace("\\", "/")) or "attachment", data


def _message_failed(mailbox, message_id, sha256, code, text, result) -> None:
    item, new = _message_record(mailbox, message_id, sha256, Outcome.FAILED, code, text)
    if new:
        result.count(item.outcome)


def _message_record(mailbox, message_id, sha256, outcome, code, text) -> tuple[IngestedItem, bool]:
    return IngestedItem.objects.get_or_create(
        mailbox=mailbox,
        message_id=message_id,
        sha256=sha256,
        defaults={
            "source": IngestedItem.Source.MAIL,
            "outcome": outcome,
            "error_code": code,
            "error": text,
        },
    )
