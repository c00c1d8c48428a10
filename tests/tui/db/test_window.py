"""Positions → rows of :mod:`tui.db.window` against real SQLite files.

Whatever way a page is fetched (keyset from a neighbour, from the end, by a dense key, from
an anchor, by OFFSET), ``row_at(i)`` must be the i-th row of one plain ``ORDER BY`` query
written here by hand and run with :mod:`sqlite3`.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import QueuePool

import tui.db.window
from app.database import create_engines
from tests.tui.db.runner import connector
from tui.db.dialects.base import DialectStrategy
from tui.db.model import ColumnInfo, KeyKind, TableInfo, TableKind, TableRef
from tui.db.paging import Cursor, FilterOp, FilterSpec, Pager, RowQuery, SortSpec
from tui.db.window import FetchMethod, RowWindow

Row = tuple[Any, ...]
STRATEGY = DialectStrategy()  # SQLite: NULLs first ascending
ROWS = 5_003  # not a whole number of pages
PAGE = 50
LAST_PAGE = (ROWS - 1) // PAGE
COLUMNS = (
    ColumnInfo("id", "INTEGER", nullable=False, primary_key=1),
    ColumnInfo("grp", "TEXT"),
    ColumnInfo("val", "INTEGER"),
)
GRP_DESC = RowQuery(sort=(SortSpec("grp", descending=True),))


def info(name: str, key_kind: KeyKind = KeyKind.ROWID) -> TableInfo:
    keyless = key_kind is KeyKind.NONE
    return TableInfo(
        ref=TableRef(name),
        kind=TableKind.VIEW if keyless else TableKind.TABLE,
        columns=COLUMNS,
        key_columns=() if keyless else ("rowid",),
        key_kind=key_kind,
    )


def reference(path: Path, sql: str) -> tuple[list[Row], list[Cursor]]:
    """Rows (id, grp, val) and the cursor columns that follow them, as sqlite3 returns them."""
    with sqlite3.connect(path) as conn:
        raw = conn.execute(sql).fetchall()
    conn.close()
    return [tuple(r[:3]) for r in raw], [tuple(r[3:]) for r in raw]


PLAIN_SQL = "SELECT id, grp, val, rowid FROM big ORDER BY rowid"
GRP_DESC_SQL = "SELECT id, grp, val, grp, rowid FROM big ORDER BY grp DESC NULLS LAST, rowid"


@pytest.fixture
async def engine(sqlite_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on a file holding ``big``: ids 1..ROWS, duplicates and NULLs in grp."""
    with sqlite3.connect(sqlite_path) as conn:
        conn.execute("CREATE TABLE big (id INTEGER PRIMARY KEY, grp TEXT, val INTEGER)")
        conn.executemany(
            "INSERT INTO big VALUES (?, ?, ?)",
            (
                (i, None if i % 11 == 0 else f"g{i % 17:02d}", i * 7 % 101)
                for i in range(1, ROWS + 1)
            ),
        )
        conn.execute("CREATE VIEW bigv AS SELECT id, grp, val FROM big")
    conn.close()
    sync_engine, async_engine = create_engines(f"sqlite:///{sqlite_path}", sqlite_wal=False)
    yield async_engine
    await async_engine.dispose()
    sync_engine.dispose()


def execute(path: Path, statement: str, params: Sequence[Any] = ()) -> None:
    with sqlite3.connect(path) as raw:
        raw.execute(statement, tuple(params))
    raw.close()


def punch_gaps(path: Path) -> int:
    """Delete every 7th row and a run of 500: the key is no longer the position."""
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM big WHERE id % 7 = 0 OR id BETWEEN 1000 AND 1499")
        (total,) = conn.execute("SELECT count(*) FROM big").fetchone()
    conn.close()
    return int(total)


async def load_and_check(
    window: RowWindow,
    conn: AsyncConnection,
    number: int,
    method: FetchMethod,
    rows: Sequence[Row],
    cursors: Sequence[Cursor],
) -> None:
    loaded = await window.load(conn, number)
    assert loaded.method is method
    assert window.last_method is method
    start = number * window.page_size
    assert list(loaded.page.rows) == rows[start : start + window.page_size]
    assert list(loaded.page.cursors) == cursors[start : start + window.page_size]
    for position in range(start, min(start + window.page_size, len(rows))):
        assert window.row_at(position) == rows[position]
        assert window.cursor_at(position) == cursors[position]


