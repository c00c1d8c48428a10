"""Maintenance actions on a SQLite database: checkpoints, checks, optimize, VACUUM, settings.

Each action runs on the caller's connection with a short busy timeout (restored afterwards),
so a database another process holds locked fails fast with :class:`DatabaseBusyError` instead
of hanging; it starts and ends outside any transaction (it rolls back whatever the connection
had open, so give it a connection of its own). Actions that would change the file
refuse a read-only connection with :class:`ReadOnlyError`. A long action is stopped from
another task with :func:`interrupt`, and then raises :class:`OperationCancelled`.

PRAGMA arguments cannot be bound parameters: every one spliced into SQL text here is either an
Enum member's value or an ``int`` produced by ``int()`` and range-checked.

The modes, results and errors are defined in :mod:`tui.db.maintenance_results` and importable
from here too.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from tui.db.maintenance_results import (
    CheckpointMode,
    CheckpointResult,
    CheckResult,
    DatabaseBusyError,
    ForeignKeyCheckResult,
    ForeignKeyViolation,
    JournalMode,
    JournalModeResult,
    MaintenanceError,
    OperationCancelled,
    OptimizeResult,
    ReadOnlyError,
    SettingResult,
    VacuumResult,
)
from tui.db.open_errors import explain_write_error
from tui.db.target import sqlite_path_of

__all__ = [
    "DEFAULT_BUSY_TIMEOUT_MS",
    "CheckResult",
    "CheckpointMode",
    "CheckpointResult",
    "DatabaseBusyError",
    "ForeignKeyCheckResult",
    "ForeignKeyViolation",
    "JournalMode",
    "JournalModeResult",
    "MaintenanceError",
    "OperationCancelled",
    "OptimizeResult",
    "ReadOnlyError",
    "SettingResult",
    "VacuumResult",
    "checked_int",
    "checkpoint",
    "foreign_key_check",
    "integrity_check",
    "interrupt",
    "is_read_only",
    "optimize",
    "quick_check",
    "set_journal_mode",
    "set_journal_size_limit",
    "set_wal_autocheckpoint",
    "size_text",
    "vacuum",
]

log = logging.getLogger(__name__)

DEFAULT_BUSY_TIMEOUT_MS = 250
_MAX_INT32, _MAX_INT64 = 2**31 - 1, 2**63 - 1
_JOURNAL_BUSY_HINT = (
    "changing the journal mode needs the database to itself: close the other programs "
    "(and other connections of this one) that have it open"
)

# Primary SQLite result codes (the low byte of an extended code).
_BUSY, _LOCKED, _READONLY, _INTERRUPT, _CORRUPT, _NOTADB = 5, 6, 8, 9, 11, 26


def size_text(size: int) -> str:
    """A byte count for a person: ``512 B``, ``4.0 KB``, ``1.2 MB``."""
    if abs(size) < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KB", "MB"):
        if abs(value) < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def checked_int(value: object, name: str, minimum: int, maximum: int) -> int:
    """``value`` as an int in [minimum, maximum], or ValueError; bools and floats are refused."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None
    if not minimum <= number <= maximum:
        raise ValueError(f"{name} must be between {minimum:,} and {maximum:,}, not {number:,}")
    return number


def _code_and_message(exc: DBAPIError) -> tuple[int | None, str]:
    code = getattr(exc.orig, "sqlite_errorcode", None)
    message = str(exc.orig).strip() or type(exc.orig).__name__
    return (code & 0xFF if isinstance(code, int) else None), message


def _is_corruption(exc: DBAPIError) -> bool:
    code, message = _code_and_message(exc)
    return code in (_CORRUPT, _NOTADB) or "malformed" in message.lower()


def _translate(
    exc: DBAPIError, what: str, timeout_ms: int, busy_hint: str, path: Path | None = None
) -> MaintenanceError:
    code, message = _code_and_message(exc)
    lowered = message.lower()
    culprit = explain_write_error(exc, path) if path is not None else None
    if culprit is not None:
        # "disk I/O error" or "readonly database" say nothing of which file: name it.
        return ReadOnlyError(f"cannot {what}: {message}; {culprit}")
    if code in (_BUSY, _LOCKED) or "database is locked" in lowered:
        hint = busy_hint or "try again when the other program is idle"
        return DatabaseBusyError(
            f"cannot {what}: another connection holds a lock on the database "
            f"(gave up after {timeout_ms:,} ms); {hint}"
        )
    if code == _READONLY or "readonly database" in lowered:
        return ReadOnlyError(f"cannot {what}: the database is read-only ({message})")
    if code == _INTERRUPT or lowered == "interrupted":
        return OperationCancelled(f"{what} was cancelled")
    return MaintenanceError(f"cannot {what}: {message}")


