"""Generated (computed) columns are known as such on every engine, and the schema says so."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from app.engines import create_engines
from tui.db.catalog import describe_table, list_tables
from tui.db.dialects import strategy_for
from tui.db.model import ColumnInfo, TableDetails, TableRef
from tui.text.schema import schema_text


async def generated_of(url: str, name: str) -> dict[str, tuple[bool, str]]:
    sync_engine, engine = create_engines(url, sqlite_wal=False)
    sync_engine.dispose()
    strategy = strategy_for(engine.dialect.name)
    try:
        async with engine.connect() as conn:
            entry = (await list_tables(conn, strategy)).find(TableRef(name))
            assert entry is not None
            info = await describe_table(conn, strategy, entry)
    finally:
        await engine.dispose()
    return {c.name: (c.generated, c.generated_as) for c in info.columns}


async def test_sqlite_generated_columns(tmp_path: Path) -> None:
    path = tmp_path / "gen.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE g (a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL, "
        "c TEXT AS (a || 'x') STORED)"
    )
    conn.close()
    assert await generated_of(f"sqlite:///{path}", "g") == {
        "a": (False, ""),
        "b": (True, "VIRTUAL"),
        "c": (True, "STORED"),
    }


@pytest.mark.parametrize("server", ["postgres_url", "mariadb_url"])
async def test_server_generated_columns(server: str, request: pytest.FixtureRequest) -> None:
    url: str = request.getfixturevalue(server)
    name = f"gen_{uuid.uuid4().hex[:6]}"
    sync_engine, engine = create_engines(url)
    await engine.dispose()
    with sync_engine.begin() as conn:
        conn.execute(
            text(f"CREATE TABLE {name} (a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2) STORED)")
        )
    try:
        found = await generated_of(url, name)
    finally:
        with sync_engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {name}"))
        sync_engine.dispose()
    assert found["a"] == (False, "")
    generated, how = found["b"]
    assert generated and how.endswith("STORED") and "a" in how


def test_schema_text_marks_generated_columns() -> None:
    from tui.db.model import KeyKind, TableInfo, TableKind

    info = TableInfo(
        ref=TableRef("g"),
        kind=TableKind.TABLE,
        columns=(
            ColumnInfo("a", "INTEGER"),
            ColumnInfo("b", "INTEGER", generated=True, generated_as="(a * 2) STORED"),
        ),
        key_columns=(),
        key_kind=KeyKind.NONE,
    )
    lines = schema_text(TableDetails(info=info)).plain.splitlines()
    line_a = next(line for line in lines if line.strip().startswith("a "))
    line_b = next(line for line in lines if line.strip().startswith("b "))
    assert "generated" not in line_a
    assert "generated (a * 2) STORED" in line_b
