"""How database values look in a one-line grid cell: literal, distinct and never interpreted.

Values become a list of ``(text, Part)`` pieces; the grid maps each part to a style from its
``.tcss`` component classes. NULL is not the empty string, a BLOB is not text, control
characters and undecodable bytes are shown as escapes, and markup-looking text stays text.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Any

from rich.cells import cell_len

ELLIPSIS = "…"
_VISIBLE_CONTROLS = {"\n": "⏎", "\r": "␍", "\t": "⇥"}


class Part(StrEnum):
    TEXT = "text"
    NULL = "null"
    NUMBER = "number"
    BLOB = "blob"
    ESCAPE = "escape"
    ELLIPSIS = "ellipsis"
    MISSING = "missing"


Pieces = list[tuple[str, Part]]


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
    run: list[str] = []
    used = 0
    consumed = 0
    for char in text:
        code = ord(char)
        if char in _VISIBLE_CONTROLS:
            shown, part = _VISIBLE_CONTROLS[char], Part.ESCAPE
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            shown, part = f"\\x{code - 0xDC00:02x}", Part.ESCAPE
        elif code < 0x20 or 0x7F <= code < 0xA0:
            shown, part = f"\\x{code:02x}", Part.ESCAPE
        elif 0xD800 <= code <= 0xDFFF or code in (0x200B, 0xFEFF, 0x2028, 0x2029):
            shown, part = f"\\u{code:04x}", Part.ESCAPE
        else:
            shown, part = char, Part.TEXT
        width = cell_len(shown)
        if used + width > limit:
            break
        used += width
        consumed += 1
        if part is Part.TEXT:
            run.append(shown)
            continue
        if run:
            pieces.append(("".join(run), Part.TEXT))
            run = []
        pieces.append((shown, part))
    if run:
        pieces.append(("".join(run), Part.TEXT))
    return pieces, consumed


def value_text(value: Any) -> tuple[str, Part]:
    """The full one-piece text of a non-text value, and its part."""
    if value is None:
        return "NULL", Part.NULL
    if isinstance(value, bool):
        return ("true" if value else "false"), Part.NUMBER
    if isinstance(value, float):
        return format_float(value), Part.NUMBER
    if isinstance(value, int | Decimal):
        return str(value), Part.NUMBER
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return f"<blob {human_size(len(data))}> {data[:4].hex(' ')}".rstrip(), Part.BLOB
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat(), (
            Part.TEXT
        )
    if isinstance(value, uuid.UUID):
        return str(value), Part.TEXT
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str), Part.TEXT
    return str(value), Part.TEXT


def cell_pieces(value: Any, width: int) -> Pieces:
    """At most ``width`` cells of ``value`` for a grid cell, with an ellipsis when cut."""
    if width <= 0:
        return []
    if isinstance(value, str):
        text, part = value, Part.TEXT
    else:
        text, part = value_text(value)
        if part is not Part.TEXT:
            if cell_len(text) > width:
                return [(text[: max(width - 1, 0)], part), (ELLIPSIS, Part.ELLIPSIS)]
            return [(text, part)]
    pieces, consumed = _escape_pieces(text, width)
    if consumed < len(text):
        # Something was cut: make room for the ellipsis.
        pieces, _ = _escape_pieces(text, max(width - 1, 0))
        pieces.append((ELLIPSIS, Part.ELLIPSIS))
    return pieces


def natural_width(value: Any, cap: int) -> int:
    """How wide the value would like its column, up to ``cap``."""
    return sum(cell_len(t) for t, _ in cell_pieces(value, cap))
