"""Fixtures shared by the WAL, wal-index and lock tests: a WAL database and its connection."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tui.db.walhelpers import open_wal_db


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
