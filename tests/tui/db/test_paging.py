"""Keyset paging, sort and filters of :mod:`tui.db.paging` against real databases.

Every expectation is computed independently of the pager: a plain ``SELECT ... ORDER BY``
written here by hand (run with :mod:`sqlite3`, or on the server for PostgreSQL/MariaDB), or
row ids listed literally. Paging in pages of any size, forwards or backwards, must give the
same sequence of rows — never skipping or repeating one.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.database import create_engines
from tui.db.dialects.base import DialectStrategy
from tui.db.model import ColumnInfo, KeyKind, RowCount, TableInfo, TableKind, TableRef
from tui.db.paging import (
    Cursor,
    FilterOp,
    FilterSpec,
    InvalidQueryError,
    Pager,
    RowQuery,
    SortSpec,
)

T = TypeVar("T")
Row = tuple[Any, ...]


class NullsLastStrategy(DialectStrategy):
    """Stands in for PostgreSQL: NULLs sort last ascending, so the order must say so."""

    name = "postgresql-like"
    nulls_first_when_ascending = False


NATIVE = DialectStrategy()  # SQLite and MariaDB: NULLs first ascending
EXPLICIT = NullsLastStrategy()


# -- building blocks ------------------------------------------------------------------------
def q(name: str) -> str:
    """A SQL identifier quoted the standard way (SQLite, PostgreSQL)."""
    return '"' + name.replace('"', '""') + '"'


def key_sql(name: str) -> str:
    return name if name in ("rowid", "_rowid_", "oid") else q(name)


def col(name: str, type_name: str = "", *, nullable: bool = True, pk: int = 0) -> ColumnInfo:
    return ColumnInfo(name, type_name, nullable=nullable, primary_key=pk)


def table_info(
    name: str,
    columns: Sequence[ColumnInfo],
    key_kind: KeyKind,
    key_columns: Sequence[str] = (),
    *,
    kind: TableKind = TableKind.TABLE,
    without_rowid: bool = False,
) -> TableInfo:
    return TableInfo(
        ref=TableRef(name),
        kind=kind,
        columns=tuple(columns),
        key_columns=tuple(key_columns),
        key_kind=key_kind,
        without_rowid=without_rowid,
    )


def order_sql(sort: Sequence[SortSpec], key: Sequence[str]) -> str:
    """The canonical order written by hand: NULLs first ascending, last descending."""
    parts = [
        f"{q(s.column)} {'DESC NULLS LAST' if s.descending else 'ASC NULLS FIRST'}" for s in sort
    ]
    parts += [key_sql(k) for k in key]
    return ", ".join(parts) if parts else "1"


def cursor_sql(sort: Sequence[SortSpec], key: Sequence[str]) -> list[str]:
    """The documented cursor: the sort columns, then the key columns not already sorted."""
    sorted_names = {s.column for s in sort}
    return [q(s.column) for s in sort] + [key_sql(k) for k in key if k not in sorted_names]


def reference(
    path: Path,
    table: str,
    columns: Sequence[str],
    sort: Sequence[SortSpec],
    key: Sequence[str],
    where: str = "",
    params: Sequence[Any] = (),
) -> tuple[list[Row], list[Cursor]]:
    """Rows and cursors in display order, by one plain ORDER BY query with sqlite3."""
    cursor_exprs = cursor_sql(sort, key)
    select_list = ", ".join([q(c) for c in columns] + cursor_exprs)
    sql = f"SELECT {select_list} FROM {q(table)} {where} ORDER BY {order_sql(sort, key)}"
    with sqlite3.connect(path) as conn:
        raw = conn.execute(sql, tuple(params)).fetchall()
    conn.close()
    width = len(columns)
    return [tuple(r[:width]) for r in raw], [tuple(r[width:]) for r in raw]


def write(path: Path, script: str, rows_sql: str = "", rows: Sequence[Sequence[Any]] = ()) -> None:
    with sqlite3.connect(path) as conn:
        conn.executescript(script)
        if rows_sql:
            conn.executemany(rows_sql, rows)
    conn.close()


async def page_forward(
    pager: Pager, conn: AsyncConnection, size: int, expected_len: int
) -> tuple[list[Row], list[Cursor]]:
    """All rows by ``after=`` the last cursor, starting from the beginning."""
    rows: list[Row] = []
    cursors: list[Cursor] = []
    after: Cursor | None = None
    for _ in range(expected_len // size + 2):
        page = await pager.fetch(conn, after=after, limit=size)
        assert len(page) <= size
        rows.extend(page.rows)
        cursors.extend(page.cursors)
        if len(page) < size:
            return rows, cursors
        after = page.cursors[-1]
    raise AssertionError(f"forward paging did not end: {len(rows)} rows, {expected_len} expected")


async def page_backward(
    pager: Pager, conn: AsyncConnection, size: int, expected_len: int
) -> tuple[list[Row], list[Cursor]]:
    """All rows by ``before=`` the first cursor, starting from the end."""
    page = await pager.fetch(conn, from_end=True, limit=size)
    rows = list(page.rows)
    cursors = list(page.cursors)
    for _ in range(expected_len // size + 2):
        assert len(page) <= size
        if len(page) < size:
            return rows, cursors
        page = await pager.fetch(conn, before=page.cursors[0], limit=size)
        rows[:0] = page.rows
        cursors[:0] = page.cursors
    raise AssertionError(f"backward paging did not end: {len(rows)} rows, {expected_len} expected")


async def assert_pages_match(
    pager: Pager,
    conn: AsyncConnection,
    size: int,
    rows: list[Row],
    cursors: list[Cursor],
) -> None:
    got_rows, got_cursors = await page_forward(pager, conn, size, len(rows))
    assert got_rows == rows
    assert got_cursors == cursors
    got_rows, got_cursors = await page_backward(pager, conn, size, len(rows))
    assert got_rows == rows
    assert got_cursors == cursors


@dataclass
class SqliteDb:
    """One SQLite file, an async engine on it and an event loop to drive it from sync code."""

    path: Path
    runner: asyncio.Runner
    engine: AsyncEngine

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coro)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SqliteDb]:
    """For hypothesis tests: one file and engine for all examples of a test."""
    path = tmp_path / "paging.db"
    sync_engine, async_engine = create_engines(f"sqlite:///{path}", sqlite_wal=False)
    runner = asyncio.Runner()
    try:
        yield SqliteDb(path, runner, async_engine)
    finally:
        runner.run(async_engine.dispose())
        runner.close()
        sync_engine.dispose()


@pytest.fixture
async def engine(sqlite_path: Path) -> AsyncIterator[AsyncEngine]:
    sync_engine, async_engine = create_engines(f"sqlite:///{sqlite_path}", sqlite_wal=False)
    yield async_engine
    await async_engine.dispose()
    sync_engine.dispose()


# -- the paging property ------------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """One way a table can be keyed, with the DDL that makes it so."""

    name: str
    ddl: str
    key_columns: tuple[str, ...]  # the leading columns, before a, b, c
    key_kind: KeyKind
    paging_key: tuple[str, ...]
    without_rowid: bool = False

    def info(self) -> TableInfo:
        lead = [
            col(k, "INTEGER" if k in ("id", "k1") else "TEXT", nullable=False, pk=i + 1)
            for i, k in enumerate(self.key_columns)
        ]
        body = [col("a"), col("b", "TEXT"), col("c", "INTEGER")]
        return table_info(
            "t",
            lead + body,
            self.key_kind,
            self.paging_key,
            without_rowid=self.without_rowid,
        )

    def key_values(self, i: int) -> tuple[Any, ...]:
        if self.key_columns == ("id",):
            return (i * 3 + 1,)  # gaps: rowids 1, 4, 7, ...
        if self.key_columns == ("code",):
            return (f"k{(i * 37) % 101:03d}",)
        if self.key_columns == ("k1", "k2"):
            return (i % 3, f"n{i}")
        return ()


LAYOUTS = (
    Layout("rowid", "CREATE TABLE t (a, b TEXT, c INTEGER)", (), KeyKind.ROWID, ("rowid",)),
    Layout(
        "integer pk as rowid",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a, b TEXT, c INTEGER)",
        ("id",),
        KeyKind.ROWID,
        ("rowid",),
    ),
    Layout(
        "integer pk named",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a, b TEXT, c INTEGER)",
        ("id",),
        KeyKind.ROWID,
        ("id",),
    ),
    Layout(
        "text pk",
        "CREATE TABLE t (code TEXT PRIMARY KEY NOT NULL, a, b TEXT, c INTEGER)",
        ("code",),
        KeyKind.PRIMARY_KEY,
        ("code",),
    ),
    Layout(
        "composite without rowid",
        "CREATE TABLE t (k1 INTEGER NOT NULL, k2 TEXT NOT NULL, a, b TEXT, c INTEGER, "
        "PRIMARY KEY (k1, k2)) WITHOUT ROWID",
        ("k1", "k2"),
        KeyKind.PRIMARY_KEY,
        ("k1", "k2"),
        without_rowid=True,
    ),
)

# Few distinct values so that duplicates are the rule; mixed types in the untyped column.
MIXED = st.one_of(
    st.none(),
    st.integers(-2, 2),
    st.sampled_from(["", "a", "A", "b", "10", "é", "a%"]),
)
INTS = st.one_of(st.none(), st.integers(-2, 2))


@dataclass(frozen=True)
class PagingCase:
    layout: Layout
    rows: tuple[tuple[Any, Any, Any], ...]
    sort: tuple[SortSpec, ...]
    c_at_least: int | None  # an optional filter c >= value
    page_size: int
    strategy: DialectStrategy
    probes: tuple[tuple[int, int, int], ...]  # (position, offset, limit), positions modulo n


@st.composite
def paging_cases(draw: st.DrawFn) -> PagingCase:
    layout = draw(st.sampled_from(LAYOUTS))
    rows = draw(st.lists(st.tuples(MIXED, MIXED, INTS), max_size=30))
    names = [*layout.key_columns, "a", "b", "c"]
    sort_columns = draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
    sort = tuple(SortSpec(name, draw(st.booleans())) for name in sort_columns)
    return PagingCase(
        layout=layout,
        rows=tuple(rows),
        sort=sort,
        c_at_least=draw(st.one_of(st.none(), st.integers(-2, 2))),
        page_size=draw(st.integers(1, 8)),
        strategy=draw(st.sampled_from([NATIVE, EXPLICIT])),
        probes=tuple(
            draw(
                st.lists(
                    st.tuples(st.integers(0, 40), st.integers(0, 5), st.integers(1, 6)),
                    max_size=4,
                )
            )
        ),
    )


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(case=paging_cases())
def test_keyset_paging_matches_plain_order_by(db: SqliteDb, case: PagingCase) -> None:
    layout = case.layout
    key_names = ", ".join(layout.key_columns)
    insert_columns = f"{key_names}, a, b, c" if key_names else "a, b, c"
    marks = ", ".join("?" * (len(layout.key_columns) + 3))
    write(
        db.path,
        f"DROP TABLE IF EXISTS t; {layout.ddl};",
        f"INSERT INTO t ({insert_columns}) VALUES ({marks})",
        [(*layout.key_values(i), *row) for i, row in enumerate(case.rows)],
    )
    info = layout.info()
    filters: tuple[FilterSpec, ...] = ()
    where = ""
    params: tuple[Any, ...] = ()
    if case.c_at_least is not None:
        filters = (FilterSpec("c", FilterOp.GE, case.c_at_least),)
        where, params = "WHERE c >= ?", (case.c_at_least,)
    rows, cursors = reference(
        db.path, "t", info.column_names, case.sort, layout.paging_key, where, params
    )
    pager = Pager(info, case.strategy, RowQuery(sort=case.sort, filters=filters))

    async def check() -> None:
        async with db.engine.connect() as conn:
            await assert_pages_match(pager, conn, case.page_size, rows, cursors)
            if not rows:
                return
            for raw_position, offset, limit in case.probes:
                p = raw_position % len(rows)
                page = await pager.fetch(conn, at_or_after=cursors[p], offset=offset, limit=limit)
                assert list(page.rows) == rows[p + offset : p + offset + limit]
                assert list(page.cursors) == cursors[p + offset : p + offset + limit]
                page = await pager.fetch(conn, after=cursors[p], offset=offset, limit=limit)
                assert list(page.rows) == rows[p + 1 + offset : p + 1 + offset + limit]
                page = await pager.fetch(conn, before=cursors[p], limit=limit)
                assert list(page.rows) == rows[max(0, p - limit) : p]

    db.run(check())


# -- relation kinds ------------------------------------------------------------------------
BODY = [col("name", "TEXT"), col("qty", "INTEGER")]
KIND_ROWS = [
    ("pear", 3),
    (None, 1),
    ("apple", None),
    ("pear", 3),
    ("fig", 2),
    ("apple", 1),
    (None, None),
    ("pear", 3),
]


@pytest.mark.parametrize(
    ("ddl", "columns", "key_kind", "key"),
    [
        pytest.param(
            "CREATE TABLE r (name TEXT, qty INTEGER)",
            BODY,
            KeyKind.ROWID,
            ("rowid",),
            id="rowid table",
        ),
        pytest.param(
            "CREATE TABLE r (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)",
            [col("id", "INTEGER", nullable=False, pk=1), *BODY],
            KeyKind.ROWID,
            ("rowid",),
            id="integer primary key",
        ),
        pytest.param(
            "CREATE TABLE r (code TEXT PRIMARY KEY, name TEXT, qty INTEGER)",
            [col("code", "TEXT", pk=1), *BODY],
            KeyKind.PRIMARY_KEY,
            ("code",),
            id="text primary key",
        ),
        pytest.param(
            "CREATE TABLE r (g INTEGER, code TEXT, name TEXT, qty INTEGER, "
            "PRIMARY KEY (g, code)) WITHOUT ROWID",
            [
                col("g", "INTEGER", nullable=False, pk=1),
                col("code", "TEXT", nullable=False, pk=2),
                *BODY,
            ],
            KeyKind.PRIMARY_KEY,
            ("g", "code"),
            id="composite without rowid",
        ),
    ],
)
@pytest.mark.parametrize("size", [1, 3, 8, 20])
@pytest.mark.parametrize(
    "sort",
    [(), (SortSpec("name"),), (SortSpec("qty", True), SortSpec("name"))],
    ids=["unsorted", "name", "qty desc, name"],
)
async def test_relation_kinds_page_exactly(
    engine: AsyncEngine,
    sqlite_path: Path,
    ddl: str,
    columns: list[ColumnInfo],
    key_kind: KeyKind,
    key: tuple[str, ...],
    size: int,
    sort: tuple[SortSpec, ...],
) -> None:
    names = [c.name for c in columns]

    def lead_values(i: int) -> tuple[Any, ...]:
        """Values of the columns before name and qty, unique per row."""
        return {
            ("id",): (i + 1,),
            ("code",): (f"c{7 - i}",),
            ("g", "code"): (i % 2, f"c{i // 2}"),
        }.get(tuple(names[:-2]), ())

    data = [(*lead_values(i), *row) for i, row in enumerate(KIND_ROWS)]
    write(sqlite_path, ddl, f"INSERT INTO r VALUES ({', '.join('?' * len(names))})", data)
    info = table_info("r", columns, key_kind, key)
    rows, cursors = reference(sqlite_path, "r", names, sort, key)
    assert len(rows) == len(KIND_ROWS)
    pager = Pager(info, NATIVE, RowQuery(sort=sort))
    assert pager.keyed
    async with engine.connect() as conn:
        await assert_pages_match(pager, conn, size, rows, cursors)


async def test_keyless_table_pages_identical_rows_by_rowid(
    engine: AsyncEngine, sqlite_path: Path
) -> None:
    """Rows equal in every column are still told apart by their rowid."""
    write(
        sqlite_path,
        "CREATE TABLE dup (x INTEGER, y TEXT)",
        "INSERT INTO dup VALUES (?, ?)",
        [(1, "same")] * 5 + [(None, None)] * 3 + [(0, "other")] * 4,
    )
    info = table_info("dup", [col("x", "INTEGER"), col("y", "TEXT")], KeyKind.ROWID, ("rowid",))
    for sort in [(), (SortSpec("x"),), (SortSpec("y", True),)]:
        rows, cursors = reference(sqlite_path, "dup", ["x", "y"], sort, ("rowid",))
        assert sorted(c[-1] for c in cursors) == list(range(1, 13))
        async with engine.connect() as conn:
            for size in (1, 2, 5):
                pager = Pager(info, NATIVE, RowQuery(sort=sort))
                await assert_pages_match(pager, conn, size, rows, cursors)


async def test_view_pages_by_offset(engine: AsyncEngine, sqlite_path: Path) -> None:
    write(
        sqlite_path,
        "CREATE TABLE base (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER);"
        "CREATE VIEW v AS SELECT id, name, qty * 2 AS double FROM base WHERE qty IS NOT NULL;",
        "INSERT INTO base VALUES (?, ?, ?)",
        [(i, f"n{i % 4}", None if i % 5 == 0 else i % 7) for i in range(1, 41)],
    )
    columns = [col("id", "INTEGER"), col("name", "TEXT"), col("double")]
    info = table_info("v", columns, KeyKind.NONE, kind=TableKind.VIEW)
    sort = (SortSpec("double", True), SortSpec("id"))
    pager = Pager(info, NATIVE, RowQuery(sort=sort))
    assert not pager.keyed
    rows, _ = reference(sqlite_path, "v", ["id", "name", "double"], sort, ())
    assert len(rows) == 32
    async with engine.connect() as conn:
        got: list[Row] = []
        for start in range(0, 40, 6):
            page = await pager.fetch(conn, limit=6, offset=start)
            got.extend(page.rows)
        assert got == rows
        assert await pager.count(conn) == RowCount(32, exact=True)
        assert await pager.key_bounds(conn) is None

        unsorted = Pager(info, NATIVE)
        plain, _ = reference(sqlite_path, "v", ["id", "name", "double"], (), ())
        assert list((await unsorted.fetch(conn, limit=5, offset=3)).rows) == plain[3:8]
        # nothing to reverse or compare with: refused rather than wrong rows
        for relative in ({"from_end": True}, {"after": (1,)}, {"before": (1,)}, {"after": ()}):
            with pytest.raises(InvalidQueryError):
                await unsorted.fetch(conn, limit=5, **relative)


# -- filters, quick search and counts ---------------------------------------------------------
INJECTION = "x'); DROP TABLE items; --"
ITEMS = [
    (1, "apple", 5),
    (2, "Banana", 10),
    (3, "50% off", None),
    (4, "under_score", 0),
    (5, None, 7),
    (6, "plain 50 off", 5),
    (7, "underXscore", 3),
    (8, INJECTION, 1),
    (9, "path/to", 2),
    (10, "pa%th", 11),
]
ITEM_COLUMNS = [col("id", "INTEGER", nullable=False, pk=1), col("name", "TEXT"), col("qty", "INT")]
ITEMS_INFO = table_info("items", ITEM_COLUMNS, KeyKind.ROWID, ("rowid",))


@pytest.fixture
async def items(engine: AsyncEngine, sqlite_path: Path) -> AsyncEngine:
    write(
        sqlite_path,
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INT)",
        "INSERT INTO items VALUES (?, ?, ?)",
        ITEMS,
    )
    return engine


async def ids_of(engine: AsyncEngine, query: RowQuery) -> list[int]:
    pager = Pager(ITEMS_INFO, NATIVE, query)
    async with engine.connect() as conn:
        page = await pager.fetch(conn, limit=100)
        count = await pager.count(conn)
    ids = [row[0] for row in page.rows]
    assert count == RowCount(len(ids), exact=True)
    return ids


@pytest.mark.parametrize(
    ("column", "op", "value", "expected"),
    [
        ("qty", FilterOp.EQ, 5, [1, 6]),
        ("qty", FilterOp.NE, 5, [2, 3, 4, 5, 7, 8, 9, 10]),
        ("name", FilterOp.NE, "apple", [2, 3, 4, 5, 6, 7, 8, 9, 10]),
        ("qty", FilterOp.LT, 5, [4, 7, 8, 9]),
        ("qty", FilterOp.LE, 5, [1, 4, 6, 7, 8, 9]),
        ("qty", FilterOp.GT, 5, [2, 5, 10]),
        ("qty", FilterOp.GE, 5, [1, 2, 5, 6, 10]),
        ("name", FilterOp.CONTAINS, "50%", [3]),
        ("name", FilterOp.CONTAINS, "_", [4]),
        ("name", FilterOp.CONTAINS, "/", [9]),
        ("name", FilterOp.CONTAINS, "%", [3, 10]),
        ("name", FilterOp.CONTAINS, "an", [2]),
        ("qty", FilterOp.CONTAINS, "1", [2, 8, 10]),
        ("name", FilterOp.STARTS_WITH, "under_", [4]),
        ("name", FilterOp.STARTS_WITH, "un", [4, 7]),
        ("name", FilterOp.STARTS_WITH, "pa%", [10]),
        ("name", FilterOp.IS_NULL, None, [5]),
        ("qty", FilterOp.IS_NULL, None, [3]),
        ("qty", FilterOp.NOT_NULL, None, [1, 2, 4, 5, 6, 7, 8, 9, 10]),
        ("name", FilterOp.EQ, INJECTION, [8]),
        ("name", FilterOp.CONTAINS, "DROP TABLE", [8]),
    ],
)
async def test_filter_ops(
    items: AsyncEngine, column: str, op: FilterOp, value: Any, expected: list[int]
) -> None:
    query = RowQuery(filters=(FilterSpec(column, op, value),))
    assert await ids_of(items, query) == expected


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("score", [4, 7]),
        ("SCORE", [4, 7]),  # SQLite LIKE ignores ASCII case
        ("%", [3, 10]),
        ("_", [4]),
        ("5", [3, 6]),  # qty is not text: not searched
        ("10", []),
        (INJECTION, [8]),
    ],
)
async def test_quick_search(items: AsyncEngine, search: str, expected: list[int]) -> None:
    assert await ids_of(items, RowQuery(search=search)) == expected


async def test_filters_combine_with_search_sort_and_keyset(items: AsyncEngine) -> None:
    query = RowQuery(
        sort=(SortSpec("qty", True),),
        filters=(FilterSpec("qty", FilterOp.NE, 10), FilterSpec("name", FilterOp.NOT_NULL)),
        search="p",
    )
    # 8 matches through the P of DROP: SQLite's LIKE ignores ASCII case
    assert await ids_of(items, query) == [10, 1, 6, 9, 8]
    pager = Pager(ITEMS_INFO, NATIVE, query)
    async with items.connect() as conn:
        first = await pager.fetch(conn, limit=2)
        rest = await pager.fetch(conn, after=first.cursors[-1], limit=10)
    assert [r[0] for r in first.rows + rest.rows] == [10, 1, 6, 9, 8]


async def test_values_are_bound_not_interpolated(items: AsyncEngine, sqlite_path: Path) -> None:
    for query in (
        RowQuery(filters=(FilterSpec("name", FilterOp.EQ, INJECTION),)),
        RowQuery(filters=(FilterSpec("name", FilterOp.STARTS_WITH, INJECTION),)),
        RowQuery(search=INJECTION),
    ):
        pager = Pager(ITEMS_INFO, NATIVE, query)
        stmt, _ = pager.statement(limit=10)
        assert "DROP" not in str(stmt.compile(items.sync_engine))
        assert await ids_of(items, query) == [8]
    with sqlite3.connect(sqlite_path) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (10,)
    conn.close()


@pytest.mark.parametrize(
    ("query", "cap", "expected"),
    [
        (RowQuery(), None, RowCount(10, exact=True)),
        (RowQuery(), 100, RowCount(10, exact=True)),
        (RowQuery(), 10, RowCount(10, exact=True)),
        (RowQuery(), 9, RowCount(9, at_least=True)),
        (RowQuery(), 3, RowCount(3, at_least=True)),
        (RowQuery(search="score"), 1, RowCount(1, at_least=True)),
        (RowQuery(search="score"), 2, RowCount(2, exact=True)),
        (RowQuery(filters=(FilterSpec("qty", FilterOp.IS_NULL),)), None, RowCount(1, exact=True)),
        (RowQuery(filters=(FilterSpec("qty", FilterOp.GT, 100),)), 5, RowCount(0, exact=True)),
    ],
)
async def test_count_exact_and_capped(
    items: AsyncEngine, query: RowQuery, cap: int | None, expected: RowCount
) -> None:
    async with items.connect() as conn:
        assert await Pager(ITEMS_INFO, NATIVE, query).count(conn, cap=cap) == expected


async def test_key_bounds(items: AsyncEngine) -> None:
    async with items.connect() as conn:
        assert await Pager(ITEMS_INFO, NATIVE).key_bounds(conn) == (1, 10)
        filtered = RowQuery(filters=(FilterSpec("qty", FilterOp.LT, 5),))
        assert await Pager(ITEMS_INFO, NATIVE, filtered).key_bounds(conn) == (4, 9)
        sorted_query = RowQuery(sort=(SortSpec("qty"),))
        assert await Pager(ITEMS_INFO, NATIVE, sorted_query).key_bounds(conn) is None


def test_invalid_queries_are_refused() -> None:
    with pytest.raises(InvalidQueryError):
        Pager(ITEMS_INFO, NATIVE, RowQuery(sort=(SortSpec("nope"),)))
    with pytest.raises(InvalidQueryError):
        Pager(ITEMS_INFO, NATIVE, RowQuery(filters=(FilterSpec("nope", FilterOp.IS_NULL),)))
    with pytest.raises(InvalidQueryError):
        Pager(ITEMS_INFO, NATIVE, RowQuery(filters=(FilterSpec("qty", FilterOp.EQ),)))
    bad_rowid = table_info("items", ITEM_COLUMNS, KeyKind.ROWID, ("rowid; DROP TABLE items",))
    with pytest.raises(InvalidQueryError):
        Pager(bad_rowid, NATIVE)
    with pytest.raises(InvalidQueryError):
        Pager(ITEMS_INFO, NATIVE).statement(after=(1, 2), limit=1)


# -- odd identifiers ------------------------------------------------------------------------
ODD_COLUMNS = ["order", "a b", '"q"', "名前"]
ODD_ROWS = [
    (3, "x", "k1", "あ"),
    (None, "y", "k2", "い"),
    (1, None, "k3", "あい"),
    (3, "x", "k4", None),
    (2, "z", "k5", "う"),
    (None, "x", "k6", "あ"),
    (1, "y", "k7", "え"),
]


@pytest.mark.parametrize("table", ["select", 'my "quoted" table', "日本 テーブル"])
@pytest.mark.parametrize("keyed_by", ["rowid", '"q"'])
async def test_odd_identifiers(
    engine: AsyncEngine, sqlite_path: Path, table: str, keyed_by: str
) -> None:
    pk = " PRIMARY KEY NOT NULL" if keyed_by != "rowid" else ""
    write(
        sqlite_path,
        f'CREATE TABLE {q(table)} ("order" INTEGER, "a b" TEXT, """q""" TEXT{pk}, 名前 TEXT)',
        f"INSERT INTO {q(table)} VALUES (?, ?, ?, ?)",
        ODD_ROWS,
    )
    columns = [
        col("order", "INTEGER"),
        col("a b", "TEXT"),
        col('"q"', "TEXT", nullable=keyed_by == "rowid", pk=int(keyed_by != "rowid")),
        col("名前", "TEXT"),
    ]
    kind = KeyKind.ROWID if keyed_by == "rowid" else KeyKind.PRIMARY_KEY
    info = table_info(table, columns, kind, (keyed_by,))
    sorts = [
        (),
        (SortSpec("order", True),),
        (SortSpec("a b"), SortSpec("名前", True)),
        (SortSpec('"q"', True),),
    ]
    async with engine.connect() as conn:
        for sort in sorts:
            rows, cursors = reference(sqlite_path, table, ODD_COLUMNS, sort, (keyed_by,))
            pager = Pager(info, NATIVE, RowQuery(sort=sort))
            await assert_pages_match(pager, conn, 2, rows, cursors)

        query = RowQuery(
            sort=(SortSpec("order"),),
            filters=(
                FilterSpec("名前", FilterOp.CONTAINS, "あ"),
                FilterSpec("a b", FilterOp.NE, "y"),
            ),
        )
        rows, cursors = reference(
            sqlite_path,
            table,
            ODD_COLUMNS,
            query.sort,
            (keyed_by,),
            "WHERE 名前 LIKE '%あ%' AND \"a b\" IS NOT 'y'",
        )
        assert [r[2] for r in rows] == ["k6", "k3", "k1"]
        await assert_pages_match(Pager(info, NATIVE, query), conn, 1, rows, cursors)

        search = Pager(info, NATIVE, RowQuery(search="k"))
        assert len(await search.fetch(conn, limit=100)) == len(ODD_ROWS)
        quoted = Pager(info, NATIVE, RowQuery(filters=(FilterSpec('"q"', FilterOp.EQ, "k4"),)))
        assert (await quoted.fetch(conn, limit=10)).rows == ((3, "x", "k4", None),)
        assert await quoted.count(conn) == RowCount(1, exact=True)


async def test_a_column_named_rowid_does_not_hide_the_rowid(
    engine: AsyncEngine, sqlite_path: Path
) -> None:
    """A user column called ``rowid`` shadows the name; paging must still use the real one."""
    write(
        sqlite_path,
        "CREATE TABLE shadow (rowid INTEGER, label TEXT)",
        "INSERT INTO shadow VALUES (?, ?)",
        [(7, "a"), (7, "b"), (None, "c"), (7, "d"), (1, "e")],
    )
    info = table_info(
        "shadow", [col("rowid", "INTEGER"), col("label", "TEXT")], KeyKind.ROWID, ("rowid",)
    )
    for sort in [(), (SortSpec("rowid"),), (SortSpec("rowid", True),)]:
        rows, cursors = reference(sqlite_path, "shadow", ["rowid", "label"], sort, ("_rowid_",))
        # the cursor ends with the real rowid, whatever the pager calls it
        pager = Pager(info, NATIVE, RowQuery(sort=sort))
        async with engine.connect() as conn:
            for size in (1, 2):
                got, got_cursors = await page_forward(pager, conn, size, len(rows))
                assert got == rows
                assert [c[-1] for c in got_cursors] == [c[-1] for c in cursors]
                got, _ = await page_backward(pager, conn, size, len(rows))
                assert got == rows


# -- PostgreSQL and MariaDB ---------------------------------------------------------------
SERVER_ROWS = [
    (1, 3, "b"),
    (2, None, "a"),
    (3, 1, None),
    (4, 3, "A"),
    (5, None, None),
    (6, 2, "b"),
    (7, 1, "c"),
    (8, 3, "a"),
    (9, None, "b"),
    (10, 2, "50% off"),
    (11, 0, "under_score"),
    (12, 1, "underXscore"),
]
SERVER_COLUMNS = [
    col("id", "INTEGER", nullable=False, pk=1),
    col("a", "INTEGER"),
    col("b", "VARCHAR(20)"),
]
SERVER_SORTS = [
    (),
    (SortSpec("a"),),
    (SortSpec("a", True),),
    (SortSpec("b"), SortSpec("a", True)),
    (SortSpec("b", True), SortSpec("a")),
    (SortSpec("id", True),),
]


@dataclass(frozen=True)
class Server:
    url: str
    strategy: DialectStrategy
    quote: str  # identifier quote character

    def ident(self, name: str) -> str:
        return self.quote + name.replace(self.quote, self.quote * 2) + self.quote

    def order(self, sort: Sequence[SortSpec]) -> str:
        """The canonical order, written without relying on the engine's NULL placement."""
        parts = []
        for s in sort:
            c = self.ident(s.column)
            if s.descending:
                parts.append(f"CASE WHEN {c} IS NULL THEN 1 ELSE 0 END, {c} DESC")
            else:
                parts.append(f"CASE WHEN {c} IS NULL THEN 0 ELSE 1 END, {c} ASC")
        return ", ".join([*parts, "id"])