# -- each way of fetching a page ---------------------------------------------------------
async def test_keyset_next_and_previous(engine: AsyncEngine, sqlite_path: Path) -> None:
    rows, cursors = reference(sqlite_path, PLAIN_SQL)
    window = RowWindow(Pager(info("big"), STRATEGY), ROWS, page_size=PAGE)
    async with engine.connect() as conn:
        await load_and_check(window, conn, 0, FetchMethod.KEYSET, rows, cursors)
        await load_and_check(window, conn, 1, FetchMethod.KEYSET, rows, cursors)
        await load_and_check(window, conn, 2, FetchMethod.KEYSET, rows, cursors)
        # far from any fresh page: from the nearest one's first row, closer than the start
        await load_and_check(window, conn, 40, FetchMethod.ANCHOR, rows, cursors)
        await load_and_check(window, conn, 39, FetchMethod.KEYSET, rows, cursors)
        await load_and_check(window, conn, 38, FetchMethod.KEYSET, rows, cursors)
        await load_and_check(window, conn, 41, FetchMethod.KEYSET, rows, cursors)


async def test_from_end(engine: AsyncEngine, sqlite_path: Path) -> None:
    rows, cursors = reference(sqlite_path, PLAIN_SQL)
    window = RowWindow(Pager(info("big"), STRATEGY), ROWS, page_size=PAGE)
    async with engine.connect() as conn:
        await load_and_check(window, conn, LAST_PAGE, FetchMethod.FROM_END, rows, cursors)
        assert window.row_at(ROWS - 1) == rows[-1]
        assert window.row_at(ROWS) is None  # past the partial last page
        await load_and_check(window, conn, LAST_PAGE - 1, FetchMethod.KEYSET, rows, cursors)
        # a page within NEAR_END_ROWS of the end but away from any cached one
        near = (ROWS - tui.db.window.NEAR_END_ROWS) // PAGE + 1
        await load_and_check(window, conn, near, FetchMethod.FROM_END, rows, cursors)
        await load_and_check(window, conn, near + 3, FetchMethod.FROM_END, rows, cursors)


async def test_from_end_of_a_sorted_query(engine: AsyncEngine, sqlite_path: Path) -> None:
    rows, cursors = reference(sqlite_path, GRP_DESC_SQL)
    window = RowWindow(Pager(info("big"), STRATEGY, GRP_DESC), ROWS, page_size=PAGE)
    async with engine.connect() as conn:
        for number in (LAST_PAGE, LAST_PAGE - 2, LAST_PAGE - 7, LAST_PAGE - 30):
            await load_and_check(window, conn, number, FetchMethod.FROM_END, rows, cursors)
        assert rows[-1][1] is None  # NULLs last when descending


async def test_a_page_past_the_end_is_empty(engine: AsyncEngine, sqlite_path: Path) -> None:
    """Asking beyond ``total`` must not return the last rows under a wrong position."""
    window = RowWindow(Pager(info("big"), STRATEGY), ROWS, page_size=PAGE)
    async with engine.connect() as conn:
        loaded = await window.load(conn, LAST_PAGE + 3)
    assert loaded.page.rows == ()
    assert window.row_at((LAST_PAGE + 3) * PAGE) is None


async def test_dense_key(engine: AsyncEngine, sqlite_path: Path) -> None:
    rows, cursors = reference(sqlite_path, PLAIN_SQL)
    window = RowWindow(Pager(info("big"), STRATEGY), ROWS, page_size=PAGE)
    async with engine.connect() as conn:
        assert await window.detect_dense_key(conn)
        assert window.dense_start == 1
        for number in (37, 5, 59, 1, 20):
            await load_and_check(window, conn, number, FetchMethod.DENSE_KEY, rows, cursors)


async def test_dense_key_not_starting_at_one(engine: AsyncEngine, sqlite_path: Path) -> None:
    execute(sqlite_path, "DELETE FROM big WHERE id <= 1000")
    rows, cursors = reference(sqlite_path, PLAIN_SQL)
    total = len(rows)
    window = RowWindow(Pager(info("big"), STRATEGY), total, page_size=PAGE)
    async with engine.connect() as conn:
        assert await window.detect_dense_key(conn)
        assert window.dense_start == 1001
        for number in (3, 30, 17):
            await load_and_check(window, conn, number, FetchMethod.DENSE_KEY, rows, cursors)


