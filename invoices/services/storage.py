"""Where an invoice's original file lives in the default storage (django-storages).

Names derive from the content's sha256 and its sniffed type only: the uploaded file name is
data, never part of a path.
"""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from ocrengine.documents import EINVOICE_MIME_TYPES, JPEG, OFD, PDF, PNG, TIFF, WEBP, XML

logger = logging.getLogger(__name__)

EXTENSIONS = {
    PDF: "pdf",
    PNG: "png",
    JPEG: "jpg",
    TIFF: "tif",
    WEBP: "webp",
    XML: "xml",
    OFD: "ofd",
}
UNRECOGNIZED_DIR = "invoices/unrecognized"


def storage_name(*, sha256: str, mime: str, unrecognized: bool = False) -> str:
    extension = EXTENSIONS[mime]
    if unrecognized:
        folder = UNRECOGNIZED_DIR
    else:
        folder = "invoices/pdf" if mime == PDF else "invoices/images"
        if mime in EINVOICE_MIME_TYPES:
            folder = "invoices/xml"
    return f"{folder}/{sha256}.{extension}"


def file_store(*, name: str, data: bytes) -> tuple[str, bool]:
    """Save `data` under `name`; returns (stored name, whether this call wrote it).

    A whole file already there has the same content (the name is its hash), so it is reused;
    that happens when an earlier attempt stored it and then died before its database row
    committed. One of another size is what a write cut short left (a full disk): it is
    replaced. A write that fails leaves nothing under the name, so no later upload can take a
    partial file for the whole content.
    """
    if default_storage.exists(name):
        if default_storage.size(name) == len(data):
            return name, False
        file_delete(name)
    try:
        return default_storage.save(name, ContentFile(data)), True
    except Exception:
        if default_storage.exists(name):
            file_delete(name)
        raise


def file_read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def file_relocate(*, current: str, target: str) -> str:
    """Copy the file to `target` now and delete `current` once the caller's transaction commits,
    so a rollback or a killed worker never leaves the row pointing at a missing file."""
    if current == target:
        return current
    stored, _written = file_store(name=target, data=file_read(current))
    transaction.on_commit(lambda: file_delete(current))
    return stored


def file_delete(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:  # already gone or storage hiccup: an orphan, not a data loss
        logger.warning("could not delete stored file %s", name)
