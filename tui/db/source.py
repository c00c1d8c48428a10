"""The open database: its async engine, its dialect strategy, and short-lived connections.

Every read happens on a connection checked out for one statement (or one small batch) and
returned at once, so dbbrowse never holds a read snapshot between keypresses — on SQLite
that would stop checkpoints and let the WAL grow.

A SQLite file browsed as it is has two engines: reads go through connections that never
write the ``-shm`` (:mod:`tui.db.read_only_shm`), writes through a writable one. SQLite
shares one wal-index per file per process, and the first connection to map it decides
whether it is writable: a write connection is opened alone (new reads wait, reads under way
finish, the read pool is closed), reads go on beside it once it has mapped the wal-index,
and when it closes the reads opened meanwhile are closed too (:meth:`DataSource._writer`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tui.db import pg_values, sqlite_calls, sqlite_fold, sqlite_regexp
from tui.db.dialects import DialectStrategy, strategy_for
from tui.db.no_checkpoint import disable_checkpoint_on_close, sqlite3_connection_of
from tui.db.target import PastStateError, Target, TargetError
from tui.db.write_access import file_write_refusal

if TYPE_CHECKING:
    from tui.db.recovery import BeforeOpen

T = TypeVar("T")
log = logging.getLogger(__name__)
# Reaching a server to cancel may need a new connection; never let Esc wait long on it.
_INTERRUPT_TIMEOUT = 5.0
_HOOKED: weakref.WeakSet[Engine] = weakref.WeakSet()
# Set inside :meth:`DataSource.run_alone`: the one operation allowed past the closed gate.
_ALONE: contextvars.ContextVar[bool] = contextvars.ContextVar("dbbrowse_alone", default=False)
#: How long an operation that needs the database alone waits for dbbrowse's own reads.
ALONE_WAIT_S = 5.0
_CONNECTION_PRAGMAS = frozenset({"wal_autocheckpoint", "journal_size_limit"})


class OperationCancelledError(Exception):
    """The user cancelled a database operation; nothing was changed."""


class WriteRefusedError(Exception):
    """dbbrowse may not write to this database; the message says why, for a person."""


#: Set in a connection's info by whoever commits a write on it (see :func:`mark_committed`).
_COMMITTED = "dbbrowse.committed"


def mark_committed(conn: AsyncConnection) -> None:
    """Note that a write was committed on ``conn`` (:meth:`DataSource.write` reads it)."""
    conn.info[_COMMITTED] = True


def decode_text(raw: bytes) -> str:
    """SQLite TEXT as str; bytes that are not UTF-8 survive as lone surrogates (shown as \\xNN)."""
    return raw.decode("utf-8", "surrogateescape")


def _install_functions(dbapi_connection: Any) -> None:
    """dbbrowse's own SQL functions on a SQLite connection: REGEXP, case-blind contains."""
    sqlite_regexp.install(dbapi_connection)
    sqlite_fold.install(dbapi_connection)


def _install_sqlite_hooks(sync_engine: Engine, *, text_factory: bool) -> None:
    """On every new connection: keep the WAL on close, decode TEXT losslessly, give REGEXP a
    function with a time limit (:mod:`tui.db.sqlite_regexp`) and add a case-blind contains
    (:mod:`tui.db.sqlite_fold`)."""
    if sync_engine in _HOOKED:  # the application's engines outlive one DataSource
        return
    _HOOKED.add(sync_engine)
    warned: list[bool] = []

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        if text_factory:
            driver = getattr(dbapi_connection, "driver_connection", dbapi_connection)
            driver.text_factory = decode_text
        _install_functions(dbapi_connection)
        conn = sqlite3_connection_of(dbapi_connection)
        if (conn is None or not disable_checkpoint_on_close(conn)) and not warned:
            warned.append(True)
            log.warning(
                "could not set SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE: closing the last connection"
                " may checkpoint and delete the WAL"
            )


