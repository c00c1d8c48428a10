"""The quick listing (names and kinds first) and describing one table when it is opened.

What matters: the listing costs the same few statements for 10 tables as for 200, and a
listed table, once described, is exactly what the full catalog says of it, on every engine.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

import app.models  # noqa: F401  (registers the models on Base.metadata)
from app.database import Base, create_engines
from tests.tui.scenes import make_odd_database
from tui.db.catalog import describe_table, drift_marks, list_tables, load_catalog
from tui.db.dialects import strategy_for
from tui.db.model import Drift, TableRef


@pytest.fixture
async def odd_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    path = make_odd_database(tmp_path / "odd.db", rows=10)
    sync_engine, async_engine = create_engines(f"sqlite:///{path}", sqlite_wal=False)
    sync_engine.dispose()
    yield async_engine
    await async_engine.dispose()


async def assert_listing_matches_the_catalog(engine: AsyncEngine, schema: str | None) -> None:
    strategy = strategy_for(engine.dialect.name)
    async with engine.connect() as conn:
        full = await load_catalog(conn, strategy)
        listed = await list_tables(conn, strategy)
        assert [t.ref for t in listed.tables] == [t.ref for t in full.tables]
        for entry, info in zip(listed.tables, full.tables, strict=True):
            assert not entry.described
            assert (entry.kind, entry.internal) == (info.kind, info.internal)
            assert entry.columns == ()
            described = await describe_table(conn, strategy, entry)
            assert described == info, entry.name
            # Describing twice reads nothing more.
            assert await describe_table(conn, strategy, described) is described


async def test_sqlite_listing_then_describe_equals_the_full_catalog(
    odd_engine: AsyncEngine,
) -> None:
    await assert_listing_matches_the_catalog(odd_engine, None)


def _statements(engine: AsyncEngine) -> list[str]:
    seen: list[str] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    return seen


@pytest.mark.parametrize("tables", [10, 200])
async def test_listing_costs_the_same_statements_for_any_number_of_tables(
    tmp_path: Path, tables: int
) -> None:
    import sqlite3

    path = tmp_path / "many.db"
    conn = sqlite3.connect(path)
    for i in range(tables):
        conn.execute(f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, p INTEGER REFERENCES t0 (id))")
        conn.execute(f"CREATE INDEX ix{i} ON t{i} (p)")
    conn.commit()
    conn.close()
    sync_engine, engine = create_engines(f"sqlite:///{path}", sqlite_wal=False)
    sync_engine.dispose()
    try:
        seen = _statements(engine)
        async with engine.connect() as c:
            seen.clear()  # the connection's own set-up pragmas do not count
            listed = await list_tables(c, strategy_for("sqlite"))
        assert len(listed.tables) == tables
        assert len(seen) == 1  # sqlite_master (pragma table_list only with virtual tables)
    finally:
        await engine.dispose()


async def test_drift_marks_describe_only_the_modelled_tables(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    sync_engine, engine = create_engines(f"sqlite:///{path}", sqlite_wal=False)
    Base.metadata.create_all(sync_engine, tables=[Base.metadata.tables["customers"]])
    with sync_engine.begin() as conn:
        for i in range(30):
            conn.execute(text(f"CREATE TABLE extra_{i} (x)"))
    sync_engine.dispose()
    strategy = strategy_for("sqlite")
    try:
        seen = _statements(engine)
        async with engine.connect() as conn:
            listed = await list_tables(conn, strategy)
            seen.clear()
            marked = {
                t.name: t for t in await drift_marks(conn, strategy, listed.tables, Base.metadata)
            }
            described = [s for s in seen if "pragma_table_xinfo" in s]
            full = {t.name: t for t in (await load_catalog(conn, strategy, Base.metadata)).tables}
        assert len(described) == 1  # customers, the only table with a model
        assert marked["extra_0"].drift is Drift.NO_MODEL
        assert not marked["extra_0"].described
        assert marked["orders"].drift is Drift.MISSING_TABLE
        assert marked["customers"] == full["customers"]
        assert {n: t.drift for n, t in marked.items()} == {n: t.drift for n, t in full.items()}
    finally:
        await engine.dispose()


async def test_server_listing_then_describe_equals_the_full_catalog(
    server_engine: AsyncEngine,
) -> None:
    prefix = f"lst_{uuid.uuid4().hex[:6]}"
    q = server_engine.dialect.identifier_preparer.quote
    names = [q(f"{prefix}_parent"), q(f"{prefix}_child"), q(f"{prefix}_odd name"), q(f"{prefix}_v")]
    async with server_engine.begin() as conn:
        await conn.execute(
            text(f"CREATE TABLE {names[0]} (id INTEGER PRIMARY KEY, name VARCHAR(20))")
        )
        await conn.execute(
            text(
                f"CREATE TABLE {names[1]} (a INTEGER, b VARCHAR(5), "
                f"parent_id INTEGER REFERENCES {names[0]} (id), PRIMARY KEY (b, a))"
            )
        )
        await conn.execute(text(f"CREATE TABLE {names[2]} (x INTEGER)"))
        await conn.execute(text(f"CREATE VIEW {names[3]} AS SELECT id FROM {names[0]}"))
    try:
        await assert_listing_matches_the_catalog(server_engine, None)
        strategy = strategy_for(server_engine.dialect.name)
        async with server_engine.connect() as conn:
            listed = await list_tables(conn, strategy)
            child = listed.find(TableRef(f"{prefix}_child"))
            assert child is not None
            described = await describe_table(conn, strategy, child)
        assert described.key_columns == ("b", "a")
    finally:
        async with server_engine.begin() as conn:
            await conn.execute(text(f"DROP VIEW {names[3]}"))
            for name in (names[1], names[2], names[0]):
                await conn.execute(text(f"DROP TABLE {name}"))


async def test_referenced_by_finds_every_spelling_of_the_name(tmp_path: Path) -> None:
    """The CREATE-text pre-check must not lose a reference spelled in another case or quoted."""
    import sqlite3

    from tui.db.catalog import table_details

    path = tmp_path / "refs.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE "a""b" (id INTEGER PRIMARY KEY);
        CREATE TABLE c1 (p INTEGER REFERENCES PARENT (id));
        CREATE TABLE c2 (p INTEGER REFERENCES "parent");
        CREATE TABLE c3 (q INTEGER REFERENCES "a""b" (id));
        CREATE TABLE unrelated (x INTEGER);
        """
    )
    conn.close()
    sync_engine, engine = create_engines(f"sqlite:///{path}", sqlite_wal=False)
    sync_engine.dispose()
    strategy = strategy_for("sqlite")
    try:
        async with engine.connect() as c:
            listed = await list_tables(c, strategy)
            found = {}
            for name in ("parent", 'a"b'):
                entry = listed.find(TableRef(name))
                assert entry is not None
                info = await describe_table(c, strategy, entry)
                details = await table_details(c, strategy, info)
                found[name] = [source for source, _fk in details.referenced_by]
        assert found == {"parent": ["c1", "c2"], 'a"b': ["c3"]}
    finally:
        await engine.dispose()
