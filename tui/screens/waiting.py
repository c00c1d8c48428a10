"""Database work that may wait on a lock says so at once, and on what.

A read by key normally returns before anyone notices; when another process holds the lock it
needs, the driver waits (SQLite's busy timeout, a server's lock wait) and the screen would
be silent all that time. :func:`wait_for_database` runs the work and, once it has taken
longer than :data:`WAIT_NOTICE_S`, fills the job's status slot with what it waits for
(``waiting for the database: locked by pid 123 (sqlite3 app.db)``), counting the seconds.
A wait that ends because the lock was never released becomes a :class:`WaitFailedError`
whose message says so, for a person.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.exc import DBAPIError

from tui.db.waits import is_lock_error, waiting_on

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from tui.db.source import DataSource
    from tui.screens.jobs import Job

T = TypeVar("T")
#: How long work runs before its slot says it is waiting (a quick read never flickers).
WAIT_NOTICE_S = 0.25
#: How often the slot's holder and seconds are brought up to date.
WAIT_REFRESH_S = 1.0


class WaitFailedError(Exception):
    """The database stayed locked until the driver gave up; the message says by whom."""


def waiting_text(doing: str, holder: str | None, seconds: float, cancellable: bool) -> str:
    """``reading the value: waiting for the database: locked by pid 7 (…) · 3 s · Esc cancels``."""
    text = f"{doing}: waiting for the database"
    if holder:
        text += f": locked by {holder}"
    text += f" · {int(seconds)} s"
    return text + (" · Esc cancels" if cancellable else "")


async def wait_for_database(
    source: DataSource,
    job: Job,
    doing: str,
    operation: Callable[[AsyncConnection], Awaitable[T]],
    *,
    write: bool = False,
    seen: list[str] | None = None,
) -> T:
    """``operation`` through :meth:`DataSource.run` (or, with ``write``, :meth:`~DataSource.write`,
    which Esc does not stop); ``job``'s slot says what it waits for while it waits, and
    ``seen`` collects who held the lock, for a message once the wait has ended."""
    connections: list[AsyncConnection] = []
    started = time.monotonic()

    async def noted(conn: AsyncConnection) -> T:
        connections.append(conn)  # a server names who blocks a session, by its id
        return await operation(conn)

    async def tell() -> None:
        await asyncio.sleep(WAIT_NOTICE_S)
        while True:
            holder = await waiting_on(source, connections[-1] if connections else None)
            if holder and seen is not None:
                seen.append(holder)
            job.say(waiting_text(doing, holder, time.monotonic() - started, not write))
            await asyncio.sleep(WAIT_REFRESH_S)

    teller = asyncio.ensure_future(tell())
    try:
        return await (source.write(noted) if write else source.run(noted))
    except DBAPIError as exc:
        if not is_lock_error(exc):
            raise
        holder = await waiting_on(source, None)
        by = f" by {holder}" if holder else " by another connection"
        seconds = int(time.monotonic() - started)
        raise WaitFailedError(
            f"{doing}: the database stayed locked{by} for {seconds} s, until the wait gave"
            f" up ({source.explain(exc)})"
        ) from exc
    finally:
        teller.cancel()


__all__ = ["WAIT_NOTICE_S", "WaitFailedError", "wait_for_database", "waiting_text"]
