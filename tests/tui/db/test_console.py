"""The console's data layer: statements split and classified; query results paged exactly."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tui.db.catalog import exact_count
from tui.db.console import StatementKind, describe_query, split_statements, statement_at
from tui.db.model import KeyKind, TableInfo, TableRef
from tui.db.paging import FilterOp, FilterSpec, Page, Pager, RowQuery, SortSpec
from tui.db.source import DataSource
from tui.db.target import resolve_target

SCRIPT = """select 1;  -- first
with x as (select ';' as a) select * from x;

insert into t values (1);
create trigger tr after insert on t begin update t set a = 1; update t set b = 2; end;
pragma table_info(t);
pragma journal_mode = wal;
values (1), (2);
begin; commit
"""


def test_statements_are_split_where_sql_says_and_classified() -> None:
    statements = split_statements(SCRIPT)
    assert [(s.sql.split()[0], s.kind) for s in statements] == [
        ("select", StatementKind.QUERY),
        ("with", StatementKind.QUERY),
        ("insert", StatementKind.WRITE),
        ("create", StatementKind.WRITE),
        ("pragma", StatementKind.READ),
        ("pragma", StatementKind.WRITE),
        ("values", StatementKind.QUERY),
        ("begin", StatementKind.TRANSACTION),
        ("commit", StatementKind.TRANSACTION),
    ]
    assert statements[1].sql == "with x as (select ';' as a) select * from x"
    assert statements[3].sql.endswith("update t set b = 2; end")
    for statement in statements:
        assert SCRIPT[statement.start : statement.end] == statement.sql


def test_the_statement_under_the_cursor() -> None:
    text = "select 1;\nselect 2;\n\nselect 3"
    assert statement_at(text, 0) is not None
    assert statement_at(text, 3).sql == "select 1"  # type: ignore[union-attr]
    assert statement_at(text, 12).sql == "select 2"  # type: ignore[union-attr]
    assert statement_at(text, 20).sql == "select 2"  # type: ignore[union-attr]  # blank line after
    assert statement_at(text, len(text)).sql == "select 3"  # type: ignore[union-attr]
    assert statement_at("", 0) is None
    assert split_statements("select 1 into x from t")[0].kind is StatementKind.WRITE


@pytest.fixture
async def sqlite_source(tmp_path: Path) -> AsyncIterator[DataSource]:
    path = tmp_path / "q.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER, note TEXT)")
    conn.executemany("INSERT INTO a VALUES (?, ?)", [(i, f"n{i}") for i in range(1, 101)])
    conn.executemany(
        "INSERT INTO b VALUES (?, ?, ?)", [(i + 1000, i, f"x:{i}") for i in range(1, 101)]
    )
    conn.commit()
    conn.close()
    source = await DataSource.open(resolve_target(str(path), default_url=""))
    try:
        yield source
    finally:
        await source.close()


JOIN = "SELECT a.id, b.id, b.note FROM a JOIN b ON b.a_id = a.id WHERE b.note <> ':x' -- end"


async def _page_through(source: DataSource, sql: str, query: RowQuery) -> list[tuple[object, ...]]:
    info = await source.run(lambda conn: describe_query(conn, sql, 1))
    pager = Pager(info, source.strategy, query)
    rows: list[tuple[object, ...]] = []
    while True:
        page = await source.run(lambda conn: pager.fetch(conn, limit=30, offset=len(rows)))
        rows.extend(page.rows)
        if len(page) < 30:
            return rows


async def test_a_query_with_repeated_names_pages_sorts_and_filters(
    sqlite_source: DataSource,
) -> None:
    info = await sqlite_source.run(lambda conn: describe_query(conn, JOIN, 1))
    # SQLite itself names the repeat "id:1" in a subquery; the servers' "id" becomes "id:2".
    assert [c.name for c in info.columns] == ["id", "id:1", "note"]
    rows = await _page_through(sqlite_source, JOIN, RowQuery())
    assert rows == [(i, i + 1000, f"x:{i}") for i in range(1, 101)]
    sorted_rows = await _page_through(
        sqlite_source, JOIN, RowQuery(sort=(SortSpec("id:1", descending=True),))
    )
    assert [r[1] for r in sorted_rows] == list(range(1100, 1000, -1))
    filtered = await _page_through(
        sqlite_source, JOIN, RowQuery(filters=(FilterSpec("id:1", FilterOp.LT, 1004),))
    )
    assert filtered == [(i, i + 1000, f"x:{i}") for i in range(1, 4)]
    count = await sqlite_source.run(lambda conn: exact_count(conn, info))
    assert count.value == 100 and count.exact


async def test_servers_page_a_join_with_repeated_names(server_url: str) -> None:
    from sqlalchemy import create_engine, text

    from app.engines import derive_urls

    engine = create_engine(derive_urls(server_url)[0])
    a, b = f"qa_{uuid.uuid4().hex[:6]}", f"qb_{uuid.uuid4().hex[:6]}"
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {a} (id INTEGER PRIMARY KEY, name VARCHAR(10))"))
        conn.execute(text(f"CREATE TABLE {b} (id INTEGER PRIMARY KEY, a_id INTEGER, note TEXT)"))
        conn.execute(
            text(f"INSERT INTO {a} VALUES (:i, :n)"), [{"i": i, "n": f"n{i}"} for i in range(1, 51)]
        )
        conn.execute(
            text(f"INSERT INTO {b} VALUES (:i, :a, :n)"),
            [{"i": i + 1000, "a": i, "n": f"x:{i}"} for i in range(1, 51)],
        )
    source = await DataSource.open(resolve_target(server_url, default_url=""))
    try:
        sql = (
            f"SELECT {a}.id, {b}.id, {b}.note FROM {a} JOIN {b} ON {b}.a_id = {a}.id "
            "WHERE b_note_check = 1 OR 1 = 1 -- trailing comment"
        ).replace("b_note_check = 1 OR ", "")
        rows = await _page_through(source, sql, RowQuery(sort=(SortSpec("id:2"),)))
        assert rows == [(i, i + 1000, f"x:{i}") for i in range(1, 51)]
    finally:
        await source.close()
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {b}"))
            conn.execute(text(f"DROP TABLE {a}"))
        engine.dispose()


async def test_servers_console_transaction_commit_rollback_and_errors(server_url: str) -> None:
    from sqlalchemy import create_engine, text

    from app.engines import derive_urls
    from tui.db.console_session import ConsoleRefusedError, ConsoleSession

    engine = create_engine(derive_urls(server_url)[0])
    name = f"qc_{uuid.uuid4().hex[:6]}"
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, v TEXT)"))
        conn.execute(text(f"INSERT INTO {name} VALUES (1, 'a')"))

    def outside() -> list[tuple[object, ...]]:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(f"SELECT id, v FROM {name} ORDER BY id"))]

    source = await DataSource.open(resolve_target(server_url, default_url=""))
    session = ConsoleSession(source)
    try:
        [insert] = split_statements(f"INSERT INTO {name} VALUES (2, 'b')")
        outcome = await session.execute(insert, write_refusal=None)
        assert outcome.rowcount == 1 and session.in_transaction
        assert outside() == [(1, "a")]  # not committed: others do not see it
        [duplicate] = split_statements(f"INSERT INTO {name} VALUES (1, 'again')")
        with pytest.raises(Exception, match=r"(?i)duplicate|unique"):
            await session.execute(duplicate, write_refusal=None)
        # The failed statement alone was undone: the transaction goes on (PostgreSQL too).
        [count] = split_statements(f"SELECT count(*) FROM {name}")
        assert (await session.execute(count, write_refusal=None)).rows == ((2,),)
        await session.commit()
        assert outside() == [(1, "a"), (2, "b")]
        [delete] = split_statements(f"DELETE FROM {name}")
        await session.execute(delete, write_refusal=None)
        await session.rollback()
        assert outside() == [(1, "a"), (2, "b")]
        with pytest.raises(ConsoleRefusedError, match="read-only"):
            await session.execute(delete, write_refusal="opened read-only")
        assert not session.in_transaction
    finally:
        await session.close()
        await source.close()
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {name}"))
        engine.dispose()


async def test_servers_esc_stops_a_long_statement_in_the_transaction(server_url: str) -> None:
    import asyncio
    import time

    from sqlalchemy import create_engine, text

    from app.engines import derive_urls
    from tui.db.console_session import ConsoleSession

    engine = create_engine(derive_urls(server_url)[0])
    name = f"qs_{uuid.uuid4().hex[:6]}"
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY)"))
    postgres = engine.dialect.name == "postgresql"
    source = await DataSource.open(resolve_target(server_url, default_url=""))
    session = ConsoleSession(source)
    try:
        [insert] = split_statements(f"INSERT INTO {name} VALUES (1)")
        await session.execute(insert, write_refusal=None)
        [sleep] = split_statements("SELECT pg_sleep(60)" if postgres else "SELECT SLEEP(60)")
        task = asyncio.ensure_future(session.execute(sleep, write_refusal=None))
        await asyncio.sleep(1.0)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 15
        # The statement was stopped on the server; the transaction and its insert remain.
        [count] = split_statements(f"SELECT count(*) FROM {name}")
        assert (await session.execute(count, write_refusal=None)).rows == ((1,),)
        await session.rollback()
    finally:
        await session.close()
        await source.close()
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {name}"))
        engine.dispose()


def test_a_plain_select_of_one_relation_is_recognised() -> None:
    from tui.db.console import plain_relation

    assert plain_relation("SELECT * FROM events") == (None, "events", False)
    assert plain_relation('select id from "my items" i where id > 5') == (None, "my items", True)
    assert plain_relation("select * from main.t where x in (select 1)") == ("main", "t", False)
    for other in (
        "select * from a join b on a.id = b.id",
        "select * from t order by x",
        "select count(*) from t",
        "select distinct a from t",
        "select * from t limit 5",
        "select * from t union select * from u",
        "select * from (select 1)",
        "with x as (select 1) select * from x",
    ):
        assert plain_relation(other) is None, other


async def test_a_plain_select_is_paged_by_the_tables_key(sqlite_source: DataSource) -> None:
    from tui.db.catalog import describe_table, list_tables
    from tui.db.model import KeyKind, TableRef

    catalog = await sqlite_source.run(lambda conn: list_tables(conn, sqlite_source.strategy))
    listed = catalog.find(TableRef("b"))
    assert listed is not None
    relation = await sqlite_source.run(
        lambda conn: describe_table(conn, sqlite_source.strategy, listed)
    )
    sql = "SELECT note, id FROM b WHERE a_id % 2 = 0"
    info = await sqlite_source.run(lambda conn: describe_query(conn, sql, 1, relation))
    assert info.key_kind is KeyKind.PRIMARY_KEY and info.key_columns == ("id",)
    pager = Pager(info, sqlite_source.strategy, RowQuery())
    assert pager.keyed
    last = await sqlite_source.run(lambda conn: pager.fetch(conn, from_end=True, limit=3))
    assert last.rows == (("x:96", 1096), ("x:98", 1098), ("x:100", 1100))
    after = await sqlite_source.run(lambda conn: pager.fetch(conn, after=last.cursors[0], limit=5))
    assert [r[1] for r in after.rows] == [1098, 1100]
    # Without the key column in the result, OFFSET it is.
    bare = await sqlite_source.run(
        lambda conn: describe_query(conn, "SELECT note FROM b", 2, relation)
    )
    assert bare.key_kind is KeyKind.NONE


@pytest.fixture
async def alias_source(tmp_path: Path) -> AsyncIterator[DataSource]:
    path = tmp_path / "alias.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE dup (id INTEGER PRIMARY KEY, n INT)")
    conn.executemany("INSERT INTO dup VALUES (?, ?)", [(i, i % 3) for i in range(1, 1001)])
    conn.execute("CREATE TABLE sw (id INTEGER PRIMARY KEY, n INT)")
    conn.executemany("INSERT INTO sw VALUES (?, ?)", [(i, 1000 - i) for i in range(1, 301)])
    conn.commit()
    conn.close()
    source = await DataSource.open(resolve_target(str(path), default_url=""))
    try:
        yield source
    finally:
        await source.close()


async def _described(source: DataSource, table: str, sql: str) -> TableInfo:
    from tui.db.catalog import describe_table, list_tables

    catalog = await source.run(lambda conn: list_tables(conn, source.strategy))
    listed = catalog.find(TableRef(table))
    assert listed is not None
    relation = await source.run(lambda conn: describe_table(conn, source.strategy, listed))
    return await source.run(lambda conn: describe_query(conn, sql, 1, relation))


async def _next_page(pager: Pager, last: tuple[object, ...], done: int, conn: Any) -> Page:
    if pager.keyed:
        return await pager.fetch(conn, after=last, limit=128)
    return await pager.fetch(conn, limit=128, offset=done)


async def _every_row(source: DataSource, info: TableInfo) -> list[tuple[object, ...]]:
    """All rows the grid's pager gives, page after page as scrolling asks for them."""
    pager = Pager(info, source.strategy, RowQuery())
    rows: list[tuple[object, ...]] = []
    page = await source.run(lambda conn: pager.fetch(conn, limit=128))
    while len(page):
        rows.extend(page.rows)
        page = await source.run(partial(_next_page, pager, page.cursors[-1], len(rows)))
    return rows


