"""Engines, session factories and schema setup of :mod:`app.database`, on real SQLite files.

Every test that reconfigures the process's engines goes back to the settings' database in
its teardown (:func:`app.database.reset_engines`); async tests close their pooled
connections inside their own event loop first.
"""

from __future__ import annotations

import datetime as dt
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack, ExitStack
from pathlib import Path

import pytest
from sqlalchemy import Connection, delete, func, inspect, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

import app.database
from app.config import settings
from app.database import (
    AsyncSessionLocal,
    Base,
    SchemaSetupError,
    SessionLocal,
    UnsupportedDatabaseError,
    configure,
    create_engines,
    derive_urls,
    dispose_engines,
    ensure_database_schema,
    get_async_engine,
    get_async_session,
    get_engine,
    get_session,
    is_sqlite,
    mask_url,
    reset_engines,
)
from app.models import Customer, Event, Order

# Imported once at collection time, before any test reconfigures the engines.
SESSION_LOCAL_AT_IMPORT = SessionLocal
ASYNC_SESSION_LOCAL_AT_IMPORT = AsyncSessionLocal

SECRET = "p@ss:w/rd%"
SECRET_ENCODED = "p%40ss%3Aw%2Frd%25"
MODEL_TABLES = frozenset(Base.metadata.tables)


@pytest.fixture
def restore_engines() -> Iterator[None]:
    """Whatever the test configures, the process goes back to the settings' database."""
    yield
    reset_engines()


@pytest.fixture
def db_url(sqlite_url: str, restore_engines: None) -> str:
    """The process's engines point at a new SQLite file."""
    configure(sqlite_url)
    return sqlite_url


@pytest.fixture
async def async_db_url(db_url: str) -> AsyncIterator[str]:
    """Like ``db_url``, and the async pool is emptied inside the test's event loop."""
    yield db_url
    await dispose_engines()


@pytest.fixture
def schema(db_url: str) -> str:
    ensure_database_schema()
    return db_url


@pytest.fixture
async def async_schema(async_db_url: str) -> str:
    ensure_database_schema()
    return async_db_url


def _delete_mode_file(path: Path) -> Path:
    """A SQLite file in rollback-journal (DELETE) mode with one row, made without SQLAlchemy."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('kept')")
        conn.commit()
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    finally:
        conn.close()
    return path


def _files(directory: Path) -> dict[str, bytes]:
    """Every file of a directory with its content."""
    return {path.name: path.read_bytes() for path in directory.iterdir()}


def _pragmas(conn: Connection) -> tuple[str, int, int]:
    return (
        conn.exec_driver_sql("PRAGMA journal_mode").scalar_one(),
        conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one(),
        conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one(),
    )


async def _async_pragmas(conn: AsyncConnection) -> tuple[str, int, int]:
    return (
        (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar_one(),
        (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar_one(),
        (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar_one(),
    )


def _table_names(bind: Engine) -> set[str]:
    return set(inspect(bind).get_table_names())


def _schema_shape(bind: Engine) -> dict[str, tuple[frozenset[str], int, int]]:
    """Per table: column names, number of indexes, number of foreign keys."""
    inspector = inspect(bind)
    return {
        name: (
            frozenset(column["name"] for column in inspector.get_columns(name)),
            len(inspector.get_indexes(name)),
            len(inspector.get_foreign_keys(name)),
        )
        for name in inspector.get_table_names()
    }


def _expected_shape() -> dict[str, tuple[frozenset[str], int, int]]:
    return {
        name: (
            frozenset(table.columns.keys()),
            len(table.indexes),
            len(table.foreign_keys),
        )
        for name, table in Base.metadata.tables.items()
    }


def _checked_out(bind: Engine | AsyncEngine) -> int:
    """How many connections of the engine's pool are in use."""
    pool = bind.pool
    assert isinstance(pool, QueuePool)
    return pool.checkedout()


def _checked_in(bind: Engine | AsyncEngine) -> int:
    """How many connections the engine's pool keeps open for reuse."""
    pool = bind.pool
    assert isinstance(pool, QueuePool)
    return pool.checkedin()


