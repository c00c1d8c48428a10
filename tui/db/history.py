"""Every statement the console ran, per database, kept in the user's data directory.

``$XDG_DATA_HOME/dbbrowse/history.jsonl`` (``~/.local/share/dbbrowse/history.jsonl`` when
the variable is unset or not absolute): one JSON object per line with the database (a
SQLite file's absolute path, or the URL with its password masked), the time (UTC, ISO
8601), the statement, its outcome in words and how long it took. Appended, never
rewritten; read newest first. Nothing is kept with ``DBBROWSE_NO_HISTORY=1``.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tui.db.target import Target

__all__ = [
    "Entry",
    "database_key",
    "entries",
    "history_path",
    "record",
    "save_query",
    "saved_queries",
    "search",
]


def data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".local" / "share"
    return root / "dbbrowse"


def history_path() -> Path:
    return data_dir() / "history.jsonl"


@dataclass(frozen=True)
class Entry:
    database: str
    at: str
    sql: str
    outcome: str
    milliseconds: int


def database_key(target: Target) -> str:
    """What names a database in the history: its file, or its URL without the password."""
    if target.sqlite_path is not None:
        return str(target.sqlite_path.expanduser().resolve())
    from app.engines import mask_url

    return mask_url(target.url)


def _append(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8", errors="surrogateescape") as out:
        out.write(line + "\n")


async def record(source: object, sql: str, outcome: str, seconds: float) -> None:
    """Add a statement to the history (best effort: a history that cannot be written is
    logged, never in the user's way)."""
    if os.environ.get("DBBROWSE_NO_HISTORY") == "1":
        return
    target = getattr(source, "target", None)
    if not isinstance(target, Target):
        return
    entry = {
        "database": database_key(target),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sql": sql,
        "outcome": outcome,
        "ms": round(seconds * 1000),
    }
    try:
        await asyncio.to_thread(_append, history_path(), json.dumps(entry, ensure_ascii=False))
    except OSError:
        import logging

        logging.getLogger("dbbrowse").warning("could not write the SQL history", exc_info=True)


def _lines(path: Path) -> Iterator[str]:
    try:
        with path.open(encoding="utf-8", errors="surrogateescape") as source:
            yield from source
    except FileNotFoundError:
        return


def entries(database: str, path: Path | None = None, limit: int = 1000) -> list[Entry]:
    """The newest ``limit`` statements run on ``database``, newest first (repeats once)."""
    found: list[Entry] = []
    for line in _lines(path or history_path()):
        try:
            raw = json.loads(line)
        except ValueError:
            continue  # a line cut by a crash: the others are still good
        if not isinstance(raw, dict) or raw.get("database") != database:
            continue
        found.append(
            Entry(
                database,
                str(raw.get("at", "")),
                str(raw.get("sql", "")),
                str(raw.get("outcome", "")),
                int(raw.get("ms", 0) or 0),
            )
        )
    newest: list[Entry] = []
    seen: set[str] = set()
    for entry in reversed(found):
        if entry.sql not in seen:
            seen.add(entry.sql)
            newest.append(entry)
        if len(newest) >= limit:
            break
    return newest


def search(found: list[Entry], words: str) -> list[Entry]:
    """Entries whose statement holds every word of ``words`` (case-insensitive)."""
    wanted = words.casefold().split()
    return [e for e in found if all(w in e.sql.casefold() for w in wanted)]


# -- saved queries -----------------------------------------------------------------------------
def saved_path() -> Path:
    return data_dir() / "saved_queries.json"


def _read_saved(path: Path) -> dict[str, dict[str, str]]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def saved_queries(database: str, path: Path | None = None) -> dict[str, str]:
    """The queries saved for ``database``, by name."""
    by_database = _read_saved(path or saved_path()).get(database, {})
    return {str(k): str(v) for k, v in by_database.items()} if isinstance(by_database, dict) else {}


def save_query(database: str, name: str, sql: str, path: Path | None = None) -> None:
    """Keep ``sql`` under ``name`` for ``database`` (a name saved again is replaced)."""
    target = path or saved_path()
    saved = _read_saved(target)
    saved.setdefault(database, {})[name] = sql
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}")
    temp.write_text(json.dumps(saved, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temp, target)
