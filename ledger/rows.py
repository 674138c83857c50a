"""Multi-row INSERTs for the two hot paths (append and integrate), cheaper than building model instances.

On PostgreSQL every insert of one append travels in a single statement (data-modifying CTEs), so a
choice costs one round trip to write however many tables it touches; SQLite runs in-process and takes
them one by one (ledger/backends/ holds each database's way). Values are adapted by type the way the
ORM's fields adapt them for each backend, so
UUIDs, datetimes and JSON read back through the ORM exactly as written (verification recomputes every
leaf hash from rows read that way).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import Model

from ledger import backends


@dataclass(frozen=True)
class Insert:
    """Rows to insert into one model's table; `upsert_on` turns it into INSERT ... ON CONFLICT DO UPDATE."""

    model: type[Model]
    fields: Sequence[str]
    rows: Sequence[Sequence[Any]]
    upsert_on: Sequence[str] = ()
    upsert_set: Sequence[str] = field(default_factory=tuple)


@lru_cache(maxsize=256)
def columns(model: type[Model], names: tuple[str, ...]) -> str:
    """Return the quoted, comma-separated column names of model fields."""
    fields = [model._meta.get_field(name) for name in names]
    return ", ".join(
        connection.ops.quote_name(str(getattr(field, "column", name)))
        for field, name in zip(fields, names, strict=True)
    )


@lru_cache(maxsize=256)
def _insert_sql(
    model: type[Model], fields: tuple[str, ...], count: int, upsert_on: tuple[str, ...], upsert_set: tuple[str, ...]
) -> str:
    """Return the text of an INSERT of `count` rows (the append writes the same few shapes all day)."""
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # Only quoted names from model metadata are formatted in; every value is a parameter.
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({columns(model, fields)}) VALUES {', '.join([row_sql] * count)}"  # noqa: S608
    if upsert_on:
        updates = columns(model, upsert_set).split(", ")
        sql += f" ON CONFLICT ({columns(model, upsert_on)}) DO UPDATE SET "
        sql += ", ".join(f"{column} = EXCLUDED.{column}" for column in updates)
    return sql


def _statement(insert: Insert, rows: Sequence[Sequence[Any]]) -> tuple[str, list[Any]]:
    """Return the SQL and parameters of one multi-row INSERT."""
    shape = (tuple(insert.fields), len(rows), tuple(insert.upsert_on), tuple(insert.upsert_set))
    sql = _insert_sql(insert.model, *shape)
    adapt = backends.current().adapt
    return sql, [adapt(value) for row in rows for value in row]


def fetch(sql: str, params: Sequence[Any], *, prepared: bool = False) -> list[tuple[Any, ...]]:
    """Run one raw hot-path statement through Django's cursor and return its rows (none for an INSERT).

    `prepared`: on PostgreSQL, planned once per connection instead of on every call (for statements
    of a few fixed shapes that run all day).
    """
    rows: list[tuple[Any, ...]] = backends.current().fetch(sql, params, prepared)
    return rows


def any_of(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """Return a condition that `column` is one of values (at least one) and its parameters, for raw reads."""
    condition: tuple[str, list[Any]] = backends.current().any_of(column, values)
    return condition


def inserts_run(inserts: Iterable[Insert], savepoint: Any = None) -> None:
    """Run several inserts: one statement on PostgreSQL, one per table elsewhere (releasing an append's savepoint)."""
    statements = [_statement(insert, insert.rows) for insert in inserts if insert.rows]
    backends.current().statements_run(statements, savepoint)


def rows_insert(insert: Insert) -> None:
    """Insert many rows into one table: COPY on PostgreSQL, one prepared INSERT run per row on SQLite."""
    table = connection.ops.quote_name(insert.model._meta.db_table)
    backends.current().rows_copy(table, columns(insert.model, tuple(insert.fields)), insert.rows)


@lru_cache(maxsize=64)
def _column_types(model: type[Model], names: tuple[str, ...]) -> tuple[str, ...]:
    """Return the PostgreSQL type of each named field's column (a foreign key's: its target's), without length."""
    types = []
    for name in names:
        field = model._meta.get_field(name)
        target = field.target_field if field.is_relation else field  # type: ignore[union-attr]
        types.append(str(target.db_type(connection)).split("(")[0])
    return tuple(types)


def rows_copy_binary(insert: Insert) -> None:
    """Insert many rows with one binary COPY (PostgreSQL only): for bulk loads of millions of rows.

    Values travel in PostgreSQL's own binary form, typed by the model's columns, so neither psycopg
    nor the server formats or parses text; the rows read back exactly as a text COPY's would.
    """
    fields = tuple(insert.fields)
    table = connection.ops.quote_name(insert.model._meta.db_table)
    sql = f"COPY {table} ({columns(insert.model, fields)}) FROM STDIN WITH (FORMAT BINARY)"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.set_types(list(_column_types(insert.model, fields)))
        for row in insert.rows:
            copy.write_row(row)
