"""Pages of the customers list, kept per process until any customer or agent changes.

Agents and the SPA re-read the same few list pages far more often than customers change, and
building a page (count, page query, 50 rows) costs several times the rest of the request. A
page is kept under a key made of everything its body depends on: the list version, the
reader's scope and masking, the host (the next/previous links) and the query string.

The version lives in the shared cache, so a write in one process (web or worker) is seen by
the next request in every other: each customer save or delete, and each agent save (their
username is in the rows) or delete, replaces it. It is replaced at once and again when the
transaction commits, so a page read by a request racing the commit is never kept under the
version that follows the commit. Pages are kept only CUSTOMER_LIST_CACHE_TTL_S seconds (0
turns the cache off), which bounds the life of a page after a write that sends no signal (a
queryset update() in a shell, a data migration).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from config.local_cache import LocalCache
from customers.models import Customer

_VERSION_KEY = "customers:list-version"
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
    return f"{_version()}:{scope}:{int(can_view_sensitive)}:{digest}"


def _version() -> str:
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(_VERSION_KEY)
    return version


def _replace_version() -> None:
    cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def _customers_changed(**_kwargs) -> None:
    _replace_version()
    transaction.on_commit(_replace_version)


def _user_saved(update_fields=None, **kwargs) -> None:
    # A login saves only last_login; the list shows nothing of the user but the username.
    if update_fields is not None and "username" not in update_fields:
        return
    _customers_changed(**kwargs)


def connect_signals() -> None:
    """Called once from CustomersConfig.ready()."""
    post_save.connect(_customers_changed, sender=Customer, dispatch_uid="customers-list-save")
    post_delete.connect(_customers_changed, sender=Customer, dispatch_uid="customers-list-del")
    user_model = get_user_model()
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="customers-list-user-save")
    post_delete.connect(
        _customers_changed, sender=user_model, dispatch_uid="customers-list-user-del"
    )


def clear_local_pages() -> None:
    """Forget this process's pages (tests, between databases)."""
    _pages.clear()
