"""Large values: pages carry a bounded preview and the true size; the rest is read by key."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tui.db.catalog import load_catalog
from tui.db.dialects import strategy_for
from tui.db.model import Preview, TableInfo
from tui.db.paging import Pager, RowQuery, SortSpec
from tui.db.values import PREVIEW, RowGoneError, read_part, read_value

BIG = 1_000_000
TEXT = "".join(chr(0x61 + i % 26) for i in range(BIG - 7)) + "THE-END"
BLOB = bytes(i % 251 for i in range(BIG))


@pytest.fixture
def values_db(tmp_path: Path) -> Path:
    path = tmp_path / "values.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, name TEXT, body TEXT, data BLOB, n)")
    conn.execute("CREATE TABLE plain (body TEXT)")  # a rowid table without a declared key
    conn.execute("CREATE VIEW docs_view AS SELECT id, body FROM docs")
    conn.executemany(
        "INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
        [
            (1, "big", TEXT, BLOB, 12345678901234567890 // 10**4),
            (2, "small", "short", b"\x00\x01", None),
            (3, "edge", "x" * PREVIEW, b"y" * (PREVIEW + 1), 1.5),
        ],
    )
    conn.execute("INSERT INTO plain VALUES (?)", (TEXT,))
    conn.commit()
    conn.close()
    return path


@pytest.fixture
async def engine(values_db: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{values_db}")
    yield engine
    await engine.dispose()


async def table(engine: AsyncEngine, name: str) -> TableInfo:
    async with engine.connect() as conn:
        snapshot = await load_catalog(conn, strategy_for("sqlite"), None)
    info = next(t for t in snapshot.tables if t.name == name)
    return info


async def test_pages_carry_a_bounded_preview_and_the_true_size(engine: AsyncEngine) -> None:
    info = await table(engine, "docs")
    pager = Pager(info, strategy_for("sqlite"))
    async with engine.connect() as conn:
        page = await pager.fetch(conn, limit=10)
    big, small, edge = page.rows
    assert big[2] == Preview(TEXT[:PREVIEW], BIG)
    assert big[3] == Preview(BLOB[:PREVIEW], BIG)
    assert big[4] == 12345678901234567890 // 10**4  # other values keep their type
    assert small[1:] == ("small", "short", b"\x00\x01", None)
    assert edge[2] == "x" * PREVIEW  # exactly the limit: carried whole
    assert edge[3] == Preview(b"y" * PREVIEW, PREVIEW + 1)
    assert edge[4] == 1.5
    carried = sum(len(v.head) if isinstance(v, Preview) else 0 for row in page.rows for v in row)
    assert carried < 4 * PREVIEW


async def test_the_whole_value_is_read_by_row_key(engine: AsyncEngine) -> None:
    info = await table(engine, "docs")
    pager = Pager(info, strategy_for("sqlite"), RowQuery(sort=(SortSpec("name"),)))
    async with engine.connect() as conn:
        page = await pager.fetch(conn, limit=10)
        big_at = next(i for i, row in enumerate(page.rows) if row[1] == "big")
        key = pager.row_key(page.cursors[big_at])
        assert key is not None
        assert key.values == (1,)
        assert await read_value(conn, info, key, "body") == TEXT
        assert await read_value(conn, info, key, "data") == BLOB
        assert await read_part(conn, "sqlite", info, key, "body", 0, 10) == TEXT[:10]
        tail = await read_part(conn, "sqlite", info, key, "body", BIG - 7, 100)
        assert tail == "THE-END"
        assert await read_part(conn, "sqlite", info, key, "data", 16, 32) == BLOB[16:48]


async def test_the_hidden_rowid_names_a_row_too(engine: AsyncEngine) -> None:
    info = await table(engine, "plain")
    pager = Pager(info, strategy_for("sqlite"))
    async with engine.connect() as conn:
        page = await pager.fetch(conn, limit=10)
        assert page.rows[0][0] == Preview(TEXT[:PREVIEW], BIG)
        key = pager.row_key(page.cursors[0])
        assert key is not None and key.rowid
        assert await read_value(conn, info, key, "body") == TEXT


async def test_a_relation_without_a_key_is_not_cut(engine: AsyncEngine) -> None:
    """Without a key nothing could read the rest later: the value comes whole."""
    info = await table(engine, "docs_view")
    pager = Pager(info, strategy_for("sqlite"))
    async with engine.connect() as conn:
        page = await pager.fetch(conn, limit=10)
    assert page.rows[0][1] == TEXT
    assert pager.row_key(page.cursors[0]) is None


async def test_a_deleted_row_is_reported(engine: AsyncEngine, values_db: Path) -> None:
    info = await table(engine, "docs")
    pager = Pager(info, strategy_for("sqlite"))
    async with engine.connect() as conn:
        page = await pager.fetch(conn, limit=1)
    key = pager.row_key(page.cursors[0])
    assert key is not None
    other = sqlite3.connect(values_db)
    other.execute("DELETE FROM docs WHERE id = 1")
    other.commit()
    other.close()
    async with engine.connect() as conn:
        with pytest.raises(RowGoneError):
            await read_value(conn, info, key, "body")
        assert await read_part(conn, "sqlite", info, key, "body", 0, 10) is None


@pytest.fixture(
    params=[
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ]
)
async def server_engine(request: pytest.FixtureRequest) -> AsyncIterator[AsyncEngine]:
    """A server database with text, binary and JSON columns holding large values."""
    from sqlalchemy import text

    from app.engines import create_engines

    fixture = "postgres_url" if request.param == "postgresql" else "mariadb_url"
    url = request.getfixturevalue(fixture)
    sync_engine, async_engine = create_engines(url)
    body, binary, json = (
        ("TEXT", "BYTEA", "JSONB")
        if request.param == "postgresql"
        else ("MEDIUMTEXT", "LONGBLOB", "JSON")
    )
    with sync_engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE TABLE docs (id INTEGER PRIMARY KEY, body {body}, data {binary}, "
                f"doc {json}, n INTEGER)"
            )
        )
        conn.execute(
            text("INSERT INTO docs VALUES (:id, :body, :data, :doc, :n)"),
            [
                {"id": 1, "body": TEXT[:100_000], "data": BLOB[:100_000], "doc": "[1]", "n": 7},
                {"id": 2, "body": "short", "data": b"\x00", "doc": '{"a": 1}', "n": None},
            ],
        )
    sync_engine.dispose()
    try:
        yield async_engine
    finally:
        await async_engine.dispose()


async def test_server_pages_carry_previews_and_values_are_read_by_key(
    server_engine: AsyncEngine,
) -> None:
    dialect = server_engine.dialect.name
    strategy = strategy_for(dialect)
    async with server_engine.connect() as conn:
        snapshot = await load_catalog(conn, strategy, None)
        info = next(t for t in snapshot.tables if t.name == "docs")
        pager = Pager(info, strategy)
        page = await pager.fetch(conn, limit=10)
        big, small = page.rows
        assert big[1] == Preview(TEXT[:PREVIEW], 100_000)
        assert big[2] == Preview(BLOB[:PREVIEW], 100_000)
        assert big[4] == 7
        assert small[1] == "short" and small[2] == b"\x00" and small[4] is None
        key = pager.row_key(page.cursors[0])
        assert key is not None and key.values == (1,)
        assert await read_value(conn, info, key, "body") == TEXT[:100_000]
        assert bytes(await read_value(conn, info, key, "data")) == BLOB[:100_000]
        assert (
            await read_part(conn, strategy.name, info, key, "body", 99_990, 50)
            == TEXT[99_990:100_000]
        )
        assert await read_part(conn, strategy.name, info, key, "data", 10, 5) == BLOB[10:15]
