"""Large values: a bounded preview in every page, the whole value read by row key on demand.

A page of rows carries at most :data:`PREVIEW` characters (text) or bytes (BLOB) of each
value, plus the value's true size when it was cut, so the row window is bounded in bytes and
not only in rows: 150 rows of 1 MB text no longer hold 150 MB to draw 40 characters of each.
The cell detail view, copy and save read the rest by the row's key, a part at a time
(:func:`read_part`) or whole (:func:`read_value`), each one short statement.

SQL functions differ by engine (``length``/``char_length``, ``substr`` on text or bytes,
PostgreSQL's static types), so the expressions are chosen here by dialect name, once.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Text, case, cast, func, literal_column, select
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import FromClause, TableClause

from tui.db.key_match import exact_param, key_matches
from tui.db.model import ColumnInfo, Preview, TableInfo
from tui.db.value_keys import values_key

PREVIEW = 512  # characters or bytes of one value carried by a page
# Declared types that may hold a large value on a server (SQLite: any column may).
_LARGE_TYPES = re.compile(r"CHAR|TEXT|CLOB|BLOB|BINARY|BYTEA|JSON|XML|STRING", re.IGNORECASE)
_BINARY_TYPES = re.compile(r"BYTEA|BLOB|BINARY", re.IGNORECASE)


@dataclass(frozen=True)
class RowKey:
    """The values of a row's unique key, as stored, naming the row for a later read.

    ``names`` are the key's columns; for SQLite's hidden rowid it is the alias (``rowid``,
    ``_rowid_`` or ``oid``) no column shadows, with ``rowid`` set.
    """

    names: tuple[str, ...]
    values: tuple[Any, ...]
    rowid: bool = False

    # Two keys are the same row's only with the same storage classes: Python holds 1 == 1.0
    # (and hashes them alike), SQLite does not, so a change staged for the row whose key is
    # the integer 1 was drawn on the row whose key is the real 1.0 as well.
    # A key of a table without one on a server is every column, jsonb objects included.
    def _exact(self) -> tuple[object, ...]:
        return (self.names, self.rowid, values_key(self.values))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RowKey) and self._exact() == other._exact()

    def __hash__(self) -> int:
        return hash(self._exact())


def may_be_large(dialect: str, column: ColumnInfo) -> bool:
    """Whether ``column`` can hold a value worth bounding (any column, on SQLite)."""
    return dialect == "sqlite" or bool(_LARGE_TYPES.search(column.type_name))


def _binary(dialect: str, column: ColumnInfo) -> bool:
    return dialect == "postgresql" and bool(_BINARY_TYPES.search(column.type_name))


def _as_sized(dialect: str, column: ColumnInfo, expr: ColumnElement[Any]) -> ColumnElement[Any]:
    """The expression whose length and substrings are taken (PostgreSQL: text or bytea)."""
    if dialect == "postgresql" and not _binary(dialect, column):
        return cast(expr, Text)
    return expr


def size_expr(dialect: str, column: ColumnInfo, expr: ColumnElement[Any]) -> ColumnElement[Any]:
    """Characters of text, bytes of binary."""
    sized = _as_sized(dialect, column, expr)
    if dialect in ("mysql", "mariadb"):
        return func.char_length(sized)  # LENGTH counts bytes of text there
    return func.length(sized)


def part_expr(
    dialect: str, column: ColumnInfo, expr: ColumnElement[Any], start: int, count: int
) -> ColumnElement[Any]:
    """``count`` characters (or bytes) of the value from ``start`` (0-based)."""
    sized = _as_sized(dialect, column, expr)
    if dialect in ("mysql", "mariadb"):
        return func.substring(sized, start + 1, count)
    return func.substr(sized, start + 1, count)


def preview_columns(
    dialect: str,
    columns: Sequence[ColumnInfo],
    table: FromClause,
    limit: int = PREVIEW,
    *,
    room: int | None = None,
    whole: Collection[str] = (),
) -> tuple[list[ColumnElement[Any]], list[ColumnElement[Any]], list[int]]:
    """The selected columns (a large value becomes NULL), the extra (head, size) pairs, and
    the indexes of the bounded columns, in order.

    ``room``: how many result columns the extras may take. The engine caps a result's width
    (SQLite: 2,000 columns) and each bounded column takes two more, so past that room the
    remaining columns are read whole, exact as ever, only not bounded. ``whole``: names of
    columns always read whole (the ones the page's cursor is taken from).
    """
    values: list[ColumnElement[Any]] = []
    extras: list[ColumnElement[Any]] = []
    bounded: list[int] = []
    for index, column in enumerate(columns):
        expr = table.c[column.name]
        full = room is not None and len(extras) + 2 > room
        if full or column.name in whole or not may_be_large(dialect, column):
            values.append(expr)
            continue
        size = size_expr(dialect, column, expr)
        large = size > limit
        values.append(case((large, None), else_=expr).label(f"__v{index}"))
        extras.append(case((large, part_expr(dialect, column, expr, 0, limit))))
        extras.append(case((large, size)))
        bounded.append(index)
    return values, extras, bounded


def with_previews(
    row: Sequence[Any], extras: Sequence[Any], bounded: Sequence[int]
) -> tuple[Any, ...]:
    """A fetched row with each cut value replaced by its :class:`Preview`."""
    if not bounded:
        return tuple(row)
    values = list(row)
    for position, index in enumerate(bounded):
        head, size = extras[2 * position], extras[2 * position + 1]
        if size is not None:
            data = bytes(head) if isinstance(head, bytes | bytearray | memoryview) else head
            values[index] = Preview(data if data is not None else "", int(size))
    return tuple(values)


def _table(info: TableInfo) -> TableClause:
    return sa_table(
        info.ref.name, *(sa_column(c.name) for c in info.columns), schema=info.ref.schema
    )


def _where(dialect: str, info: TableInfo, table: TableClause, key: RowKey) -> ColumnElement[bool]:
    # The rowid alias is one of three fixed keywords (checked by the pager), never user text.
    columns = [literal_column(n) if key.rowid else table.c[n] for n in key.names]
    return key_matches(dialect, info, columns, key, lambda _, v: exact_param(dialect, v))


def _column(info: TableInfo, name: str) -> ColumnInfo:
    for column in info.columns:
        if column.name == name:
            return column
    raise LookupError(f"no column {name!r} in {info.ref}")


async def read_part(
    conn: AsyncConnection,
    dialect: str,
    info: TableInfo,
    key: RowKey,
    column: str,
    start: int,
    count: int,
) -> str | bytes | None:
    """``count`` characters (text) or bytes (BLOB) of one value from ``start``; None when the
    row is gone."""
    table = _table(info)
    expr = part_expr(dialect, _column(info, column), table.c[column], start, count)
    row = (await conn.execute(select(expr).where(_where(dialect, info, table, key)))).first()
    await conn.rollback()
    if row is None:
        return None
    value = row[0]
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return value if isinstance(value, str | bytes) else ("" if value is None else str(value))


class RowGoneError(LookupError):
    """The row was deleted (or its key changed) since it was shown."""


async def read_value(conn: AsyncConnection, info: TableInfo, key: RowKey, column: str) -> Any:
    """The whole value, as stored (for copy and save)."""
    table = _table(info)
    _column(info, column)
    row = (
        await conn.execute(
            select(table.c[column]).where(_where(conn.dialect.name, info, table, key))
        )
    ).first()
    await conn.rollback()
    if row is None:
        raise RowGoneError(f"the row of {info.ref} is gone: it was deleted or its key changed")
    return row[0]


__all__ = [
    "PREVIEW",
    "RowGoneError",
    "RowKey",
    "may_be_large",
    "preview_columns",
    "read_part",
    "read_value",
    "with_previews",
]
