"""Positions stay true while other connections write (:mod:`tui.db.window` data versions).

A second connection inserts, deletes, appends and moves rows before, inside and after the
cached range, interleaved with the window's loads, counts, anchor builds and relocations.
After each write the test does what the app's monitor does when the change token moves
(``data_changed``) and keeps a snapshot of the table: ``snapshots[v]`` is a fresh
``ORDER BY`` run on the writer's connection for data version ``v``.

The property: every row the window returns for position ``p`` is exactly row ``p`` of the
snapshot of the version it claims (``version_at(p)``); rows it calls fresh are of the current
version; an exact total is the current count; a located cursor is at the count of rows
before it. On SQLite in WAL and DELETE journal modes, MariaDB and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.database import create_engines
from tests.tui.db.runner import connector
from tui.db.dialects import strategy_for
from tui.db.model import ColumnInfo, KeyKind, TableInfo, TableKind, TableRef
from tui.db.paging import Cursor, FilterOp, FilterSpec, Pager, RowQuery, SortSpec
from tui.db.window import RowWindow

T = TypeVar("T")
Row = tuple[Any, ...]
PAGE = 4
LETTERS = "abcde"


@dataclass
class Backend:
    """One database, its engines, and a loop to drive the async side from sync code."""

    name: str
    sync: Engine
    engine: AsyncEngine
    runner: asyncio.Runner
    path: Path | None = None
    writer: ProcessWriter | None = None  # writes go through another process when set

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coro)

    def write(self, sql: str, params: dict[str, Any] | None = None) -> None:
        if self.writer is not None:
            self.writer.write(sql, params or {})
            return
        with self.sync.begin() as conn:
            conn.execute(text(sql), params or {})

    def rows(self, sql: str) -> list[Row]:
        with self.sync.connect() as conn:
            found = [tuple(r) for r in conn.execute(text(sql))]
            conn.rollback()
        return found

    def desc(self, column: str) -> str:
        """Descending with NULLs last, the canonical order, in this engine's words."""
        return f"{column} DESC NULLS LAST" if self.name == "postgresql" else f"{column} DESC"

    def asc(self, column: str) -> str:
        return f"{column} ASC NULLS FIRST" if self.name == "postgresql" else f"{column} ASC"


WRITER = textwrap.dedent(
    """
    import json, sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 5000")
    for line in sys.stdin:
        sql, params = json.loads(line)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(sql, params)
        conn.execute("COMMIT")
        print("ok", flush=True)
    """
)


