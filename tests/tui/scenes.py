"""Deterministic databases and apps shared by the Pilot tests, the snapshots and screenshots."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.pilot import Pilot
from textual.worker import WorkerState

from tui.app import DbBrowseApp
from tui.db.target import resolve_target

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from tui.db.filter_spec import FilterOp
    from tui.db.model import TableInfo
    from tui.db.status import PragmaStatus
    from tui.screens.browse import BrowseScreen
    from tui.widgets.row_grid import RowGrid
    from tui.widgets.status_bar import StatusBar

SIZE = (120, 36)


def make_odd_database(path: Path, rows: int = 300) -> Path:
    """Tables with awkward names and every kind of value a browser must show literally."""
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE "order items" (
            "id" INTEGER PRIMARY KEY,
            "select" TEXT,
            "a ""quoted"" col" TEXT,
            "名前" TEXT,
            amount REAL,
            payload BLOB
        );
        CREATE TABLE people (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            email TEXT,
            age INTEGER,
            note TEXT
        );
        CREATE TABLE pairs (a TEXT, b INTEGER, v TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;
        CREATE VIEW adults AS SELECT id, name, age FROM people WHERE age >= 18;
        CREATE TABLE pets (
            id INTEGER PRIMARY KEY,
            owner_id INTEGER REFERENCES people (id) ON DELETE CASCADE,
            name TEXT NOT NULL
        );
        CREATE VIRTUAL TABLE notes_fts USING fts5 (body);
        """
    )
    conn.executemany(
        'INSERT INTO "order items" ("select", "a ""quoted"" col", "名前", amount, payload) '
        "VALUES (?, ?, ?, ?, ?)",
        [
            (None, "", "テスト", float("nan"), b"\x89PNG\r\n\x1a\n"),
            ("[bold]x[/]", "tab\there", "日本", float("inf"), None),
            ("[red]markup[/]", "line1\nline2", "", 2.5, b""),
            ("\x1b[31mansi", "NULL", None, -0.0, bytes(range(16))),
        ],
    )
    conn.execute(
        'INSERT INTO "order items" (id, "select", amount) VALUES (?, ?, ?)',
        (2**63 - 1, "max int", 1e300),
    )
    conn.execute(
        'INSERT INTO "order items" (id, "select") VALUES (?, CAST(X\'61FF62\' AS TEXT))',
        (99,),
    )
    names = ["Ada", "Bohdan", "Chloé", "Dmitri", "Eun-ji", "Farah", "Gustav", "Hana"]
    conn.executemany(
        "INSERT INTO people (id, name, email, age, note) VALUES (?, ?, ?, ?, ?)",
        [
            (
                i + 1,
                f"{names[i % len(names)]} {i + 1}",
                None if i % 7 == 0 else f"user{i + 1}@example.org",
                (i * 37) % 90,
                "" if i % 5 == 0 else None if i % 5 == 1 else f"note {i}",
            )
            for i in range(rows)
        ],
    )
    conn.executemany(
        "INSERT INTO pairs (a, b, v) VALUES (?, ?, ?)",
        [(f"k{i % 5}", i, f"v{i}") for i in range(40)],
    )
    conn.executemany(
        "INSERT INTO pets (id, owner_id, name) VALUES (?, ?, ?)",
        [(1, 42, "Rex"), (2, None, "Stray"), (3, 7, "Mittens")],
    )
    conn.executemany("INSERT INTO notes_fts (body) VALUES (?)", [("hello world",), ("fts",)])
    conn.commit()
    conn.close()
    return path


HOSTILE_VALUES = (
    "\x1b[2J\x1b[Hcleared",  # clear the screen
    "\x1b]0;PWNED\x07title",  # retitle the window
    "\x1b]52;c;cHduZWQ=\x07clip",  # set the clipboard (OSC 52)
    "[bold]x[/]",
    "[@click=app.quit]q[/]",
    "abc\u202edcba",  # right-to-left override
    "zero\u200bwidth\ufeff",
    "line1\nline2",
    "c1\x9b31mcsi",
    "sep\u2028para\u2029",
)
HOSTILE_NAMES = (
    "\x1b]0;PWNED\x07t",
    "[@click=app.quit]q[/]",
    "",
    " ",
    "two\nlines",
    "rlo\u202eabc",
)


def make_hostile_database(path: Path) -> Path:
    """Names and values that try to act on the terminal or the UI instead of being shown."""
    conn = sqlite3.connect(path)
    for name in HOSTILE_NAMES:
        quoted = '"' + name.replace('"', '""') + '"'
        conn.execute(
            f'CREATE TABLE {quoted} (id INTEGER PRIMARY KEY, {quoted} TEXT, "[b]v[/b]" TEXT)'
        )
        conn.executemany(
            f"INSERT INTO {quoted} VALUES (?, ?, ?)",
            [(i + 1, value, name) for i, value in enumerate(HOSTILE_VALUES)],
        )
    conn.execute(
        "CREATE TABLE blanks (id INTEGER PRIMARY KEY, v TEXT)",
    )
    conn.executemany(
        "INSERT INTO blanks VALUES (?, ?)",
        [(1, None), (2, ""), (3, " "), (4, "NULL"), (5, "  "), (6, "\t"), (7, "null")],
    )
    conn.commit()
    conn.close()
    return path


def browse_app(
    path: Path | str, *, read_only: bool = False, immutable: bool = False
) -> DbBrowseApp:
    """The app on a SQLite file (or, given a URL, on a server), as the command line opens it."""
    target = resolve_target(str(path), default_url="", read_only=read_only, immutable=immutable)
    return DbBrowseApp(target, read_only=read_only or immutable)