def _customer(name: str) -> Customer:
    return Customer(name=name, email=f"{name.lower()}@example.org")


# --- the singletons ---------------------------------------------------------------------


def test_one_engine_pair_per_process() -> None:
    import app.database as again
    from app.database import async_engine, engine

    assert again is app.database is sys.modules["app.database"]
    assert get_engine() is get_engine() is engine is again.engine
    assert get_async_engine() is get_async_engine() is async_engine is again.async_engine


def test_session_factories_are_bound_to_the_engines() -> None:
    with SessionLocal() as session:
        assert session.get_bind() is get_engine()
    assert AsyncSessionLocal().bind is get_async_engine()


def test_default_engines_point_at_the_settings_database() -> None:
    expected_sync, expected_async = derive_urls(settings.DATABASE_URL)

    assert get_engine().url == expected_sync
    assert get_async_engine().url == expected_async
    assert get_engine().url.database == get_async_engine().url.database


@pytest.mark.usefixtures("async_schema")
async def test_both_engines_share_one_database() -> None:
    with SessionLocal.begin() as session:
        session.add(_customer("Ada"))

    async with AsyncSessionLocal() as session:
        names = (await session.scalars(select(Customer.name))).all()
        assert names == ["Ada"]
        session.add(_customer("Grace"))
        await session.commit()

    with SessionLocal() as session:
        assert session.scalars(select(Customer.name).order_by(Customer.name)).all() == [
            "Ada",
            "Grace",
        ]


@pytest.mark.usefixtures("async_schema")
async def test_async_sessions_keep_loaded_values_after_commit() -> None:
    async with AsyncSessionLocal() as session:
        customer = _customer("Ada")
        session.add(customer)
        await session.commit()
        # Expired attributes would need IO here, which async sessions cannot do implicitly.
        assert customer.name == "Ada"
        assert customer.id is not None


# --- configure / reset_engines ----------------------------------------------------------


@pytest.mark.usefixtures("restore_engines")
async def test_configure_switches_both_engines_and_the_session_factories(
    tmp_path: Path,
) -> None:
    first, second = f"sqlite:///{tmp_path / 'first.db'}", f"sqlite:///{tmp_path / 'second.db'}"

    configure(first)
    ensure_database_schema()
    with SESSION_LOCAL_AT_IMPORT.begin() as session:
        session.add(_customer("First"))
    await dispose_engines()

    configure(second)
    assert get_engine().url == derive_urls(second)[0]
    assert get_async_engine().url == derive_urls(second)[1]
    assert app.database.engine is get_engine()
    assert SessionLocal is SESSION_LOCAL_AT_IMPORT
    ensure_database_schema()
    with SESSION_LOCAL_AT_IMPORT() as session:
        assert session.get_bind() is get_engine()
        assert session.scalars(select(Customer.name)).all() == []
        session.add(_customer("Second"))
        session.commit()
    async with ASYNC_SESSION_LOCAL_AT_IMPORT() as session:
        assert session.bind is get_async_engine()
        assert (await session.scalars(select(Customer.name))).all() == ["Second"]
    await dispose_engines()

    configure(first)
    async with ASYNC_SESSION_LOCAL_AT_IMPORT() as session:
        assert (await session.scalars(select(Customer.name))).all() == ["First"]
    await dispose_engines()


@pytest.mark.usefixtures("restore_engines")
def test_configure_disposes_the_old_engines(sqlite_url: str, tmp_path: Path) -> None:
    configure(sqlite_url)
    old = get_engine()
    with old.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert _checked_in(old) == 1

    configure(f"sqlite:///{tmp_path / 'other.db'}")

    assert get_engine() is not old
    assert _checked_in(old) == 0


@pytest.mark.usefixtures("restore_engines")
def test_configure_with_an_unusable_url_changes_nothing(sqlite_url: str) -> None:
    configure(sqlite_url)
    before = (get_engine(), get_async_engine())

    with pytest.raises(UnsupportedDatabaseError):
        configure("oracle://scott:tiger@localhost/xe")

    assert (get_engine(), get_async_engine()) == before
    assert SessionLocal.kw["bind"] is before[0]
    assert AsyncSessionLocal.kw["bind"] is before[1]


