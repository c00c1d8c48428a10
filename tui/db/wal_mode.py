"""Whether a SQLite file is in WAL mode at all, read from its header (never by opening it).

Bytes 18 and 19 of the database header (the file format's write and read versions) are 2 in
WAL mode and 1 in the rollback-journal modes (DELETE, TRUNCATE, PERSIST, MEMORY, OFF). A
database in a rollback-journal mode keeps no write-ahead log, so it has no history to show and
no past state to go back to: :func:`no_wal_reason` says so, and how to get one.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["no_wal_reason"]

_HEADER = b"SQLite format 3\x00"


def no_wal_reason(db_path: str | os.PathLike[str]) -> str | None:
    """Why ``db_path`` has no WAL history, for a person; None when it is in WAL mode (or its
    header cannot be read: the caller's own reading then says what is wrong)."""
    path = Path(db_path)
    try:
        with path.open("rb") as file:
            head = file.read(20)
    except OSError:
        return None
    if len(head) < 20 or not head.startswith(_HEADER) or head[18:20] != b"\x01\x01":
        return None
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return None  # a WAL left by a crash, not yet replayed: its frames are still readable
    return (
        f"{path.name} is not in WAL mode (its journal_mode is a rollback journal, such as "
        "DELETE): there is no write-ahead log, so there is no history of commits and no past "
        "state to go back to. To keep one from now on, switch it to WAL mode: "
        f"sqlite3 {path.name} 'PRAGMA journal_mode=WAL'"
    )
