"""Filter conditions on real databases: in, between, like, not like, regexp, several at once
(AND), still paged by key; and the typed reading of what the filter dialog is given.

SQLite runs everywhere; PostgreSQL and MariaDB with their servers (CI=true: must run).
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from tui.db.catalog import describe_table, list_tables
from tui.db.filter_input import filter_value, split_values
from tui.db.model import RowCount, TableInfo, ValueKind
from tui.db.paging import FilterOp, FilterSpec, InvalidQueryError, Pager, RowQuery
from tui.db.source import DataSource
from tui.db.sqlite_regexp import TIMEOUT_MESSAGE
from tui.db.target import resolve_target
from tui.db.typed_values import BadValueError

WORDS = [
    (1, "apple", 5),
    (2, "Banana", 10),
    (3, "cherry pie", None),
    (4, "date", 0),
    (5, None, 7),
    (6, "apricot", 12),
    (7, "a,b", 3),
    (8, "x'); DROP TABLE words; --", 1),
    (9, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", 2),
]
CREATE = "CREATE TABLE words (id INTEGER PRIMARY KEY, name VARCHAR(80), qty INTEGER)"


def _fill(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(CREATE))
        conn.execute(
            text("INSERT INTO words (id, name, qty) VALUES (:i, :n, :q)"),
            [{"i": i, "n": n, "q": q} for i, n, q in WORDS],
        )
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'words.db'}"


@pytest.fixture(
    params=[
        pytest.param("sqlite_url", id="sqlite"),
        pytest.param("postgres_url", id="postgresql", marks=pytest.mark.postgres),
        pytest.param("mariadb_url", id="mariadb", marks=pytest.mark.mariadb),
    ]
)
async def words(request: pytest.FixtureRequest) -> AsyncIterator[tuple[DataSource, TableInfo]]:
    url: str = request.getfixturevalue(request.param)
    if url.startswith("sqlite"):
        _fill(url)
    else:
        from app.engines import derive_urls

        sync_url, _ = derive_urls(url)
        with create_engine(sync_url).begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS words"))
        _fill(sync_url)
    source = await DataSource.open(resolve_target(url, default_url=""))
    try:
        strategy = source.strategy
        snapshot = await source.run(lambda conn: list_tables(conn, strategy))
        (listed,) = [t for t in snapshot.tables if t.name == "words"]
        info = await source.run(lambda conn: describe_table(conn, strategy, listed))
        yield source, info
    finally:
        await source.close()


async def ids(
    source: DataSource, info: TableInfo, *filters: FilterSpec, page: int = 3
) -> list[int]:
    """Ids of the matching rows, read page by page after each page's last key."""
    pager = Pager(info, source.strategy, RowQuery(filters=filters))
    got: list[int] = []
    after = None
    while True:
        batch = await source.run(lambda conn, a=after: pager.fetch(conn, after=a, limit=page))  # type: ignore[misc]
        got.extend(int(r[0]) for r in batch.rows)
        if len(batch) < page:
            break
        after = batch.cursors[-1]
    count = await source.run(lambda conn: pager.count(conn))
    assert count == RowCount(len(got), exact=True)
    return got


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (FilterSpec("qty", FilterOp.IN, (5, 7, 99)), [1, 5]),
        (FilterSpec("name", FilterOp.IN, ("apple", "a,b")), [1, 7]),
        (FilterSpec("qty", FilterOp.BETWEEN, (3, 10)), [1, 2, 5, 7]),
        (FilterSpec("name", FilterOp.LIKE, "ap%"), [1, 6]),
        (FilterSpec("name", FilterOp.LIKE, "_ate"), [4]),
        (FilterSpec("name", FilterOp.NOT_LIKE, "%i%"), [1, 2, 4, 5, 7, 8, 9]),
        (FilterSpec("name", FilterOp.REGEXP, "^a.*e$"), [1]),
        (FilterSpec("name", FilterOp.REGEXP, "r{2}"), [3]),
        (FilterSpec("qty", FilterOp.REGEXP, "^1"), [2, 6, 8]),  # numbers as text
        (FilterSpec("name", FilterOp.IS_NULL), [5]),
        (FilterSpec("name", FilterOp.NOT_NULL), [1, 2, 3, 4, 6, 7, 8, 9]),
        (FilterSpec("name", FilterOp.EQ, "x'); DROP TABLE words; --"), [8]),
        (FilterSpec("name", FilterOp.LIKE, "x'); DROP%"), [8]),
    ],
    ids=str,
)
async def test_operators(
    words: tuple[DataSource, TableInfo], spec: FilterSpec, expected: list[int]
) -> None:
    source, info = words
    assert await ids(source, info, spec) == expected