@pytest.mark.usefixtures("restore_engines")
def test_reset_engines_goes_back_to_the_settings(sqlite_url: str) -> None:
    configure(sqlite_url, busy_timeout_ms=1234)
    assert get_engine().url.database != make_url(settings.DATABASE_URL).database

    reset_engines()

    assert get_engine().url == derive_urls(settings.DATABASE_URL)[0]
    assert get_async_engine().url == derive_urls(settings.DATABASE_URL)[1]
    with SessionLocal() as session:
        assert session.get_bind() is get_engine()
    assert AsyncSessionLocal.kw["bind"] is get_async_engine()
    with get_engine().connect() as conn:
        assert _pragmas(conn)[1] == settings.BUSY_TIMEOUT_MS


async def test_dispose_engines_empties_both_pools_and_they_reconnect(async_db_url: str) -> None:
    with get_engine().connect() as conn:
        conn.execute(text("SELECT 1"))
    async with get_async_engine().connect() as aconn:
        await aconn.execute(text("SELECT 1"))
    assert _checked_in(get_engine()) == 1
    assert _checked_in(get_async_engine()) == 1

    await dispose_engines()

    assert _checked_in(get_engine()) == 0
    assert _checked_in(get_async_engine()) == 0
    with get_engine().connect() as conn:
        assert conn.execute(text("SELECT 2")).scalar_one() == 2


# --- SQLite connection setup ------------------------------------------------------------


@pytest.mark.usefixtures("restore_engines")
@pytest.mark.parametrize("busy_timeout_ms", [None, 1234])
async def test_every_connection_is_wal_with_the_busy_timeout(
    sqlite_url: str, busy_timeout_ms: int | None
) -> None:
    configure(sqlite_url, busy_timeout_ms=busy_timeout_ms)
    expected = (
        "wal",
        settings.BUSY_TIMEOUT_MS if busy_timeout_ms is None else busy_timeout_ms,
        1,
    )
    try:
        with ExitStack() as stack:
            sync_conns = [stack.enter_context(get_engine().connect()) for _ in range(3)]
            async with AsyncExitStack() as astack:
                async_conns = [
                    await astack.enter_async_context(get_async_engine().connect()) for _ in range(3)
                ]
                raw = [await conn.get_raw_connection() for conn in async_conns]

                assert _checked_out(get_engine()) == 3
                assert _checked_out(get_async_engine()) == 3
                assert len({id(conn.connection.dbapi_connection) for conn in sync_conns}) == 3
                assert len({id(conn.dbapi_connection) for conn in raw}) == 3
                assert [_pragmas(conn) for conn in sync_conns] == [expected] * 3
                assert [await _async_pragmas(conn) for conn in async_conns] == [expected] * 3
    finally:
        await dispose_engines()


def test_settings_busy_timeout_is_the_default() -> None:
    assert settings.BUSY_TIMEOUT_MS == 5000
    with get_engine().connect() as conn:
        assert _pragmas(conn)[1] == 5000


def test_a_write_creates_a_wal_file(db_url: str, sqlite_path: Path) -> None:
    with get_engine().begin() as conn:
        conn.execute(text("CREATE TABLE notes (body TEXT)"))
        conn.execute(text("INSERT INTO notes (body) VALUES (:body)"), {"body": "hello"})

    assert Path(f"{sqlite_path}-wal").is_file()
    # Bytes 18 and 19 of the header are 2 for a WAL database, 1 for a rollback journal.
    assert sqlite_path.read_bytes()[18:20] == b"\x02\x02"


def test_a_connection_works_from_another_thread(db_url: str) -> None:
    with get_engine().connect() as conn:
        created_in = threading.get_ident()
        conn.execute(text("SELECT 1"))
        with ThreadPoolExecutor(max_workers=1) as pool:
            used_in, value = pool.submit(
                lambda: (threading.get_ident(), conn.execute(text("SELECT 2")).scalar_one())
            ).result()

    assert used_in != created_in
    assert value == 2


