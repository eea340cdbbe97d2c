"""A hot lookup whose queryset is compiled to SQL once per database, then run on a cursor.

Turning an annotated queryset into SQL (resolving subqueries, joins and expressions) costs
several times what SQLite or PostgreSQL spend running it, and so does the generic row-to-model
machinery (a raw queryset re-derives its columns and converters on every run). A lookup that
runs on every request with only one value changing, such as authentication's user with role and
permission, compiles once per process and database and then only binds, fetches and converts.

The SQL is run with named parameters (`%(p0)s`): given positional ones, Django's SQLite backend
rewrites every `%s` to `?` with a regular expression on each run, which on the authentication
lookup's 2 KB of SQL cost more than SQLite spent executing it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models

ModelT = TypeVar("ModelT", bound=models.Model)

# A value no real key takes, so its one position among the compiled parameters is unambiguous;
# within 32 bits, or PostgreSQL's backend refuses it for an integer column before compiling.
_SENTINEL = -1_987_654_321

# A positional placeholder; "%%s" is a literal percent sign followed by "s".
_POSITIONAL = re.compile(r"(?<!%)%s")


@dataclass(frozen=True)
class _Compiled:
    model: type[models.Model]
    sql: str  # with named placeholders
    params: dict[str, Any]
    key: str  # the looked-up value's parameter
    field_names: tuple[str, ...]  # the model's columns, in select order
    fields_at: slice  # where they sit in a row
    annotations: tuple[tuple[str, int], ...]  # (attribute, column)
    # (column, converters, expression): the ORM's database and field converters, run with the
    # calling thread's connection (each thread has its own).
    converters: tuple[tuple[int, tuple[Callable, ...], Any], ...]


class CompiledLookup(Generic[ModelT]):
    """`lookup.get(value)` is `build(value).first()`, with `build`'s SQL compiled only once.

    `build` must use its argument exactly once, as a bound parameter (a filter value), and the
    queryset it returns must select whole model rows (annotations allowed, no select_related).
    Values are converted as the ORM converts them (datetimes made aware, booleans from 0/1)."""

    def __init__(self, build: Callable[[object], models.QuerySet[ModelT]]) -> None:
        self._build = build
        self._compiled: dict[str, _Compiled] = {}  # per database alias

    def get(self, value: object, *, using: str = DEFAULT_DB_ALIAS) -> ModelT | None:
        compiled = self._compiled_for(using)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, {**compiled.params, compiled.key: value})
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        for column, converters, expression in compiled.converters:
            for convert in converters:
                row[column] = convert(row[column], expression, connection)
        found = compiled.model.from_db(using, compiled.field_names, row[compiled.fields_at])
        for attribute, column in compiled.annotations:
            setattr(found, attribute, row[column])
        return found

    def _compiled_for(self, using: str) -> _Compiled:
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(using)
        return compiled

    def _compile(self, using: str) -> _Compiled:
        queryset = self._build(_SENTINEL)[:1]
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        params = list(params)
        if params.count(_SENTINEL) != 1:
            raise ValueError("build() must use its argument exactly once, as a parameter.")
        names = iter(range(len(params)))
        named_sql = _POSITIONAL.sub(lambda _match: f"%(p{next(names)})s", sql)
        klass_info = compiler.klass_info
        if klass_info.get("related_klass_infos"):
            raise ValueError("build() must not use select_related().")
        first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        converters = compiler.get_converters([column[0] for column in compiler.select])
        return _Compiled(
            model=klass_info["model"],
            sql=named_sql,
            params={f"p{index}": param for index, param in enumerate(params)},
            key=f"p{params.index(_SENTINEL)}",
            field_names=tuple(column[0].target.attname for column in compiler.select[first:last]),
            fields_at=slice(first, last),
            annotations=tuple(compiler.annotation_col_map.items()),
            converters=tuple(
                (column, tuple(functions), expression)
                for column, (functions, expression) in converters.items()
            ),
        )
