"""A backup's manifest (`manifest.json`): what it holds and how to check it.

    {"format": "ledgerlens-backup", "version": 1, "created_at": "...Z",
     "app": {"version": "0.1.0", "commit": "cedbe2d..." | null},
     "database": {"vendor": "sqlite" | "postgresql", "file": "database.sqlite3"},
     "schema": {"latest": {"billing": "0010_..."}, "applied": {"billing": ["0001_initial", ...]}},
     "files": [{"path": "database.sqlite3", "sha256": "...", "size": 614400},
               {"path": "media/invoices/pdf/<sha256>.pdf", ...}]}

`files` lists every file of the backup but the manifest itself; a media file's path is
`media/` + its name in the storage, and it also records the stored file's modification time
(`mtime`), by which the next backup knows an unchanged file (media.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tomllib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from django.conf import settings

from .errors import BackupError
from .folders import MANIFEST

FORMAT = "ledgerlens-backup"
VERSION = 1
MEDIA = "media"
CHUNK = 1 << 20


def copy_hashed(source: BinaryIO, target: Path) -> dict:
    """Copy `source` into the new file `target`, flushed to disk; its sha256 and size."""
    digest, size = hashlib.sha256(), 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "xb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return {"sha256": digest.hexdigest(), "size": size}


def file_digest(path: Path) -> dict:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def app_version() -> dict:
    """The project's version (pyproject.toml) and, in a git checkout, its commit."""
    version = None
    try:
        with open(settings.BASE_DIR / "pyproject.toml", "rb") as handle:
            version = tomllib.load(handle).get("project", {}).get("version")
    except (OSError, tomllib.TOMLDecodeError):
        pass
    commit = None
    if (settings.BASE_DIR / ".git").exists():
        try:
            done = subprocess.run(
                ["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR, capture_output=True,
                text=True, timeout=10, check=False,
            )  # fmt: skip
            if done.returncode == 0:
                commit = done.stdout.strip() or None
        except (OSError, subprocess.TimeoutExpired):
            pass
    return {"version": version, "commit": commit}


def schema_summary(applied: set[tuple[str, str]]) -> dict:
    by_app: dict[str, list[str]] = {}
    for app, name in sorted(applied):
        by_app.setdefault(app, []).append(name)
    return {"latest": {app: names[-1] for app, names in by_app.items()}, "applied": by_app}


def manifest_write(folder: Path, manifest: dict) -> None:
    path = folder / MANIFEST
    with open(path, "x", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


def manifest_read(folder: Path) -> dict:
    """The manifest of the backup in `folder`, its shape checked; BackupError when it is
    missing, not JSON, or not a manifest this code can read."""
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} holds no {MANIFEST}: it is not a finished backup.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise BackupError(f"{path} cannot be read as JSON ({error}).") from None
    problem = _shape_problem(manifest)
    if problem:
        raise BackupError(f"{path} is not a valid backup manifest: {problem}.")
    return manifest


def _shape_problem(manifest: object) -> str | None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return f"its format is not {FORMAT!r}"
    if manifest.get("version") != VERSION:
        return f"version {manifest.get('version')!r} (this code reads version {VERSION})"
    database = manifest.get("database")
    if not isinstance(database, dict) or not isinstance(database.get("file"), str):
        return "it names no database file"
    applied = (manifest.get("schema") or {}).get("applied")
    if not isinstance(applied, dict) or not all(
        isinstance(names, list) and all(isinstance(n, str) for n in names)
        for names in applied.values()
    ):
        return "it lists no applied migrations"
    files = manifest.get("files")
    if not isinstance(files, list) or not all(
        isinstance(entry, dict)
        and isinstance(entry.get("path"), str)
        and isinstance(entry.get("sha256"), str)
        and isinstance(entry.get("size"), int)
        for entry in files
    ):
        return "its file list is malformed"
    paths = [entry["path"] for entry in files]
    if database["file"] not in paths:
        return "the database file is not in its file list"
    unsafe = [path for path in paths if not _safe_relative(path)]
    if unsafe:
        return f"file paths outside the backup: {unsafe[:3]}"
    if len(set(paths)) != len(paths):
        return "a file is listed twice"
    return None


def _safe_relative(path: str) -> bool:
    pure = PurePosixPath(path)
    return bool(path) and not pure.is_absolute() and ".." not in pure.parts and "\\" not in path


def applied_migrations(manifest: dict) -> set[tuple[str, str]]:
    return {(app, name) for app, names in manifest["schema"]["applied"].items() for name in names}


def media_entries(manifest: dict) -> list[dict]:
    """The media files, each with its storage `name` beside its path in the backup."""
    prefix = MEDIA + "/"
    return [
        {**entry, "name": entry["path"][len(prefix) :]}
        for entry in manifest["files"]
        if entry["path"].startswith(prefix)
    ]


def checksum_problems(folder: Path, manifest: dict) -> list[str]:
    """Every listed file that is missing, of another size or another sha256 (read in full)."""
    problems = []
    for entry in manifest["files"]:
        path = folder / entry["path"]
        if not path.is_file():
            problems.append(f"{entry['path']} is missing")
            continue
        found = file_digest(path)
        if found["size"] != entry["size"]:
            problems.append(f"{entry['path']} has {found['size']} bytes, not {entry['size']}")
        elif found["sha256"] != entry["sha256"]:
            problems.append(f"{entry['path']} does not match its sha256")
    return problems
