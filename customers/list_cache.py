"""Pages of the customers list, kept per process until any customer or agent changes.

Agents and the SPA re-read the same few list pages far more often than customers change, and
building a page (count, page query, 50 rows) costs several times the rest of the request. A
page is kept under a key made of everything its body depends on: the list version, the
reader's scope and masking, the host (the next/previous links) and the query string.

The version is a row in the database (CustomerListVersion), so a write in one process (web or
worker) is seen by the next request in every other: each customer save or delete, and each
agent save (their username is in the rows) or delete, replaces it inside the writer's
transaction. It therefore changes exactly when the write commits, and not at all when the write
rolls back; a reader that read the old version before the commit built its page from the rows
before it too. Reading it is one short query without parameters, cheaper than a round trip
through the database cache (a lookup, an expiry check and unpickling). Pages are kept only
CUSTOMER_LIST_CACHE_TTL_S seconds (0 turns the cache off), which bounds the life of a page
after a write that sends no signal (a queryset update() in a shell, a data migration).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.signals import post_delete, post_save
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from config.local_cache import LocalCache
from customers.models import Customer, CustomerListVersion

_VERSION_ROW = 1
_pages = LocalCache(max_entries=256)


@dataclass(frozen=True)
class Page:
    """A list body, and the same rendered as DRF's JSONRenderer renders it (most readers ask
    for JSON; encoding 50 rows again on every hit would cost as much as the rest of a hit)."""

    data: dict
    json: bytes


def page(
    request: Request, *, scope: str, can_view_sensitive: bool, build: Callable[[], dict]
) -> Page:
    """The list body for this request: kept, or built by `build()` and kept."""
    ttl_s = settings.CUSTOMER_LIST_CACHE_TTL_S
    if ttl_s <= 0:
        return _page(build())
    key = _page_key(request, scope=scope, can_view_sensitive=can_view_sensitive)
    kept = _pages.get(key)
    if kept is None:
        kept = _page(build())
        _pages.set(key, kept, ttl_s)
    return kept


def _page(data: dict) -> Page:
    return Page(data=data, json=JSONRenderer().render(data))


def _page_key(request: Request, *, scope: str, can_view_sensitive: bool) -> str:
    query = sorted((name, value) for name, values in request.GET.lists() for value in values)
    described = repr((request.build_absolute_uri(request.path), query))
    digest = hashlib.sha256(described.encode()).hexdigest()[:32]
    return f"{current_version()}:{scope}:{int(can_view_sensitive)}:{digest}"


def current_version() -> str:
    """The list version every process keys its pages under."""
    table = connection.ops.quote_name(CustomerListVersion._meta.db_table)
    with connection.cursor() as cursor:
        # No parameters: the backend then runs the text as it is, with no placeholder rewriting.
        cursor.execute(f"SELECT token FROM {table} WHERE id = {_VERSION_ROW}")
        row = cursor.fetchone()
    return row[0] if row is not None else replace_version()


def replace_version(**_signal_kwargs) -> str:
    """Give the list a new version (in the caller's transaction, when there is one)."""
    token = uuid.uuid4().hex
    if not CustomerListVersion.objects.filter(pk=_VERSION_ROW).update(token=token):
        # The row is missing (a new or flushed database). Whoever inserts it first wins; either
        # way the version is new.
        CustomerListVersion.objects.bulk_create(
            [CustomerListVersion(pk=_VERSION_ROW, token=token)], ignore_conflicts=True
        )
    return token


def _user_saved(update_fields=None, **kwargs) -> None:
    # A login saves only last_login; the list shows nothing of the user but the username.
    if update_fields is not None and "username" not in update_fields:
        return
    replace_version(**kwargs)


def connect_signals() -> None:
    """Called once from CustomersConfig.ready()."""
    post_save.connect(replace_version, sender=Customer, dispatch_uid="customers-list-save")
    post_delete.connect(replace_version, sender=Customer, dispatch_uid="customers-list-del")
    user_model = get_user_model()
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="customers-list-user-save")
    post_delete.connect(replace_version, sender=user_model, dispatch_uid="customers-list-user-del")


def clear_local_pages() -> None:
    """Forget this process's pages (tests, between databases)."""
    _pages.clear()
