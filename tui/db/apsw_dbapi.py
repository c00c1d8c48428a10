"""An APSW connection dressed as a ``sqlite3.Connection``, so SQLAlchemy's aiosqlite driver
can run on it.

Only APSW can register a VFS (the as-of view, :mod:`tui.db.as_of`), and SQLAlchemy speaks to
SQLite through DB-API drivers; aiosqlite takes any callable returning a ``sqlite3``-like
connection and runs it in its own thread. This module is that connection: the handful of
methods and attributes aiosqlite and SQLAlchemy's SQLite dialect use, with APSW's exceptions
turned into ``sqlite3``'s (so SQLAlchemy wraps them as it wraps any driver error).

The connections it serves are read-only, so transactions are left to SQLite's autocommit:
``commit`` and ``rollback`` end one only if a statement began it. TEXT that is not valid
UTF-8 comes back decoded with ``surrogateescape``, as from dbbrowse's ``sqlite3`` connections.
"""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import apsw

__all__ = ["ApswConnection", "ApswCursor"]

Description = tuple[tuple[str, None, None, None, None, None, None], ...]

# APSW's exception classes -> the sqlite3 class a DB-API caller expects
_ERRORS: tuple[tuple[type[BaseException], type[sqlite3.Error]], ...] = (
    (apsw.ConstraintError, sqlite3.IntegrityError),
    (apsw.MisuseError, sqlite3.ProgrammingError),
    (apsw.BindingsError, sqlite3.ProgrammingError),
    (apsw.IncompleteExecutionError, sqlite3.ProgrammingError),
    (apsw.TooBigError, sqlite3.DataError),
    (apsw.RangeError, sqlite3.DataError),
    (apsw.MismatchError, sqlite3.DataError),
    (apsw.CorruptError, sqlite3.DatabaseError),
    (apsw.NotADBError, sqlite3.DatabaseError),
    (apsw.Error, sqlite3.OperationalError),
)


def _translated(exc: BaseException) -> BaseException:
    """The ``sqlite3`` exception for an APSW one (others as they are)."""
    if isinstance(exc, sqlite3.Error):
        return exc  # raised by our own VFS code, already the right kind
    for source, target in _ERRORS:
        if isinstance(exc, source):
            out = target(str(exc))
            code = getattr(exc, "extendedresult", None)
            if isinstance(code, int):
                out.sqlite_errorcode = code
            return out
    return exc


