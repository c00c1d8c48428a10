"""The engines, sessions and schema setup of :mod:`app.database` on PostgreSQL and MariaDB.

Each test runs once per server, in the session's throwaway database from
``tests/conftest.py``. That database is shared with other test modules, so every test starts
without the models' tables and drops them again at its end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from app.database import (
    AsyncSessionLocal,
    Base,
    SchemaSetupError,
    SessionLocal,
    configure,
    create_engines,
    dispose_engines,
    ensure_database_schema,
    get_async_engine,
    get_async_session,
    get_engine,
    get_session,
    mask_url,
    reset_engines,
)
from app.models import Customer

SECRET = "p@ss:w/rd%"


@dataclass(frozen=True)
class Server:
    """One database server under test and the drivers its engines must use."""

    url: str
    dialects: frozenset[str]
    sync_driver: str
    async_driver: str
    is_mariadb: bool


_SERVERS = {
    "postgres_url": (frozenset({"postgresql"}), "psycopg", "asyncpg", False),
    "mariadb_url": (frozenset({"mysql", "mariadb"}), "pymysql", "aiomysql", True),
}


@pytest.fixture(
    params=[
        pytest.param("postgres_url", marks=pytest.mark.postgres, id="postgresql"),
        pytest.param("mariadb_url", marks=pytest.mark.mariadb, id="mariadb"),
    ]
)
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """The process's engines point at the server's test database, without model tables."""
    url: str = request.getfixturevalue(request.param)
    dialects, sync_driver, async_driver, is_mariadb = _SERVERS[request.param]
    configure(url)
    Base.metadata.drop_all(get_engine())
    try:
        yield Server(url, dialects, sync_driver, async_driver, is_mariadb)
    finally:
        try:
            Base.metadata.drop_all(get_engine())
        finally:
            reset_engines()


@pytest.fixture
async def async_server(server: Server) -> AsyncIterator[Server]:
    """Like ``server``; the async pool is closed inside the test's event loop."""
    try:
        yield server
    finally:
        await dispose_engines()


def _schema_shape(bind: Engine) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """Per table: column names and foreign-key names."""
    inspector = inspect(bind)
    return {
        name: (
            frozenset(column["name"] for column in inspector.get_columns(name)),
            frozenset(str(fk["name"]) for fk in inspector.get_foreign_keys(name)),
        )
        for name in inspector.get_table_names()
    }


def _index_names(bind: Engine) -> set[str]:
    inspector = inspect(bind)
    return {
        str(index["name"])
        for name in inspector.get_table_names()
        for index in inspector.get_indexes(name)
    }


def _expected_shape() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    return {
        name: (
            frozenset(table.columns.keys()),
            frozenset(str(fk.name) for fk in table.foreign_key_constraints),
        )
        for name, table in Base.metadata.tables.items()
    }


def _checked_out(bind: Engine | AsyncEngine) -> int:
    """How many connections of the engine's pool are in use."""
    pool = bind.pool
    assert isinstance(pool, QueuePool)
    return pool.checkedout()


def _customer(name: str) -> Customer:
    return Customer(name=name, email=f"{name.lower()}@example.org")


async def test_engines_use_the_drivers_of_the_server(async_server: Server) -> None:
    sync_engine, async_engine = get_engine(), get_async_engine()

    assert sync_engine.dialect.name in async_server.dialects
    assert async_engine.dialect.name == sync_engine.dialect.name
    assert sync_engine.dialect.driver == async_server.sync_driver
    assert async_engine.dialect.driver == async_server.async_driver
    database = make_url(async_server.url).database
    assert sync_engine.url.database == async_engine.url.database == database
    with sync_engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
    async with async_engine.connect() as aconn:
        assert (await aconn.execute(text("SELECT 1"))).scalar_one() == 1
    # MySQL-family dialects learn on connecting whether the server is MariaDB.
    assert getattr(sync_engine.dialect, "is_mariadb", False) is async_server.is_mariadb
    assert getattr(async_engine.dialect, "is_mariadb", False) is async_server.is_mariadb


def test_ensure_database_schema_creates_every_table_and_is_repeatable(server: Server) -> None:
    assert inspect(get_engine()).get_table_names() == []

    ensure_database_schema()
    first = _schema_shape(get_engine())
    ensure_database_schema()

    assert set(first) == set(Base.metadata.tables)
    assert first == _expected_shape()
    assert _schema_shape(get_engine()) == first
    expected_indexes = {
        str(ix.name) for table in Base.metadata.tables.values() for ix in table.indexes
    }
    assert expected_indexes <= _index_names(get_engine())


async def test_the_async_engine_sees_the_schema(async_server: Server) -> None:
    ensure_database_schema()

    async with get_async_engine().connect() as aconn:
        names = await aconn.run_sync(lambda conn: set(inspect(conn).get_table_names()))
    assert names == set(Base.metadata.tables)


async def test_sync_writes_are_seen_by_async_reads_and_back(async_server: Server) -> None:
    ensure_database_schema()

    with SessionLocal.begin() as session:
        session.add(_customer("Ada"))
    async with AsyncSessionLocal() as asession:
        assert (await asession.scalars(select(Customer.name))).all() == ["Ada"]
        asession.add(_customer("Grace"))
        await asession.commit()
    with SessionLocal() as session:
        names = session.scalars(select(Customer.name).order_by(Customer.name)).all()
    assert names == ["Ada", "Grace"]


def test_get_session_yields_and_closes(server: Server) -> None:
    ensure_database_schema()
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


def test_get_session_rolls_back_and_closes_when_the_request_fails(server: Server) -> None:
    ensure_database_schema()
    dependency = get_session()
    session = next(dependency)
    # Closes the session should the test fail, so its locks cannot block the teardown.
    with session:
        session.add(_customer("Ada"))
        session.flush()

        with pytest.raises(RuntimeError, match="request failed"):
            dependency.throw(RuntimeError("request failed"))

        assert _checked_out(get_engine()) == 0
        with SessionLocal() as check:
            assert check.scalar(select(func.count()).select_from(Customer)) == 0


async def test_get_async_session_yields_and_closes(async_server: Server) -> None:
    ensure_database_schema()
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


async def test_get_async_session_rolls_back_and_closes_when_the_request_fails(
    async_server: Server,
) -> None:
    ensure_database_schema()
    dependency = get_async_session()
    session = await anext(dependency)
    # Closes the session should the test fail, so its locks cannot block the teardown.
    async with session:
        session.add(_customer("Ada"))
        await session.flush()

        with pytest.raises(RuntimeError, match="request failed"):
            await dependency.athrow(RuntimeError("request failed"))

        assert _checked_out(get_async_engine()) == 0
        async with AsyncSessionLocal() as check:
            assert await check.scalar(select(func.count()).select_from(Customer)) == 0


def test_schema_setup_error_names_the_server_with_the_password_masked(server: Server) -> None:
    # A database that does not exist, reached with a password: connecting fails.
    url = make_url(server.url).set(database="dbbrowse_does_not_exist", password=SECRET)
    bind, _ = create_engines(url)

    try:
        with pytest.raises(SchemaSetupError) as caught:
            ensure_database_schema(bind)
    finally:
        bind.dispose()

    message = str(caught.value)
    assert mask_url(bind.url) in message
    assert ":***@" in message
    assert SECRET not in message
    assert "p@ss" not in message
    assert "p%40ss" not in message
