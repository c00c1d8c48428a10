"""The type line of a grid's header for rows whose columns declare no type.

A console query on SQLite has no declared types (SQLite types values, not columns), so its
header shows what the values on the first page are, marked ``~`` as seen, not declared:
``~integer``, ``~text``, ``~real``, ``~blob``, ``~mixed``; nothing when all were NULL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tui.db.model import ColumnInfo, Preview, TableInfo, TableKind


def _storage_class(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool | int):
        return "integer"
    if isinstance(value, float):
        return "real"
    if isinstance(value, bytes | bytearray | memoryview):
        return "blob"
    if isinstance(value, Preview):
        return "blob" if value.binary else "text"
    return "text"


def column_types(
    table: TableInfo, columns: Sequence[ColumnInfo], rows: Sequence[Sequence[Any]]
) -> list[str]:
    """Declared types, or for a query's untyped columns what its first rows hold."""
    types = []
    for index, column in enumerate(columns):
        if column.type_name or table.kind is not TableKind.QUERY:
            types.append(column.type_name)
            continue
        seen = {c for row in rows if (c := _storage_class(row[index])) is not None}
        types.append("" if not seen else "~" + (seen.pop() if len(seen) == 1 else "mixed"))
    return types
