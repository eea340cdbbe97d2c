"""`folder_scan`: new files in a watched folder through the upload services, then moved aside."""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ..models import IngestedItem, PendingFile, WatchedFolder, folder_allowed
from .intake import document_file

logger = logging.getLogger(__name__)
Outcome = IngestedItem.Outcome
PROCESSED, FAILED = "processed", "failed"
REASON_SUFFIX = ".reason.txt"
# Longer than a scan takes (each file is read once from local disk); a scan that died holding
# the folder releases it after this.
SCAN_LEASE = timedelta(minutes=30)
# Names of files still being written by common tools (browsers, rsync, office suites).
_PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download")


@dataclass
class FolderScanResult:
    outcomes: dict[str, int] = field(default_factory=dict)
    settling: int = 0  # files seen for the first time or still changing: taken next scan
    error: str = ""
    busy: bool = False  # another scan holds the folder

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def folder_scan(*, folder: WatchedFolder) -> FolderScanResult:
    """Take the files of the folder (not its subfolders) that are stable since the last scan.

    A file is taken when this scan finds it with the size and modification time the previous
    scan recorded, so a file still being written (or just dropped) waits for the next scan;
    nothing sleeps. Each taken file is filed for the folder's customer through the invoice
    upload or the statement import (kept in storage by them) and recorded as an IngestedItem,
    then moved into `processed/` (imported, duplicate) or `failed/` with `<name>.reason.txt`
    holding the error code and message. Bytes already recorded from this folder are not filed
    again. Dot files and partial-download names are left alone. Two scans of one folder never
    run at once (the second returns `busy`)."""
    result = FolderScanResult()
    if not _lease_take(folder):
        result.busy = True
        return result
    root = Path(folder.path)
    if not folder_allowed(folder.path):
        # Checked at every scan, not only in the form: the setting or a symlink may change.
        result.error = f"{root} is not under INGESTION_FOLDER_ROOTS; nothing was read."
        _scan_end(folder, result)
        return result
    try:
        names = _candidates(root)
        for name in names:
            _file_consider(folder, root, name, result)
        PendingFile.objects.filter(folder=folder).exclude(name__in=names).delete()
    except OSError as error:
        result.error = f"{root}: {error.strerror or error}"
        logger.warning("Scanning folder %s failed: %s", folder.pk, result.error)
    _scan_end(folder, result)
    return result


def _scan_end(folder: WatchedFolder, result: FolderScanResult) -> None:
    WatchedFolder.objects.filter(pk=folder.pk).update(
        last_scanned_at=timezone.now(), last_error=result.error, lease_until=None
    )


def _lease_take(folder: WatchedFolder) -> bool:
    now = timezone.now()
    return bool(
        WatchedFolder.objects.filter(pk=folder.pk)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + SCAN_LEASE)
    )


def _candidates(root: Path) -> list[str]:
    names = []
    with os.scandir(root) as entries:
        for entry in entries:
            if entry.name.startswith((".", "~")) or entry.name.endswith(_PARTIAL_SUFFIXES):
                continue
            if entry.is_file(follow_symlinks=False):  # no symlinks: they may point anywhere
                names.append(entry.name)
    return sorted(names)


def _file_consider(folder: WatchedFolder, root: Path, name: str, result: FolderScanResult) -> None:
    path = root / name
    info = os.stat(path, follow_symlinks=False)
    if not stat.S_ISREG(info.st_mode):
        return
    seen = PendingFile.objects.filter(folder=folder, name=name).first()
    if seen is None or (seen.size, seen.mtime_ns) != (info.st_size, info.st_mtime_ns):
        PendingFile.objects.update_or_create(
            folder=folder, name=name, defaults={"size": info.st_size, "mtime_ns": info.st_mtime_ns}
        )
        result.settling += 1
        return
    with path.open("rb") as handle:
        # One byte past the limit is enough for the upload services to refuse it (413).
        data = handle.read(settings.UPLOAD_MAX_BYTES + 1)
    item, new = document_file(
        data=data,
        filename=name,
        customer=folder.customer,
        kind=folder.kind,
        source={"source": IngestedItem.Source.FOLDER, "folder": folder, "path": name},
    )
    if new:
        result.count(item.outcome)
    _move_aside(root, name, item)
    PendingFile.objects.filter(pk=seen.pk).delete()


def _move_aside(root: Path, name: str, item: IngestedItem) -> None:
    failed = item.outcome == Outcome.FAILED
    target_dir = root / (FAILED if failed else PROCESSED)
    target_dir.mkdir(exist_ok=True)
    target = _free_name(target_dir, name)
    os.replace(root / name, target)
    if failed:
        reason = f"{item.error_code}\n{item.error}\n"
        (target_dir / (target.name + REASON_SUFFIX)).write_text(reason, encoding="utf-8")


def _free_name(directory: Path, name: str) -> Path:
    """`name` in `directory`, or `stem-2.ext`, `stem-3.ext`, ... when taken: never overwrite."""
    candidate = directory / name
    stem, suffix = os.path.splitext(name)
    number = 1
    while candidate.exists():
        number += 1
        candidate = directory / f"{stem}-{number}{suffix}"
    return candidate
