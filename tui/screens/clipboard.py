"""Copy text out of the terminal: the clipboard (OSC 52), and a file that always works.

Terminals that ignore OSC 52 (or a tmux without ``set-clipboard on``) give no sign of it, so
every copy is also written to ``clipboard.txt`` in dbbrowse's state directory, and the
notice says where. Text is written as it is, bytes that were not UTF-8 included.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from textual.screen import Screen

from tui.logs import state_dir


def clipboard_file() -> Path:
    return state_dir() / "clipboard.txt"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    temp.write_bytes(text.encode("utf-8", "surrogateescape"))
    os.replace(temp, path)


async def copy_out(screen: Screen[Any], text: str, what: str) -> None:
    """Send ``text`` to the clipboard and to :func:`clipboard_file`, then say so."""
    # OSC 52 carries text: bytes that were not UTF-8 go as replacement characters there.
    screen.app.copy_to_clipboard(text.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
    path = clipboard_file()
    try:
        await asyncio.to_thread(_write, path, text)
    except OSError as exc:
        screen.notify(
            f"{what} copied to the clipboard ({len(text):,} characters); could not write "
            f"{path}: {exc.strerror or exc}",
            markup=False,
            severity="warning",
        )
        return
    screen.notify(
        f"{what} copied to the clipboard ({len(text):,} characters); also in {path}",
        markup=False,
    )
