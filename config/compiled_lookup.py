"""A hot lookup whose queryset is compiled to SQL once per database, then run raw.

Turning an annotated queryset into SQL (resolving subqueries, joins and expressions) costs
several times what SQLite or PostgreSQL spend running it. A lookup that runs on every request
with only one value changing, such as authentication's user with role and permission, compiles
once per process and database and reuses the SQL with the new value bound.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, models

ModelT = TypeVar("ModelT", bound=models.Model)

# A value no real key takes, so its one position among the compiled parameters is unambiguous;
# within 32 bits, or PostgreSQL's backend refuses it for an integer column before compiling.
_SENTINEL = -1_987_654_321


class CompiledLookup(Generic[ModelT]):
    """`lookup.get(value)` is `build(value).first()`, with `build`'s SQL compiled only once.

    `build` must use its argument exactly once, as a bound parameter (a filter value), and the
    queryset it returns must select whole model rows: annotations come back as attributes with
    the database's raw values (SQLite gives 0/1 for booleans)."""

    def __init__(self, build: Callable[[object], models.QuerySet[ModelT]]) -> None:
        self._build = build
        # Per database alias: the model, the SQL, its parameters and where the value goes.
        self._compiled: dict[str, tuple[type[ModelT], str, tuple, int]] = {}

    def get(self, value: object, *, using: str = DEFAULT_DB_ALIAS) -> ModelT | None:
        model, sql, params, position = self._compiled_for(using)
        bound = (*params[:position], value, *params[position + 1 :])
        rows = list(model._default_manager.raw(sql, bound, using=using))
        return rows[0] if rows else None

    def _compiled_for(self, using: str) -> tuple[type[ModelT], str, tuple, int]:
        compiled = self._compiled.get(using)
        if compiled is None:
            queryset = self._build(_SENTINEL)[:1]
            sql, params = queryset.query.get_compiler(using=using).as_sql()
            params = tuple(params)
            if params.count(_SENTINEL) != 1:
                raise ValueError("build() must use its argument exactly once, as a parameter.")
            compiled = (queryset.model, sql, params, params.index(_SENTINEL))
            self._compiled[using] = compiled
        return compiled
