"""A SQLAlchemy async engine over a past state of a SQLite database (:mod:`tui.db.as_of`).

SQLAlchemy's aiosqlite dialect runs on the APSW connections of :class:`AsOfSnapshot` through
:class:`tui.db.apsw_dbapi.ApswConnection`: everything built on an engine (catalog, paging,
filters, counts, export) reads the past state as it reads the live one.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from typing import cast

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from tui.db.apsw_dbapi import ApswConnection
from tui.db.as_of import AsOfSnapshot

__all__ = ["AsOfEngine", "as_of_label", "open_as_of_engine"]


@dataclass(frozen=True)
class AsOfEngine:
    """An engine reading ``snapshot``; dispose of the engine before closing the snapshot."""

    engine: AsyncEngine
    snapshot: AsOfSnapshot

    @property
    def label(self) -> str:
        return as_of_label(self.snapshot.commit, self.snapshot.total_commits)


def as_of_label(commit: int, total: int) -> str:
    """How the UI names a past state: ``as of commit 12 (of 40)``."""
    if commit == 0:
        return f"before commit 1 (of {total:,})"
    return f"as of commit {commit} (of {total:,})"


def open_as_of_engine(
    db_path: str | os.PathLike[str], commit: int, generation: tuple[int, int] | None = None
) -> AsOfEngine:
    """An async engine over the database at ``db_path`` as of ``commit``.

    Reads the WAL (blocking: call it from a thread). Raises
    :class:`tui.db.as_of.NotReconstructableError` when the WAL holds no such commit.
    """
    import aiosqlite

    snapshot = AsOfSnapshot(db_path, commit, generation=generation)

    def connector() -> sqlite3.Connection:
        # aiosqlite wants a sqlite3.Connection; it uses only what ApswConnection has.
        return cast(sqlite3.Connection, ApswConnection(snapshot.connect()))

    async def creator() -> aiosqlite.Connection:
        return await aiosqlite.Connection(connector, iter_chunk_size=64)

    engine = create_async_engine(
        "sqlite+aiosqlite://", async_creator=creator, poolclass=AsyncAdaptedQueuePool
    )
    return AsOfEngine(engine, snapshot)
