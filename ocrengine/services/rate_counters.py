"""Per-caller call counters by fixed window, for the analysis rate limit.

Two stores behind one interface (RATE_LIMIT_STORE): the shared cache, where Redis increments
atomically, and a database table, where one upsert replaces the database cache's read, count,
read and update under the write lock. Each store reads a caller's two most recent windows in
one round trip and adds to the current window in one more.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from ocrengine.models import RateLimitCounter


class WindowCounters(Protocol):
    def counts(self, caller: str, current: int) -> tuple[int, int]:
        """Calls in window `current` and in the window before it."""

    def add(self, caller: str, current: int, calls: int, *, window_s: int, seen: int) -> None:
        """Count `calls` more in window `current`, where counts() saw `seen` calls."""


class CacheCounters:
    def counts(self, caller: str, current: int) -> tuple[int, int]:
        keys = (f"{caller}:{current}", f"{caller}:{current - 1}")
        found = cache.get_many(keys)
        return found.get(keys[0], 0), found.get(keys[1], 0)

    def add(self, caller: str, current: int, calls: int, *, window_s: int, seen: int) -> None:
        key = f"{caller}:{current}"
        # The read said whether the counter exists: add() it only then, since a failed add is
        # a wasted round trip (Redis) or write (the database cache).
        if seen or not cache.add(key, calls, 2 * window_s):
            try:
                cache.incr(key, calls)
            except ValueError:  # expired between the two
                cache.set(key, calls, 2 * window_s)


class DatabaseCounters:
    # Plain SQL for both statements: compiling an ORM filter cost more than running it, on a
    # path every analysis call takes.
    def counts(self, caller: str, current: int) -> tuple[int, int]:
        table, caller_column, window_column, calls_column = _names()
        sql = (
            f"SELECT {window_column}, {calls_column} FROM {table} "
            f"WHERE {caller_column} = %s AND {window_column} IN (%s, %s)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [_stored(caller), current, current - 1])
            rows = dict(cursor.fetchall())
        return rows.get(current, 0), rows.get(current - 1, 0)

    def add(self, caller: str, current: int, calls: int, *, window_s: int, seen: int) -> None:
        # `seen` is not needed: the upsert creates the row or adds to it in one statement.
        table, caller_column, window_column, calls_column = _names()
        # One statement, atomic on SQLite and PostgreSQL alike: no read-then-write race.
        sql = (
            f"INSERT INTO {table} ({caller_column}, {window_column}, {calls_column}) "
            f"VALUES (%s, %s, %s) ON CONFLICT ({caller_column}, {window_column}) "
            f"DO UPDATE SET {calls_column} = {table}.{calls_column} + excluded.{calls_column} "
            f"RETURNING {calls_column}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [_stored(caller), current, calls])
            (total,) = cursor.fetchone()
        if total == calls:  # this call opened the window: the caller's older ones are spent
            RateLimitCounter.objects.filter(caller=_stored(caller), window__lt=current - 1).delete()


def _stored(caller: str) -> str:
    """The caller as the counters table keeps it: a long one (an address taken from a whole
    X-Forwarded-For header, say) by its digest, so it fits the column on every database."""
    limit = RateLimitCounter._meta.get_field("caller").max_length
    if len(caller) <= limit:
        return caller
    return "sha256:" + hashlib.sha256(caller.encode()).hexdigest()


def _names() -> tuple[str, str, str, str]:
    """The counters table and its caller, window and calls columns, quoted for the database."""
    quote = connection.ops.quote_name
    return (
        quote(RateLimitCounter._meta.db_table),
        quote("caller"),
        quote("window"),
        quote("calls"),
    )


def window_counters() -> WindowCounters:
    return DatabaseCounters() if settings.RATE_LIMIT_STORE == "database" else CacheCounters()