@pytest.mark.usefixtures("schema")
def test_a_session_works_from_another_thread() -> None:
    with SessionLocal() as session:
        session.add(_customer("Ada"))
        session.flush()  # the session now holds a connection opened in this thread

        def in_worker() -> list[str]:
            return list(session.scalars(select(Customer.name)))

        with ThreadPoolExecutor(max_workers=1) as pool:
            assert pool.submit(in_worker).result() == ["Ada"]
        session.commit()


@pytest.mark.usefixtures("restore_engines")
@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
async def test_memory_database_connects_and_keeps_the_memory_journal(url: str) -> None:
    configure(url)
    try:
        with get_engine().connect() as conn:
            assert _pragmas(conn) == ("memory", settings.BUSY_TIMEOUT_MS, 1)
        async with get_async_engine().connect() as aconn:
            assert await _async_pragmas(aconn) == ("memory", settings.BUSY_TIMEOUT_MS, 1)
    finally:
        await dispose_engines()


@pytest.mark.usefixtures("restore_engines")
async def test_read_only_uri_connects_and_keeps_the_delete_journal(sqlite_path: Path) -> None:
    _delete_mode_file(sqlite_path)
    before = _files(sqlite_path.parent)
    configure(f"sqlite:///file:{sqlite_path}?mode=ro&uri=true")
    try:
        with get_engine().connect() as conn:
            assert _pragmas(conn)[0] == "delete"
            assert conn.execute(text("SELECT body FROM notes")).scalars().all() == ["kept"]
            with pytest.raises(OperationalError, match="readonly"):
                conn.execute(text("INSERT INTO notes (body) VALUES ('new')"))
        async with get_async_engine().connect() as aconn:
            assert (await _async_pragmas(aconn))[0] == "delete"
            result = await aconn.execute(text("SELECT body FROM notes"))
            assert result.scalars().all() == ["kept"]
    finally:
        await dispose_engines()

    assert _files(sqlite_path.parent) == before
    assert list(before) == [sqlite_path.name]


async def test_without_wal_a_foreign_file_is_left_as_it_is(sqlite_path: Path) -> None:
    _delete_mode_file(sqlite_path)
    before = _files(sqlite_path.parent)
    sync_engine, async_engine = create_engines(
        f"sqlite:///{sqlite_path}", sqlite_wal=False, busy_timeout_ms=1234
    )
    try:
        with sync_engine.connect() as conn:
            assert _pragmas(conn) == ("delete", 1234, 0)
            assert conn.execute(text("SELECT body FROM notes")).scalars().all() == ["kept"]
        async with async_engine.connect() as aconn:
            assert await _async_pragmas(aconn) == ("delete", 1234, 0)
            result = await aconn.execute(text("SELECT body FROM notes"))
            assert result.scalars().all() == ["kept"]
    finally:
        sync_engine.dispose()
        await async_engine.dispose()

    assert _files(sqlite_path.parent) == before
    assert list(before) == [sqlite_path.name]


@pytest.mark.parametrize(
    ("sqlite_wal", "sqlite_foreign_keys", "expected"),
    [
        (True, None, ("wal", 1)),
        (False, None, ("delete", 0)),
        (False, True, ("delete", 1)),
        (True, False, ("wal", 0)),
    ],
)
async def test_foreign_key_enforcement_follows_wal_unless_told(
    sqlite_path: Path,
    sqlite_wal: bool,
    sqlite_foreign_keys: bool | None,
    expected: tuple[str, int],
) -> None:
    _delete_mode_file(sqlite_path)
    sync_engine, async_engine = create_engines(
        f"sqlite:///{sqlite_path}", sqlite_wal=sqlite_wal, sqlite_foreign_keys=sqlite_foreign_keys
    )
    try:
        with sync_engine.connect() as conn:
            journal, _, foreign_keys = _pragmas(conn)
            assert (journal, foreign_keys) == expected
        async with async_engine.connect() as aconn:
            journal, _, foreign_keys = await _async_pragmas(aconn)
            assert (journal, foreign_keys) == expected
    finally:
        sync_engine.dispose()
        await async_engine.dispose()


