"""Ingestion's services: `mailbox_poll`, `folder_scan`, and `ingestion_poll_all` (the schedule)."""

from .folder import folder_scan
from .intake import document_file, ingestion_user
from .mailbox import MailboxPollResult, mailbox_poll
from .schedule import ingestion_poll_all

__all__ = [
    "MailboxPollResult",
    "document_file",
    "folder_scan",
    "ingestion_poll_all",
    "ingestion_user",
    "mailbox_poll",
]
