"""Fixtures shared by the data-layer tests: a WAL database and its connection (WAL,
wal-index and lock tests), a SQLite file and its engine (saving tests), and each server's
test database in turn (its URL, or an async engine on it)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.tui.db.savehelpers import open_db
from tests.tui.db.walhelpers import open_wal_db

__all__ = ["open_db"]  # the saving tests' fixture, used by name


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Where the WAL database goes (created by ``con``)."""
    return tmp_path / "wal.db"


@pytest.fixture
def con(db: Path) -> Iterator[sqlite3.Connection]:
    """A connection to ``db`` in WAL mode, closed afterwards."""
    connection = open_wal_db(db)
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture(params=["postgres_url", "mariadb_url"])
def server_url(request: pytest.FixtureRequest) -> str:
    """PostgreSQL's, then MariaDB's test database URL (skipped where that server is absent)."""
    url: str = request.getfixturevalue(request.param)
    return url


@pytest.fixture
async def server_engine(server_url: str) -> AsyncIterator[AsyncEngine]:
    """An async engine on ``server_url``, disposed afterwards."""
    from app.database import create_engines  # not at import: it builds the app's engines

    sync_engine, async_engine = create_engines(server_url)
    sync_engine.dispose()
    yield async_engine
    await async_engine.dispose()