@pytest.fixture(
    params=[
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ]
)
def server(request: pytest.FixtureRequest) -> Server:
    if request.param == "postgresql":
        return Server(request.getfixturevalue("postgres_url"), EXPLICIT, '"')
    return Server(request.getfixturevalue("mariadb_url"), NATIVE, "`")


@pytest.fixture
async def server_table(server: Server) -> AsyncIterator[tuple[AsyncEngine, str]]:
    """A uniquely named table on the server, dropped afterwards: (engine, name)."""
    name = f"paging_{uuid.uuid4().hex[:10]}"
    sync_engine, async_engine = create_engines(server.url)
    t = server.ident(name)
    with sync_engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {t} (id INTEGER PRIMARY KEY, a INTEGER, b VARCHAR(20))"))
        conn.execute(
            text(f"INSERT INTO {t} (id, a, b) VALUES (:id, :a, :b)"),
            [{"id": i, "a": a, "b": b} for i, a, b in SERVER_ROWS],
        )
    try:
        yield async_engine, name
    finally:
        await async_engine.dispose()
        with sync_engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {t}"))
        sync_engine.dispose()


async def test_server_paging_matches_plain_order_by(
    server: Server, server_table: tuple[AsyncEngine, str]
) -> None:
    engine, name = server_table
    info = table_info(name, SERVER_COLUMNS, KeyKind.PRIMARY_KEY, ("id",))
    async with engine.connect() as conn:
        for sort in SERVER_SORTS:
            sql = f"SELECT id, a, b FROM {server.ident(name)} ORDER BY {server.order(sort)}"
            rows = [tuple(r) for r in (await conn.execute(text(sql))).all()]
            await conn.rollback()
            assert len(rows) == len(SERVER_ROWS)
            pager = Pager(info, server.strategy, RowQuery(sort=sort))
            for size in (1, 4, 5, 12, 13):
                forward, _ = await page_forward(pager, conn, size, len(rows))
                assert forward == rows, (sort, size)
                backward, _ = await page_backward(pager, conn, size, len(rows))
                assert backward == rows, (sort, size)
            _, cursors = await page_forward(pager, conn, 100, len(rows))
            for p in range(len(rows)):
                page = await pager.fetch(conn, at_or_after=cursors[p], offset=2, limit=3)
                assert list(page.rows) == rows[p + 2 : p + 5]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (FilterSpec("a", FilterOp.NE, 3), [2, 3, 5, 6, 7, 9, 10, 11, 12]),
        (FilterSpec("a", FilterOp.LE, 1), [3, 7, 11, 12]),
        (FilterSpec("b", FilterOp.CONTAINS, "0%"), [10]),
        (FilterSpec("b", FilterOp.CONTAINS, "_"), [11]),
        (FilterSpec("b", FilterOp.STARTS_WITH, "under_"), [11]),
        (FilterSpec("b", FilterOp.IS_NULL), [3, 5]),
        (FilterSpec("b", FilterOp.EQ, INJECTION), []),
    ],
)
async def test_server_filters(
    server: Server,
    server_table: tuple[AsyncEngine, str],
    spec: FilterSpec,
    expected: list[int],
) -> None:
    engine, name = server_table
    info = table_info(name, SERVER_COLUMNS, KeyKind.PRIMARY_KEY, ("id",))
    pager = Pager(info, server.strategy, RowQuery(filters=(spec,)))
    async with engine.connect() as conn:
        page = await pager.fetch(conn, limit=100)
        assert [r[0] for r in page.rows] == expected
        assert await pager.count(conn) == RowCount(len(expected), exact=True)
        assert await pager.count(conn, cap=1) == RowCount(
            min(len(expected), 1), exact=len(expected) <= 1, at_least=len(expected) > 1
        )