async def test_conditions_combine_with_and_and_page_by_key(
    words: tuple[DataSource, TableInfo],
) -> None:
    source, info = words
    conditions = (
        FilterSpec("name", FilterOp.REGEXP, "an|pp|ic|,"),
        FilterSpec("qty", FilterOp.BETWEEN, (1, 12)),
        FilterSpec("name", FilterOp.NOT_LIKE, "%!"),
    )
    assert await ids(source, info, *conditions, page=2) == [1, 2, 6, 7]
    # Each statement is a keyset page: a LIMIT after the last key read, never the table.
    pager = Pager(info, source.strategy, RowQuery(filters=conditions))
    stmt, _ = pager.statement(after=(2,), limit=2)
    sql = str(stmt.compile(dialect=source.engine.dialect))
    assert "LIMIT" in sql.upper() and "id >" in sql.lower()
    assert "DROP" not in sql and "'a'" not in sql  # values are bound


async def test_not_like_keeps_nulls_as_not_equal_does(words: tuple[DataSource, TableInfo]) -> None:
    source, info = words
    assert 5 in await ids(source, info, FilterSpec("name", FilterOp.NOT_LIKE, "zzz%"))
    assert 5 in await ids(source, info, FilterSpec("name", FilterOp.NE, "zzz"))


async def test_a_bad_server_pattern_fails_in_words(words: tuple[DataSource, TableInfo]) -> None:
    source, info = words
    if source.strategy.name == "sqlite":
        pytest.skip("SQLite patterns are checked in the dialog (see test_filter_value)")
    with pytest.raises(DBAPIError) as caught:
        await ids(source, info, FilterSpec("name", FilterOp.REGEXP, "(unclosed"))
    assert "paren" in source.explain(caught.value).lower()


async def test_sqlite_regexp_gives_up_on_a_catastrophic_pattern(sqlite_url: str) -> None:
    """(a|aa)+$ against 56 a's and a ! backtracks for hours; stopped after 0.5 s."""
    _fill(sqlite_url)
    source = await DataSource.open(resolve_target(sqlite_url, default_url=""))
    try:
        strategy = source.strategy
        snapshot = await source.run(lambda conn: list_tables(conn, strategy))
        info = await source.run(lambda conn: describe_table(conn, strategy, snapshot.tables[0]))
        with pytest.raises(DBAPIError) as caught:
            await ids(source, info, FilterSpec("name", FilterOp.REGEXP, "(a|aa)+$"))
        assert source.explain(caught.value) == TIMEOUT_MESSAGE
        # The connection pool is still usable afterwards.
        assert await ids(source, info, FilterSpec("name", FilterOp.REGEXP, "^d")) == [4]
    finally:
        await source.close()


async def test_sqlite_regexp_is_dbbrowses_and_leaves_the_file_alone(sqlite_url: str) -> None:
    _fill(sqlite_url)
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    before = path.read_bytes()
    source = await DataSource.open(resolve_target(sqlite_url, default_url=""))
    try:
        strategy = source.strategy
        snapshot = await source.run(lambda conn: list_tables(conn, strategy))
        info = await source.run(lambda conn: describe_table(conn, strategy, snapshot.tables[0]))
        assert await ids(source, info, FilterSpec("name", FilterOp.REGEXP, "^[ab]")) == [1, 6, 7, 9]
    finally:
        await source.close()
    assert path.read_bytes() == before
    # Another connection (the sqlite3 shell, say) has no regexp: nothing was stored.
    plain = sqlite3.connect(path)
    with pytest.raises(sqlite3.OperationalError, match="no such function"):
        plain.execute("SELECT 'a' REGEXP 'a'")
    plain.close()


def test_regexp_needs_an_engine_that_has_one() -> None:
    from sqlalchemy import column

    from tui.db.conditions import condition
    from tui.db.dialects.base import DialectStrategy

    with pytest.raises(InvalidQueryError, match="no regexp"):
        condition(column("name"), FilterSpec("name", FilterOp.REGEXP, "x"), DialectStrategy())


@pytest.mark.parametrize(
    ("op", "typed", "kind", "expected"),
    [
        (FilterOp.IN, "1, 2,3", ValueKind.INTEGER, (1, 2, 3)),
        (FilterOp.IN, "007, 7", ValueKind.TEXT, ("007", "7")),
        (FilterOp.IN, '"Smith, J", Doe', ValueKind.TEXT, ("Smith, J", "Doe")),
        (FilterOp.IN, '" padded ", ""', ValueKind.TEXT, (" padded ", "")),
        (FilterOp.BETWEEN, "2024-01-01, 2024-12-31", ValueKind.DATE, None),
        (FilterOp.BETWEEN, "1.5, 2", ValueKind.REAL, (1.5, 2.0)),
        (FilterOp.LIKE, "50%_", ValueKind.INTEGER, "50%_"),  # a pattern, as typed
        (FilterOp.REGEXP, "^a+$", ValueKind.TEXT, "^a+$"),
        (FilterOp.IS_NULL, "whatever", ValueKind.TEXT, None),
    ],
)
def test_filter_value(op: FilterOp, typed: str, kind: ValueKind, expected: Any) -> None:
    value = filter_value(op, typed, kind, local_regexp=True)
    if op is FilterOp.BETWEEN and kind is ValueKind.DATE:
        assert [v.isoformat() for v in value] == ["2024-01-01", "2024-12-31"]
    else:
        assert value == expected


