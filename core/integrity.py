"""What `manage.py verify_integrity` reports, and the one stored-file checksum check.

Each app re-checks its own data (billing its bills and statement files, invoices its files);
INTEGRITY_CHECKS names those checks and INTEGRITY_KNOWN_ISSUES the counts of what is already
known to be wrong (bills in review carry their reasons), so the command runs them without
importing any app.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils.module_loading import import_string

CHUNK = 1 << 20


@dataclass(frozen=True)
class IntegrityProblem:
    kind: str  # bill | chain | file | transaction
    ref: str  # what it is about: "bill #12", "statement import #3"
    message: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "ref": self.ref, "message": self.message}


@dataclass(frozen=True)
class KnownIssues:
    """Records already marked as needing a look, with their reasons: counted, not listed."""

    key: str  # "bills_in_review"
    count: int
    description: str  # "bill(s) in review with known reasons"


def stored_file_mismatch(name: str, sha256: str) -> str | None:
    """None when the stored file exists and hashes to `sha256`; else what is wrong."""
    if not default_storage.exists(name):
        return f"file {name} is missing"
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != sha256:
        return f"file {name} does not match its checksum (changed or damaged)"
    return None


def integrity_problems() -> list[IntegrityProblem]:
    """Every problem every app's check finds, in the order INTEGRITY_CHECKS names them."""
    checks: list[Callable[[], Iterable[IntegrityProblem]]] = [
        import_string(path) for path in settings.INTEGRITY_CHECKS
    ]
    return [problem for check in checks for problem in check()]


def known_issues() -> list[KnownIssues]:
    return [import_string(path)() for path in settings.INTEGRITY_KNOWN_ISSUES]
