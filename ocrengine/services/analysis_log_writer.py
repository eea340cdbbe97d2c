"""Writes AnalysisLog rows in batches instead of one INSERT per call.

Each analysis call logs one row. Written one by one, the INSERT costs a cached call as much as
the rest of it, and on SQLite every call then queues for the one write lock. Rows are kept in
this process and written together, in one INSERT, when ANALYSIS_LOG_BATCH rows are waiting or
the oldest has waited ANALYSIS_LOG_FLUSH_S seconds (a timer writes a lone row), and when the
process exits. The statistics API writes this process's rows before it reads. A process killed
outright loses at most the rows of its last ANALYSIS_LOG_FLUSH_S seconds; 0 writes each row at
once, inside the call.
"""

from __future__ import annotations

import atexit
import logging
import threading

from django.conf import settings
from django.db import connections

from ocrengine.models import AnalysisLog

logger = logging.getLogger(__name__)


class AnalysisLogWriter:
    def __init__(self) -> None:
        self._waiting: list[AnalysisLog] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def add(self, log: AnalysisLog) -> None:
        delay_s = settings.ANALYSIS_LOG_FLUSH_S
        if delay_s <= 0:
            log.save()
            return
        with self._lock:
            self._waiting.append(log)
            full = len(self._waiting) >= settings.ANALYSIS_LOG_BATCH
            if not full and self._timer is None:
                self._timer = threading.Timer(delay_s, self._flush_from_timer)
                self._timer.daemon = True
                self._timer.start()
        if full:
            self.flush()

    def flush(self) -> int:
        """Write the waiting rows now; returns how many were written."""
        with self._lock:
            rows, self._waiting = self._waiting, []
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        if rows:
            AnalysisLog.objects.bulk_create(rows)
        return len(rows)

    def _flush_from_timer(self) -> None:
        try:
            self.flush()
        except Exception:  # the thread has no caller to tell; the rows are reported lost
            logger.exception("writing waiting analysis log rows failed")
        finally:
            # The timer's thread opened its own database connection; it ends with the thread.
            connections.close_all()


writer = AnalysisLogWriter()


@atexit.register
def _flush_at_exit() -> None:
    try:
        writer.flush()
    except Exception:
        logger.exception("writing waiting analysis log rows at exit failed")