async def pinned_pragmas(conn: AsyncConnection) -> PragmaStatus:
    """``read_pragmas`` with the machine's SQLite library pinned to a made-up 3.99.0 with every
    optional part, so pictures of the status screen do not depend on the machine."""
    from dataclasses import replace

    from tui.db.status import Features, read_pragmas

    status = await read_pragmas(conn)
    return replace(
        status,
        sqlite_version="3.99.0",
        compile_options=("ENABLE_DBSTAT_VTAB", "ENABLE_FTS5", "ENABLE_RTREE"),
        features=Features(dbstat=True, fts5=True, fts4=True, json=True, rtree=True, math=True),
    )


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until every worker has finished and the screen has caught up."""
    for _ in range(5):
        await wait_for_work(pilot.app)
        await pilot.pause()


async def apply_filter(pilot: Pilot[Any], op: FilterOp, value: str) -> None:
    """``f`` on the grid, a condition ``op value`` on its current column, and Apply."""
    from textual.widgets import Input, Select

    await pilot.press("f")
    await pilot.pause()
    pilot.app.screen.query_one("#filter-op", Select).value = op
    await pilot.pause()
    pilot.app.screen.query_one("#filter-value", Input).value = value
    await pilot.click("#apply")
    await settle(pilot)


async def eventually(
    pilot: Pilot[Any], predicate: Callable[[], bool], what: str, seconds: float = 30.0
) -> None:
    """Let the app run until ``predicate`` holds; fail after ``seconds`` of wall clock.

    For outcomes that may follow a refresh the test does not control (a server's change
    position also moves with other clients' writes and its own background work). A failure
    says what the browse screen showed and what the app logged, to find why.
    """
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}\n{browse_state(pilot.app)}")
        await pilot.pause(0.02)


def browse_state(app: App[Any]) -> str:
    """The browse screen's status bar, grid and jobs, and the log's last lines, in words."""
    from tui.logs import log_path
    from tui.screens.browse import BrowseScreen
    from tui.widgets.row_grid import RowGrid
    from tui.widgets.status_bar import StatusBar

    lines = []
    screen = app.get_screen_browse() if isinstance(app, DbBrowseApp) else None
    if isinstance(screen, BrowseScreen) and screen.is_mounted:
        status, grid, window = screen.query_one(StatusBar), screen.query_one(RowGrid), screen.window
        lines.append(
            f"status: position={status.position!r} jobs={status.jobs!r} notice={status.notice!r}"
        )
        lines.append(
            f"grid: total={grid.total} exact={grid.total_exact} cursor={grid.cursor_row}"
            f" top={grid.first_visible} source={type(grid.source).__name__}"
        )
        if window is not None:
            lines.append(
                f"window: version={window.version} total={window.total}"
                f" exact={window.total_exact} pages={window.cached_pages}"
                f" last={window.last_method} missing(top)="
                f"{window.missing(grid.first_visible, grid.first_visible + grid.body_height)}"
            )
        lines.append(f"count: {screen.count}")
        lines.append(f"jobs: {[(w.name, w.state.name) for w in screen.running()]}")
    path = log_path()
    if path.exists():
        lines.append("log:\n" + "\n".join(path.read_text().splitlines()[-40:]))
    return "\n".join(lines)


async def wait_for_work(app: App[object]) -> None:
    """Wait for every worker except the endless change watcher; failures are the app's.

    The database is opened after the first frame, so first wait until it is open (or failed).
    """
    if isinstance(app, DbBrowseApp):
        for _ in range(1000):
            if app.source is not None or app.failed is not None:
                break
            await asyncio.sleep(0.01)
    while True:
        busy = [
            worker
            for worker in app.workers
            if worker.group != "watch"
            and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)
        ]
        if not busy:
            return
        await asyncio.gather(*(worker.wait() for worker in busy), return_exceptions=True)


Running = tuple[DbBrowseApp, Pilot[int], "BrowseScreen", "RowGrid", "StatusBar"]


def stop_monitor(app: App[Any]) -> None:
    """Stop the app's change monitor, for a test that calls ``data_changed`` itself (what
    the monitor calls on another connection's commit): the real monitor would see the same
    commit a moment later and refresh once more, over what the test is looking at."""
    watching = [worker for worker in app.workers if worker.group == "watch"]
    assert watching, "no change monitor to stop: has the database opened?"
    for worker in watching:
        worker.cancel()


@asynccontextmanager
async def running(
    path: Path, *, settled: bool = True, read_only: bool = False, monitor: bool = True
) -> AsyncIterator[Running]:
    """The app on ``path`` with its browse screen, grid and status bar.

    ``settled``: once every job is done (the first table opened and counted); otherwise as
    soon as the table list is there, for tests that watch the jobs at work. ``monitor``:
    False stops the change monitor (see :func:`stop_monitor`).
    """
    from tui.widgets.row_grid import RowGrid
    from tui.widgets.status_bar import StatusBar
    from tui.widgets.table_list import TableList

    app = browse_app(path, read_only=read_only)
    async with app.run_test(size=SIZE) as pilot:
        if settled:
            await settle(pilot)
        else:
            await eventually(pilot, lambda: app.source is not None, "the database opened")
        screen = app.get_screen_browse()
        assert screen is not None
        if not settled:
            await eventually(pilot, lambda: bool(screen.query_one(TableList).tables), "tables")
        if not monitor:
            stop_monitor(app)
        yield app, pilot, screen, screen.query_one(RowGrid), screen.query_one(StatusBar)


def table(screen: BrowseScreen, name: str) -> TableInfo:
    """The listed table ``name``."""
    from tui.widgets.table_list import TableList

    return next(t for t in screen.query_one(TableList).tables if t.name == name)