async def test_an_alias_named_like_the_key_is_not_taken_for_the_key(
    alias_source: DataSource,
) -> None:
    # "id" here is dup.n (not unique): keyset paging on it skipped rows (hostile #1).
    sql = "SELECT n AS id, id AS rid FROM dup WHERE id > 0"
    info = await _described(alias_source, "dup", sql)
    assert info.key_kind is KeyKind.NONE and info.key_columns == ()
    rows = await _every_row(alias_source, info)
    assert sorted(r[1] for r in rows) == list(range(1, 1001))
    assert [sum(1 for r in rows if r[0] == v) for v in (0, 1, 2)] == [333, 334, 333]
    # Swapped names: neither the key nor the declared types follow a name to another column.
    swapped = await _described(alias_source, "sw", "SELECT id AS n, n AS id FROM sw WHERE id > 0")
    assert swapped.key_kind is KeyKind.NONE
    assert [c.type_name for c in swapped.columns] == ["INTEGER", "INT"]
    rows = await _every_row(alias_source, swapped)
    assert rows == [(i, 1000 - i) for i in range(1, 301)]


@pytest.mark.parametrize(
    ("sql", "keyed"),
    [
        ("SELECT * FROM dup", True),
        ("SELECT n AS m, * FROM dup WHERE id > 0", True),
        ("SELECT d.*, n AS m FROM dup d", True),
        ('SELECT d.id, "n" FROM dup AS d', True),
        ("SELECT id AS id, n AS k FROM dup", True),
        ("SELECT id id, n FROM dup", True),
        ("SELECT n AS id, * FROM dup", False),
        ("SELECT n id, id AS k FROM dup", False),
        ("SELECT id + 0 AS id FROM dup", False),
        ("SELECT -id AS id FROM dup", False),
        ("SELECT n COLLATE nocase AS id FROM dup", False),
        ("SELECT 7 AS id, n FROM dup", False),
        ("SELECT CASE WHEN n = 0 THEN id END AS id FROM dup", False),
        ("SELECT n AS id -- id\n, n FROM dup", False),
    ],
)
async def test_the_key_is_used_only_where_the_result_column_is_the_key(
    alias_source: DataSource, sql: str, keyed: bool
) -> None:
    info = await _described(alias_source, "dup", sql)
    assert (info.key_columns == ("id",)) is keyed, info.key_columns
    rows = await _every_row(alias_source, info)
    assert len(rows) == 1000


