"""How database values look in a one-line grid cell: literal, distinct and never interpreted.

Values become a list of ``(text, Part)`` pieces; the grid maps each part to a style from its
``.tcss`` component classes. NULL is not the empty string, a BLOB is not text, control
characters and undecodable bytes are shown as escapes, and markup-looking text stays text.

Values that would look alike get markers: NULL is ``∅ NULL`` (the text ``'NULL'`` is just
``NULL``), the empty text is ``⟨empty⟩``, and text of only whitespace shows each space as
``·`` (tabs ``⇥``, newlines ``⏎``), so ``''``, ``' '`` and ``'  '`` differ at a glance;
leading and trailing whitespace of a short text is marked the same way (``x·``).
Numbers are shown exactly: integers of any size, floats by their shortest round-trip form
(``-0.0``, ``NaN``, ``inf``), decimals as stored. In a column that may hold numbers and text
alike (SQLite: no affinity, or one that leaves some text as text), text that reads as a number
is quoted with marker quotes (``'1'``, ``'inf'``), so it is told from the number ``1`` it
would otherwise look like (``quote_numbers``; elsewhere text is quoted everywhere, see
:mod:`tui.text.literal`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Any

from rich.cells import cell_len

from tui.db.decimals import decimal_text
from tui.db.model import Preview
from tui.db.pg_types import JsonScalar, json_default
from tui.text.escape import escape_runs, name_plain

ELLIPSIS = "…"
NULL_MARK = "∅ NULL"
#: What a NULL looks like now: the config file's ``null_text`` (see :func:`use_null_text`).
_null_text = NULL_MARK


class Part(StrEnum):
    TEXT = "text"
    NULL = "null"
    NUMBER = "number"
    BLOB = "blob"
    ESCAPE = "escape"
    ELLIPSIS = "ellipsis"
    MISSING = "missing"
    MARKER = "marker"  # stands for a value that would otherwise look blank


Pieces = list[tuple[str, Part]]

# What a number looks like when it is drawn (format_float, str of int and Decimal, booleans).
_NUMBER_LIKE = re.compile(
    r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(nan|inf|infinity)|true|false",
    re.IGNORECASE | re.ASCII,
)


def looks_like_number(text: str) -> bool:
    """Whether ``text`` would read as a number (or boolean) where numbers are drawn bare."""
    return len(text) <= 400 and bool(_NUMBER_LIKE.fullmatch(text))


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def is_numeric(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def format_float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)


def _escape_pieces(text: str, limit: int) -> tuple[Pieces, int]:
    """Plain runs and visible escapes of ``text`` within ``limit`` cells, and chars consumed."""
    pieces: Pieces = []
    used = 0
    consumed = 0
    for run, is_escape in escape_runs(text):
        part = Part.ESCAPE if is_escape else Part.TEXT
        width = cell_len(run)
        if used + width <= limit:
            pieces.append((run, part))
            used += width
            consumed += 1 if is_escape else len(run)
            continue
        if not is_escape:
            # Part of a plain run fits: take characters while they do.
            taken = []
            for char in run:
                char_width = cell_len(char)
                if used + char_width > limit:
                    break
                taken.append(char)
                used += char_width
            if taken:
                pieces.append(("".join(taken), part))
                consumed += len(taken)
        break
    return pieces, consumed


def use_null_text(text: str = NULL_MARK) -> None:
    """Show NULL as ``text`` from now on (the app sets the user's choice when it starts).

    A NULL keeps its own part (styled apart from text) whatever its words.
    """
    global _null_text
    _null_text = text


def value_text(value: Any) -> tuple[str, Part]:
    """The full one-piece text of a non-text value, and its part."""
    if value is None:
        return _null_text, Part.NULL
    if isinstance(value, bool):
        return ("true" if value else "false"), Part.NUMBER
    if isinstance(value, float):
        return format_float(value), Part.NUMBER
    if isinstance(value, Decimal):
        return decimal_text(value), Part.NUMBER
    if isinstance(value, int):
        return str(value), Part.NUMBER
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return f"<blob {human_size(len(data))}> {data[:4].hex(' ')}".rstrip(), Part.BLOB
    if isinstance(value, Preview) and isinstance(value.head, bytes):
        return f"<blob {human_size(value.size)}> {value.head[:4].hex(' ')}".rstrip(), Part.BLOB
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat(), (
            Part.TEXT
        )
    if isinstance(value, uuid.UUID):
        return str(value), Part.TEXT
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=json_default), Part.TEXT
    if isinstance(value, JsonScalar):
        return value.text, Part.TEXT  # null and "str" as JSON: not SQL's NULL, not bare text
    return str(value), Part.TEXT


def _cut(text: str, part: Part, width: int) -> Pieces:
    if cell_len(text) > width:
        return [(text[: max(width - 1, 0)], part), (ELLIPSIS, Part.ELLIPSIS)]
    return [(text, part)]


def cell_pieces(
    value: Any, width: int, *, markers: bool = True, quote_numbers: bool = False
) -> Pieces:
    """At most ``width`` cells of ``value`` for a grid cell, with an ellipsis when cut.

    With ``markers`` (values and names), empty and whitespace-only text is marked; without
    (declared types), it is only escaped. With ``quote_numbers``, text that reads as a number
    is drawn between marker quotes (``'1'``), told apart from the number.
    """
    if width <= 0:
        return []
    if quote_numbers and isinstance(value, str) and looks_like_number(value):
        if len(value) + 2 <= width:
            return [("'", Part.MARKER), (value, Part.TEXT), ("'", Part.MARKER)]
        return [("'", Part.MARKER), *_cut(value, Part.TEXT, width - 1)]
    if isinstance(value, Preview) and isinstance(value.head, str):
        return _preview_pieces(value.head, value.size, width)
    if isinstance(value, str) and markers and (not value or value.isspace()):
        return _cut(name_plain(value[: width + 1]), Part.MARKER, width)
    if isinstance(value, str) and markers and len(value) <= width and value != value.strip():
        return _edged_pieces(value, width)
    if isinstance(value, str):
        text, part = value, Part.TEXT
    else:
        text, part = value_text(value)
        if part is not Part.TEXT:
            return _cut(text, part, width)
    # Only a prefix can show: never scan a long value whole on every frame.
    head = text[: width * 4 + 8]
    pieces, consumed = _escape_pieces(head, width)
    if consumed < len(text):
        # Something was cut: make room for the ellipsis.
        pieces, _ = _escape_pieces(head, max(width - 1, 0))
        pieces.append((ELLIPSIS, Part.ELLIPSIS))
    return pieces


def _edged_pieces(text: str, width: int) -> Pieces:
    """Text with leading or trailing whitespace: those spaces shown as markers (``x·``), so
    that ``'x'``, ``'x '`` and ``' x'`` differ (a key with a trailing space is another key)."""
    core = text.strip()
    start = text.index(core[0])
    lead, trail = text[:start], text[start + len(core) :]
    pieces: Pieces = [(name_plain(lead), Part.MARKER)] if lead else []
    core_pieces, consumed = _escape_pieces(core, width)
    pieces.extend(core_pieces)
    if trail:
        pieces.append((name_plain(trail), Part.MARKER))
    if consumed < len(core) or sum(cell_len(t) for t, _ in pieces) > width:
        return _cut("".join(t for t, _ in pieces), Part.TEXT, width)
    return pieces


def _preview_pieces(head: str, size: int, width: int) -> Pieces:
    """The start of a long text, cut, and its true length: ``lorem ipsum… (1,048,576 ch)``."""
    suffix = f" ({size:,} ch)"
    room = width - cell_len(suffix) - 1
    if room < 4:
        suffix, room = "", width - 1
    pieces, _ = _escape_pieces(head[: room * 4 + 8], max(room, 0))
    pieces.append((ELLIPSIS, Part.ELLIPSIS))
    if suffix:
        pieces.append((suffix, Part.MARKER))
    return pieces


def natural_width(value: Any, cap: int, *, quote_numbers: bool = False) -> int:
    """How wide the value would like its column, up to ``cap``."""
    return sum(cell_len(t) for t, _ in cell_pieces(value, cap, quote_numbers=quote_numbers))
