"""Shared helpers of the editing tests: describe a relation of a real database."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from app.engines import create_engines
from tui.db.catalog import describe_table, list_tables, table_details
from tui.db.dialects import strategy_for
from tui.db.model import TableDetails, TableInfo, TableRef


def sqlite_file(path: Path, statements: Sequence[str], *, wal: bool = False) -> Path:
    """A SQLite file made by running ``statements`` (WAL or rollback journal)."""
    import sqlite3

    con = sqlite3.connect(path, isolation_level=None)
    try:
        mode = con.execute(f"PRAGMA journal_mode={'WAL' if wal else 'DELETE'}").fetchone()[0]
        assert mode == ("wal" if wal else "delete")
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()
    return path


def async_engine(url: str) -> AsyncEngine:
    sync_engine, engine = create_engines(url, sqlite_wal=False)
    sync_engine.dispose()
    return engine


async def describe(engine: AsyncEngine, name: str) -> TableInfo:
    strategy = strategy_for(engine.dialect.name)
    async with engine.connect() as conn:
        entry = (await list_tables(conn, strategy)).find(TableRef(name))
        assert entry is not None, name
        return await describe_table(conn, strategy, entry)


async def details(engine: AsyncEngine, name: str) -> TableDetails:
    strategy = strategy_for(engine.dialect.name)
    info = await describe(engine, name)
    async with engine.connect() as conn:
        return await table_details(conn, strategy, info)


async def describe_file(path: Path, name: str) -> TableInfo:
    engine = async_engine(f"sqlite:///{path}")
    try:
        return await describe(engine, name)
    finally:
        await engine.dispose()
