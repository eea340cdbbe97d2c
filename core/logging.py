"""JSON-lines logging with the request's id, user and client kind on every record."""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
from datetime import UTC, datetime

from core import request_context

_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}
_CONTEXT_ATTRS = ("request_id", "user", "client_kind", "path")


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = request_context.get_current()
        for attr in _CONTEXT_ATTRS:
            if not hasattr(record, attr):
                setattr(record, attr, getattr(context, attr))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # Each record reaches several handlers, and the rotating file formats it twice (once
        # to see whether it fits): the line is built once and kept on the record.
        line = record.__dict__.get("_json_line")
        if line is None:
            line = record._json_line = self._line(record)
        return line

    def _line(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


class LazyRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Creates LOG_DIR on first use so a fresh checkout logs without a set-up step."""

    def __init__(self, filename: str, *args, **kwargs) -> None:
        os.makedirs(os.path.dirname(filename), exist_ok=True)
        super().__init__(filename, *args, **kwargs)