@pytest.mark.usefixtures("schema")
def test_app_database_enforces_the_models_foreign_keys() -> None:
    with SessionLocal.begin() as session:
        customer = _customer("Ada")
        session.add(customer)
        session.flush()
        session.add(Order(customer_id=customer.id))
        session.add(
            Event(occurred_at=dt.datetime(2024, 1, 2), kind="signup", customer_id=customer.id)
        )

    with get_engine().begin() as conn:
        # Core DELETE: only the database's ON DELETE rules act, not the ORM's cascades.
        conn.execute(delete(Customer))

    with SessionLocal() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 0
        assert session.scalars(select(Event.customer_id)).all() == [None]
        session.add(Order(customer_id=12345))
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            session.flush()


# --- ensure_database_schema -------------------------------------------------------------


def test_ensure_database_schema_creates_every_model_table_and_is_repeatable(db_url: str) -> None:
    assert _table_names(get_engine()) == set()

    ensure_database_schema()
    first = _schema_shape(get_engine())
    ensure_database_schema()

    assert set(first) == MODEL_TABLES
    assert first == _expected_shape()
    assert _schema_shape(get_engine()) == first


async def test_ensure_database_schema_serves_both_engines(async_db_url: str) -> None:
    ensure_database_schema()

    async with get_async_engine().connect() as aconn:
        names = await aconn.run_sync(lambda conn: set(inspect(conn).get_table_names()))
    assert names == MODEL_TABLES


def test_ensure_database_schema_on_an_explicit_engine(sqlite_path: Path) -> None:
    bind, _ = create_engines(f"sqlite:///{sqlite_path}")
    try:
        ensure_database_schema(bind)
        assert _table_names(bind) == MODEL_TABLES
    finally:
        bind.dispose()
    # The process's own database was not touched.
    assert get_engine().url.database != str(sqlite_path)


_NO_MODELS_SCRIPT = """
import sys
from pathlib import Path

from app import database

assert "app.models" not in sys.modules, "app.database imported the models"
database.configure(sys.argv[1])
try:
    database.ensure_database_schema()
except database.SchemaSetupError as exc:
    print(exc)
print("created" if Path(sys.argv[2]).exists() else "nothing created")
"""


