"""Why SQLite would not open (or write) a database file, in words, with what to do about it.

SQLite's extended result codes say exactly what went wrong ("attempt to write a readonly
database" covers five different situations); the files beside the database say which one of
them a person is in. Every function here only stats files: none opens the database.
"""

from __future__ import annotations

import os
from pathlib import Path

from tui.db.status import file_status
from tui.db.wal_explain import exact_size

# Extended result codes (sqlite3.h).
SQLITE_CANTOPEN = 14
SQLITE_IOERR = 10
SQLITE_READONLY = 8
SQLITE_READONLY_RECOVERY = 8 | (1 << 8)
SQLITE_READONLY_CANTLOCK = 8 | (2 << 8)
SQLITE_READONLY_ROLLBACK = 8 | (3 << 8)
SQLITE_READONLY_CANTINIT = 8 | (5 << 8)
SQLITE_READONLY_DIRECTORY = 8 | (6 << 8)


def error_code(exc: BaseException) -> int | None:
    """The extended SQLite result code of an error (or of the DBAPI error it wraps)."""
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlite_errorcode", None)
    return code if isinstance(code, int) else None


def _size(value: int | None) -> str:
    if value is None:
        return "absent"
    return exact_size(value)


def unwritable(path: Path) -> list[str]:
    """The database's directory and companion files this user may not write, in words."""
    found = []
    directory = path.parent
    if not os.access(directory, os.W_OK):
        found.append(f"the directory {directory} is read-only for this user")
    for suffix in ("", "-wal", "-shm", "-journal"):
        name = f"{path}{suffix}"
        if os.path.exists(name) and not os.access(name, os.W_OK):
            found.append(f"{Path(name).name} is read-only for this user")
    return found


def explain_open_error(exc: BaseException, path: Path, *, read_only: bool) -> str | None:
    """A sentence for a failure to open ``path``; None when there is nothing better to say."""
    code = error_code(exc)
    if code is None:
        return None
    name = path.name
    files = file_status(path)
    reason = str(getattr(exc, "orig", None) or exc)
    if code == SQLITE_READONLY_ROLLBACK or (
        code & 0xFF == SQLITE_READONLY and files.hot_journal_suspected
    ):
        how = (
            "it was opened with --read-only, so SQLite may not"
            if read_only
            else "this user may not write it (" + "; ".join(unwritable(path)) + ")"
        )
        return (
            f"{name} has a hot journal: {name}-journal ({_size(files.journal_bytes)}) holds the"
            " original pages of a write that was interrupted (a crash or a killed writer)."
            " SQLite must put them back before anyone can read the database consistently, and"
            f" {how}. Open it once without --read-only as a user who may write the file and"
            " its directory (SQLite rolls the interrupted write back; nothing committed is"
            f" lost), or copy {name} and {name}-journal together to a writable place and open"
            f" the copy. ({reason})"
        )
    if code in (SQLITE_READONLY_DIRECTORY, SQLITE_READONLY_CANTINIT, SQLITE_READONLY_RECOVERY):
        wal = (
            f"{name}-wal holds {_size(files.wal_bytes)} of changes not yet in the database file"
            if files.wal_bytes
            else f"there is no {name}-wal, so nothing would be missed"
        )
        need = (
            f"it needs a wal-index ({name}-shm) beside it to read a WAL database, and cannot"
            " create or rebuild it: " + "; ".join(unwritable(path) or ["it is not writable"])
        )
        return (
            f"SQLite cannot open {name}: {need}. Ask for write access to the directory, copy"
            f" {name} with its -wal to a writable place and open the copy, or open it in"
            f" SQLite's immutable mode with `dbbrowse --immutable {path}`, knowing that the WAL"
            f" is then ignored ({wal}). ({reason})"
        )
    if code & 0xFF == SQLITE_IOERR and not files.wal_bytes:
        lost = _wal_gone(path)
        if lost is not None:
            return f"SQLite cannot read {name}: {lost} ({reason})"
    if code & 0xFF == SQLITE_CANTOPEN:
        problems = unwritable(path)
        if not os.path.exists(path):
            return f"{path} no longer exists: it was deleted or moved. ({reason})"
        extra = f" ({'; '.join(problems)})" if problems else ""
        return (
            f"SQLite cannot open {name}{extra}: check that this user may read the file and its"
            f" -wal/-shm, and write the directory if the database is in WAL mode. ({reason})"
        )
    return None


def _wal_gone(path: Path) -> str | None:
    """Words for a -wal that is gone while the wal-index still counts committed frames."""
    from tui.db.recovery import open_by_others
    from tui.db.shm import read_shm

    try:
        shm = read_shm(f"{path}-shm")
    except OSError:
        return None
    if shm is None or not shm.is_init or shm.max_frame == 0:
        return None
    holders = open_by_others(path)
    who = ", ".join(h.describe() for h in holders) or "no process that shows a lock"
    return (
        f"{path.name}-wal is gone (deleted or emptied), but the wal-index ({path.name}-shm)"
        f" still counts {shm.max_frame:,} committed frames: those commits live only in the"
        f" deleted file while a process keeps it open. Still holding the database: {who}."
        " Have one of them run a checkpoint before it exits, or copy the file from"
        " /proc/PID/fd of one of them; once the last closes it, those commits are lost."
    )


def explain_write_error(exc: BaseException, path: Path) -> str | None:
    """Which file made a write fail (a read-only -wal, -shm, directory), or None."""
    code = error_code(exc)
    if code is None or code & 0xFF not in (SQLITE_IOERR, SQLITE_READONLY, SQLITE_CANTOPEN):
        return None
    problems = unwritable(path)
    if not problems:
        return None
    return "; ".join(problems) + " (SQLite must write or delete it for this)"