def _file_of(conn: AsyncConnection) -> Path | None:
    return sqlite_path_of(conn.engine.url.render_as_string(hide_password=False))


async def _int(conn: AsyncConnection, sql: str) -> int:
    return int(str((await conn.exec_driver_sql(sql)).scalar()))


async def is_read_only(conn: AsyncConnection) -> bool:
    """Whether the connection was opened read-only (``mode=ro``, ``immutable=1``) or is
    ``query_only``. A file the process may not write is only found out by writing to it;
    the actions report that as :class:`ReadOnlyError` too."""
    query = conn.engine.url.query

    def flag(name: str) -> str:
        value = query.get(name, "")
        return (value[-1] if isinstance(value, tuple) else value).lower()

    if flag("mode") == "ro" or flag("immutable") in ("1", "true", "yes", "on"):
        return True
    try:
        return bool(await _int(conn, "PRAGMA query_only"))
    finally:
        await conn.rollback()


async def _interrupt_driver(driver: Any) -> None:
    method = getattr(driver, "interrupt", None)
    if method is None:
        raise MaintenanceError("this database driver cannot interrupt a running statement")
    result = method()
    if inspect.isawaitable(result):
        await result


async def interrupt(conn: AsyncConnection) -> None:
    """Stop the statement running on ``conn`` (from another task); it raises OperationCancelled.

    Harmless when nothing runs: SQLite only interrupts statements already running.
    """
    await _interrupt_driver((await conn.get_raw_connection()).driver_connection)


class _Runner:
    """Runs an action's statements so that cancelling the awaiting task interrupts them.

    Cancelling a task inside SQLAlchemy makes it discard the connection, which first waits
    for the statement still running in the driver's thread (a VACUUM may take minutes). So
    each statement runs in a shielded inner task; on cancellation the runner interrupts it,
    waits for it to stop, and lets the cancellation continue with the connection intact.
    """

    def __init__(self, conn: AsyncConnection, driver: Any) -> None:
        self.conn = conn
        self.driver = driver

    async def rows(self, sql: str) -> list[tuple[Any, ...]]:
        async def run() -> list[tuple[Any, ...]]:
            result = await self.conn.exec_driver_sql(sql)
            return [tuple(r) for r in result.all()] if result.returns_rows else []

        task = asyncio.ensure_future(run())
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if not task.done():
                await _interrupt_driver(self.driver)
                with suppress(Exception):
                    await task
            raise

    async def int(self, sql: str) -> int:
        return int(str((await self.rows(sql))[0][0]))


@asynccontextmanager
async def _action(
    conn: AsyncConnection,
    what: str,
    busy_timeout_ms: int,
    *,
    writes: bool,
    busy_hint: str = "",
) -> AsyncIterator[_Runner]:
    """Run the body outside any transaction with a short busy timeout, errors translated."""
    if conn.dialect.name != "sqlite":
        raise MaintenanceError(f"cannot {what}: maintenance actions are for SQLite databases")
    timeout = checked_int(busy_timeout_ms, "busy_timeout_ms", 0, _MAX_INT32)
    await conn.rollback()
    if writes and await is_read_only(conn):
        raise ReadOnlyError(f"cannot {what}: the database is open read-only")
    driver = (await conn.get_raw_connection()).driver_connection
    previous = await _int(conn, "PRAGMA busy_timeout")
    await conn.exec_driver_sql(f"PRAGMA busy_timeout = {timeout}")
    try:
        yield _Runner(conn, driver)
    except DBAPIError as exc:
        raise _translate(exc, what, timeout, busy_hint, _file_of(conn)) from exc
    finally:
        try:
            await conn.rollback()
            await conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(previous)}")
            await conn.rollback()
        except DBAPIError:
            log.warning("could not restore busy_timeout after %s", what, exc_info=True)


