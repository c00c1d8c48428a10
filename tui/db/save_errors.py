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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from tui.db.edits import CellEdit, Change, RowDelete, RowInsert
from tui.db.locks import command_line, probe_wal_locks
from tui.db.model import TableRef
from tui.db.sqlite_ddl import check_column
from tui.db.values import RowKey

__all__ = [
    "blamed_change",
    "describe_change",
    "explain_error",
    "lock_holder",
    "refused_deletion",
]

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
        or "due to lock timeout" in lowered
    )


async def explain_error(
    conn: AsyncConnection,
    exc: SQLAlchemyError,
    change: Change | None,
    *,
    at_commit: bool = False,
    holder: str | None = None,
) -> str:
    """A sentence for ``exc`` raised while saving ``change`` (or by the COMMIT, where checks
    deferred to it run); reads the catalog (a trigger's name, the database file) only on
    ``conn`` outside any transaction. ``holder``: the server session seen holding the lock
    the save waited for."""
    orig = _original(exc)
    message = _message(orig)
    prefix = f"{describe_change(change)}: " if change is not None else ""
    dialect = conn.dialect.name
    if at_commit and dialect == "sqlite" and "FOREIGN KEY" in message and change is not None:
        refusing = _refusing(change)
        if refusing:
            # The deletion the confirmation and the pending panel said would fail.
            return (
                f"{prefix}foreign key check failed at commit ({message}): {refusing}, as"
                " announced when it was staged; nothing was saved"
            )
        return f"{prefix}foreign key check failed at commit ({message}); nothing was saved"
    if at_commit and dialect == "sqlite" and "FOREIGN KEY" in message:
        return (
            f"foreign key check failed at commit ({message}): a saved row refers to a row that"
            " does not exist, or a deleted or changed row is still referred to. SQLite checks"
            " foreign keys when the save commits and does not say which change broke one;"
            " nothing was saved"
        )
    if at_commit and change is None:
        prefix = "at commit: "
    if _locked(orig, message):
        if dialect == "sqlite":
            holder = await _sqlite_holder(conn)
            who = f" by {holder}" if holder else " by another connection"
            return f"{prefix}the database is locked{who} ({message}); nothing was saved"
        who = holder or "another session"
        return (
            f"{prefix}a row is locked by {who}, whose transaction is still open: the save"
            f" gave up waiting ({message}); nothing was saved, every change is still staged"
        )
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


def _refusing(change: Change) -> str:
    """``1 row of c still refers to it (RESTRICT)``: what a staged deletion was announced to
    be refused by ("" for another change, or a deletion nothing refuses)."""
    if not isinstance(change, RowDelete):
        return ""
    from tui.db.delete_effects import refer_phrase

    parts = [
        f"{e.rows:,} row{'s' if e.rows != 1 else ''} of {e.table} still"
        f" {refer_phrase(e.rows, 1)} ({e.action})"
        for e in change.effects or ()
        if e.rows and e.action in ("RESTRICT", "NO ACTION")
    ]
    return "; ".join(parts)


def refused_deletion(exc: SQLAlchemyError, changes: Sequence[Change]) -> Change | None:
    """The one staged deletion announced to be refused (rows of another table still refer to
    it, RESTRICT or NO ACTION) when a foreign key check fails and the database does not say
    which change broke it; None when there is no such deletion, or several."""
    if "FOREIGN KEY" not in _message(_original(exc)):
        return None
    warned = [c for c in changes if _refusing(c)]
    return warned[0] if len(warned) == 1 else None


def _original(exc: SQLAlchemyError) -> BaseException:
    return exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc


def _diagnostic(orig: BaseException, *names: str) -> str | None:
    """A PostgreSQL diagnostic field: asyncpg's exception attributes, psycopg's ``diag``."""
    sources = [orig, orig.__cause__, getattr(orig, "diag", None)]
    for source in sources:
        for name in names:
            value = getattr(source, name, None) if source is not None else None
            if isinstance(value, str) and value:
                return value
    return None


# -- which column an error names -------------------------------------------------------------

_SQLITE_COLUMNS = re.compile(r"^(?:NOT NULL|UNIQUE) constraint failed: (.+)$")
_SQLITE_STRICT = re.compile(r"^cannot store \w+ value in \w+ column (.+)$")
_SQLITE_CHECK = re.compile(r"^CHECK constraint failed: (.+)$")
_MYSQL_COLUMN = re.compile(r"[Cc]olumn (?:`[^`]*`\.)*[`']([^`']+)[`']")
_MYSQL_KEY = re.compile(r"for key '(?:[^'.]*\.)?([^']+)'")
_MYSQL_CHECK = re.compile(r"CONSTRAINT `([^`]+)` failed")
_PG_KEY = re.compile(r"^Key \((.+?)\)=")


async def blamed_change(
    conn: AsyncConnection, exc: SQLAlchemyError, changes: Sequence[Change]
) -> Change:
    """The change of one statement's ``changes`` that ``exc`` is about: the first edit of a
    column the error names (NOT NULL, UNIQUE, STRICT type, a column's own CHECK), else the
    first change. Reads the catalog on ``conn`` outside any transaction."""
    first = changes[0]
    edits = [c for c in changes if isinstance(c, CellEdit)]
    if len(edits) < 2:
        return first
    try:
        named = await _columns_named(conn, _original(exc), first.table)
    except SQLAlchemyError:
        return first
    return next((e for e in edits if e.column in named), first)


async def _columns_named(conn: AsyncConnection, orig: BaseException, table: TableRef) -> set[str]:
    message = _message(orig)
    dialect = conn.dialect.name
    if dialect == "sqlite":
        found = _SQLITE_COLUMNS.match(message) or _SQLITE_STRICT.match(message)
        if found:
            return {part.strip().rsplit(".", 1)[-1] for part in found.group(1).split(",")}
        check = _SQLITE_CHECK.match(message)
        if check:
            sql = await _catalog_scalar(
                conn,
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t",
                {"t": table.name},
            )
            column = None if sql is None else check_column(sql, check.group(1))
            return {column} if column else set()
        return set()
    if dialect == "postgresql":
        column = _diagnostic(orig, "column_name")
        if column:
            return {column}
        key = _PG_KEY.match(_diagnostic(orig, "detail", "message_detail") or "")
        if key:
            return {part.strip().strip('"') for part in key.group(1).split(",")}
        constraint = _diagnostic(orig, "constraint_name")
        if constraint is None:
            return set()
        # A CHECK written on one column only.
        column = await _catalog_scalar(
            conn,
            "SELECT min(a.attname) FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid"
            " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
            " WHERE c.conname = :n AND r.relname = :t AND c.contype = 'c'"
            " AND cardinality(c.conkey) = 1",
            {"n": constraint, "t": table.name},
        )
        return {column} if column else set()
    found = _MYSQL_COLUMN.search(message)
    if found:
        return {found.group(1)}
    key = _MYSQL_KEY.search(message)
    if key:
        rows = await conn.execute(
            text(
                "SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE"
                " TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :t AND INDEX_NAME = :k"
            ),
            {"t": table.name, "k": key.group(1)},
        )
        names = {str(row[0]) for row in rows}
        await conn.rollback()
        return names
    # MariaDB names a CHECK written on a column after the column (``t.c``).
    check = _MYSQL_CHECK.search(message)
    return {check.group(1).rsplit(".", 1)[-1]} if check else set()


async def _catalog_scalar(conn: AsyncConnection, sql: str, params: dict[str, Any]) -> str | None:
    value = await conn.scalar(text(sql), params)
    await conn.rollback()
    return None if value is None else str(value)


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