async def test_servers_use_the_key_only_where_the_result_column_is_the_key(
    server_url: str,
) -> None:
    from sqlalchemy import create_engine, text

    from app.engines import derive_urls

    engine = create_engine(derive_urls(server_url)[0])
    name = f"qk_{uuid.uuid4().hex[:6]}"
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, n INTEGER)"))
        conn.execute(
            text(f"INSERT INTO {name} VALUES (:i, :n)"),
            [{"i": i, "n": i % 3} for i in range(1, 401)],
        )
    source = await DataSource.open(resolve_target(server_url, default_url=""))
    try:
        for sql, keyed in (
            (f"SELECT n AS id, id AS rid FROM {name} WHERE id > 0", False),
            (f"SELECT id + 0 AS id, n FROM {name}", False),
            (f"SELECT n, id FROM {name} WHERE id > 0", True),
            (f"SELECT t.id, n AS m FROM {name} t", True),
            (f"SELECT * FROM {name}", True),
        ):
            info = await _described(source, name, sql)
            assert (info.key_columns == ("id",)) is keyed, sql
            assert len(await _every_row(source, info)) == 400, sql
    finally:
        await source.close()
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {name}"))
        engine.dispose()


async def test_mariadb_ddl_in_a_transaction_is_refused_as_the_keys_end_it(
    mariadb_url: str,
) -> None:
    """The refusal says what to do (commit or roll back), the screen adds the keys as bound."""
    from tui.db.console_session import ConsoleRefusedError, ConsoleSession

    source = await DataSource.open(resolve_target(mariadb_url, default_url=""))
    session = ConsoleSession(source)
    name = f"qd_{uuid.uuid4().hex[:6]}"
    try:
        [create] = split_statements(f"CREATE TABLE {name} (a INT)")
        [insert] = split_statements(f"INSERT INTO {name} VALUES (1)")
        await session.execute(create, write_refusal=None)  # committed at once
        await session.execute(insert, write_refusal=None)
        assert session.in_transaction
        with pytest.raises(ConsoleRefusedError) as refused:
            await session.execute(split_statements(f"DROP TABLE {name}")[0], write_refusal=None)
        assert refused.value.ends_transaction
        assert "ctrl+" not in str(refused.value)
        assert "commit or roll back" in str(refused.value)
        await session.rollback()
    finally:
        await session.close()
        await source.run(lambda conn: conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}"))
        await source.close()
