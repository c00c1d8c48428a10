"""One value on one line, written so that values of different storage classes never look alike.

The convention, wherever a value is shown inline (the pending-changes panel, the conflict
dialog, a row's key, the cell editor's current value and what it will store): **text is an
SQL string literal**, quoted, a quote inside it doubled (``'1'``, ``'O''Brien'``), and
**numbers are bare** (``1``, ``1.0``, ``-0.0``, ``inf``), so the text ``'1'``, the integer
``1`` and the real ``1.0`` never read alike. Values that would look blank keep the grid's
markers, unquoted: ``∅ NULL`` for NULL, ``⟨empty⟩`` for the empty text, ``·`` for each space
of a text of only spaces; a BLOB is ``<blob 2 B> 00 ff``. Control and invisible characters are
escapes (see :mod:`tui.text.cells`). Where a value stands alone (the cell editor, the cell
detail view) its storage class is named as well (:func:`class_name`).

The grid, where every column would otherwise be full of quotes, quotes only text that reads
as a number, and only in columns that may hold both (see ``quote_numbers`` in
:func:`tui.text.cells.cell_pieces`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from rich.text import Text

from tui.db.model import Preview
from tui.db.pg_types import Infinite, JsonScalar
from tui.text.cells import Part, cell_pieces

#: How wide one value may be in a line, unless told otherwise.
VALUE_WIDTH = 60
STYLES = {
    Part.NULL: "dim italic",
    Part.MARKER: "dim italic",
    Part.ESCAPE: "reverse",
    Part.ELLIPSIS: "dim",
    Part.BLOB: "italic",
}


def append_value(target: Text, value: Any, width: int = VALUE_WIDTH) -> Text:
    """One value on one line: text as a quoted literal, numbers bare, markers for blanks."""
    pieces = cell_pieces(value, width)
    quote = isinstance(value, str) and value != "" and not value.isspace()
    if quote:
        target.append("'")
    for text, part in pieces:
        if quote and part is Part.TEXT:
            text = text.replace("'", "''")
        target.append(text, STYLES.get(part, ""))
    if quote:
        target.append("'")
    return target


def append_sized_value(target: Text, value: Any, width: int = VALUE_WIDTH) -> Text:
    """:func:`append_value`, saying the full size of what is shortened: ``'abc…' (12,345
    chars)`` for a cut text, and a BLOB as its exact byte count (``<blob 123,456 bytes> 00 01
    …``), where a change is read and a rounded size would hide one."""
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        size = len(data)
        target.append(f"<blob {size:,} byte{'' if size == 1 else 's'}>", STYLES[Part.BLOB])
        if data:
            head = data[:4].hex(" ") + (" …" if size > 4 else "")
            target.append(f" {head}", STYLES[Part.BLOB])
        return target
    append_value(target, value, width)
    if isinstance(value, str) and any(
        part is Part.ELLIPSIS for _, part in cell_pieces(value, width)
    ):
        target.append(f" ({len(value):,} chars)", "dim")
    return target


def value_text(value: Any, width: int = VALUE_WIDTH) -> Text:
    return append_value(Text(), value, width)


def class_name(value: Any) -> str:
    """The storage class (or type) of a value, in words: ``text``, ``integer``, ``real``…"""
    if value is None:
        return "NULL"
    if isinstance(value, Preview):
        return "blob" if value.binary else "text"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "real"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bytes | bytearray | memoryview):
        return "blob"
    if isinstance(value, Decimal):
        return "decimal"
    if isinstance(value, Infinite):
        return "infinite date/time"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    if isinstance(value, uuid.UUID):
        return "uuid"
    if isinstance(value, dict | list | JsonScalar):
        return "json"
    return type(value).__name__


__all__ = [
    "STYLES",
    "VALUE_WIDTH",
    "append_sized_value",
    "append_value",
    "class_name",
    "value_text",
]
