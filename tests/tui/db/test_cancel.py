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
