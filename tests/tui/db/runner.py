"""Running a window's operations on short-lived connections, as ``DataSource.run`` does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tui.db.paging import Page
from tui.db.window import Runner


def connector(engine: AsyncEngine) -> Runner:
    """Run each operation on its own short-lived connection, rolled back after it."""

    async def run(operation: Callable[[AsyncConnection], Awaitable[Page]]) -> Page:
        async with engine.connect() as conn:
            try:
                return await operation(conn)
            finally:
                await conn.rollback()

    return run
