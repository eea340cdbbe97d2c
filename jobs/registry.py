"""The handler registry: which function runs a job of each kind.

Each app registers its handlers in its own AppConfig.ready(), so the job system knows no job
kind. Kinds are named one way, `<entity>.<verb>` (`invoice.process`, `statement.import`,
`template.evaluate`): the name is stored on every job row, shown in the API and the admin, and
is how a redelivered task finds its handler again, so a kind is never renamed without a data
migration of the rows that carry it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from jobs.models import ProcessingJob

KIND_PATTERN = re.compile(r"[a-z][a-z_]*\.[a-z][a-z_]*")


class PermanentJobError(Exception):
    """A failure that another attempt cannot fix (corrupt file, wrong password...). Its message
    is stored on the job and shown to API users: a handler's own words."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class JobHandler:
    run: Callable[[ProcessingJob], dict]
    # Called once when the job ends failed, so the target (invoice, import) can say so too.
    on_failure: Callable[[ProcessingJob], None] | None = None


_handlers: dict[str, JobHandler] = {}


def register_job_handler(kind: str, handler: JobHandler) -> None:
    """Register the handler for a job kind (`<entity>.<verb>`, at most 40 characters)."""
    max_length = ProcessingJob._meta.get_field("kind").max_length
    if not KIND_PATTERN.fullmatch(kind) or len(kind) > max_length:
        raise ValueError(f"job kind {kind!r} is not named <entity>.<verb> in {max_length} chars")
    _handlers[kind] = handler


def job_handler(kind: str) -> JobHandler | None:
    """The handler registered for a kind, or None."""
    return _handlers.get(kind)
