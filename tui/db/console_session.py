"""The console's own connection: statements that are not paged, and the user's transaction.

A write (``INSERT``, ``UPDATE``, ``DELETE``, DDL…) opens an explicit transaction on a
connection kept for it (SQLite: ``BEGIN IMMEDIATE``, foreign keys on), and every later
statement of the console runs on that connection until the user commits or rolls back, so
the user's reads see the user's writes. Each statement runs under a savepoint: one that
fails is undone alone and the transaction stays usable (PostgreSQL would otherwise refuse
every later statement); one that fails as the first of a transaction ends it, so that no
transaction of no statement holds the write lock. Nothing is committed without the user
asking.

MariaDB commits DDL at once, whatever the transaction: such a statement is refused while a
transaction is open (it would commit it), and said to be committed when run outside one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tui.db.console import RETURNED_ROWS_CAP, Statement, StatementKind, verbatim
from tui.db.export_formats import unique_names
from tui.db.source import DataSource

__all__ = ["ConsoleRefusedError", "ConsoleSession", "Outcome"]

_MYSQL = ("mysql", "mariadb")
_DDL_WORDS = frozenset({"create", "alter", "drop", "truncate", "rename"})


class ConsoleRefusedError(Exception):
    """A statement the console will not run, with the reason.

    ``ends_transaction``: the way on is to commit or roll back the console's transaction
    (the screen adds the keys that do it, as bound).
    """

    def __init__(self, message: str, *, ends_transaction: bool = False) -> None:
        super().__init__(message)
        self.ends_transaction = ends_transaction


@dataclass(frozen=True)
class Outcome:
    """What one statement did."""

    seconds: float
    columns: tuple[str, ...] = ()  # empty: it returned no rows
    rows: tuple[tuple[Any, ...], ...] = ()
    more: bool = False  # it returned more rows than were kept
    rowcount: int = -1  # rows affected, where the driver says (-1: unknown)
    note: str = ""  # e.g. "committed at once (MariaDB cannot roll back DDL)"

    def summary(self) -> str:
        parts = []
        if self.columns:
            shown = f"{len(self.rows):,}" + ("+" if self.more else "")
            parts.append(f"{shown} rows")
            if self.more:
                parts.append(f"only the first {len(self.rows):,} are shown")
        elif self.rowcount >= 0:
            parts.append(f"{self.rowcount:,} rows affected")
        else:
            parts.append("done")
        parts.append(f"{self.seconds * 1000:.0f} ms")
        if self.note:
            parts.append(self.note)
        return ", ".join(parts)


class ConsoleSession:
    """The console's transaction, if one is open, and the connection it lives on."""

    def __init__(self, source: DataSource) -> None:
        self.source = source
        self.engine: AsyncEngine = source.engine
        self.conn: AsyncConnection | None = None
        self.opened_at: float | None = None  # time.monotonic() when the transaction began
        self.statements = 0  # statements run in the open transaction

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def in_transaction(self) -> bool:
        return self.conn is not None

    def open_seconds(self) -> float:
        return 0.0 if self.opened_at is None else time.monotonic() - self.opened_at

    async def _begin(self) -> AsyncConnection:
        async def begin(conn: AsyncConnection) -> None:
            if self.dialect == "sqlite":
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.exec_driver_sql("PRAGMA foreign_keys = ON")
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                await conn.begin()

        # A SQLite file's reads cannot write: the source opens it while none of them is open.
        conn = await self.source.hold_write(begin)
        # Servers are interrupted through their session id: read it while the connection is idle.
        await self.source.strategy.remember_session(conn)
        self.conn = conn
        self.opened_at = time.monotonic()
        self.statements = 0
        return conn

    async def execute(self, statement: Statement, *, write_refusal: str | None) -> Outcome:
        """Run one statement that is not paged (or any, inside the open transaction)."""
        kind = statement.kind
        if kind is StatementKind.TRANSACTION:
            raise ConsoleRefusedError(
                f"{statement.first_word.upper()} is the console's to do: it commits or rolls"
                " back its transaction itself",
                ends_transaction=True,
            )
        ddl_at_once = self.dialect in _MYSQL and statement.first_word in _DDL_WORDS
        if kind is StatementKind.WRITE:
            if write_refusal is not None:
                raise ConsoleRefusedError(f"not run: {write_refusal}")
            if ddl_at_once and self.in_transaction:
                raise ConsoleRefusedError(
                    "MariaDB commits DDL at once, and with it the open transaction: commit or"
                    " roll back the console's transaction first",
                    ends_transaction=True,
                )
        start = time.monotonic()
        if ddl_at_once:
            outcome = await self._autocommit(statement)
            return _timed(outcome, start, note="committed at once (MariaDB cannot roll back DDL)")
        began = kind is StatementKind.WRITE and not self.in_transaction
        if began:
            await self._begin()
        if self.conn is None:
            raise ConsoleRefusedError("this statement runs on the pooled connections")
        conn = self.conn
        task = asyncio.ensure_future(self._in_savepoint(conn, statement))
        try:
            outcome = await asyncio.shield(task)
        except asyncio.CancelledError:
            # Esc: stop the statement on the database, wait for its savepoint to be undone.
            with contextlib.suppress(Exception):
                await self.source.strategy.interrupt(conn, self.engine, lambda: not task.done())
            await asyncio.wait([task], timeout=10)
            if began and task.done():
                await self._undo_begin()
            raise
        except Exception:
            if began:
                await self._undo_begin()
            raise
        self.statements += 1
        return _timed(outcome, start)

    async def _undo_begin(self) -> None:
        """The transaction this statement began, rolled back: the statement failed, and a
        transaction of no statement would only hold the write lock (SQLite: every other
        writer gets "database is locked" until the user rolls it back)."""
        with contextlib.suppress(Exception):
            await self.rollback()

    async def _in_savepoint(self, conn: AsyncConnection, statement: Statement) -> Outcome:
        """``statement`` under a savepoint: when it fails, it alone is undone."""
        sqlite = self.dialect == "sqlite"
        savepoint = None if sqlite else await conn.begin_nested()
        if sqlite:
            await conn.exec_driver_sql('SAVEPOINT "dbbrowse_statement"')
        try:
            outcome = await _run(conn, statement)
        except BaseException:
            with contextlib.suppress(SQLAlchemyError):
                if savepoint is not None:
                    await savepoint.rollback()
                else:
                    await conn.exec_driver_sql('ROLLBACK TO "dbbrowse_statement"')
                    await conn.exec_driver_sql('RELEASE "dbbrowse_statement"')
            raise
        if savepoint is not None:
            await savepoint.commit()
        else:
            await conn.exec_driver_sql('RELEASE "dbbrowse_statement"')
        return outcome

    async def _autocommit(self, statement: Statement) -> Outcome:
        async with self.engine.connect() as conn:
            outcome = await _run(conn, statement)
            await conn.commit()
            return outcome

    async def read(self, statement: Statement, *, write_refusal: str | None) -> Outcome:
        """A statement that only reads, outside the transaction (none is open), on a pooled
        connection.

        Some "read" statements write (``ANALYZE``, ``PRAGMA wal_checkpoint``): a SQLite file's
        pooled connections cannot, and SQLite refuses such a statement before it changes
        anything, so it runs again on a writable connection, unless writing is refused.
        """
        source = self.source
        try:
            return await source.run(lambda conn: self.run_read(conn, statement))
        except DBAPIError as exc:
            if not source.writes_alone or "readonly database" not in str(exc.orig).lower():
                raise
            if write_refusal is not None:
                raise ConsoleRefusedError(f"not run, it writes: {write_refusal}") from exc
        return await source.run_write(lambda conn: self.run_read(conn, statement))

    async def run_read(self, conn: AsyncConnection, statement: Statement) -> Outcome:
        """A statement that only reads, on a pooled connection (no transaction is open)."""
        start = time.monotonic()
        try:
            return _timed(await _run(conn, statement), start)
        finally:
            await conn.rollback()

    async def commit(self) -> None:
        conn = self._take()
        try:
            if self.dialect == "sqlite":
                await conn.exec_driver_sql("COMMIT")
            await conn.commit()
        except BaseException:
            # The transaction is still the user's: keep it (a busy COMMIT can be retried).
            self.conn = conn
            raise
        await self.source.release_write(conn)

    async def rollback(self) -> None:
        conn = self._take()
        try:
            if self.dialect == "sqlite":
                with contextlib.suppress(SQLAlchemyError):
                    await conn.exec_driver_sql("ROLLBACK")
            await conn.rollback()
        finally:
            with contextlib.suppress(Exception):
                await self.source.release_write(conn)

    def _take(self) -> AsyncConnection:
        if self.conn is None:
            raise ConsoleRefusedError("no transaction is open")
        conn, self.conn = self.conn, None
        self.opened_at = None
        return conn

    async def close(self) -> None:
        """Roll back whatever is open (the app is closing)."""
        if self.conn is not None:
            await self.rollback()


async def _run(conn: AsyncConnection, statement: Statement) -> Outcome:
    result = await conn.execute(verbatim(statement.sql))
    if not result.returns_rows:
        return Outcome(0.0, rowcount=result.rowcount if result.rowcount is not None else -1)
    columns = tuple(unique_names(list(result.keys())))
    rows = result.fetchmany(RETURNED_ROWS_CAP + 1)
    more = len(rows) > RETURNED_ROWS_CAP
    result.close()
    return Outcome(0.0, columns, tuple(tuple(r) for r in rows[:RETURNED_ROWS_CAP]), more)


def _timed(outcome: Outcome, start: float, note: str = "") -> Outcome:
    from dataclasses import replace

    return replace(outcome, seconds=time.monotonic() - start, note=note or outcome.note)
