"""The schedule's task (ingestion migration 0002): every active mailbox and folder, once."""

from __future__ import annotations

import logging

from ..models import Mailbox, WatchedFolder
from .folder import folder_scan
from .mailbox import mailbox_poll

logger = logging.getLogger(__name__)


def ingestion_poll_all() -> dict:
    """Poll every active mailbox and scan every active folder; one failing source stops no
    other (its error is kept on its row). Returns counts for the task's result."""
    summary = {"mailboxes": 0, "folders": 0, "errors": 0}
    for mailbox in Mailbox.objects.filter(is_active=True).select_related("customer"):
        summary["mailboxes"] += 1
        summary["errors"] += bool(mailbox_poll(mailbox=mailbox).error)
    for folder in WatchedFolder.objects.filter(is_active=True).select_related("customer"):
        summary["folders"] += 1
        summary["errors"] += bool(folder_scan(folder=folder).error)
    return summary