def _checkpoint_summary(mode: CheckpointMode, busy: bool, log_frames: int, done: int) -> str:
    if log_frames < 0:
        return "not in WAL mode: there is no WAL to checkpoint"
    copied = f"{done:,} of {log_frames:,} WAL frames copied back into the database"
    if busy:
        unreset = {
            CheckpointMode.RESTART: "; the WAL was not restarted",
            CheckpointMode.TRUNCATE: "; the WAL was not truncated",
        }.get(mode, "")
        return (
            "another connection blocked the checkpoint from finishing (it held a lock past the "
            f"busy timeout); {copied}{unreset}"
        )
    if mode is CheckpointMode.TRUNCATE:
        return "checkpoint complete: every frame copied back and the WAL truncated to 0 bytes"
    if log_frames == 0:
        return "the WAL is empty: nothing to checkpoint"
    if done < log_frames:
        return (
            f"{copied}; the other {log_frames - done:,} are still needed by a reader's snapshot "
            "(or were written during the checkpoint) and stay in the WAL"
        )
    if mode is CheckpointMode.RESTART:
        return f"{copied}; the next write starts the WAL over from its beginning"
    return copied


async def checkpoint(
    conn: AsyncConnection,
    mode: CheckpointMode,
    *,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
) -> CheckpointResult:
    """``PRAGMA wal_checkpoint(mode)``: busy is reported in the result, not raised."""
    if not isinstance(mode, CheckpointMode):
        raise TypeError(f"mode must be a CheckpointMode, not {mode!r}")
    async with _action(conn, f"checkpoint ({mode.value})", busy_timeout_ms, writes=True) as run:
        rows = await run.rows(f"PRAGMA wal_checkpoint({mode.value})")
    busy, log_frames, done = (int(v) for v in rows[0])
    return CheckpointResult(
        mode=mode,
        busy=bool(busy),
        log=log_frames,
        checkpointed=done,
        summary=_checkpoint_summary(mode, bool(busy), log_frames, done),
    )


async def _check(
    conn: AsyncConnection, pragma: str, max_errors: int, busy_timeout_ms: int
) -> CheckResult:
    limit = checked_int(max_errors, "max_errors", 1, _MAX_INT32)
    label = pragma.replace("_", " ")
    async with _action(conn, f"run {label}", busy_timeout_ms, writes=False) as run:
        try:
            rows = await run.rows(f"PRAGMA {pragma}({limit})")
        except DBAPIError as exc:
            if not _is_corruption(exc):
                raise
            # Damage bad enough that the check itself cannot run is its result.
            rows = [(_code_and_message(exc)[1],)]
    # One row may hold several messages, one a line, under a "*** in database main ***" line.
    lines = (line.strip() for row in rows for line in str(row[0]).splitlines())
    problems = tuple(p for p in lines if p and p != "ok" and not p.startswith("*** in database"))
    truncated = len(problems) >= limit
    if not problems:
        summary = f"{label}: ok, no problems found"
    else:
        more = f" (stopped at {limit:,}: there may be more)" if truncated else ""
        noun = "problem" if len(problems) == 1 else "problems"
        summary = f"{label}: {len(problems):,} {noun} found{more}; first: {problems[0]}"
    return CheckResult(pragma, not problems, problems, truncated, summary)


async def integrity_check(
    conn: AsyncConnection,
    max_errors: int = 100,
    *,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
) -> CheckResult:
    """``PRAGMA integrity_check``: reads every page; cancel it with :func:`interrupt`."""
    return await _check(conn, "integrity_check", max_errors, busy_timeout_ms)


async def quick_check(
    conn: AsyncConnection,
    max_errors: int = 100,
    *,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
) -> CheckResult:
    """``PRAGMA quick_check``: integrity_check without the index-content cross-checks."""
    return await _check(conn, "quick_check", max_errors, busy_timeout_ms)


