"""Writing one setting back into the config file, keeping everything else the user wrote.

The file is edited with tomlkit, which keeps comments, order and layout, and replaced
atomically (a temporary file in the same directory, flushed, then renamed over it), so a
crash or a full disk never leaves half a config file. A file that is not valid TOML is left
alone: overwriting it would lose what the user wrote.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from tui.settings.paths import config_path, shown


class StoreError(Exception):
    """The config file could not be updated; the message says why, for a person."""


def remember(key: str, value: Any, path: Path | None = None) -> Path:
    """Set the top-level ``key`` to ``value`` in the config file (created if missing)."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"cannot read {shown(path)}: {exc}") from None
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise StoreError(f"{shown(path)} is not valid TOML, left as it is: {exc}") from None
    if document.get(key) == value:
        return path
    if key in document:
        document[key] = value
        text = tomlkit.dumps(document)
    else:
        text = _insert_top(text, key, value)
        if tomlkit.parse(text).get(key) != value:  # pragma: no cover - a layout not foreseen
            raise StoreError(f"cannot add {key} to {shown(path)}: add it by hand")
    write_atomically(path, text)
    return path


def _insert_top(text: str, key: str, value: Any) -> str:
    """A new top-level key goes before the first table: after it, it would belong to it."""
    line = f"{key} = {tomlkit.item(value).as_string()}\n"
    lines = text.splitlines(keepends=True)
    for index, existing in enumerate(lines):
        if _TABLE.match(existing) and not _in_multiline_string(lines[:index]):
            return "".join([*lines[:index], line, "\n", *lines[index:]])
    if text and not text.endswith("\n"):
        text += "\n"
    return text + line


_TABLE = re.compile(r"\s*\[")


def _in_multiline_string(lines: list[str]) -> bool:
    text = "".join(lines)
    return (text.count('"""') % 2 == 1) or (text.count("'''") % 2 == 1)


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` all at once, keeping its permissions (0600 when new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o600
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
