"""What a statement that does not return waits for: a lock another process or session holds.

A read by key returns at once unless something locks it out: on SQLite, another process's
write lock in rollback-journal mode (a ``BEGIN EXCLUSIVE``, or a writer committing); on a
server, a table lock (``LOCK TABLE``, ``LOCK TABLES ... WRITE``, an ``ALTER``). The UI asks
:func:`waiting_on` while it waits, to say on what, and :func:`is_lock_error` when the wait
ends in failure. Neither takes a lock: SQLite's holders come from the kernel's lock table
(see :func:`tui.db.save_errors.lock_holder`), a server's from its own catalog, read on a
separate short connection.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from tui.db.dialects.base import SESSION_KEY
from tui.db.save_errors import lock_holder

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from tui.db.source import DataSource

log = logging.getLogger(__name__)
#: A server catalog read while waiting must not itself wait long.
_PROBE_TIMEOUT_S = 2.0
_LOCK_WORDS = ("database is locked", "lock wait timeout", "could not obtain lock", "lock timeout")


async def waiting_on(source: DataSource, conn: AsyncConnection | None) -> str | None:
    """Who holds the lock ``conn``'s statement waits for (``pid 123 (sqlite3 app.db)``, a
    server session), or None when that cannot be seen from here."""
    path = source.target.sqlite_path
    if path is not None:
        return await asyncio.to_thread(lock_holder, path)
    session = conn.info.get(SESSION_KEY) if conn is not None else None
    if session is None:
        return None
    try:
        async with asyncio.timeout(_PROBE_TIMEOUT_S):
            async with source.engine.connect() as side:
                return await source.strategy.blocked_by(side, session)
    except (SQLAlchemyError, TimeoutError, OSError):
        log.debug("could not tell what session %s waits for", session, exc_info=True)
        return None


def is_lock_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the database giving up on a lock (SQLITE_BUSY, a lock timeout)."""
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    if (getattr(orig, "sqlite_errorname", "") or "").startswith("SQLITE_BUSY"):
        return True
    lowered = str(orig).lower()
    return any(word in lowered for word in _LOCK_WORDS)


__all__ = ["is_lock_error", "waiting_on"]