class ProcessWriter:
    """Another process that commits each statement it is sent, and says when it has."""

    def __init__(self, path: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def write(self, sql: str, params: dict[str, Any]) -> None:
        import json

        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps([sql, params]) + "\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == "ok"

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


@pytest.fixture(params=["sqlite-wal", "sqlite-delete", "mariadb", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    name: str = request.param
    path = None
    if name.startswith("sqlite"):
        path = tmp_path / "changes.db"
        url = f"sqlite:///{path}"
        import sqlite3

        raw = sqlite3.connect(path)
        raw.execute(f"PRAGMA journal_mode={'WAL' if name == 'sqlite-wal' else 'DELETE'}")
        raw.close()
    else:
        url = request.getfixturevalue("mariadb_url" if name == "mariadb" else "postgres_url")
    sync_engine, async_engine = create_engines(url, sqlite_wal=False)
    if path is not None:
        # The writer's commits need not reach the disk (visibility is the same): fsyncs
        # would make this test slow and say nothing more.
        @event.listens_for(sync_engine, "connect")
        def _no_sync(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA synchronous = OFF")

    runner = asyncio.Runner()
    try:
        yield Backend(name.split("-")[0], sync_engine, async_engine, runner, path)
    finally:
        runner.run(async_engine.dispose())
        runner.close()
        sync_engine.dispose()


def columns(rowid: bool) -> tuple[ColumnInfo, ...]:
    return (
        ColumnInfo("k1", "INTEGER", nullable=False, primary_key=1),
        ColumnInfo("k2", "VARCHAR(8)", nullable=False, primary_key=0 if rowid else 2),
        ColumnInfo("g", "VARCHAR(8)"),
        ColumnInfo("v", "INTEGER"),
    )


@dataclass(frozen=True)
class Shape:
    """How the relation is keyed and what the user asked of it, with the reference SQL."""

    name: str
    query: RowQuery

    def info(self, backend: Backend) -> TableInfo:
        rowid = self.name == "rowid"
        if self.name == "keyless":
            return TableInfo(
                ref=TableRef("tv"),
                kind=TableKind.VIEW,
                columns=columns(False),
                key_columns=(),
                key_kind=KeyKind.NONE,
            )
        return TableInfo(
            ref=TableRef("t"),
            kind=TableKind.TABLE,
            columns=columns(rowid),
            key_columns=("rowid",) if rowid else ("k1", "k2"),
            key_kind=KeyKind.ROWID if rowid else KeyKind.PRIMARY_KEY,
        )

    def reference_sql(self, backend: Backend) -> tuple[str, int]:
        """SELECT of the displayed columns and the cursor columns; the cursor's width."""
        relation = "tv" if self.name == "keyless" else "t"
        order: list[str] = []
        cursor: list[str] = []
        for spec in self.query.sort:
            order.append(backend.desc(spec.column) if spec.descending else backend.asc(spec.column))
            cursor.append(spec.column)
        sorted_names = {s.column for s in self.query.sort}
        if self.name == "rowid":
            keys = ["k1"]
        elif self.name == "keyless":
            keys = []
        else:
            keys = ["k1", "k2"]
        for key in keys:
            if key not in sorted_names:
                order.append(key)
                cursor.append(key)
        where = " WHERE v >= 3" if self.query.filters else ""
        select = ", ".join(["k1", "k2", "g", "v", *cursor])
        return f"SELECT {select} FROM {relation}{where} ORDER BY {', '.join(order)}", len(cursor)


SHAPES = {
    "composite": Shape("composite", RowQuery()),
    "sorted": Shape("sorted", RowQuery(sort=(SortSpec("g", descending=True),))),
    "filtered": Shape(
        "filtered",
        RowQuery(sort=(SortSpec("g"),), filters=(FilterSpec("v", FilterOp.GE, 3),)),
    ),
    "keyless": Shape("keyless", RowQuery(sort=(SortSpec("k1"), SortSpec("k2")))),
    "rowid": Shape("rowid", RowQuery()),
}


def create_table(backend: Backend, shape: Shape, keys: list[tuple[int, str]]) -> None:
    for statement in ("DROP VIEW IF EXISTS tv", "DROP TABLE IF EXISTS t"):
        backend.write(statement)
    if shape.name == "rowid":
        ddl = (
            "CREATE TABLE t (k1 INTEGER PRIMARY KEY, k2 VARCHAR(8) NOT NULL, g VARCHAR(8), "
            "v INTEGER)"
        )
    else:
        ddl = (
            "CREATE TABLE t (k1 INTEGER NOT NULL, k2 VARCHAR(8) NOT NULL, g VARCHAR(8), "
            "v INTEGER, PRIMARY KEY (k1, k2))"
        )
    backend.write(ddl)
    backend.write("CREATE VIEW tv AS SELECT k1, k2, g, v FROM t")
    for k1, k2 in keys:
        insert(backend, k1, k2)


def insert(backend: Backend, k1: int, k2: str) -> None:
    g = None if k1 % 5 == 0 else LETTERS[(k1 * 7 + len(k2)) % len(LETTERS)]
    backend.write(
        "INSERT INTO t (k1, k2, g, v) VALUES (:k1, :k2, :g, :v)",
        {"k1": k1, "k2": k2, "g": g, "v": k1 % 6},
    )


@dataclass
class Model:
    """The test's side: keys present, and a snapshot of the ordered rows for each version."""

    backend: Backend
    shape: Shape
    keys: set[tuple[int, str]]
    snapshots: dict[int, tuple[list[Row], list[Cursor]]] = field(default_factory=dict)
    at: int = 0  # the first position on the test's screen

    def snapshot(self) -> tuple[list[Row], list[Cursor]]:
        sql, width = self.shape.reference_sql(self.backend)
        raw = self.backend.rows(sql)
        return [r[:4] for r in raw], [r[4 : 4 + width] for r in raw]


def check(window: RowWindow, model: Model) -> None:
    """Every cached row is the row at its position in the version it claims."""
    rows, _ = model.snapshots[window.version]
    if window.total_exact:
        assert window.total == len(rows)
    for number in range(0, max(window.total, len(rows)) // PAGE + 12):
        for position in range(number * PAGE, (number + 1) * PAGE):
            row = window.row_at(position)
            if row is None:
                continue
            version = window.version_at(position)
            assert version is not None
            claimed, _ = model.snapshots[version]
            assert position < len(claimed), (position, version, len(claimed))
            assert row == claimed[position], (position, version)
            if window.is_fresh(position):
                assert version == window.version


Op = tuple[str, int, int]
OPS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "view",
                "scroll",
                "scroll",
                "scroll",
                "page",
                "insert",
                "delete",
                "append",
                "move",
                "count",
                "guess",
                "dense",
                "anchors",
                "locate",
                "delete_range",
            ]
        ),
        st.integers(0, 10_000),
        st.integers(0, 10_000),
    ),
    min_size=10,
    max_size=40,
)


async def apply(window: RowWindow, model: Model, op: Op, engine: AsyncEngine) -> None:
    kind, a, b = op
    rows, cursors = model.snapshots[window.version]
    keys = sorted(model.keys)
    backend = model.backend
    if kind in ("view", "scroll", "page"):
        span = max(window.total, len(rows), 1) + PAGE
        first = a % span if kind != "scroll" else max(model.at + a % (4 * PAGE) - 2 * PAGE, 0)
        model.at = first
        async with engine.connect() as conn:
            if kind == "page":
                await window.load(conn, window.page_of(first))
            else:  # what the grid does: the pages a screenful needs
                for number in window.missing(first, first + 2 * PAGE):
                    await window.load(conn, number)
        return
    if kind == "count":
        version = window.version
        async with engine.connect() as conn:
            counted = await window.pager.count(conn)
        window.set_total(counted.value, exact=True, version=version)
        return
    if kind == "guess":
        window.set_total(a % (len(rows) + 20), exact=False)
        return
    if kind == "dense":
        async with engine.connect() as conn:
            await window.detect_dense_key(conn)
        return
    if kind == "anchors":
        await window.build_anchors(connector(engine), target_anchors=4)
        return
    if kind == "locate":
        if not cursors or not window.pager.keyed:
            return
        # A cursor of the current version, or one the window has cached, possibly of an
        # old version and deleted since: its point is then checked by the loads that use it.
        cached = [c for p in range(window.total + 4 * PAGE) if (c := window.cursor_at(p))]
        choices = cursors if b % 2 or not cached else cached
        cursor = choices[a % len(choices)]
        async with engine.connect() as conn:
            position = await window.locate(conn, cursor)
        assert position is not None
        if cursor in cursors:
            assert position == cursors.index(cursor)
        return
    # -- writes by another connection, then what the monitor does -----------------------
    if kind == "insert":
        key = (a % 120, LETTERS[b % len(LETTERS)])
        if key in model.keys or (model.shape.name == "rowid" and key[0] in {k for k, _ in keys}):
            return
        insert(backend, *key)
        model.keys.add(key)
    elif kind == "append":
        top = max((k for k, _ in keys), default=0)
        for i in range(1 + b % 3):
            insert(backend, top + 1 + i, "z")
            model.keys.add((top + 1 + i, "z"))
    elif kind == "delete":
        if not keys:
            return
        k1, k2 = keys[a % len(keys)]
        backend.write("DELETE FROM t WHERE k1 = :k1 AND k2 = :k2", {"k1": k1, "k2": k2})
        model.keys.discard((k1, k2))
    elif kind == "delete_range":
        low = a % 120
        high = low + b % 12
        backend.write("DELETE FROM t WHERE k1 BETWEEN :lo AND :hi", {"lo": low, "hi": high})
        model.keys = {k for k in model.keys if not low <= k[0] <= high}
    elif kind == "move":  # a sorted or filtered row changes place
        if not keys:
            return
        k1, k2 = keys[a % len(keys)]
        g = None if b % 4 == 0 else LETTERS[b % len(LETTERS)]
        backend.write(
            "UPDATE t SET g = :g, v = :v WHERE k1 = :k1 AND k2 = :k2",
            {"g": g, "v": b % 6, "k1": k1, "k2": k2},
        )
    window.data_changed()
    model.snapshots[window.version] = model.snapshot()


# Server round trips (DDL per example, a commit per write) make examples dearer there.
EXAMPLES = {"sqlite": 80, "mariadb": 20, "postgresql": 25}


def test_rows_stay_at_their_positions_while_others_write(backend: Backend) -> None:
    @settings(
        max_examples=EXAMPLES[backend.name],
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        shape=st.sampled_from(sorted(SHAPES)),
        initial=st.sets(st.tuples(st.integers(0, 119), st.sampled_from(LETTERS)), max_size=40),
        ops=OPS,
    )
    def play_out(shape: str, initial: set[tuple[int, str]], ops: list[Op]) -> None:
        play(backend, shape, initial, ops)

    play_out()


def play(backend: Backend, shape: str, initial: set[tuple[int, str]], ops: list[Op]) -> None:
    if shape == "rowid" and backend.name != "sqlite":
        shape = "composite"  # rowid tables are SQLite's
    chosen = SHAPES[shape]
    if shape == "rowid":  # k1 is the rowid: unique on its own
        initial = set({k1: (k1, k2) for k1, k2 in sorted(initial)}.values())
    create_table(backend, chosen, sorted(initial))
    info = chosen.info(backend)
    pager = Pager(info, strategy_for(backend.engine.dialect.name), chosen.query)
    model = Model(backend, chosen, set(initial))
    model.snapshots[0] = model.snapshot()
    window = RowWindow(pager, len(model.snapshots[0][0]), page_size=PAGE, max_pages=6)

    async def scenario() -> None:
        for op in ops:
            await apply(window, model, op, backend.engine)
            check(window, model)
        # and once the dust settles, a screenful anywhere is fresh and right
        rows, _ = model.snapshots[window.version]
        async with backend.engine.connect() as conn:
            counted = await pager.count(conn)
            window.set_total(counted.value, exact=True)
            for first in range(0, len(rows), 3 * PAGE):
                for _ in range(3):  # a load may evict an older page of the same screenful
                    for number in window.missing(first, first + 2 * PAGE):
                        await window.load(conn, number)
                assert window.missing(first, first + 2 * PAGE) == []
                for position in range(first, min(first + 2 * PAGE, len(rows))):
                    assert window.is_fresh(position)
                    assert window.row_at(position) == rows[position]
        check(window, model)

    backend.run(scenario())


def test_a_writer_in_another_process(tmp_path: Path) -> None:
    """SQLite in WAL mode, written by a separate process between the window's reads."""
    import random
    import sqlite3

    path = tmp_path / "shared.db"
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.close()
    sync_engine, async_engine = create_engines(f"sqlite:///{path}", sqlite_wal=False)
    backend = Backend("sqlite", sync_engine, async_engine, asyncio.Runner(), path)
    try:
        backend.writer = ProcessWriter(path)
        rng = random.Random(8)
        kinds = ["scroll", "scroll", "view", "insert", "delete", "append", "move", "locate"]
        ops = [
            (rng.choice(kinds), rng.randrange(10_000), rng.randrange(10_000)) for _ in range(150)
        ]
        play(backend, "sorted", {(k, "a") for k in range(0, 120, 2)}, ops)
        play(backend, "composite", {(k, "b") for k in range(0, 120, 3)}, ops)
    finally:
        if backend.writer is not None:
            backend.writer.close()
        backend.run(async_engine.dispose())
        backend.runner.close()
        sync_engine.dispose()
