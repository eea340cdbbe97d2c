"""Stored files (the default storage: MEDIA_ROOT, or S3 through django-storages) in and out of
a backup, only through the storage API.

Backups every few minutes would copy every stored file every time; instead a file whose name,
size and modification time are those of the previous backup's copy is hard-linked to that copy
(uploads are stored by content hash and never rewritten), so each backup is a complete folder
and still costs only what changed.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from collections.abc import Iterator
from pathlib import Path

from django.core.files import File
from django.core.files.storage import Storage

from .errors import BackupError
from .manifest import CHUNK, MEDIA, copy_hashed


def stored_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file in the storage, depth first, in name order."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a local media folder not created yet
        return
    for name in sorted(files):
        yield posixpath.join(folder, name) if folder else name
    for child in sorted(folders):
        yield from stored_names(storage, posixpath.join(folder, child) if folder else child)


def media_dump(storage: Storage, folder: Path, previous: dict[str, dict]) -> list[dict]:
    """Copy every stored file into `folder/media/`; their manifest entries. `previous` maps a
    storage name to the last backup's entry (with its `mtime` and the `copy` path)."""
    entries = []
    for name in stored_names(storage):
        target = folder / MEDIA / name
        try:
            digest, mtime = _copy(storage, name, target, previous.get(name))
        except FileNotFoundError:  # deleted since it was listed (a health probe's test file)
            target.unlink(missing_ok=True)
            continue
        entries.append({"path": f"{MEDIA}/{name}", **digest, "mtime": mtime})
    return entries


def _copy(
    storage: Storage, name: str, target: Path, earlier: dict | None
) -> tuple[dict, float | None]:
    """Hard-link the earlier copy when the stored file is unchanged, else copy it; its digest
    and modification time."""
    size, mtime = storage.size(name), _modified(storage, name)
    if (
        earlier
        and mtime is not None
        and (earlier["size"], earlier.get("mtime")) == (size, mtime)
        and earlier["copy"].is_file()
        and earlier["copy"].stat().st_size == size
        and _link(earlier["copy"], target)
    ):
        return {"sha256": earlier["sha256"], "size": earlier["size"]}, mtime
    with storage.open(name, "rb") as source:
        return copy_hashed(source, target), mtime


def media_restore(
    storage: Storage, folder: Path, entries: list[dict], *, replace: bool = True
) -> dict[str, int]:
    """Store each file of the backup under its own name; a file already there with the same
    checksum is left alone, one with other content is replaced (or, without `replace`, kept
    and counted as `differing`). Files the backup does not have are left as they are (they may
    be uploads newer than the backup)."""
    counts = {"stored": 0, "unchanged": 0, "replaced": 0, "differing": 0}
    for entry in entries:
        name = entry["name"]
        if storage.exists(name):
            if _stored_sha256(storage, name) == entry["sha256"]:
                counts["unchanged"] += 1
                continue
            if not replace:
                counts["differing"] += 1
                continue
            storage.delete(name)
            counts["replaced"] += 1
        else:
            counts["stored"] += 1
        with open(folder / entry["path"], "rb") as handle:
            saved = storage.save(name, File(handle, name=posixpath.basename(name)))
        if saved != name:
            raise BackupError(f"The storage stored {name} as {saved}; restore stopped.")
    return counts


def _stored_sha256(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _modified(storage: Storage, name: str) -> float | None:
    try:
        return storage.get_modified_time(name).timestamp()
    except (NotImplementedError, OSError):
        return None


def _link(source: Path, target: Path) -> bool:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another file system, or the earlier copy is gone: copy instead
        return False
    return True
