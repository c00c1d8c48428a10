"""The storage class of a stored value, and typed text stored in the class the user chose.

SQLite keeps every value in one of five storage classes (NULL, INTEGER, REAL, TEXT, BLOB).
A column's declared type only gives it an *affinity*, which converts some values as they are
stored (https://www.sqlite.org/datatype3.html, section 3): a NUMERIC column stores the text
``'2'`` as the integer 2, a TEXT column stores the integer 2 as the text ``'2'``. A column
with no declared type, one declared ``BLOB``, and ``ANY`` in a STRICT table convert nothing:
there the text ``'1'`` and the integer 1 are different values, and both can be stored. And
since affinity converts only what it can convert losslessly, a DATETIME column (NUMERIC
affinity) still holds epoch integers, a BOOLEAN column 2, a DECIMAL column the text
``'12,50'``.

So on SQLite a value is typed in a :class:`StorageClass`:

- ``AUTO``: the column's declared type and affinity decide (:func:`~tui.db.edit_values.
  parse_for_column`: ``'0042'`` in an INTEGER column is 42, in a TEXT column ``'0042'``);
- ``INTEGER``, ``REAL``, ``TEXT``, ``BLOB`` (typed as hex): that class, exactly. When the
  column's affinity would store the value in another class (the text ``'2'`` in a NUMERIC
  column, the real 2.0 in an INTEGER column), the value is refused with the reason, never
  staged as something SQLite would not keep. SQLite itself says what it would keep: the
  value is stored, once, in an in-memory table whose column has the same affinity.

An editor starts in the class of the value it edits (:func:`starting_class`), so that what is
stored keeps its class unless the person changes it. The servers' columns have real types:
there the type alone decides and no class is offered.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from enum import StrEnum
from typing import Any

from tui.db.edit_values import EditorKind, editor_kind, parse_for_column, parse_real, value_as_text
from tui.db.model import ColumnInfo, Preview, ValueKind
from tui.db.typed_values import BadValueError, parse_value, sqlite_affinity

__all__ = [
    "StorageClass",
    "affinity_of",
    "mixes_text_and_numbers",
    "parse_in_class",
    "starting_class",
    "storage_class_of",
    "storage_classes",
    "stored_by_sqlite",
]


class StorageClass(StrEnum):
    AUTO = "auto"  # as the column's declared type and affinity decide
    INTEGER = "integer"
    REAL = "real"
    TEXT = "text"
    BLOB = "blob"


#: "No affinity": SQLite's own name for it is BLOB (a column with no declared type).
NONE = "BLOB"
_EVERY = (
    StorageClass.AUTO,
    StorageClass.INTEGER,
    StorageClass.REAL,
    StorageClass.TEXT,
    StorageClass.BLOB,
)
#: The classes a column of each affinity can keep as given (a REAL column makes every
#: integer a real, a TEXT column every number a text).
_KEPT = {
    "INTEGER": _EVERY,
    "NUMERIC": _EVERY,
    NONE: _EVERY,
    "REAL": (StorageClass.AUTO, StorageClass.REAL, StorageClass.TEXT, StorageClass.BLOB),
    "TEXT": (StorageClass.AUTO, StorageClass.TEXT, StorageClass.BLOB),
}
# Hex digits, in x'...' or bare, spaces between bytes allowed.
_HEX = re.compile(r"(?:[xX]'([0-9a-fA-F\s]*)'|([0-9a-fA-F\s]*))")


def storage_class_of(value: Any) -> StorageClass | None:
    """The class a value read from SQLite is stored in; None for NULL (or not SQLite's)."""
    if isinstance(value, bool):
        return StorageClass.INTEGER
    if isinstance(value, int):
        return StorageClass.INTEGER
    if isinstance(value, float):
        return StorageClass.REAL
    if isinstance(value, str):
        return StorageClass.TEXT
    if isinstance(value, bytes | bytearray | memoryview):
        return StorageClass.BLOB
    if isinstance(value, Preview):
        return StorageClass.BLOB if value.binary else StorageClass.TEXT
    return None


def affinity_of(column: ColumnInfo, *, strict: bool = False) -> str:
    """The affinity SQLite applies to ``column``: INTEGER, TEXT, REAL, NUMERIC, or BLOB
    for none (no declared type, ``BLOB``, and ``ANY`` in a STRICT table)."""
    if strict and column.type_name.strip().upper() == "ANY":
        return NONE
    return sqlite_affinity(column.type_name)


def storage_classes(
    column: ColumnInfo, dialect_name: str, *, strict: bool = False
) -> tuple[StorageClass, ...]:
    """The classes a person may choose for ``column`` (AUTO first); () where the column's
    type alone decides (the servers, SQLite's STRICT columns other than ANY, and a rowid
    alias: INTEGER PRIMARY KEY)."""
    if column.generated or (column.auto and dialect_name == "sqlite"):
        return ()  # a rowid alias holds integers only (SQLite refuses anything else)
    return _classes(column, dialect_name, strict)


def _classes(column: ColumnInfo, dialect_name: str, strict: bool) -> tuple[StorageClass, ...]:
    if dialect_name != "sqlite":
        return ()
    if strict and column.type_name.strip().upper() != "ANY":
        return ()
    return _KEPT[affinity_of(column, strict=strict)]


def mixes_text_and_numbers(column: ColumnInfo, dialect_name: str, strict: bool = False) -> bool:
    """Whether ``column`` may hold the text ``'1'`` beside the number 1 (or ``'inf'`` beside
    the real inf): where they must be drawn apart."""
    classes = _classes(column, dialect_name, strict)
    return StorageClass.TEXT in classes and StorageClass.REAL in classes


def starting_class(
    value: Any, column: ColumnInfo, classes: tuple[StorageClass, ...], *, strict: bool = False
) -> StorageClass:
    """The class an editor of ``value`` starts in: the value's own, so it keeps its class.

    AUTO where the column's type would give the value back as it is (1 in a BOOLEAN column
    is the choice *true*, ISO text in a DATE column a date), so typed editors keep their
    field; in a column without affinity, always the value's own class (but a BLOB column's
    BLOB in AUTO too: its editor replaces it from a file, never as megabytes of hex).
    """
    own = storage_class_of(value)
    if own is None or own not in classes:
        return StorageClass.AUTO
    kind = editor_kind(column, "sqlite")
    if kind is EditorKind.BLOB and own is StorageClass.BLOB:
        return StorageClass.AUTO  # a BLOB column's BLOB: replaced from a file, not as hex
    if affinity_of(column, strict=strict) == NONE:
        return own
    if kind is EditorKind.JSON and own is StorageClass.TEXT:
        return StorageClass.AUTO  # a document, edited as one (its spacing kept if untouched)
    try:
        again = parse_for_column(value_as_text(value, column, "sqlite"), column, "sqlite")
    except ValueError:
        return own
    if storage_class_of(again) is own and again == value:
        return StorageClass.AUTO
    return own


def parse_in_class(
    text: str, storage: StorageClass, column: ColumnInfo, *, strict: bool = False
) -> Any:
    """``text`` as a value of ``storage`` for a SQLite ``column``: exactly what SQLite will
    store, or :class:`BadValueError` (a sentence) when it is not one or would not stay one."""
    if storage is StorageClass.AUTO:
        return parse_for_column(text, column, "sqlite")
    value: Any
    match storage:
        case StorageClass.INTEGER:
            value = parse_value(text.strip(), ValueKind.INTEGER)
        case StorageClass.REAL:
            value = parse_real(text.strip(), "sqlite")
        case StorageClass.TEXT:
            value = text
        case StorageClass.BLOB:
            value = _hex(text)
    affinity = affinity_of(column, strict=strict)
    if affinity == NONE:
        return value
    kept = stored_by_sqlite(value, affinity)
    if storage_class_of(kept) is not storage:
        shown = repr(value) if isinstance(value, str) else str(value)
        raise BadValueError(
            f"a column of type {column.type_name or '(none)'} ({affinity} affinity) stores"
            f" the {storage.value} {shown} as the {storage_class_of(kept)} {kept!r}: choose"
            f" {storage_class_of(kept)} or auto"
        )
    return kept


def _hex(text: str) -> bytes:
    found = _HEX.fullmatch(text.strip())
    digits = "" if found is None else re.sub(r"\s", "", found.group(1) or found.group(2) or "")
    if found is None or len(digits) % 2:
        raise BadValueError("a BLOB is typed as hex digits, two per byte: x'00ff' or 00 ff")
    return bytes.fromhex(digits)


def stored_by_sqlite(value: Any, affinity: str) -> Any:
    """What a column of ``affinity`` keeps of ``value``, as SQLite itself converts it.

    The column type is one of the five affinity names, a fixed keyword, never user text.
    """
    if affinity not in _KEPT:
        raise ValueError(f"not an affinity: {affinity!r}")
    probe = value
    if isinstance(value, str):
        # Bytes that were not UTF-8 (kept as surrogates) cannot be bound as text; such text
        # is never a number, so any stand-in of them converts alike.
        probe = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute(f"CREATE TABLE t (v {affinity})")
        conn.execute("INSERT INTO t VALUES (?)", (probe,))
        kept = conn.execute("SELECT v FROM t").fetchone()[0]
    return value if isinstance(kept, str) and isinstance(value, str) else kept
