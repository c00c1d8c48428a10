"""Recently opened databases: ``$XDG_STATE_HOME/dbbrowse/recent.json``, newest first.

Each entry is what the command line accepts to open it again: a SQLite file's absolute path,
a URL without a password, or ``@name`` of a saved connection. A URL with a password is never
remembered (its password would be written to a file); its saved connection is.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from tui.settings.paths import recent_path

log = logging.getLogger("dbbrowse")


def recent(path: Path | None = None) -> list[str]:
    """The remembered databases, newest first; an unreadable file counts as none."""
    path = path or recent_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        log.warning("recent databases not read from %s: %s", path, exc)
        return []
    entries = data.get("recent") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return []
    return [entry for entry in entries if isinstance(entry, str) and entry]


def remember(entry: str, limit: int, path: Path | None = None) -> None:
    """Put ``entry`` first (once), keeping at most ``limit`` entries; 0 forgets them all."""
    path = path or recent_path()
    if _has_password(entry):
        return
    from tui.settings.store import write_atomically  # tomlkit: not on the way to the UI

    entries = [entry, *(other for other in recent(path) if other != entry)][: max(limit, 0)]
    try:
        write_atomically(path, json.dumps({"recent": entries}, indent=1) + "\n")
    except OSError as exc:  # remembering is a convenience: never a reason to fail
        log.warning("recent databases not written to %s: %s", path, exc)


def _has_password(entry: str) -> bool:
    if "://" not in entry:
        return False
    from sqlalchemy.exc import ArgumentError

    from app.engines import parse_url

    try:
        return parse_url(entry).password is not None
    except ArgumentError:
        return True  # cannot tell: do not write it
