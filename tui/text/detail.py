"""The full text of one value: pretty JSON, wrapped and escaped lines, a hex dump for BLOBs.

A long value is shown a part at a time: :func:`text_lines` and :func:`hex_lines` turn one
loaded part into screen lines, so their cost depends on the part, never on the whole value.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from rich.cells import chop_cells
from rich.text import Text

from tui.db.decimals import decimal_text
from tui.db.model import Preview
from tui.db.pg_types import Infinite, JsonScalar, json_default
from tui.text.cells import format_float, human_size
from tui.text.escape import ESCAPE_STYLE, append_name, escape_runs

HEX_WIDTH = 16  # bytes per hex dump line


def text_lines(text: str, width: int, *, whole: bool = False) -> list[Text]:
    """``text`` as screen lines of at most ``width`` cells: escaped, hard-wrapped.

    Newlines break lines; every other control or invisible character is a visible escape.
    With ``whole`` (``text`` is the whole value, not a part of it), a value that would look
    blank gets the grid's markers: ``⟨empty⟩`` for ``''``, ``·`` for each space (``⇥``, ``⏎``
    for tabs and newlines), so ``''``, ``' '`` and ``'\t'`` never show as an empty page.
    """
    width = max(width, 1)
    if whole and (not text or text.isspace()):
        return _wrapped(append_name(Text(no_wrap=True), text), width)
    lines: list[Text] = []
    for logical in text.split("\n"):
        line = Text(no_wrap=True)
        for run, is_escape in escape_runs(logical):
            line.append(run, ESCAPE_STYLE if is_escape else "")
        lines.extend(_wrapped(line, width))
    return lines


def _wrapped(line: Text, width: int) -> list[Text]:
    """One logical line cut into screen lines of at most ``width`` cells."""
    plain = line.plain
    if len(plain) <= width and plain.isascii():
        return [line]
    offsets, at = [], 0
    for piece in chop_cells(plain, width):
        at += len(piece)
        offsets.append(at)
    return list(line.divide(offsets[:-1])) if offsets else [line]


def hex_lines(data: bytes, offset: int = 0) -> list[Text]:
    """Hex dump lines (16 bytes each, with an ASCII column) of ``data`` found at ``offset``."""
    lines = []
    for start in range(0, len(data), HEX_WIDTH):
        chunk = data[start : start + HEX_WIDTH]
        hex_part = " ".join(f"{b:02x}" for b in chunk).ljust(HEX_WIDTH * 3 - 1)
        text_part = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        line = Text(no_wrap=True)
        line.append(f"{offset + start:08x}  ", style="dim")
        line.append(f"{hex_part}  {text_part}")
        lines.append(line)
    return lines


def python_type_label(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, Preview):
        if isinstance(value.head, bytes):
            return f"BLOB, {human_size(value.size)} ({value.size:,} bytes)"
        return f"TEXT, {value.size:,} characters"
    if isinstance(value, bytes | bytearray | memoryview):
        return f"BLOB, {human_size(len(bytes(value)))} ({len(bytes(value)):,} bytes)"
    if isinstance(value, str):
        invalid = sum(1 for ch in value if 0xDC80 <= ord(ch) <= 0xDCFF)
        note = f", {invalid} byte(s) not valid UTF-8" if invalid else ""
        return f"TEXT, {len(value):,} characters{note}"
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "INTEGER"
    if isinstance(value, float):
        return "REAL"
    if isinstance(value, dict | list | JsonScalar):
        return "JSON" if not isinstance(value, list) else "JSON or ARRAY"
    if isinstance(value, Infinite):
        return "infinite date/time"
    return type(value).__name__


def full_text(value: Any) -> str:
    """Everything of the value, for reading and copying."""
    if value is None:
        return "NULL"
    if isinstance(value, bytes | bytearray | memoryview):
        return "\n".join(line.plain for line in hex_lines(bytes(value)))
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, dict | list):
        return json.dumps(value, indent=2, ensure_ascii=False, default=json_default)
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "[") and stripped[-1:] in ("}", "]"):
            try:
                return json.dumps(json.loads(stripped), indent=2, ensure_ascii=False)
            except ValueError:
                pass
        # As it is: a byte that is not UTF-8 (a lone surrogate) is escaped where it is shown,
        # as the grid shows it (\xff), never turned into the typed text "\xff" first.
        return value
    if isinstance(value, Decimal):
        return decimal_text(value)
    return str(value)


def copy_text(value: Any) -> str:
    """What the clipboard gets: the value itself (hex for BLOBs), not the pretty form."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if isinstance(value, dict | list):
        # JSON text (a jsonb object, an array), never Python's repr ({'a': None}).
        return json.dumps(value, ensure_ascii=False, default=json_default)
    if isinstance(value, Decimal):
        return decimal_text(value)
    return str(value)


def value_body(value: Any) -> str | bytes:
    """What the detail view pages through: a BLOB's bytes, text (JSON pretty), or words."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return full_text(value)


def value_bytes(value: Any) -> bytes:
    """What a saved file holds: a BLOB's bytes, text as UTF-8 (bytes that were not UTF-8
    written back as they were), anything else as its full text."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return full_text(value).encode("utf-8", "surrogateescape")