async def test_dense_key_detection_refuses(engine: AsyncEngine, sqlite_path: Path) -> None:
    async with engine.connect() as conn:
        # a stale total does not fool it: it counts in the same statement, and keeps the count
        stale = RowWindow(Pager(info("big"), STRATEGY), ROWS - 1)
        assert await stale.detect_dense_key(conn)
        assert stale.total == ROWS
        assert stale.total_exact
        sorted_window = RowWindow(Pager(info("big"), STRATEGY, GRP_DESC), ROWS)
        assert not await sorted_window.detect_dense_key(conn)
        filtered = RowQuery(filters=(FilterSpec("val", FilterOp.NOT_NULL),))
        filtered_window = RowWindow(Pager(info("big"), STRATEGY, filtered), ROWS)
        assert not await filtered_window.detect_dense_key(conn)
        assert filtered_window.dense_start is None
        view_window = RowWindow(Pager(info("bigv", KeyKind.NONE), STRATEGY), ROWS)
        assert not await view_window.detect_dense_key(conn)

    execute(sqlite_path, "DELETE FROM big WHERE id = ?", (ROWS // 2,))
    window = RowWindow(Pager(info("big"), STRATEGY), ROWS - 1)
    async with engine.connect() as conn:
        assert not await window.detect_dense_key(conn)
        assert window.dense_start is None


async def test_text_key_is_never_dense(engine: AsyncEngine, sqlite_path: Path) -> None:
    execute(sqlite_path, "CREATE TABLE codes (code TEXT PRIMARY KEY NOT NULL, n INTEGER)")
    execute(sqlite_path, "INSERT INTO codes VALUES ('1', 1), ('2', 2), ('3', 3)")
    codes = TableInfo(
        ref=TableRef("codes"),
        kind=TableKind.TABLE,
        columns=(
            ColumnInfo("code", "TEXT", nullable=False, primary_key=1),
            ColumnInfo("n", "INTEGER"),
        ),
        key_columns=("code",),
        key_kind=KeyKind.PRIMARY_KEY,
    )
    window = RowWindow(Pager(codes, STRATEGY), 3)
    async with engine.connect() as conn:
        assert not await window.detect_dense_key(conn)


@pytest.mark.parametrize(
    ("query", "sql"), [(RowQuery(), PLAIN_SQL), (GRP_DESC, GRP_DESC_SQL)], ids=["plain", "sorted"]
)
async def test_anchors(engine: AsyncEngine, sqlite_path: Path, query: RowQuery, sql: str) -> None:
    total = punch_gaps(sqlite_path)
    rows, cursors = reference(sqlite_path, sql)
    assert len(rows) == total
    window = RowWindow(Pager(info("big"), STRATEGY, query), total, page_size=PAGE)
    async with engine.connect() as conn:
        assert not await window.detect_dense_key(conn)

    reports: list[tuple[int, int]] = []
    await window.build_anchors(
        connector(engine), target_anchors=20, progress=lambda d, t: reports.append((d, t))
    )
    pool = engine.sync_engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.checkedout() == 0  # nothing held open afterwards
    step = window.anchor_step
    assert step % PAGE == 0
    assert step >= total / 20
    assert window.anchors == cursors[::step]
    assert reports
    done = [d for d, _ in reports]
    assert done == sorted(done)
    assert all(t == total and d <= total for d, t in reports)

    near_end = total - tui.db.window.NEAR_END_ROWS
    far_pages = [n for n in range(1, total // PAGE) if n * PAGE < near_end]
    async with engine.connect() as conn:
        for number in random.Random(7).sample(far_pages, 12):
            await load_and_check(window, conn, number, FetchMethod.ANCHOR, rows, cursors)
            window.clear()  # no neighbour: every load must jump


async def test_no_anchors_for_small_or_keyless(engine: AsyncEngine) -> None:
    small = RowWindow(Pager(info("big"), STRATEGY), PAGE, page_size=PAGE)
    await small.build_anchors(connector(engine))
    assert small.anchors == []
    view = RowWindow(Pager(info("bigv", KeyKind.NONE), STRATEGY), ROWS, page_size=PAGE)
    await view.build_anchors(connector(engine))
    assert view.anchors == []
    assert view.anchor_step == 0


async def test_view_pages_by_offset(engine: AsyncEngine, sqlite_path: Path) -> None:
    by_grp = RowQuery(sort=(SortSpec("grp", descending=True), SortSpec("id")))
    rows, cursors = reference(
        sqlite_path, "SELECT id, grp, val, grp, id FROM bigv ORDER BY grp DESC NULLS LAST, id"
    )
    window = RowWindow(Pager(info("bigv", KeyKind.NONE), STRATEGY, by_grp), ROWS, page_size=PAGE)
    async with engine.connect() as conn:
        await load_and_check(window, conn, 0, FetchMethod.KEYSET, rows, cursors)
        for number in (1, 64, 99, LAST_PAGE, 3):
            await load_and_check(window, conn, number, FetchMethod.OFFSET, rows, cursors)


# -- the cache -------------------------------------------------------------------------------
async def test_lru_bound(engine: AsyncEngine, sqlite_path: Path) -> None:
    rows, _ = reference(sqlite_path, PLAIN_SQL)
    window = RowWindow(Pager(info("big"), STRATEGY), ROWS, page_size=PAGE, max_pages=4)
    async with engine.connect() as conn:
        for number in range(10):
            await window.load(conn, number)
            assert window.cached_pages == min(number + 1, 4)
        assert [window.has_page(n) for n in range(10)] == [False] * 6 + [True] * 4
        assert window.row_at(0) is None
        assert window.row_at(6 * PAGE) == rows[6 * PAGE]
        window.touch(6)  # now the most recent: 7 is the oldest
        await window.load(conn, 20)
        assert window.has_page(6)
        assert not window.has_page(7)
        assert window.cached_pages == 4
        assert window.missing(6 * PAGE, 9 * PAGE + 5) == [7]
        assert window.missing(ROWS - 1, ROWS + 500) == [LAST_PAGE]
        assert window.missing(ROWS, ROWS + 500) == []
    window.clear()
    assert window.cached_pages == 0


async def test_position_of(engine: AsyncEngine, sqlite_path: Path) -> None:
    _, cursors = reference(sqlite_path, GRP_DESC_SQL)
    window = RowWindow(Pager(info("big"), STRATEGY, GRP_DESC), ROWS, page_size=PAGE)
    async with engine.connect() as conn:
        await window.load(conn, 0)
        await window.load(conn, LAST_PAGE)
    for position in (0, 17, PAGE - 1, ROWS - 1, LAST_PAGE * PAGE):
        assert window.position_of(cursors[position]) == position
    assert window.position_of(cursors[PAGE]) is None  # page 1 is not cached
    assert window.position_of(("nope", -1)) is None


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    ("setup", "methods"),
    [
        ("dense", {FetchMethod.DENSE_KEY, FetchMethod.KEYSET, FetchMethod.FROM_END}),
        ("anchors", {FetchMethod.ANCHOR, FetchMethod.KEYSET, FetchMethod.FROM_END}),
        ("sorted anchors", {FetchMethod.ANCHOR, FetchMethod.KEYSET, FetchMethod.FROM_END}),
        (
            "offset",
            {FetchMethod.OFFSET, FetchMethod.ANCHOR, FetchMethod.KEYSET, FetchMethod.FROM_END},
        ),
        ("view", {FetchMethod.OFFSET, FetchMethod.KEYSET}),
    ],
)
async def test_row_at_random_positions(
    engine: AsyncEngine, sqlite_path: Path, setup: str, methods: set[FetchMethod], seed: int
) -> None:
    """Jump around like a user scrolling and dragging the scrollbar; every row must be right."""
    if setup in ("anchors", "sorted anchors"):
        punch_gaps(sqlite_path)
    query = GRP_DESC if setup == "sorted anchors" else RowQuery()
    if setup == "view":
        query = RowQuery(sort=(SortSpec("id"),))
    sql = GRP_DESC_SQL if setup == "sorted anchors" else PLAIN_SQL
    rows, _ = reference(sqlite_path, sql)
    total = len(rows)
    relation = info("bigv", KeyKind.NONE) if setup == "view" else info("big")
    window = RowWindow(Pager(relation, STRATEGY, query), total, page_size=PAGE, max_pages=6)
    if setup != "offset":  # without a dense key or anchors, jumps fall back to OFFSET
        async with engine.connect() as conn:
            assert await window.detect_dense_key(conn) == (setup == "dense")
    if setup.endswith("anchors"):
        await window.build_anchors(connector(engine), target_anchors=25)
        assert window.anchors

    rng = random.Random(seed)
    used: set[FetchMethod] = set()
    position = 0
    async with engine.connect() as conn:
        for _ in range(250):
            if rng.random() < 0.3:
                position = rng.randrange(total)  # a jump
            else:
                position = min(max(position + rng.randint(-80, 80), 0), total - 1)  # a scroll
            if window.row_at(position) is None:
                planned = window.plan(window.page_of(position))
                loaded = await window.load(conn, window.page_of(position))
                assert loaded.method is planned
                used.add(loaded.method)
            assert window.row_at(position) == rows[position]
            assert window.cached_pages <= 6
    assert used <= methods
    assert FetchMethod.KEYSET in used


@pytest.mark.parametrize(
    ("query", "sql"), [(RowQuery(), PLAIN_SQL), (GRP_DESC, GRP_DESC_SQL)], ids=["plain", "sorted"]
)
async def test_rows_before_a_cursor_is_its_position(
    engine: AsyncEngine, sqlite_path: Path, query: RowQuery, sql: str
) -> None:
    """What keeps the cursor on its row when others change: position = rows before it."""
    punch_gaps(sqlite_path)
    _rows, cursors = reference(sqlite_path, sql)
    pager = Pager(info("big"), STRATEGY, query)
    async with engine.connect() as conn:
        for position in random.Random(11).sample(range(len(cursors)), 15):
            assert await pager.rows_before(conn, cursors[position]) == position


async def test_invalidated_pages_are_served_until_reloaded(
    engine: AsyncEngine, sqlite_path: Path
) -> None:
    """A refresh after someone else's commit never blanks the screen."""
    window = RowWindow(Pager(info("big"), STRATEGY), ROWS, page_size=PAGE)
    async with engine.connect() as conn:
        await window.load(conn, 0)
        await window.load(conn, 1)
    old_first = window.row_at(0)
    execute(sqlite_path, "UPDATE big SET val = -1 WHERE id = 1")
    window.data_changed()
    assert window.row_at(0) == old_first  # still shown
    assert not window.is_fresh(0)  # but marked stale
    assert window.version_at(0) == 0
    assert window.missing(0, PAGE * 2 - 1) == [0, 1]  # but due for a reload
    async with engine.connect() as conn:
        await window.load(conn, 1)  # not from the stale neighbour: by dense key or offset
        await window.load(conn, 0)
    fresh = window.row_at(0)
    assert fresh is not None
    assert fresh[2] == -1
    assert window.is_fresh(0)
    assert window.version_at(0) == 1
    assert window.missing(0, PAGE * 2 - 1) == []


async def test_anchors_streamed_and_paced_on_sqlite(engine: AsyncEngine, sqlite_path: Path) -> None:
    """SQLite's strategy streams the sorted keys (no row_number) under a CPU cap: same index."""
    from tui.db.dialects import strategy_for

    total = punch_gaps(sqlite_path)
    _rows, cursors = reference(sqlite_path, GRP_DESC_SQL)
    strategy = strategy_for("sqlite")
    assert not strategy.anchors_by_row_number
    window = RowWindow(Pager(info("big"), strategy, GRP_DESC), total, page_size=PAGE)
    reports: list[tuple[int, int]] = []
    await window.build_anchors(
        connector(engine),
        target_anchors=20,
        progress=lambda d, t: reports.append((d, t)),
        cpu_share=0.5,
    )
    assert window.anchors == cursors[:: window.anchor_step]
    assert window.anchors_current
    assert reports[-1] == (total, total)
    async with engine.connect() as conn:  # the pacing handler is gone from the connection
        raw = await conn.get_raw_connection()
        assert raw.driver_connection is not None
    pool = engine.sync_engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.checkedout() == 0
