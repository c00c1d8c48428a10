"""Export a relation (as the user sees it: filtered, sorted) or a query's rows, streamed.

One statement, read through the driver's streaming cursor (a server-side cursor on
PostgreSQL and MariaDB, SQLite's own stepping) in pages of :data:`PAGE_ROWS`, each page written
before the next is read: memory stays flat whatever the number of rows. The statement runs in
one read-only transaction, so the export is the data as it stood at one moment (a
consistent snapshot), never a mix of versions. On SQLite in WAL mode that read keeps the
WAL from being checkpointed past it until the export ends, as any reader does; it never
writes.

Nothing is written to the database: a query runs in a read-only transaction (``PRAGMA
query_only`` on SQLite, ``SET TRANSACTION READ ONLY`` on the servers), so a statement that
would write fails with the database's own message instead.

Files are written beside their destination under a temporary name and renamed into place
when the export succeeds: a failed or cancelled export never leaves a truncated file that
looks complete, and never destroys an earlier file of the same name.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Select, TextClause
from sqlalchemy.exc import ResourceClosedError
from sqlalchemy.ext.asyncio import AsyncConnection

from tui.db.dialects.base import DialectStrategy
from tui.db.export_formats import ExportError, ExportOptions, row_writer
from tui.db.model import TableInfo
from tui.db.paging import Pager, RowQuery

__all__ = [
    "PAGE_ROWS",
    "Clock",
    "ExportError",
    "ExportResult",
    "destination",
    "export_rows",
    "query_statement",
    "relation_statement",
    "staged_file",
]

PAGE_ROWS = 2000

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ExportResult:
    rows: int
    seconds: float
    path: Path | None  # None: written to a stream the caller gave


def relation_statement(info: TableInfo, strategy: DialectStrategy, query: RowQuery) -> Select[Any]:
    """Every row of ``info`` that the view ``query`` shows, in its order, each value whole."""
    return Pager(info, strategy, query, preview=None).export_statement()


def query_statement(sql: str) -> TextClause:
    """The user's own SQL, as typed (it is the statement, not a value in one)."""
    from tui.db.console import verbatim

    return verbatim(sql)


async def begin_read_only(conn: AsyncConnection) -> None:
    """Make the transaction about to start on ``conn`` unable to write."""
    name = conn.dialect.name
    if name == "sqlite":
        await conn.exec_driver_sql("PRAGMA query_only = ON")
    elif name in ("postgresql", "mysql", "mariadb"):
        await conn.exec_driver_sql("SET TRANSACTION READ ONLY")


async def end_read_only(conn: AsyncConnection) -> None:
    await conn.rollback()
    if conn.dialect.name == "sqlite":
        await conn.exec_driver_sql("PRAGMA query_only = OFF")
        await conn.rollback()


async def export_rows(
    conn: AsyncConnection,
    statement: Select[Any] | TextClause,
    out: IO[Any],
    options: ExportOptions,
    *,
    progress: Progress | None = None,
    page_rows: int = PAGE_ROWS,
) -> int:
    """Write every row ``statement`` returns to ``out``; the number of rows written."""
    await begin_read_only(conn)
    try:
        result = await conn.stream(statement.execution_options(yield_per=page_rows))
        try:
            names = list(result.keys())
        except ResourceClosedError as exc:
            raise ExportError("the statement returns no rows: nothing to export") from exc
        writer = row_writer(out, names, options)
        count = 0
        # Each page is written in a thread while the next one is read (by the driver's
        # thread, or the server): two pages in memory at most, and the event loop (the UI)
        # never waits on the formatting or the disk.
        page = await result.fetchmany(page_rows)
        while page:
            ahead = asyncio.ensure_future(result.fetchmany(page_rows))
            try:
                await asyncio.to_thread(writer.write_rows, page)
            except BaseException:
                ahead.cancel()
                with contextlib.suppress(BaseException):
                    await ahead
                raise
            count += len(page)
            if progress is not None:
                progress(count)
            page = await ahead
        await asyncio.to_thread(writer.finish)
        return count
    finally:
        await end_read_only(conn)


def destination(path: Path, database: Path | None) -> Path:
    """``path`` checked as an export destination: never the database or its files."""
    resolved = path.expanduser().resolve()
    if database is not None:
        db = database.expanduser().resolve()
        for suffix in ("", "-wal", "-shm", "-journal"):
            if resolved == Path(f"{db}{suffix}"):
                raise ExportError(f"{path} is the database's own file: choose another name")
    if resolved.is_dir():
        raise ExportError(f"{path} is a directory: give a file name")
    parent = resolved.parent
    if not parent.is_dir():
        raise ExportError(f"no such directory: {parent}")
    if not os.access(parent, os.W_OK):
        raise ExportError(f"cannot write in {parent} (permission denied)")
    return resolved


@contextlib.contextmanager
def staged_file(path: Path, *, binary: bool) -> Iterator[IO[Any]]:
    """A file that takes ``path``'s name only if the block ends without an exception."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.partial")
    # Created as any new file is (0666 less the umask), or with the mode of the file replaced.
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    raw = os.fdopen(fd, "wb")
    stream: IO[Any] = raw
    if not binary:
        stream = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
    try:
        yield stream
        stream.flush()
        os.fsync(raw.fileno())
        stream.close()
        os.replace(temp, path)
    except BaseException:
        stream.close()
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


class Clock:
    """Seconds since it was made."""

    def __init__(self) -> None:
        self.start = time.monotonic()

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.start
