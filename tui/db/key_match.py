"""Naming one row by its key exactly: the condition every read and write by key uses.

``k = :k`` alone finds rows the key does not name. On SQLite a column without affinity (or
NUMERIC) may hold the integer 1 beside the real 1.0, which ``=`` calls equal, and a column
declared ``COLLATE NOCASE`` or ``RTRIM`` calls 'Abc' equal to 'ABC' or 'Abc  '; MariaDB's
collations ignore case and trailing spaces too. Another writer who deletes the row and
inserts such a twin would receive the edit. So the condition keeps ``k = :k`` (the key's
index finds the row) and adds, where they can differ, the storage class (``typeof``) and
the bytes of text (``COLLATE BINARY``; MariaDB: the utf8mb4 bytes), as the value columns'
conditions do (:mod:`tui.db.save_plan`).

Text that is not valid UTF-8 is read with ``surrogateescape``; no driver can encode it back,
so it is bound as its very bytes cast to TEXT (:func:`exact_param`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, LargeBinary, Text, and_, bindparam, cast, func
from sqlalchemy.dialects.mysql import BINARY, CHAR

from tui.db.model import TableInfo
from tui.db.typed_values import sqlite_affinity

if TYPE_CHECKING:
    from tui.db.values import RowKey

__all__ = [
    "Bind",
    "bit_number",
    "classes_differ",
    "exact_param",
    "has_surrogates",
    "key_matches",
    "sqlite_typeof",
]

#: ``bind(prefix, value)``: ``value`` as a bound parameter (save plans number their names).
Bind = Callable[[str, Any], Any]
_MYSQL = frozenset({"mysql", "mariadb"})


def has_surrogates(text: str) -> bool:
    """Whether ``text`` carries bytes that were not UTF-8 (kept by ``surrogateescape``)."""
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def exact_param(dialect_name: str, value: Any, name: str | None = None) -> Any:
    """``value`` as SQL compares it with what is stored: text that is not valid UTF-8 as its
    very bytes cast to TEXT on SQLite (a BLOB would compare unequal); anything else as it is,
    for the caller's expression to bind."""
    if isinstance(value, str) and dialect_name == "sqlite" and has_surrogates(value):
        raw = value.encode("utf-8", "surrogateescape")
        return cast(bindparam(name, raw, type_=LargeBinary()), Text)
    return value


def bit_number(dialect_name: str, type_name: str, value: Any) -> Any:
    """A MySQL/MariaDB ``BIT`` value (read as bytes) as the number it is: a ``BIT`` column
    compares with a string as a number, and the bytes b'\\xaa' read as the number 0, so a
    row holding any other value than 0 was never found again. Other values as they are."""
    if (
        dialect_name in _MYSQL
        and isinstance(value, bytes | bytearray)
        and type_name.strip().upper().startswith("BIT")
    ):
        return int.from_bytes(value, "big")
    return value


def _type_name(info: TableInfo, name: str) -> str:
    return next((c.type_name for c in info.columns if c.name == name), "")


def classes_differ(info: TableInfo, name: str) -> bool:
    """Whether a SQLite column may hold equal values of different storage classes: no
    affinity (no declared type, BLOB, STRICT ANY) or NUMERIC (which keeps a value it cannot
    convert as it is: the same class is not guaranteed by the type)."""
    column = next((c for c in info.columns if c.name == name), None)
    if column is None:
        return False
    declared = column.type_name.strip().upper()
    if info.strict:
        return declared == "ANY"  # STRICT: otherwise the declared type is the class
    return sqlite_affinity(column.type_name) in ("BLOB", "NUMERIC")


def sqlite_typeof(value: Any) -> str:
    """SQLite's ``typeof()`` of ``value`` once bound."""
    if isinstance(value, bool | int):
        return "integer"
    if isinstance(value, float):
        return "real"
    if isinstance(value, bytes | bytearray | memoryview):
        return "blob"
    return "text"


def key_matches(
    dialect_name: str,
    info: TableInfo,
    columns: Sequence[ColumnElement[Any]],
    key: RowKey,
    bind: Bind,
    *,
    exact: bool = True,
) -> ColumnElement[bool]:
    """The row ``key`` names and no other; ``columns``: the key's expressions, in order.

    ``exact=False``: every row the engine's own ``=`` finds (what a UNIQUE constraint calls
    a collision)."""
    conditions: list[ColumnElement[bool]] = []
    for name, expr, value in zip(key.names, columns, key.values, strict=True):
        if value is None:
            conditions.append(expr.is_(None))
            continue
        value = bit_number(dialect_name, _type_name(info, name), value)
        bound = bind("k", value)
        conditions.append(expr == bound)
        if exact and not key.rowid:  # a rowid is always an integer
            conditions.extend(_exactly(dialect_name, info, name, expr, value, bound, bind))
    return and_(*conditions)


def _exactly(
    dialect_name: str,
    info: TableInfo,
    name: str,
    expr: ColumnElement[Any],
    value: Any,
    bound: Any,
    bind: Bind,
) -> list[ColumnElement[bool]]:
    """What tells apart the rows ``expr = bound`` finds alike."""
    found: list[ColumnElement[bool]] = []
    if dialect_name == "sqlite":
        if isinstance(value, str):
            # The catalog does not say the column's collation: BINARY costs nothing where it
            # is one already, and the index is still found through ``k = :k``.
            found.append(expr.collate("binary") == bound)
        if classes_differ(info, name):
            found.append(func.typeof(expr) == bind("t", sqlite_typeof(value)))
    elif dialect_name in _MYSQL and isinstance(value, str):
        as_utf8 = cast(expr, CHAR(charset="utf8mb4"))
        found.append(cast(as_utf8, BINARY()) == cast(bound, BINARY()))
    return found
