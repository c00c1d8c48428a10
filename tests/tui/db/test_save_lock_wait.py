"""A save blocked by another server session's row lock gives up after the lock wait (as
SQLite's busy timeout does), names the session, writes nothing and leaves the connection's
own lock wait as it was (hostile report, 12)."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.tui.db.edithelpers import describe, details
from tui.db.edits import CellEdit
from tui.db.model import TableRef
from tui.db.save import plan_save, save_changes
from tui.db.values import RowKey


async def test_a_save_waiting_on_a_row_lock_gives_up_and_names_the_holder(
    server_engine: AsyncEngine,
) -> None:
    name = f"lockwait_{uuid.uuid4().hex[:8]}"
    q = server_engine.dialect.identifier_preparer.quote(name)
    async with server_engine.begin() as conn:
        await conn.execute(text(f"CREATE TABLE {q} (id INTEGER PRIMARY KEY, n INTEGER)"))
        await conn.execute(text(f"INSERT INTO {q} VALUES (1, 10)"))
    ref = TableRef(name)
    try:
        infos = {ref: await describe(server_engine, name)}
        planned = plan_save(
            [CellEdit(ref, RowKey(("id",), (1,)), "n", 10, 55)],
            infos,
            server_engine.dialect,
            {ref: await details(server_engine, name)},
        )
        async with server_engine.connect() as blocker, server_engine.connect() as conn:
            await blocker.execute(text(f"UPDATE {q} SET n = n WHERE id = 1"))  # left open
            outcome = await save_changes(
                conn, planned, infos, lock_wait_ms=300, holder=lambda: "session 42 (psql)"
            )
            assert not outcome.ok and outcome.conflict is None
            assert "locked by session 42 (psql)" in outcome.reason
            assert "nothing was saved" in outcome.reason
            await blocker.rollback()
            if server_engine.dialect.name != "postgresql":
                # The session's lock wait is the server's default again, for whatever the
                # pooled connection runs next.
                mine = await conn.scalar(text("SELECT @@SESSION.innodb_lock_wait_timeout"))
                default = await conn.scalar(text("SELECT @@GLOBAL.innodb_lock_wait_timeout"))
                assert mine == default
            await conn.rollback()
            async with server_engine.connect() as check:
                assert await check.scalar(text(f"SELECT n FROM {q} WHERE id = 1")) == 10
            again = await save_changes(conn, planned, infos, lock_wait_ms=300)
            assert again.ok, again.reason
    finally:
        async with server_engine.begin() as conn:
            await conn.execute(text(f"DROP TABLE {q}"))


async def test_the_session_holding_the_row_lock_is_named(server_engine: AsyncEngine) -> None:
    """While a statement waits for a row lock, the server names the session holding it."""
    from tui.db.dialects import strategy_for
    from tui.db.dialects.base import SESSION_KEY

    strategy = strategy_for(server_engine.dialect.name)
    name = f"lockwho_{uuid.uuid4().hex[:8]}"
    q = server_engine.dialect.identifier_preparer.quote(name)
    async with server_engine.begin() as conn:
        await conn.execute(text(f"CREATE TABLE {q} (id INTEGER PRIMARY KEY, n INTEGER)"))
        await conn.execute(text(f"INSERT INTO {q} VALUES (1, 10)"))
    try:
        async with server_engine.connect() as blocker, server_engine.connect() as conn:
            await strategy.remember_session(blocker)
            await strategy.remember_session(conn)
            holding = str(blocker.info[SESSION_KEY])
            await blocker.execute(text(f"UPDATE {q} SET n = 11 WHERE id = 1"))
            waiting = asyncio.ensure_future(
                conn.execute(text(f"UPDATE {q} SET n = 12 WHERE id = 1"))
            )
            said = None
            async with server_engine.connect() as side:
                while said is None and not waiting.done():
                    said = await strategy.blocked_by(side, conn.info[SESSION_KEY])
                    await asyncio.sleep(0.05)
            await blocker.rollback()
            await waiting
            await conn.rollback()
        assert said is not None
        assert holding in said, said
    finally:
        async with server_engine.begin() as conn:
            await conn.execute(text(f"DROP TABLE {q}"))
