"""Cancelling an operation stops its statement on the server, and the connection stays usable.

PostgreSQL is asked with ``pg_cancel_backend`` and MariaDB with ``KILL QUERY``, each from
another connection; the statement must be gone from the server's own list of running
statements (``pg_stat_activity`` / ``information_schema.PROCESSLIST``) within a second.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import QueuePool

from app.engines import derive_urls
from tui.db.dialects.base import SESSION_KEY
from tui.db.source import DataSource
from tui.db.target import resolve_target

# Each statement carries a marker so that the test finds exactly it among the server's.
LONG = {
    "postgresql": "SELECT /* {marker} */ pg_sleep(60)",
    # A heavy join rather than SLEEP: KILL QUERY must stop real work too.
    "mysql": (
        "SELECT /* {marker} */ count(*) FROM information_schema.COLLATIONS AS a, "
        "information_schema.COLLATIONS AS b, information_schema.COLLATIONS AS c, "
        "information_schema.COLLATIONS AS d"
    ),
}
RUNNING = {
    "postgresql": "SELECT count(*) FROM pg_stat_activity WHERE query LIKE :pattern "
    "AND state = 'active' AND pid <> pg_backend_pid()",
    "mysql": "SELECT count(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE :pattern "
    "AND ID <> CONNECTION_ID()",
}

SESSION_ALIVE = {
    "postgresql": "SELECT count(*) FROM pg_stat_activity WHERE pid = :id",
    "mysql": "SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = :id",
}


@pytest.fixture(params=["postgres_url", "mariadb_url"])
async def source(request: pytest.FixtureRequest) -> AsyncIterator[DataSource]:
    url: str = request.getfixturevalue(request.param)
    opened = await DataSource.open(resolve_target(url, default_url=""))
    try:
        yield opened
    finally:
        await opened.close()


def running_count(observer: Engine, family: str, marker: str) -> int:
    with observer.connect() as conn:
        return int(conn.execute(text(RUNNING[family]), {"pattern": f"%{marker}%"}).scalar_one())


def poll(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


async def test_cancel_stops_the_statement_on_the_server(source: DataSource) -> None:
    family = source.strategy.name
    marker = f"dbbrowse-cancel-{uuid.uuid4().hex[:8]}"
    observer = create_engine(derive_urls(source.target.url)[0])
    started = asyncio.Event()

    cancelled_session: list[Any] = []

    async def long(conn: AsyncConnection) -> Any:
        cancelled_session.append(conn.info.get(SESSION_KEY))
        started.set()
        return (await conn.execute(text(LONG[family].format(marker=marker)))).scalar()

    try:
        task = asyncio.ensure_future(source.run(long))
        await started.wait()
        seen = await asyncio.to_thread(
            poll, lambda: running_count(observer, family, marker) == 1, 10
        )
        assert seen, "the statement never showed up on the server"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        gone = await asyncio.to_thread(
            poll, lambda: running_count(observer, family, marker) == 0, 1.0
        )
        assert gone, "the statement still runs on the server a second after cancelling"
        await asyncio.wait_for(source.cancel_all(), 10)
        pool = source.engine.sync_engine.pool
        assert isinstance(pool, QueuePool)
        assert pool.checkedout() == 0

        async def session(conn: AsyncConnection) -> tuple[Any, Any]:
            statement = source.strategy.session_id_statement()
            assert statement is not None
            return conn.info.get(SESSION_KEY), (await conn.execute(statement)).scalar()

        # The pooled connection answers again, and its remembered session id is its own.
        remembered, actual = await asyncio.wait_for(source.run(session), 10)
        assert remembered == actual
        # The cancelled statement's session is still open (KILL QUERY, not KILL).
        assert cancelled_session
        with observer.connect() as conn:
            alive = conn.execute(text(SESSION_ALIVE[family]), {"id": cancelled_session[0]})
            assert alive.scalar_one() == 1
    finally:
        observer.dispose()


async def test_cancel_before_the_statement_starts_never_runs_it(source: DataSource) -> None:
    """An operation cancelled while it waits for its connection does not start afterwards."""
    ran = asyncio.Event()

    async def mark(conn: AsyncConnection) -> None:
        ran.set()

    task = asyncio.ensure_future(source.run(mark))
    await asyncio.sleep(0)  # the operation's own task exists, and waits for a connection
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.wait_for(source.cancel_all(), 10)  # waits for the abandoned operation too
    assert not ran.is_set()


SLEEP = {
    # MariaDB's SLEEP returns 1 when interrupted, 0 when it slept its time.
    "postgresql": "SELECT /* {marker} */ 0 FROM pg_sleep(2)",
    "mysql": "SELECT /* {marker} */ SLEEP(2)",
}


async def test_a_late_interrupt_never_stops_the_next_operation_on_its_connection(
    source: DataSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupt is sent to a session, not a statement. The cancelled operation's statement
    ends while the interrupt is on its way: its connection must not serve another operation
    before the interrupt has landed, or that operation's statement is the one stopped (a page
    load failed that way, leaving the grid blank until the user moved)."""
    family = source.strategy.name
    marker = f"dbbrowse-late-{uuid.uuid4().hex[:8]}"
    observer = create_engine(derive_urls(source.target.url)[0])
    decided, arrive = asyncio.Event(), asyncio.Event()

    async def slow_interrupt(
        conn: AsyncConnection, engine: Any, still_running: Callable[[], bool] = lambda: True
    ) -> None:
        # DialectStrategy.interrupt, with the way to the server made long.
        statement = source.strategy.cancel_statement(conn.info.get(SESSION_KEY))
        assert statement is not None
        async with engine.connect() as side:
            if still_running():
                decided.set()  # sent: it reaches the server when `arrive` is set
                await arrive.wait()
                await side.execute(statement)
            await side.rollback()

    monkeypatch.setattr(source.strategy, "interrupt", slow_interrupt)
    holding, finish = asyncio.Event(), asyncio.Event()

    async def first(conn: AsyncConnection) -> Any:
        holding.set()
        await finish.wait()
        return (await conn.execute(text("SELECT 1"))).scalar()

    async def second(conn: AsyncConnection) -> Any:
        return (await conn.execute(text(SLEEP[family].format(marker=marker)))).scalar()

    try:
        cancelled = asyncio.ensure_future(source.run(first))
        await holding.wait()
        cancelled.cancel()
        await decided.wait()
        finish.set()  # the first operation's statement ends before the interrupt arrives
        for _ in range(20):
            await asyncio.sleep(0)
        following = asyncio.ensure_future(source.run(second))
        seen = await asyncio.to_thread(
            poll, lambda: running_count(observer, family, marker) == 1, 10
        )
        assert seen, "the second statement never showed up on the server"
        arrive.set()
        assert await asyncio.wait_for(following, 30) == 0  # slept its time: not interrupted
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        await asyncio.wait_for(source.cancel_all(), 10)
        pool = source.engine.sync_engine.pool
        assert isinstance(pool, QueuePool)
        assert pool.checkedout() == 0
    finally:
        arrive.set()
        finish.set()
        observer.dispose()