async def foreign_key_check(
    conn: AsyncConnection, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
) -> ForeignKeyCheckResult:
    """Rows whose foreign key points at no parent row (whether or not enforcement is on)."""
    async with _action(conn, "check foreign keys", busy_timeout_ms, writes=False) as run:
        rows = await run.rows("PRAGMA foreign_key_check")
    violations = tuple(
        ForeignKeyViolation(str(t), None if r is None else int(r), str(p), int(k))
        for t, r, p, k in rows
    )
    if not violations:
        return ForeignKeyCheckResult((), "no foreign key violations")
    per_table = Counter(v.table for v in violations)
    tables = ", ".join(f"{name} ({count:,})" for name, count in per_table.items())
    noun = "row violates" if len(violations) == 1 else "rows violate"
    return ForeignKeyCheckResult(violations, f"{len(violations):,} {noun} a foreign key: {tables}")


async def optimize(
    conn: AsyncConnection, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
) -> OptimizeResult:
    """``PRAGMA optimize``: refresh query-planner statistics SQLite judges stale."""
    async with _action(conn, "optimize", busy_timeout_ms, writes=True) as run:
        await run.rows("PRAGMA optimize")
    return OptimizeResult("optimize done: SQLite refreshed the statistics it judged stale, if any")


async def vacuum(
    conn: AsyncConnection, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
) -> VacuumResult:
    """``VACUUM``: rebuild the file without free pages; cancel it with :func:`interrupt`."""
    size = "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
    async with _action(conn, "VACUUM", busy_timeout_ms, writes=True) as run:
        before = await run.int(size)
        await run.rows("VACUUM")
        after = await run.int(size)
    saved = before - after
    change = f"{size_text(saved)} freed" if saved > 0 else "no space freed"
    return VacuumResult(
        before, after, f"VACUUM done: {size_text(before)} -> {size_text(after)} ({change})"
    )


async def set_journal_mode(
    conn: AsyncConnection,
    mode: JournalMode,
    *,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
) -> JournalModeResult:
    """Switch between WAL and DELETE; the result holds the mode SQLite actually has after.

    Leaving WAL needs every other connection closed, including idle pooled ones of the same
    engine; otherwise this raises :class:`DatabaseBusyError`.
    """
    if not isinstance(mode, JournalMode):
        raise TypeError(f"mode must be a JournalMode, not {mode!r}")
    what = f"switch the journal mode to {mode.value}"
    hint = _JOURNAL_BUSY_HINT
    async with _action(conn, what, busy_timeout_ms, writes=True, busy_hint=hint) as run:
        previous = str((await run.rows("PRAGMA journal_mode"))[0][0]).lower()
        current = str((await run.rows(f"PRAGMA journal_mode = {mode.value}"))[0][0]).lower()
    wanted = mode.value.lower()
    if current != wanted:
        summary = f"the journal mode stays {current}: SQLite would not switch it to {wanted}"
    elif previous == current:
        summary = f"the journal mode was already {current}"
    else:
        summary = f"journal mode switched from {previous} to {current}"
    return JournalModeResult(mode, previous, current, summary)


async def _set_connection_pragma(
    conn: AsyncConnection, pragma: str, value: int, busy_timeout_ms: int, meaning: str
) -> SettingResult:
    # Connection settings touch no file, so read-only connections may change them too.
    async with _action(conn, f"set {pragma}", busy_timeout_ms, writes=False) as run:
        reported = await run.int(f"PRAGMA {pragma} = {int(value)}")
    scope = "it applies to this connection only (SQLite does not store it in the file)"
    return SettingResult(pragma, reported, f"{pragma} set to {meaning}; {scope}")


async def set_wal_autocheckpoint(
    conn: AsyncConnection, pages: int, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
) -> SettingResult:
    """Checkpoint automatically once the WAL holds ``pages`` frames; 0 turns it off."""
    number = checked_int(pages, "pages", 0, _MAX_INT32)
    meaning = f"{number:,} pages" if number else "0 (automatic checkpoints off)"
    return await _set_connection_pragma(
        conn, "wal_autocheckpoint", number, busy_timeout_ms, meaning
    )


async def set_journal_size_limit(
    conn: AsyncConnection, bytes: int, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
) -> SettingResult:
    """Truncate a WAL or persistent journal left larger than ``bytes``; -1 means no limit."""
    number = checked_int(bytes, "bytes", -1, _MAX_INT64)
    meaning = "-1 (no limit)" if number < 0 else f"{number:,} bytes ({size_text(number)})"
    return await _set_connection_pragma(
        conn, "journal_size_limit", number, busy_timeout_ms, meaning
    )