@pytest.mark.postgres
async def test_postgresql_order_states_null_placement(postgres_url: str) -> None:
    """PostgreSQL puts NULLs last ascending; the pager must ask for the canonical order."""
    _, async_engine = create_engines(postgres_url)
    try:
        info = table_info("t", SERVER_COLUMNS, KeyKind.PRIMARY_KEY, ("id",))
        pager = Pager(info, EXPLICIT, RowQuery(sort=(SortSpec("a"), SortSpec("b", True))))

        def order_by(**kwargs: Any) -> str:
            stmt, _ = pager.statement(limit=10, **kwargs)
            sql = str(stmt.compile(dialect=async_engine.dialect))
            return sql.rpartition("ORDER BY")[2]

        forward = order_by()
        assert "t.a ASC NULLS FIRST, t.b DESC NULLS LAST, t.id ASC" in forward
        backward = order_by(from_end=True)
        assert "t.a DESC NULLS LAST, t.b ASC NULLS FIRST, t.id DESC" in backward
        # the key is NOT NULL: no clause, so its index can serve the order
        assert "t.id ASC NULLS" not in forward
        native = Pager(info, NATIVE, RowQuery(sort=(SortSpec("a"),)))
        stmt, _ = native.statement(limit=10)
        assert "NULLS" not in str(stmt.compile(dialect=async_engine.dialect))
    finally:
        await async_engine.dispose()
