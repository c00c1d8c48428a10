"""Completion of odd names, plans on every engine, the history and saved queries on disk."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy.dialects import mysql, postgresql, sqlite

from tui.db.completion import complete, word_before
from tui.db.history import entries, save_query, saved_queries, search
from tui.db.model import ColumnInfo, KeyKind, TableInfo, TableKind, TableRef


def relation(name: str, *columns: str) -> TableInfo:
    return TableInfo(
        TableRef(name),
        TableKind.TABLE,
        tuple(ColumnInfo(c, "TEXT") for c in columns),
        (),
        KeyKind.ROWID,
    )


TABLES = [
    relation("my items", "id", 'a "quoted" col', "select", "名前"),
    relation("orders", "id", "Total"),
    relation("select", "x"),
]


def texts(word: str, dialect: object = None) -> list[str]:
    return [c.text for c in complete(word, TABLES, dialect or sqlite.dialect())]


def test_the_word_before_the_cursor() -> None:
    assert word_before("SELECT * FROM my") == "my"
    assert word_before('SELECT * FROM "my it') == '"my it'
    assert word_before('SELECT "my items".') == '"my items".'
    assert word_before('SELECT "my items".a') == '"my items".a'
    assert word_before("SELECT o.") == "o."
    assert word_before("SELECT ") == ""


def test_odd_names_are_completed_as_they_must_be_typed() -> None:
    assert texts("my")[0] == '"my items"'
    assert texts('"my it') == ['"my items"']
    assert texts("sel")[0] == '"select"'  # a keyword as a name: quoted
    assert "SELECT" in texts("sel")  # the keyword too, after the names
    assert texts('"my items".') == [
        '"my items".id',
        '"my items"."a ""quoted"" col"',
        '"my items"."select"',
        '"my items"."名前"',
    ]
    assert texts("orders.t") == ['orders."Total"']
    # MariaDB quotes with backticks.
    assert texts("my", mysql.dialect())[0] == "`my items`"
    assert texts("ord", postgresql.dialect())[0] == "orders"


def test_history_is_per_database_newest_first_and_searchable(tmp_path: Path) -> None:
    import json

    path = tmp_path / "history.jsonl"
    lines = [
        {
            "database": "/a.db",
            "at": "2026-01-01T00:00:00+00:00",
            "sql": "SELECT 1",
            "outcome": "ok",
            "ms": 1,
        },
        {
            "database": "/b.db",
            "at": "2026-01-01T00:00:01+00:00",
            "sql": "SELECT 2",
            "outcome": "ok",
            "ms": 1,
        },
        {
            "database": "/a.db",
            "at": "2026-01-01T00:00:02+00:00",
            "sql": "DELETE FROM t",
            "outcome": "ok",
            "ms": 1,
        },
        {
            "database": "/a.db",
            "at": "2026-01-01T00:00:03+00:00",
            "sql": "SELECT 1",
            "outcome": "ok",
            "ms": 1,
        },
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n{cut by a cra")
    found = entries("/a.db", path)
    assert [e.sql for e in found] == ["SELECT 1", "DELETE FROM t"]
    assert [e.sql for e in search(found, "delete t")] == ["DELETE FROM t"]


def test_saved_queries_by_name_per_database(tmp_path: Path) -> None:
    path = tmp_path / "saved.json"
    save_query("/a.db", "big orders", "SELECT * FROM orders WHERE total > 100", path)
    save_query("/a.db", "big orders", "SELECT * FROM orders WHERE total > 500", path)
    save_query("/b.db", "other", "SELECT 1", path)
    assert saved_queries("/a.db", path) == {"big orders": "SELECT * FROM orders WHERE total > 500"}
    assert saved_queries("/c.db", path) == {}


@pytest.fixture(params=["sqlite", "postgres_url", "mariadb_url"])
def engine_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'plan.db'}"
    url: str = request.getfixturevalue(request.param)
    return url


async def test_a_plan_is_a_tree_and_runs_nothing(engine_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from app.engines import derive_urls
    from tui.db.explain import explain

    engine = create_async_engine(derive_urls(engine_url)[1])
    name = f"plan_{uuid.uuid4().hex[:6]}"
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, v INTEGER)"))
            await conn.execute(text(f"INSERT INTO {name} VALUES (1, 1), (2, 2)"))
        async with engine.connect() as conn:
            plan = await explain(conn, f"SELECT * FROM {name} a JOIN {name} b ON a.v = b.id")
            assert plan.label.startswith("EXPLAIN") and plan.children
            await explain(conn, f"DELETE FROM {name}")
            assert (await conn.execute(text(f"SELECT count(*) FROM {name}"))).scalar_one() == 2
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP TABLE {name}"))
        await engine.dispose()