def test_ensure_database_schema_without_models_says_so(sqlite_path: Path, tmp_path: Path) -> None:
    """app.database never imports app.models (they import it: no cycle); forgetting to
    register them is an error in words, not an empty database."""
    result = subprocess.run(
        [sys.executable, "-c", _NO_MODELS_SCRIPT, f"sqlite:///{sqlite_path}", str(sqlite_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "import app.models" in result.stdout
    assert result.stdout.strip().endswith("nothing created")


_RACE_SCRIPT = """
import sys

import app.models
from app import database

database.configure(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
database.ensure_database_schema()
database.get_engine().dispose()
print("done", flush=True)
"""


def test_ensure_database_schema_from_two_processes_at_once(
    sqlite_path: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{sqlite_path}"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _RACE_SCRIPT, url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        for _ in range(2)
    ]
    outputs: list[tuple[int, str, str]] = []
    try:
        # Both have imported the app and are waiting: release them together.
        for worker in workers:
            assert worker.stdout is not None
            if worker.stdout.readline() != "ready\n":
                pytest.fail(f"worker did not start: {worker.communicate()}")
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        for worker in workers:
            out, err = worker.communicate(timeout=300)
            outputs.append((worker.returncode, out, err))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.communicate()

    assert [(code, out) for code, out, _ in outputs] == [(0, "done\n"), (0, "done\n")], outputs
    checker, _ = create_engines(url)
    try:
        assert _schema_shape(checker) == _expected_shape()
    finally:
        checker.dispose()


@pytest.mark.parametrize(
    "relative", ["file.txt/db.sqlite", "missing/db.sqlite"], ids=["below-a-file", "no-directory"]
)
@pytest.mark.usefixtures("restore_engines")
def test_ensure_database_schema_in_an_unwritable_place(tmp_path: Path, relative: str) -> None:
    (tmp_path / "file.txt").write_text("not a directory\n")
    url = f"sqlite:///{tmp_path / relative}"
    configure(url)

    with pytest.raises(SchemaSetupError) as caught:
        ensure_database_schema()

    assert isinstance(caught.value, SQLAlchemyError)
    assert mask_url(get_engine().url) in str(caught.value)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["file.txt"]
    assert (tmp_path / "file.txt").read_text() == "not a directory\n"


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A local TCP port that refuses connections: bound, never listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.mark.parametrize("scheme", ["postgresql", "mysql"])
def test_schema_setup_error_masks_the_password(refused_port: int, scheme: str) -> None:
    bind, _ = create_engines(f"{scheme}://shop:{SECRET_ENCODED}@127.0.0.1:{refused_port}/shop")

    with pytest.raises(SchemaSetupError) as caught:
        ensure_database_schema(bind)

    message = str(caught.value)
    assert f"shop:***@127.0.0.1:{refused_port}/shop" in message
    assert SECRET not in message
    assert SECRET_ENCODED not in message
    assert "p@ss" not in message
    bind.dispose()


# --- the FastAPI dependencies -----------------------------------------------------------


@pytest.mark.usefixtures("schema")
def test_get_session_yields_a_session_and_closes_it() -> None:
    dependency = get_session()
    session = next(dependency)
    # Closes the session should the test fail, so its locks cannot block the teardown.
    with session:
        assert isinstance(session, Session)
        assert session.get_bind() is get_engine()
        session.add(_customer("Ada"))
        session.commit()
        assert session.scalar(select(func.count()).select_from(Customer)) == 1
        assert _checked_out(get_engine()) == 1

        with pytest.raises(StopIteration):
            next(dependency)

        assert _checked_out(get_engine()) == 0
        assert not session.in_transaction()


@pytest.mark.usefixtures("schema")
def test_get_session_closes_and_rolls_back_when_the_request_fails() -> None:
    dependency = get_session()
    session = next(dependency)
    # Closes the session should the test fail, so its locks cannot block the teardown.
    with session:
        session.add(_customer("Ada"))
        session.flush()
        assert _checked_out(get_engine()) == 1

        with pytest.raises(RuntimeError, match="request failed"):
            dependency.throw(RuntimeError("request failed"))

        assert _checked_out(get_engine()) == 0
        assert not session.in_transaction()
        with SessionLocal() as check:
            assert check.scalar(select(func.count()).select_from(Customer)) == 0


@pytest.mark.usefixtures("async_schema")
async def test_get_async_session_yields_a_session_and_closes_it() -> None:
    dependency = get_async_session()
    session = await anext(dependency)
    # Closes the session should the test fail, so its locks cannot block the teardown.
    async with session:
        assert isinstance(session, AsyncSession)
        assert session.bind is get_async_engine()
        session.add(_customer("Ada"))
        await session.commit()
        assert await session.scalar(select(func.count()).select_from(Customer)) == 1
        assert _checked_out(get_async_engine()) == 1

        with pytest.raises(StopAsyncIteration):
            await anext(dependency)

        assert _checked_out(get_async_engine()) == 0
        assert not session.in_transaction()


@pytest.mark.usefixtures("async_schema")
async def test_get_async_session_closes_and_rolls_back_when_the_request_fails() -> None:
    dependency = get_async_session()
    session = await anext(dependency)
    # Closes the session should the test fail, so its locks cannot block the teardown.
    async with session:
        session.add(_customer("Ada"))
        await session.flush()
        assert _checked_out(get_async_engine()) == 1

        with pytest.raises(RuntimeError, match="request failed"):
            await dependency.athrow(RuntimeError("request failed"))

        assert _checked_out(get_async_engine()) == 0
        assert not session.in_transaction()
        async with AsyncSessionLocal() as check:
            assert await check.scalar(select(func.count()).select_from(Customer)) == 0


# --- URLs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected_sync", "expected_async"),
    [
        # SQLite: relative, absolute, memory, URI filenames.
        ("sqlite:///./dbbrowse.db", "sqlite+pysqlite:///./dbbrowse.db", "sqlite+aiosqlite:///./dbbrowse.db"),
        ("sqlite:////srv/data/app.db", "sqlite+pysqlite:////srv/data/app.db", "sqlite+aiosqlite:////srv/data/app.db"),
        ("sqlite://", "sqlite+pysqlite://", "sqlite+aiosqlite://"),
        ("sqlite:///:memory:", "sqlite+pysqlite:///:memory:", "sqlite+aiosqlite:///:memory:"),
        (
            "sqlite:///file:/srv/data/app.db?mode=ro&uri=true",
            "sqlite+pysqlite:///file:/srv/data/app.db?mode=ro&uri=true",
            "sqlite+aiosqlite:///file:/srv/data/app.db?mode=ro&uri=true",
        ),
        ("sqlite+pysqlite:///app.db", "sqlite+pysqlite:///app.db", "sqlite+aiosqlite:///app.db"),
        ("sqlite+aiosqlite:///app.db", "sqlite+pysqlite:///app.db", "sqlite+aiosqlite:///app.db"),
        # PostgreSQL, also under its short name.
        ("postgresql://u@db:5432/shop", "postgresql+psycopg://u@db:5432/shop", "postgresql+asyncpg://u@db:5432/shop"),
        ("postgres://u@db/shop", "postgresql+psycopg://u@db/shop", "postgresql+asyncpg://u@db/shop"),
        ("postgresql+psycopg2://u@db/shop", "postgresql+psycopg2://u@db/shop", "postgresql+asyncpg://u@db/shop"),
        ("postgresql+pg8000://u@db/shop", "postgresql+pg8000://u@db/shop", "postgresql+asyncpg://u@db/shop"),
        ("postgresql+asyncpg://u@db/shop", "postgresql+psycopg://u@db/shop", "postgresql+asyncpg://u@db/shop"),
        ("postgresql+psycopg_async://u@db/shop", "postgresql+psycopg://u@db/shop", "postgresql+psycopg_async://u@db/shop"),
        (
            "postgresql://u@db/shop?sslmode=require",
            "postgresql+psycopg://u@db/shop?sslmode=require",
            "postgresql+asyncpg://u@db/shop?sslmode=require",
        ),
        # MySQL and MariaDB; MariaDB keeps its own dialect name.
        ("mysql://u@db:3306/shop", "mysql+pymysql://u@db:3306/shop", "mysql+aiomysql://u@db:3306/shop"),
        ("mysql+mysqldb://u@db/shop", "mysql+mysqldb://u@db/shop", "mysql+aiomysql://u@db/shop"),
        ("mysql+asyncmy://u@db/shop", "mysql+pymysql://u@db/shop", "mysql+asyncmy://u@db/shop"),
        ("mariadb://u@db/shop", "mariadb+pymysql://u@db/shop", "mariadb+aiomysql://u@db/shop"),
        ("mariadb+mariadbconnector://u@db/shop", "mariadb+mariadbconnector://u@db/shop", "mariadb+aiomysql://u@db/shop"),
        ("mariadb+aiomysql://u@db/shop", "mariadb+pymysql://u@db/shop", "mariadb+aiomysql://u@db/shop"),
    ],
)  # fmt: skip
def test_derive_urls(url: str, expected_sync: str, expected_async: str) -> None:
    sync_url, async_url = derive_urls(url)

    # URL equality compares every part (driver, host, database, query) one by one.
    assert sync_url == make_url(expected_sync)
    assert async_url == make_url(expected_async)
    assert sync_url.drivername == expected_sync.partition(":")[0]
    assert async_url.drivername == expected_async.partition(":")[0]
    assert derive_urls(make_url(url)) == (sync_url, async_url)


@pytest.mark.parametrize(
    ("url", "dialect", "sync_driver", "async_driver"),
    [
        ("sqlite:///app.db", "sqlite", "pysqlite", "aiosqlite"),
        ("postgresql://u@db/shop", "postgresql", "psycopg", "asyncpg"),
        ("postgres://u@db/shop", "postgresql", "psycopg", "asyncpg"),
        ("mysql://u@db/shop", "mysql", "pymysql", "aiomysql"),
        ("mariadb://u@db/shop", "mariadb", "pymysql", "aiomysql"),
    ],
)
def test_derived_urls_load_real_dialects(
    url: str, dialect: str, sync_driver: str, async_driver: str
) -> None:
    # create_engine loads the dialect and driver but does not connect.
    sync_engine, async_engine = create_engines(url)

    assert (sync_engine.dialect.name, sync_engine.dialect.driver) == (dialect, sync_driver)
    assert (async_engine.dialect.name, async_engine.dialect.driver) == (dialect, async_driver)
    assert async_engine.dialect.is_async
    assert not sync_engine.dialect.is_async


@pytest.mark.parametrize(
    "scheme", ["postgresql", "postgres", "postgresql+psycopg", "mysql", "mariadb"]
)
def test_passwords_with_special_characters_survive_derivation(scheme: str) -> None:
    url = f"{scheme}://shop:{SECRET_ENCODED}@db.example:5000/shop"

    for derived in derive_urls(url):
        assert derived.password == SECRET
        assert f"shop:{SECRET_ENCODED}@db.example:5000/shop" in derived.render_as_string(
            hide_password=False
        )
        assert make_url(derived.render_as_string(hide_password=False)).password == SECRET


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("oracle://scott:tiger@db/xe", "'oracle'"),
        ("oracle+oracledb://scott:tiger@db/xe", "'oracle'"),
        ("mssql://sa:tiger@db/shop", "'mssql'"),
        ("mssql+pyodbc://sa:tiger@db/shop", "'mssql'"),
        ("postgresql+nosuchdriver://u:tiger@db/shop", "'nosuchdriver'"),
        ("mysql+psycopg://u:tiger@db/shop", "'psycopg'"),
        ("sqlite+pysqlcipher://:tiger@/app.db", "'pysqlcipher'"),
    ],
)
def test_unsupported_databases_are_refused_clearly(url: str, named: str) -> None:
    with pytest.raises(UnsupportedDatabaseError) as caught:
        derive_urls(url)

    message = str(caught.value)
    assert isinstance(caught.value, ArgumentError)
    assert named in message
    assert "tiger" not in message
    assert "***" in message
    with pytest.raises(UnsupportedDatabaseError):
        create_engines(url)


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (f"postgresql://shop:{SECRET_ENCODED}@db/shop", "postgresql://shop:***@db/shop"),
        (f"mysql+pymysql://root:{SECRET_ENCODED}@db:3306/x", "mysql+pymysql://root:***@db:3306/x"),
        ("postgresql://shop@db/shop", "postgresql://shop@db/shop"),
        ("sqlite:///./dbbrowse.db", "sqlite:///./dbbrowse.db"),
        ("not a url", "<unparseable URL>"),
    ],
)
def test_mask_url_hides_passwords(url: str, masked: str) -> None:
    assert mask_url(url) == masked
    assert "p@ss" not in mask_url(url)
    assert SECRET_ENCODED not in mask_url(url)


def test_mask_url_accepts_url_objects() -> None:
    url = make_url(f"postgresql://shop:{SECRET_ENCODED}@db/shop")

    assert mask_url(url) == "postgresql://shop:***@db/shop"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite://", True),
        ("sqlite:///./app.db", True),
        ("sqlite+aiosqlite:///app.db", True),
        ("sqlite:///file:app.db?mode=ro&uri=true", True),
        ("postgresql://u@db/shop", False),
        ("mariadb://u@db/shop", False),
    ],
)
def test_is_sqlite(url: str, expected: bool) -> None:
    assert is_sqlite(url) is expected
    assert is_sqlite(make_url(url)) is expected