class ApswCursor:
    """A DB-API cursor over an APSW cursor: rows as tuples, description of 7-tuples."""

    arraysize = 1

    def __init__(self, connection: ApswConnection) -> None:
        self.connection = connection
        self._cursor = connection.apsw.cursor()
        self._cursor.exec_trace = self._traced
        self._rows: Iterator[tuple[Any, ...]] = iter(())
        self._description: Description | None = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.row_factory: Any = None

    def _traced(self, cursor: apsw.Cursor, sql: str, bindings: Any) -> bool:
        # Called once a statement is prepared, before it runs: the only moment APSW tells the
        # columns of a query that returns no row.
        columns = cursor.get_description()
        self._description = (
            tuple((name, None, None, None, None, None, None) for name, _ in columns)
            if columns
            else None
        )
        return True

    @property
    def description(self) -> Description | None:
        return self._description

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> ApswCursor:
        self._description = None
        changes = self.connection.apsw.total_changes()
        try:
            self._rows = self._stream(self._cursor.execute(sql, parameters), sql, parameters)
        except UnicodeDecodeError:
            self._rows = self._lossless(sql, parameters)
        except BaseException as exc:
            raise _translated(exc) from exc
        db = self.connection.apsw
        self.rowcount = db.total_changes() - changes if self._description is None else -1
        self.lastrowid = db.last_insert_rowid()
        return self

    def _stream(
        self, rows: Iterator[tuple[Any, ...]], sql: str, parameters: Any
    ) -> Iterator[tuple[Any, ...]]:
        """``rows``; from a TEXT value that is not UTF-8 on, the same statement read again
        losslessly (:meth:`_lossless`), past the rows already given."""
        given = 0
        try:
            for row in rows:
                given += 1
                yield row
        except UnicodeDecodeError:
            yield from itertools.islice(self._lossless(sql, parameters), given, None)

    def _lossless(self, sql: str, parameters: Any) -> Iterator[tuple[Any, ...]]:
        """The statement's rows with TEXT read as bytes and decoded with surrogateescape,
        as dbbrowse's sqlite3 connections do (APSW decodes TEXT strictly, and fails).

        The statement is wrapped: ``WITH r(c0, c1, …) AS (statement) SELECT …``, one column
        per column (a result as wide as SQLite allows stays within its limit): TEXT as its
        bytes behind a 0x01 byte, a BLOB behind a 0x00 byte, anything else as it is. On an
        immutable snapshot it returns the same rows in the same order. Only a query can be
        wrapped; anything else fails as before.
        """
        width = len(self._description or ())
        body = sql.strip().rstrip(";")
        if not width or not body.lower().startswith(("select", "with", "values")):
            raise sqlite3.OperationalError(
                "a TEXT value is not valid UTF-8, and this statement cannot be read again as bytes"
            )
        names = ", ".join(f"c{i}" for i in range(width))
        # || joins bytes as they are (invalid UTF-8 included); the CAST makes it a BLOB again.
        picks = ", ".join(
            f"CASE typeof(c{i}) WHEN 'text' THEN CAST(x'01' || CAST(c{i} AS BLOB) AS BLOB)"
            f" WHEN 'blob' THEN CAST(x'00' || c{i} AS BLOB) ELSE c{i} END"
            for i in range(width)
        )
        cursor = self.connection.apsw.cursor()
        try:
            for row in cursor.execute(
                f"WITH r({names}) AS ({body}) SELECT {picks} FROM r", parameters
            ):
                yield tuple(_tagged(value) for value in row)
        except apsw.Error as exc:
            raise _translated(exc) from exc
        finally:
            with contextlib.suppress(apsw.Error):
                cursor.close(force=True)

    def executemany(self, sql: str, seq: Sequence[Sequence[Any]]) -> ApswCursor:
        total = 0
        for parameters in seq:
            self.execute(sql, parameters)
            total += max(self.rowcount, 0)
        self.rowcount = total
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        try:
            return next(self._rows, None)
        except BaseException as exc:
            raise _translated(exc) from exc

    def fetchmany(self, size: int | None = None) -> list[tuple[Any, ...]]:
        out = []
        for _ in range(self.arraysize if size is None else size):
            row = self.fetchone()
            if row is None:
                break
            out.append(row)
        return out

    def fetchall(self) -> list[tuple[Any, ...]]:
        try:
            return list(self._rows)
        except BaseException as exc:
            raise _translated(exc) from exc

    def close(self) -> None:
        self._rows = iter(())
        with contextlib.suppress(apsw.Error):
            self._cursor.close(force=True)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return self

    def __next__(self) -> tuple[Any, ...]:
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row


class ApswConnection:
    """What aiosqlite and SQLAlchemy need of a ``sqlite3.Connection``, over an APSW one."""

    def __init__(self, connection: apsw.Connection) -> None:
        self.apsw = connection
        self.isolation_level: str | None = None
        self.row_factory: Any = None
        # Set by dbbrowse's connect hook for sqlite3; APSW decodes TEXT itself (strictly).
        self.text_factory: Any = str

    @property
    def in_transaction(self) -> bool:
        return not self.apsw.get_autocommit()

    @property
    def total_changes(self) -> int:
        return self.apsw.total_changes()

    def cursor(self) -> ApswCursor:
        return ApswCursor(self)

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> ApswCursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq: Sequence[Sequence[Any]]) -> ApswCursor:
        return self.cursor().executemany(sql, seq)

    def commit(self) -> None:
        if self.in_transaction:
            self.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.execute("ROLLBACK")

    def close(self) -> None:
        self.apsw.close(force=True)

    def interrupt(self) -> None:
        self.apsw.interrupt()

    def create_function(
        self, name: str, narg: int, func: Callable[..., Any] | None, *, deterministic: bool = False
    ) -> None:
        self.apsw.create_scalar_function(name, func, narg, deterministic=deterministic)

    def set_progress_handler(self, handler: Callable[[], int] | None, n: int) -> None:
        if handler is None:
            self.apsw.set_progress_handler(None)
        else:
            self.apsw.set_progress_handler(lambda: bool(handler()), n)


def _tagged(value: Any) -> Any:
    """A value of :meth:`ApswCursor._lossless`'s query: TEXT (0x01 first) decoded as the live
    connections decode it, a BLOB (0x00 first) as its bytes, anything else as it is."""
    if not isinstance(value, bytes):
        return value
    if value[:1] == b"\x01":
        return value[1:].decode("utf-8", "surrogateescape")
    return value[1:]