class DataSource:
    """One database being browsed."""

    def __init__(
        self, target: Target, engine: AsyncEngine, write_engine: AsyncEngine | None = None
    ) -> None:
        self.target = target
        #: The engine reads go through (and whose dialect everything compiles for).
        self.engine = engine
        #: The engine writes go through: ``engine`` itself unless reads are kept apart.
        self.write_engine = engine if write_engine is None else write_engine
        #: Reads never write the -shm (:mod:`tui.db.read_only_shm`), so a write runs alone.
        self.writes_alone = write_engine is not None
        # One operation alone at a time (a save, a maintenance action, the console's BEGIN).
        self._alone_lock = asyncio.Lock()
        # Write connections the caller keeps open (the console's transaction).
        self._held_writes = 0
        self.strategy: DialectStrategy = strategy_for(engine.dialect.name)
        self._running: dict[asyncio.Task[Any], AsyncConnection] = {}
        #: Operations cancelled before their statement started: they must not start it.
        self._abandoned: set[asyncio.Task[Any]] = set()
        #: Reads interrupted so that a write may run alone: they run again after it.
        self._giving_way: set[asyncio.Task[Any]] = set()
        # Every operation's task until it is done: one that has left ``_running`` may still be
        # rolling back and returning its connection, and cancel_all() must wait for that too.
        self._live: set[asyncio.Task[Any]] = set()
        # Interrupts on their way to the server, by operation: the operation's connection is
        # kept until its interrupt has landed (see run()).
        self._interrupting: dict[asyncio.Task[Any], list[asyncio.Event]] = {}
        #: Writes under way, by task, on their connection: Esc may stop a save's statement.
        self._writing: dict[asyncio.Task[Any], AsyncConnection] = {}
        #: Connection settings the user chose (wal_autocheckpoint, journal_size_limit), applied
        #: to every connection dbbrowse checks out, since pooled connections come and go.
        self.connection_pragmas: dict[str, int] = {}
        #: How long a save waits for another session's lock on a server (SQLite has its
        #: busy timeout): the same setting, ``BUSY_TIMEOUT_MS``.
        self.lock_wait_ms = 5000
        #: Whether a maintenance action wrote to the database during this session.
        self.wrote = False
        #: Sentences about what SQLite repaired while opening the file (see tui.db.recovery).
        self.recovered: tuple[str, ...] = ()
        #: What changes with other connections' commits, as it stood once the database was
        #: open (before the table list and the first rows were read): the change monitor's
        #: first comparison, so a commit between opening and its first look is news too. A
        #: SQLite file's :func:`~tui.db.fingerprint.fingerprint` data; None for servers (their
        #: monitor starts from its own first look, see :meth:`_current_token`).
        self.opened_token: object | None = None
        self._file_id: tuple[int, int] | None = None  # (st_dev, st_ino) of the file opened
        #: A past state's WAL generation (salts): its commit numbers mean that WAL's, and
        #: anything computed later for the same commit must read the same generation.
        self.as_of_generation: tuple[int, int] | None = None
        self._watch: AsyncConnection | None = None
        # The watch connection runs one statement at a time: closing it while the monitor's
        # change_token() still waits on it breaks the driver's protocol (aiomysql: "readexactly()
        # called while another coroutine is already waiting").
        self._watch_lock = asyncio.Lock()
        self._paused = False
        # Connections checked out now, and a gate new checkouts wait at while an operation
        # needs the database to itself (switching the journal mode).
        self._in_use = 0
        self._all_returned = asyncio.Event()
        self._all_returned.set()
        self._gate = asyncio.Event()
        self._gate.set()
        #: Run once the engine is disposed of (what else the source opened, e.g. a snapshot).
        self._on_close: list[Callable[[], None]] = []

    @classmethod
    async def open(cls, target: Target) -> DataSource:
        """Connect (and for the app's database, create its schema); errors as TargetError.

        For a SQLite file, what SQLite repaired while opening it (a hot journal rolled back,
        the wal-index rebuilt from the WAL) is in :attr:`recovered`.
        """
        if target.as_of is not None:
            return await cls._open_as_of(target)
        before = None
        write_engine: AsyncEngine | None = None
        if target.sqlite_path is not None and not target.immutable:
            from tui.db.recovery import look_before_open

            before = await asyncio.to_thread(look_before_open, target.sqlite_path)
        try:
            if target.app_database and not target.read_only:
                from app import database

                database.configure(target.url)
                sync_engine, engine = database.get_engine(), database.get_async_engine()
            else:
                # A foreign database keeps its journal mode: browsing never writes. The
                # settings-free factory keeps pydantic and the ORM out of start-up.
                from app.engines import create_engines

                timeout = _busy_timeout_ms() if target.is_sqlite else None
                sync_engine, engine = create_engines(
                    target.url, sqlite_wal=False, busy_timeout_ms=timeout
                )
                write_engine = _read_only_shm_split(target, engine, timeout)
        except SQLAlchemyError as exc:
            raise TargetError(str(exc)) from exc
        # asyncpg reads PostgreSQL's infinite timestamps as real-looking dates.
        pg_values.install(engine.sync_engine)
        if engine.dialect.name == "sqlite":
            # An inspector leaves the WAL it shows as it found it: SQLite would checkpoint
            # and delete it when the last connection closes (see tui.db.no_checkpoint).
            _install_sqlite_hooks(engine.sync_engine, text_factory=True)
            _install_sqlite_hooks(sync_engine, text_factory=False)
            if write_engine is not None:
                _install_sqlite_hooks(write_engine.sync_engine, text_factory=True)
        source = cls(target, engine, write_engine)
        if not target.is_sqlite:
            source.lock_wait_ms = _busy_timeout_ms() or source.lock_wait_ms
        try:
            if target.ensure_schema and not target.read_only:
                import app.models  # noqa: F401  (registers the models on Base.metadata)
                from app.database import ensure_database_schema

                await asyncio.to_thread(ensure_database_schema, sync_engine)
        except SQLAlchemyError as exc:
            await source._dispose_engines()
            raise TargetError(str(exc)) from exc
        finally:
            if not target.app_database:
                sync_engine.dispose()
        try:
            await source.check()
        except TargetError:
            await source._dispose_engines()
            raise
        if target.sqlite_path is not None:
            source._file_id = _file_id(target.sqlite_path)
        if before is not None and target.sqlite_path is not None:
            source.recovered = tuple(await asyncio.to_thread(_recovery, before, target.sqlite_path))
            for line in source.recovered:
                log.warning("%s", line)
        source.opened_token = await source._current_token()
        return source

    async def _current_token(self) -> object | None:
        """What :attr:`opened_token` holds, read now."""
        path = self.target.sqlite_path
        if path is None:
            # A server's token is no exact record of commits: MariaDB's carries the server's
            # clock for two seconds after a write, PostgreSQL publishes its counts about a
            # second late. Taken at opening, right after a writer, it would differ at the
            # monitor's first look and say "changed by another connection" for nothing.
            return None
        from tui.db.fingerprint import fingerprint

        return (await asyncio.to_thread(fingerprint, path)).data

    @classmethod
    async def _open_as_of(cls, target: Target) -> DataSource:
        """A past state of a SQLite file (:mod:`tui.db.as_of_engine`): read-only, its WAL,
        database file and -shm only read. ``display`` says which state, of how many."""
        from dataclasses import replace

        from tui.db.as_of import NotReconstructableError
        from tui.db.as_of_engine import open_as_of_engine

        assert target.sqlite_path is not None and target.as_of is not None
        try:
            opened = await asyncio.to_thread(
                open_as_of_engine, target.sqlite_path, target.as_of, target.as_of_generation
            )
        except NotReconstructableError as exc:
            raise PastStateError(f"{target.display} as of commit {target.as_of}: {exc}") from exc
        except OSError as exc:
            raise TargetError(f"{target.display}: {exc.strerror or exc}") from exc
        sync_engine = opened.engine.sync_engine
        if sync_engine not in _HOOKED:
            _HOOKED.add(sync_engine)
            event.listen(sync_engine, "connect", lambda dbapi, _: _install_functions(dbapi))
        source = cls(replace(target, display=f"{target.display} {opened.label}"), opened.engine)
        source._on_close.append(opened.snapshot.close)
        source.as_of_generation = opened.snapshot.generation
        try:
            await source.check()
        except TargetError as exc:
            await source.close()
            if isinstance(getattr(exc.__cause__, "orig", None), NotReconstructableError):
                # The state is gone (a page needed at once was checkpointed over): the same
                # refusal as when opening found it, not a bad target.
                raise PastStateError(str(exc)) from exc
            raise
        source._file_id = _file_id(target.sqlite_path)
        return source

    def file_gone(self) -> str | None:
        """Why the SQLite file opened is no longer at its path (deleted, replaced); else None.

        dbbrowse's open connections still read the old file, but anything that connects anew
        would not find it (``mode=rw`` never creates one): actions check this first.
        """
        path = self.target.sqlite_path
        if path is None or self._file_id is None:
            return None
        now = _file_id(path)
        if now is None:
            return (
                f"{path} no longer exists: it was deleted or moved after dbbrowse opened it."
                " dbbrowse's open connections still see the old file, but no action runs on a"
                " database that is gone (nothing is created in its place)."
            )
        if now != self._file_id:
            return (
                f"{path} is a different file from the one dbbrowse opened (it was replaced):"
                " restart dbbrowse to inspect the new one; no action runs meanwhile."
            )
        return None

    async def check(self) -> None:
        """Read the schema once, so a corrupt file or a dead server is reported up front."""
        try:
            async with self.connect() as conn:
                await conn.execute(text(self._probe_sql()))
        except DBAPIError as exc:
            path = self.target.sqlite_path
            if path is not None:
                from tui.db.open_errors import explain_open_error

                reason = explain_open_error(exc, path, read_only=self.target.read_only)
                if reason is not None:
                    raise TargetError(reason) from exc
            raise TargetError(self.explain(exc)) from exc

    def _probe_sql(self) -> str:
        # Reading sqlite_schema touches page 1: a corrupt or foreign file fails here.
        if self.engine.dialect.name == "sqlite":
            return "SELECT count(*) FROM sqlite_master"
        return "SELECT 1"

    def explain(self, exc: BaseException) -> str:
        """A person-readable sentence for a database error."""
        orig = getattr(exc, "orig", None) or exc
        message = str(orig).strip() or type(orig).__name__
        lowered = message.lower()
        if "file is not a database" in lowered or "malformed" in lowered:
            return f"{self.target.display} is not a usable SQLite database: {message}"
        if sqlite_calls.FUNCTION_FAILED in lowered:
            # SQLite drops the cause; dbbrowse's own functions kept it (sqlite_calls.py).
            return sqlite_calls.take_failure() or (
                f"{self.target.display}: a SQL function failed on a value ({message});"
                " a TEXT that is not valid UTF-8 cannot be passed to a Python function as text"
                " (CAST(x AS BLOB) can)"
            )
        if "database is locked" in lowered or "busy" in lowered:
            return f"{self.target.display} is locked by another connection: {message}"
        return f"{self.target.display}: {message}"

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A connection for one short read, always returned to the pool."""
        async with self._connection(write=False) as conn:
            yield conn

    @asynccontextmanager
    async def _connection(
        self, *, write: bool, engine: AsyncEngine | None = None
    ) -> AsyncIterator[AsyncConnection]:
        """A pooled connection of ``engine`` (the reads' by default) with the user's connection
        settings, counted while checked out and rolled back before it goes back.

        ``write`` (SQLite): the driver's implicit BEGIN is off and foreign keys are enforced;
        a failed rollback (the save's own ROLLBACK ended the transaction) is not an error.
        """
        if not _ALONE.get():
            await self._gate.wait()
        engine = engine or self.engine
        # What an operation alone waits for: every connection, or (writes_alone) the reads.
        counted = 1 if not self.writes_alone or engine is self.engine else 0
        self._checked_out(counted)
        sqlite_write = write and self.engine.dialect.name == "sqlite"
        try:
            async with engine.connect() as conn:
                try:
                    if sqlite_write:
                        await conn.execution_options(isolation_level="AUTOCOMMIT")
                    for name, value in self.connection_pragmas.items():
                        if name in _CONNECTION_PRAGMAS:
                            await conn.exec_driver_sql(f"PRAGMA {name} = {int(value)}")
                    if sqlite_write:
                        await conn.exec_driver_sql("PRAGMA foreign_keys = ON")
                    yield conn
                finally:
                    # Ends whatever the operation left open, the driver's transaction included.
                    with (
                        contextlib.suppress(SQLAlchemyError) if write else contextlib.nullcontext()
                    ):
                        await conn.rollback()
        finally:
            self._checked_out(-counted)

    def _checked_out(self, delta: int) -> None:
        self._in_use += delta
        if self._in_use:
            self._all_returned.clear()
        else:
            self._all_returned.set()

    async def run(self, operation: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run ``operation`` on a short-lived connection, safe against cancellation.

        The operation runs in its own task. If the caller is cancelled (a newer request, Esc,
        the app closing), the statement is interrupted and the task finishes on its own, so
        the connection is always rolled back and returned to the pool instead of being torn
        down half-way. It reads: on a SQLite file, its connection cannot write.
        """
        return await self._run_on(self.engine, operation)

    async def run_write(self, operation: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run ``operation``, which writes (a checkpoint, VACUUM), as :meth:`run` runs a read
        (Esc interrupts it) but on a writable connection, alone where :attr:`writes_alone`."""
        if not self.writes_alone:
            return await self.run(operation)
        engine = self.write_engine
        return await self._run_on(
            engine,
            operation,
            settle=True,
            connection=lambda: self._writer(self._connection(write=False, engine=engine)),
        )

    async def _run_on(
        self,
        engine: AsyncEngine,
        operation: Callable[[AsyncConnection], Awaitable[T]],
        *,
        settle: bool = False,
        connection: Callable[[], AbstractAsyncContextManager[AsyncConnection]] | None = None,
    ) -> T:
        """:meth:`run` on ``engine`` (or on what ``connection`` opens); with ``settle``, a
        cancelled caller also waits for the interrupted operation to end and return its
        connection."""

        def opened() -> AbstractAsyncContextManager[AsyncConnection]:
            if connection is not None:
                return connection()
            return self._connection(write=False, engine=engine)

        async def body() -> T:
            task = asyncio.current_task()
            assert task is not None
            while True:
                async with opened() as conn:
                    # Servers are interrupted through their session id: read it before the
                    # operation, while the connection is free to answer.
                    await self.strategy.remember_session(conn)
                    if task in self._abandoned:
                        raise OperationCancelledError  # cancelled waiting for a connection
                    self._running[task] = conn
                    try:
                        return await operation(conn)
                    except DBAPIError:
                        if task not in self._giving_way:
                            raise
                    finally:
                        self._running.pop(task, None)
                        # A server interrupts a session, not a statement: had this
                        # connection gone back to the pool before an interrupt sent for this
                        # operation reached the server, the interrupt would stop the next
                        # operation's statement on it. It waits until the interrupt has
                        # landed (a no-op on an idle session).
                        for landing in list(self._interrupting.get(task, ())):
                            await landing.wait()
                # Interrupted for a write that must run alone (see _alone): a read changed
                # nothing, so it runs again once the write is done.
                self._giving_way.discard(task)
                log.info("a read gave way to a write and runs again")

        task = asyncio.ensure_future(body())
        self._live.add(task)
        task.add_done_callback(self._finished)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            self._abandoned.add(task)  # not to be run again for a caller who is gone
            await self._interrupt(task)
            if settle:
                await asyncio.wait([task])
            raise

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._abandoned.discard(task)
        self._giving_way.discard(task)
        self._live.discard(task)
        _consume_result(task)

    async def _interrupt(self, task: asyncio.Task[Any]) -> None:
        if task.done():
            return
        conn = self._running.get(task)
        if conn is None:
            self._abandoned.add(task)
            return

        def still_running() -> bool:
            return self._running.get(task) is conn

        landed = asyncio.Event()
        self._interrupting.setdefault(task, []).append(landed)
        # Interrupting is best effort: the statement may have just finished.
        try:
            await asyncio.wait_for(
                self.strategy.interrupt(conn, self.engine, still_running), _INTERRUPT_TIMEOUT
            )
        except Exception:
            log.warning("could not interrupt a running statement", exc_info=True)
        finally:
            landed.set()
            pending = self._interrupting.get(task, [])
            if landed in pending:
                pending.remove(landed)
            if not pending:
                self._interrupting.pop(task, None)

    async def cancel_all(self) -> None:
        """Interrupt every running operation and wait for the connections to come back."""
        tasks = list(self._live)
        for task in tasks:
            await self._interrupt(task)
        if tasks:
            await asyncio.wait(tasks, timeout=5)

    def write_refusal(self) -> str | None:
        """Why nothing may be written here: a read-only target, a file gone or replaced, a
        file or directory this user may not write (which one); None when writing may work."""
        target = self.target
        if target.read_only_reason is not None:
            return target.read_only_reason
        gone = self.file_gone()
        if gone is not None:
            return gone
        path = target.sqlite_path
        return None if path is None else file_write_refusal(path)

    async def write(self, operation: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run ``operation`` on a connection for writing; :attr:`wrote` is set once it commits.

        SQLite: the driver's implicit BEGIN is off (``operation`` begins its own transaction,
        e.g. ``BEGIN IMMEDIATE``) and foreign keys are enforced. Raises
        :class:`WriteRefusedError` when :meth:`write_refusal` says no. Not interrupted when
        the caller is cancelled: a write runs to its commit or rollback.
        """
        refusal = self.write_refusal()
        if refusal is not None:
            raise WriteRefusedError(refusal)

        async def body() -> T:
            task = asyncio.current_task()
            assert task is not None
            async with self._writer(self._connection(write=True, engine=self.write_engine)) as conn:
                conn.info.pop(_COMMITTED, None)
                # A server's statement is stopped through its session id (interrupt_writes).
                await self.strategy.remember_session(conn)
                self._writing[task] = conn
                try:
                    return await operation(conn)
                finally:
                    self._writing.pop(task, None)
                    # As for reads (see _run_on): the connection goes back to the pool only
                    # once an interrupt sent for this write has landed.
                    for landing in list(self._interrupting.get(task, ())):
                        await landing.wait()
                    if conn.info.pop(_COMMITTED, False):
                        self.wrote = True

        task = asyncio.ensure_future(body())
        self._live.add(task)
        task.add_done_callback(self._finished)
        return await asyncio.shield(task)

    async def interrupt_writes(self) -> int:
        """Ask the server to stop the statement each write under way is running (a save
        waiting for another session's lock): the statement fails, the write rolls back and
        says so; one that has already committed stays committed. How many were asked (never a
        SQLite file's: its wait ends with the busy timeout)."""
        if self.target.is_sqlite:
            return 0
        asked = 0
        for task, conn in list(self._writing.items()):

            def still_running(task: asyncio.Task[Any] = task, conn: AsyncConnection = conn) -> bool:
                return self._writing.get(task) is conn

            landed = asyncio.Event()
            self._interrupting.setdefault(task, []).append(landed)
            try:
                await asyncio.wait_for(
                    self.strategy.interrupt(conn, self.engine, still_running), _INTERRUPT_TIMEOUT
                )
                asked += 1
            except Exception:
                log.warning("could not interrupt a write", exc_info=True)
            finally:
                landed.set()
                pending = self._interrupting.get(task, [])
                if landed in pending:
                    pending.remove(landed)
                if not pending:
                    self._interrupting.pop(task, None)
        return asked

    async def hold_write(
        self, begin: Callable[[AsyncConnection], Awaitable[None]]
    ) -> AsyncConnection:
        """A writable connection the caller keeps across statements (the console's
        transaction), with ``begin`` run on it (``BEGIN IMMEDIATE``); give it back with
        :meth:`release_write`.

        Where :attr:`writes_alone`, it is opened and begun with no read connection of dbbrowse
        open (the wal-index it maps must be the writable one); browsing goes on afterwards,
        its reads sharing that mapping until the connection is given back.
        """

        async def opened() -> AsyncConnection:
            conn = await self.write_engine.connect()
            try:
                await begin(conn)
            except BaseException:
                with contextlib.suppress(Exception):
                    await conn.close()
                raise
            return conn

        if not self.writes_alone:
            return await opened()
        async with self._alone():
            conn = await opened()
            self._held_writes += 1
            return conn

    async def release_write(self, conn: AsyncConnection) -> None:
        """Close a connection from :meth:`hold_write` (its transaction already ended)."""
        try:
            await conn.close()
        finally:
            if self.writes_alone:
                await self._writer_closed()

    @asynccontextmanager
    async def _writer(
        self, opening: AbstractAsyncContextManager[AsyncConnection]
    ) -> AsyncIterator[AsyncConnection]:
        """The write connection ``opening`` opens, where :attr:`writes_alone` opened with no
        read connection of dbbrowse open.

        Only the opening is alone: once the connection has mapped the wal-index (writable),
        reads go on beside it, sharing that mapping, also while the write waits for another
        process's lock. Once the last write connection is closed, so are the reads opened
        meanwhile (:meth:`_writer_closed`).
        """
        if not self.writes_alone:
            async with opening as conn:
                yield conn
            return
        stack = contextlib.AsyncExitStack()
        async with self._alone():
            conn = await stack.enter_async_context(opening)
            try:
                # SQLite maps the -shm on a connection's first read, not when it connects.
                await conn.exec_driver_sql("SELECT count(*) FROM sqlite_master")
                await conn.rollback()
            except BaseException:
                await stack.aclose()
                raise
            self._held_writes += 1
        try:
            yield conn
        finally:
            try:
                await stack.aclose()
            finally:
                await self._writer_closed()

    async def _writer_closed(self) -> None:
        """A write connection was closed: once none is left, close the reads opened beside
        them (they share a writable wal-index and write read marks) and the write pool."""
        self._held_writes -= 1
        if not self._held_writes:
            async with self._alone():
                pass

    @asynccontextmanager
    async def _alone(self) -> AsyncIterator[None]:
        """No read connection of dbbrowse open meanwhile, nor the write connection after.

        New reads wait at the gate, reads under way get :data:`ALONE_WAIT_S` to finish (then
        they are interrupted, and run again afterwards: the user's write comes first), the
        change watcher and the read pool are closed. Afterwards the write pool is closed, so
        that the next reads map the wal-index read-only again; not while :meth:`hold_write`
        has handed out a connection (disposing would only detach it, and giving it back would
        not close it).
        """
        async with self._alone_lock:
            self._gate.clear()
            self._paused = True
            try:
                try:
                    await asyncio.wait_for(self._all_returned.wait(), ALONE_WAIT_S)
                except TimeoutError:
                    for task, conn in list(self._running.items()):
                        if conn.engine is self.engine:  # a read, not a write beside it
                            self._giving_way.add(task)
                            await self._interrupt(task)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._all_returned.wait(), ALONE_WAIT_S)
                await self._close_watch()
                await self.engine.dispose()
                token = _ALONE.set(True)
                try:
                    yield
                finally:
                    _ALONE.reset(token)
                    if self.write_engine is not self.engine and not self._held_writes:
                        await self.write_engine.dispose()
            finally:
                self._paused = False
                self._gate.set()

    async def change_token(self) -> object | None:
        """The engine's change counter, read on one long-lived idle connection.

        None while paused (see :meth:`quiesce`) or where changes cannot be detected.
        """
        if self._paused:
            return None
        self._checked_out(1)
        try:
            async with self._watch_lock:
                if self._watch is None:
                    self._watch = await self.engine.connect()
                return await self.strategy.change_token(self._watch)
        finally:
            self._checked_out(-1)

    async def run_alone(self, operation: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run ``operation`` with no other connection of dbbrowse open (as :meth:`run`, on a
        writable connection).

        Switching the journal mode needs every connection closed, this process's included:
        new reads wait at a gate, reads under way get :data:`ALONE_WAIT_S` to finish, the
        change watcher and the pool are closed, and only then does ``operation`` connect.
        """
        async with self._alone():
            return await self._run_on(self.write_engine, operation, settle=True)

    async def _close_watch(self) -> None:
        try:
            await asyncio.wait_for(self._watch_lock.acquire(), ALONE_WAIT_S)
        except TimeoutError:
            locked = False  # a change_token() stuck on a dead server: close it regardless
        else:
            locked = True
        try:
            watch, self._watch = self._watch, None
            if watch is None:
                return
            try:
                await watch.close()
            except Exception:
                # Only the watcher is lost; drop the connection instead of returning it.
                log.debug("closing the change watcher failed", exc_info=True)
                with contextlib.suppress(Exception):
                    await watch.invalidate()
        finally:
            if locked:
                self._watch_lock.release()

    async def new_connection(self) -> AsyncConnection:
        """A connection the caller closes itself (for a batch of short statements)."""
        return await self.engine.connect()

    def models(self) -> MetaData | None:
        """The application's ORM metadata, compared against every database we browse."""
        import app.models  # noqa: F401  (registers the models)
        from app.database import Base

        return Base.metadata

    async def close(self, *, checkpoint: bool = False) -> None:
        """Release everything; with ``checkpoint``, first TRUNCATE the WAL if we wrote to it."""
        await self.cancel_all()
        if checkpoint and self.wrote and self.engine.dialect.name == "sqlite":
            from tui.db.maintenance import CheckpointMode, MaintenanceError
            from tui.db.maintenance import checkpoint as run_checkpoint

            with contextlib.suppress(MaintenanceError, DBAPIError):
                await self.run_write(lambda conn: run_checkpoint(conn, CheckpointMode.TRUNCATE))
        self._paused = True
        await self._close_watch()
        await self._dispose_engines()
        while self._on_close:
            self._on_close.pop()()

    async def _dispose_engines(self) -> None:
        await self.engine.dispose()
        if self.write_engine is not self.engine:
            await self.write_engine.dispose()


def _read_only_shm_split(
    target: Target, engine: AsyncEngine, busy_timeout_ms: int | None
) -> AsyncEngine | None:
    """For a SQLite file browsed as it is: ``engine`` (the reads') opens its connections with
    a read-only -shm (:mod:`tui.db.read_only_shm`) and a new engine on the same URL, returned,
    serves the writes. None where reads and writes share ``engine``."""
    from tui.db import read_only_shm

    path = target.sqlite_path
    if path is None or not read_only_shm.applies_to(target):
        return None
    if not read_only_shm.install(engine.sync_engine, path) or target.read_only:
        return None  # read-only: nothing is written, the one engine refuses it as before
    from app.engines import create_engines

    writer_sync, write_engine = create_engines(
        target.url, sqlite_wal=False, busy_timeout_ms=busy_timeout_ms
    )
    writer_sync.dispose()  # never connected: only the async engine writes
    return write_engine


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _recovery(before: BeforeOpen, path: Path) -> list[str]:
    from tui.db.recovery import recovery_report
    from tui.db.shm import read_shm
    from tui.db.status import file_status

    return recovery_report(before, file_status(path), read_shm(f"{path}-shm"))


def _busy_timeout_ms() -> int | None:
    """``BUSY_TIMEOUT_MS`` where the user set one (environment or ``.env``), else None.

    The settings (and pydantic) are imported only when there is something to read, so a
    file given on the command line keeps a light start-up.
    """
    if "BUSY_TIMEOUT_MS" not in os.environ and not Path(".env").is_file():
        return None
    from pydantic import ValidationError

    try:
        from app.config import Settings

        return Settings().BUSY_TIMEOUT_MS
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors()
        )
        raise TargetError(f"invalid settings: {problems}") from None


def _consume_result(task: asyncio.Task[Any]) -> None:
    """An orphaned (cancelled-caller) operation's outcome is not an error worth logging."""
    if not task.cancelled():
        task.exception()
