"""Shared helpers of the saving tests: a SQLite file and its engine, a save as the screen
runs it, and reads of the file behind dbbrowse's back."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.engines import create_engines
from tests.tui.db.edithelpers import describe, details, sqlite_file
from tui.db.edits import Change
from tui.db.model import ColumnInfo, KeyKind, TableInfo, TableKind, TableRef
from tui.db.save import SaveOutcome, plan_save, save_changes
from tui.db.source import decode_text

JOURNALS = [pytest.param(False, id="delete-journal"), pytest.param(True, id="wal")]
#: ``open_db(name, statements, wal=False)``: a SQLite file made by ``statements`` and an
#: engine on it (disposed after the test).
OpenDb = Callable[..., tuple[Path, AsyncEngine]]


def engine_for(path: Path, busy_timeout_ms: int = 2000) -> AsyncEngine:
    sync_engine, engine = create_engines(
        f"sqlite:///{path}", sqlite_wal=False, busy_timeout_ms=busy_timeout_ms
    )
    sync_engine.dispose()
    return engine


@pytest.fixture
async def open_db(tmp_path: Path) -> AsyncIterator[OpenDb]:
    made: list[AsyncEngine] = []

    def make(
        name: str, statements: Sequence[str], *, wal: bool = False
    ) -> tuple[Path, AsyncEngine]:
        path = sqlite_file(tmp_path / name, statements, wal=wal)
        made.append(engine := engine_for(path))
        return path, engine

    yield make
    for engine in made:
        await engine.dispose()


async def save(
    engine: AsyncEngine, changes: Sequence[Change], names: Sequence[str] = ("t",)
) -> SaveOutcome:
    """Plan and run ``changes`` on tables ``names`` as the screen does."""
    infos = {TableRef(n): await describe(engine, n) for n in names}
    more = {TableRef(n): await details(engine, n) for n in names}
    planned = plan_save(changes, infos, engine.dialect, more)
    async with engine.connect() as conn:
        return await save_changes(conn, planned, infos)


def keyed_table(ref: TableRef, column: str) -> TableInfo:
    """``ref (id INTEGER PRIMARY KEY, <column> TEXT)`` as the catalog describes it, for plans
    made without a database."""
    return TableInfo(
        ref,
        TableKind.TABLE,
        (ColumnInfo("id", "INTEGER", primary_key=1), ColumnInfo(column, "TEXT")),
        ("id",),
        KeyKind.PRIMARY_KEY,
    )


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(path)
    con.text_factory = decode_text
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def other_writer(path: Path, *statements: str) -> None:
    con = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def file_hashes(path: Path) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for suffix in ("", "-wal"):
        file = Path(f"{path}{suffix}")
        found[suffix] = hashlib.sha256(file.read_bytes()).hexdigest() if file.exists() else None
    return found
