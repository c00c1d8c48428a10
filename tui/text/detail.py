"""The full text of one value: pretty JSON, wrapped text, a hex dump for BLOBs."""

from __future__ import annotations

import json
from typing import Any

from tui.text.cells import format_float, human_size


def hex_dump(data: bytes, limit: int = 64 * 1024) -> str:
    """Classic 16-bytes-a-line hex dump with an ASCII column (first ``limit`` bytes)."""
    lines = []
    for offset in range(0, min(len(data), limit), 16):
        chunk = data[offset : offset + 16]
        hex_part = " ".join(f"{b:02x}" for b in chunk).ljust(47)
        text_part = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset:08x}  {hex_part}  {text_part}")
    if len(data) > limit:
        lines.append(f"… {len(data) - limit:,} more bytes")
    return "\n".join(lines)


def python_type_label(value: Any) -> str:
    if value is None:
        return "NULL"
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
    return type(value).__name__


def full_text(value: Any) -> str:
    """Everything of the value, for reading and copying."""
    if value is None:
        return "NULL"
    if isinstance(value, bytes | bytearray | memoryview):
        return hex_dump(bytes(value))
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, dict | list):
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "[") and stripped[-1:] in ("}", "]"):
            try:
                return json.dumps(json.loads(stripped), indent=2, ensure_ascii=False)
            except ValueError:
                pass
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return str(value)


def copy_text(value: Any) -> str:
    """What the clipboard gets: the value itself (hex for BLOBs), not the pretty form."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return str(value)