@pytest.mark.parametrize(
    ("op", "typed", "kind", "message"),
    [
        (FilterOp.IN, "1, two", ValueKind.INTEGER, "not an integer: 'two'"),
        (FilterOp.IN, " , ", ValueKind.INTEGER, "one or more values"),
        (FilterOp.BETWEEN, "1", ValueKind.INTEGER, "two values"),
        (FilterOp.BETWEEN, "1, 2, 3", ValueKind.INTEGER, "two values"),
        # Reversed bounds match nothing in SQL: said, not silently empty (hostile 13-12, F16).
        (FilterOp.BETWEEN, "10, 1", ValueKind.INTEGER, "low value first: 10 is after 1"),
        (FilterOp.BETWEEN, "b, a", ValueKind.TEXT, "low value first: b is after a"),
        (FilterOp.IN, '"open, 1', ValueKind.TEXT, "not closed"),
        (FilterOp.REGEXP, "(unclosed", ValueKind.TEXT, "not a regular expression"),
        (FilterOp.REGEXP, "", ValueKind.TEXT, "type a regular expression"),
    ],
)
def test_filter_value_refuses_in_words(
    op: FilterOp, typed: str, kind: ValueKind, message: str
) -> None:
    with pytest.raises(BadValueError, match=message.replace("(", r"\(")):
        filter_value(op, typed, kind, local_regexp=True)


def test_split_values() -> None:
    assert split_values('a, "b ""c""", ,d,') == ["a", 'b "c"', "d"]
    assert split_values("   ") == []


async def test_contains_and_the_quick_search_read_past_a_nul(
    words: tuple[DataSource, TableInfo],
) -> None:
    """SQLite's LIKE stops at a text's first NUL; MariaDB stores and searches the NUL too;
    PostgreSQL cannot store one, and must still find what it finds by LIKE."""
    source, info = words
    if source.strategy.name != "postgresql":

        async def insert(conn: Any) -> None:
            await conn.execute(
                text("INSERT INTO words (id, name, qty) VALUES (10, :n, 1)"), {"n": "a\x00needle"}
            )
            await conn.commit()

        await source.run(insert)
    with_nul = [10] if source.strategy.name != "postgresql" else []
    assert await ids(source, info, FilterSpec("name", FilterOp.CONTAINS, "needle")) == with_nul
    assert await ids(source, info, FilterSpec("name", FilterOp.CONTAINS, "a,b")) == [7]
    assert await ids(source, info, FilterSpec("name", FilterOp.CONTAINS, "%")) == []
    # In any letter case on every engine (PostgreSQL's LIKE alone would not ignore it).
    assert await ids(source, info, FilterSpec("name", FilterOp.CONTAINS, "BAN")) == [2]
    pager = Pager(info, source.strategy, RowQuery(search="needle"))
    found = await source.run(lambda conn: pager.fetch(conn, limit=10))
    assert [int(r[0]) for r in found.rows] == with_nul


async def test_a_value_that_is_not_utf8_is_compared_by_its_bytes(sqlite_url: str) -> None:
    """A cell holding CAST(x'ff41' AS TEXT) prefills the filter with '\\udcffA': = and in find
    that row (the text was refused as 'could not be sent to the database'); a pattern of it
    is refused in words (hostile2, 2)."""
    _fill(sqlite_url)
    conn = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    conn.execute("INSERT INTO words VALUES (20, CAST(x'ff41' AS TEXT), 1)")
    conn.execute("INSERT INTO words VALUES (21, 'A', 1)")
    conn.commit()
    conn.close()
    source = await DataSource.open(resolve_target(sqlite_url, default_url=""))
    try:
        strategy = source.strategy
        snapshot = await source.run(lambda c: list_tables(c, strategy))
        (listed,) = [t for t in snapshot.tables if t.name == "words"]
        info = await source.run(lambda c: describe_table(c, strategy, listed))
        bad = "\udcffA"
        assert await ids(source, info, FilterSpec("name", FilterOp.EQ, bad)) == [20]
        assert await ids(source, info, FilterSpec("name", FilterOp.IN, (bad, "date"))) == [4, 20]
        assert 20 not in await ids(source, info, FilterSpec("name", FilterOp.NE, bad))
        with pytest.raises(InvalidQueryError, match="not UTF-8"):
            await ids(source, info, FilterSpec("name", FilterOp.CONTAINS, bad))
    finally:
        await source.close()
