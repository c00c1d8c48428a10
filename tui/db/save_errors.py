"""Why a save failed, in a sentence that names the constraint, trigger or lock holder.

The engines already name most things: SQLite says ``UNIQUE constraint failed: t.x``,
``CHECK constraint failed: name``, and a trigger's ``RAISE`` text; PostgreSQL reports the
constraint in its diagnostics; MariaDB names it in the message. What is added here: which
change failed, the trigger whose RAISE text it was (SQLite), and for "database is locked" the
process holding the write lock where this machine lets us see it (the ``-shm`` lock bytes in
WAL mode, ``/proc/locks`` for a rollback journal; never by opening the database file, whose
close would drop this process's own locks).
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from tui.db.edits import CellEdit, Change, RowDelete, RowInsert
from tui.db.locks import command_line, probe_wal_locks
from tui.db.values import RowKey

__all__ = ["describe_change", "explain_error", "lock_holder"]

# SQLite locks the byte range from PENDING (0x40000000): PENDING, RESERVED, then SHARED.
_PENDING_BYTE = 0x40000000
_SHARED_FIRST, _SHARED_SIZE = _PENDING_BYTE + 2, 510
_CLASS_PREFIX = re.compile(r"^<class '[\w.]+'>: ")
_TRIGGER_CONTEXT = re.compile(r"PL/pgSQL function ([\w.$\"]+)\(")


def _key_text(key: RowKey) -> str:
    return ", ".join(f"{name}={value!r}" for name, value in zip(key.names, key.values, strict=True))


def describe_change(change: Change) -> str:
    """``customers (id=1), column email`` / ``a new row of orders`` / ``deleting ...``."""
    if isinstance(change, CellEdit):
        return f"{change.table} ({_key_text(change.key)}), column {change.column}"
    if isinstance(change, RowInsert):
        return f"a new row of {change.table}"
    assert isinstance(change, RowDelete)
    return f"deleting {change.table} ({_key_text(change.key)})"


def _message(orig: BaseException) -> str:
    args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
    if len(args) >= 2 and isinstance(args[0], int) and isinstance(args[1], str):
        return args[1]  # MySQL drivers: (code, message)
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    # SQLAlchemy's asyncpg adapter prefixes the driver's exception class.
    return _CLASS_PREFIX.sub("", first)


def _locked(orig: BaseException, message: str) -> bool:
    name = getattr(orig, "sqlite_errorname", "") or ""
    lowered = message.lower()
    return (
        name.startswith("SQLITE_BUSY")
        or "database is locked" in lowered
        or "lock wait timeout" in lowered
        or "could not obtain lock" in lowered
    )


async def explain_error(conn: AsyncConnection, exc: SQLAlchemyError, change: Change | None) -> str:
    """A sentence for ``exc`` raised while saving ``change``; reads the catalog (a trigger's
    name, the database file) only on ``conn`` outside any transaction."""
    orig: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
    message = _message(orig)
    prefix = f"{describe_change(change)}: " if change is not None else ""
    dialect = conn.dialect.name
    if _locked(orig, message):
        holder = await _sqlite_holder(conn) if dialect == "sqlite" else None
        who = f" by {holder}" if holder else " by another connection"
        return f"{prefix}the database is locked{who} ({message}); nothing was saved"
    if dialect == "sqlite":
        if (getattr(orig, "sqlite_errorname", "") or "") == "SQLITE_CONSTRAINT_TRIGGER":
            trigger = await _trigger_raising(conn, message)
            if trigger:
                return f"{prefix}refused by trigger {trigger}: {message}"
            return f"{prefix}refused by a trigger: {message}"
        return f"{prefix}{message}"
    if dialect == "postgresql":
        return prefix + _postgres(orig, message)
    return prefix + message


def _postgres(orig: BaseException, message: str) -> str:
    """The message with the constraint (or the trigger function that raised) named."""
    sources = [orig, orig.__cause__, getattr(orig, "diag", None)]
    constraint = next(
        (c for s in sources if s is not None and (c := getattr(s, "constraint_name", None))),
        None,
    )
    if constraint and constraint not in message:
        return f"{message} (constraint {constraint})"
    context = next(
        (c for s in sources if s is not None and (c := getattr(s, "context", None))), None
    )
    if isinstance(context, str):
        found = _TRIGGER_CONTEXT.search(context)
        if found:
            return f"{message} (raised by trigger function {found.group(1)})"
    return message


async def _trigger_raising(conn: AsyncConnection, message: str) -> str | None:
    with contextlib.suppress(SQLAlchemyError):
        name = await conn.scalar(
            text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND instr(sql, :m) > 0"
                " ORDER BY name LIMIT 1"
            ),
            {"m": message},
        )
        await conn.rollback()
        return str(name) if name is not None else None
    return None


async def _sqlite_holder(conn: AsyncConnection) -> str | None:
    path: str | None = None
    with contextlib.suppress(SQLAlchemyError):
        rows = (await conn.exec_driver_sql("PRAGMA database_list")).mappings().all()
        await conn.rollback()
        path = next((str(r["file"]) for r in rows if r["name"] == "main" and r["file"]), None)
    return None if path is None else lock_holder(Path(path))


def lock_holder(path: Path) -> str | None:
    """``pid 123 (sqlite3 app.db)`` of a process holding ``path``'s write lock, if visible."""
    shm = Path(f"{path}-shm")
    if shm.exists():
        for holder in probe_wal_locks(shm):
            if holder.lock == "write" and holder.pid is not None:
                return _process(holder.pid, holder.cmdline)
    pid = _rollback_journal_writer(path)
    return None if pid is None else _process(pid, command_line(pid))


def _process(pid: int, cmdline: str | None) -> str:
    return f"pid {pid} ({cmdline})" if cmdline else f"pid {pid}"


def _rollback_journal_writer(path: Path) -> int | None:
    """A process holding RESERVED, PENDING or EXCLUSIVE on ``path`` (from /proc/locks)."""
    try:
        inode = os.stat(path).st_ino
        with open("/proc/locks", encoding="ascii", errors="replace") as file:
            lines = file.readlines()
    except OSError:
        return None
    own = os.getpid()
    for line in lines:
        fields = line.split()
        if "->" in fields:  # a waiter, not a holder
            continue
        try:
            at = fields.index("ADVISORY")
            kind, pid, device = fields[at + 1], int(fields[at + 2]), fields[at + 3]
            start = int(fields[at + 4])
            end = _PENDING_BYTE * 4 if fields[at + 5] == "EOF" else int(fields[at + 5])
        except (ValueError, IndexError):
            continue
        if int(device.rsplit(":", 1)[1]) != inode or pid == own:
            continue
        # A write lock on PENDING/RESERVED, or on the whole SHARED range (EXCLUSIVE).
        if kind == "WRITE" and start <= _PENDING_BYTE + 1 and end >= _PENDING_BYTE:
            return pid
        if kind == "WRITE" and start <= _SHARED_FIRST and end >= _SHARED_FIRST + _SHARED_SIZE - 1:
            return pid
    return None
