"""Fixtures shared by the data-layer tests: a WAL database and its connection (WAL,
wal-index and lock tests), a SQLite file and its engine (saving tests)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

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
