"""Pilot tests: a person opening, scrolling, sorting and filtering tables."""

from __future__ import annotations

import hashlib
import importlib
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from tests.tui.scenes import SIZE, apply_filter, browse_app, eventually, settle
from tui.app import DbBrowseApp
from tui.cli import main
from tui.db.target import resolve_target
from tui.screens.browse import BrowseScreen
from tui.screens.cell_detail import CellDetailScreen
from tui.screens.error import ErrorScreen
from tui.widgets.row_grid import NoRows, RowGrid
from tui.widgets.status_bar import StatusBar
from tui.widgets.table_list import TableList


def browse(app: DbBrowseApp) -> BrowseScreen:
    screen = app.get_screen_browse()
    assert screen is not None
    return screen


def screen_text(app: DbBrowseApp) -> str:
    grid = app.screen.query_one(RowGrid)
    return "\n".join(grid.render_line(y).text for y in range(grid.size.height))


async def open_table(pilot: Pilot[int], name: str) -> BrowseScreen:
    screen = browse(pilot.app)  # type: ignore[arg-type]
    table = next(t for t in screen.query_one(TableList).tables if t.name == name)
    screen.open_table(table)
    await settle(pilot)
    return screen


@asynccontextmanager
async def browsing(
    path: Path, table: str
) -> AsyncIterator[tuple[DbBrowseApp, Pilot[int], BrowseScreen, RowGrid]]:
    """The app on ``path`` with ``table`` open and the grid focused, ready for keys."""
    app = browse_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_table(pilot, table)
        grid = screen.query_one(RowGrid)
        grid.focus()
        yield app, pilot, screen, grid


async def test_launch_lists_every_table_and_shows_rows(odd_db: Path) -> None:
    app = browse_app(odd_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        names = [t.name for t in app.screen.query_one(TableList).tables]
        assert {"order items", "people", "pairs", "adults"} <= set(names)
        screen = browse(app)
        assert screen.table is not None
        assert screen.query_one(RowGrid).total > 0


async def test_each_table_opens(odd_db: Path) -> None:
    app = browse_app(odd_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for table in app.screen.query_one(TableList).tables:
            screen = await open_table(pilot, table.name)
            grid = screen.query_one(RowGrid)
            assert grid.total > 0, table.name
            assert grid.source.row_at(0) is not None, table.name


async def test_end_home_and_goto_percent(odd_db: Path) -> None:
    async with browsing(odd_db, "people") as (app, pilot, _screen, grid):
        await pilot.press("end")
        await settle(pilot)
        assert grid.cursor_row == 299
        assert grid.source.row_at(299) is not None
        assert grid.source.row_at(299)[0] == 300  # type: ignore[index]
        assert "row 300 of 300" in app.screen.query_one(StatusBar).position
        await pilot.press("home")
        await settle(pilot)
        assert grid.cursor_row == 0
        await pilot.press("g")
        await pilot.press(*"50%", "enter")
        await settle(pilot)
        assert grid.cursor_row == round(0.5 * 299)
        row = grid.source.row_at(grid.cursor_row)
        assert row is not None and row[0] == grid.cursor_row + 1


async def test_sort_descending_puts_largest_first(odd_db: Path) -> None:
    async with browsing(odd_db, "people") as (app, pilot, _screen, grid):
        grid.cursor_column = 3  # age
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        first = grid.source.row_at(0)
        assert first is not None and first[3] == 89
        assert "age ↓" in app.screen.query_one(StatusBar).query_text


async def test_filter_dialog_narrows_rows(odd_db: Path) -> None:
    async with browsing(odd_db, "people") as (_app, pilot, _screen, grid):
        grid.cursor_column = 2  # email
        from tui.db.paging import FilterOp

        await apply_filter(pilot, FilterOp.IS_NULL, "")
        assert grid.total == len([i for i in range(300) if i % 7 == 0])
        for position in range(min(grid.total, 10)):
            row = grid.source.row_at(position)
            assert row is not None and row[2] is None


async def test_cell_detail_shows_value_literally(odd_db: Path) -> None:
    async with browsing(odd_db, "order items") as (app, pilot, _screen, grid):
        grid.cursor_column = 1
        grid.cursor_row = 1
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CellDetailScreen)
        assert app.screen.value == "[bold]x[/]"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CellDetailScreen)


async def test_odd_values_are_shown_literally(odd_db: Path) -> None:
    app = browse_app(odd_db)
    async with app.run_test(size=(160, 36)) as pilot:
        await settle(pilot)
        await open_table(pilot, "order items")
        text = screen_text(app)
        assert "[bold]x[/]" in text
        assert "[red]markup[/]" in text
        assert "NULL" in text
        assert "inf" in text  # SQLite stores NaN as NULL; NaN display is unit-tested
        assert "9223372036854775807" in text
        assert "\\x1b[31mansi" in text
        assert "line1⏎line2" in text
        assert "a\\xffb" in text
        assert "<blob 8 B> 89 50 4e 47" in text
        assert 'a "quoted" col' in text and "名前" in text and "select" in text


async def test_schema_view_lists_columns(odd_db: Path) -> None:
    app = browse_app(odd_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_table(pilot, "pairs")
        await pilot.press("v")
        await settle(pilot)
        shown = str(app.screen.query_one("#schema", Static).render())
        assert "WITHOUT ROWID" in shown
        assert "PK1" in shown and "PK2" in shown


async def test_read_only_mode_is_labelled(odd_db: Path) -> None:
    app = browse_app(odd_db, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.query_one(StatusBar).mode == "READ-ONLY"


async def test_browsing_leaves_the_file_unchanged(odd_db: Path) -> None:
    before = hashlib.sha256(odd_db.read_bytes()).hexdigest()
    app = browse_app(odd_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_table(pilot, "people")
        screen.query_one(RowGrid).focus()
        await pilot.press("end", "home")
        await settle(pilot)
    assert hashlib.sha256(odd_db.read_bytes()).hexdigest() == before
    assert not odd_db.with_name("odd.db-wal").exists()


def test_missing_file_is_reported_and_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.db"
    assert main([str(missing)]) == 2
    assert f"no such database file: {missing}" in capsys.readouterr().err
    assert not missing.exists()


def test_not_a_database_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello, I am not a database\n")
    assert main([str(bogus)]) == 2
    assert "is not a SQLite database" in capsys.readouterr().err


async def test_corrupt_database_shows_an_error_screen(tmp_path: Path) -> None:
    import sqlite3

    corrupt = tmp_path / "corrupt.db"
    with sqlite3.connect(corrupt) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    data = bytearray(corrupt.read_bytes())
    data[100:4096] = b"\xee" * (4096 - 100)  # the header is fine, the schema page is not
    corrupt.write_bytes(bytes(data))
    app = browse_app(corrupt)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert "corrupt.db" in app.screen.message


def hold_exclusive(path: Path) -> subprocess.Popen[str]:
    """Another process holding an exclusive lock on ``path`` until its stdin closes."""
    code = (
        "import sqlite3, sys\n"
        f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
        "c.execute('BEGIN EXCLUSIVE'); print('held', flush=True); sys.stdin.read()"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


async def test_a_database_locked_at_start_opens_on_try_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program holds an exclusive lock as dbbrowse starts: the error says so, and
    once the lock is gone, r (try again) opens the database instead of only Quit."""
    import sqlite3

    from tui.widgets.table_list import TableList

    monkeypatch.setenv("BUSY_TIMEOUT_MS", "100")
    path = tmp_path / "rj.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    holder = hold_exclusive(path)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        app = browse_app(path)
        async with app.run_test(size=SIZE) as pilot:
            await eventually(pilot, lambda: isinstance(app.screen, ErrorScreen), "the error")
            assert isinstance(app.screen, ErrorScreen) and "locked" in app.screen.message
            assert holder.stdin is not None
            holder.stdin.close()
            holder.wait(timeout=30)
            await pilot.press("r")
            await eventually(
                pilot,
                lambda: app.source is not None and not isinstance(app.screen, ErrorScreen),
                "opened on try again",
            )
            await settle(pilot)
            screen = app.get_screen_browse()
            assert screen is not None and app.failed is None
            assert [t.name for t in screen.query_one(TableList).tables] == ["t"]
    finally:
        holder.kill()
        holder.wait()


async def test_a_view_that_failed_on_a_lock_reads_again_after_the_next_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read refused by another program's exclusive lock left 'cannot read t: … locked' on
    screen after the lock was gone, under 'changed by another connection: refreshed': the
    commit seen elsewhere opens the view again (hostile2, 3)."""
    import sqlite3

    from tests.tui.scenes import running, table

    monkeypatch.setenv("BUSY_TIMEOUT_MS", "100")
    path = tmp_path / "n.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE a (x)")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, label TEXT)")
        conn.executemany("INSERT INTO t (label) VALUES (?)", [(str(i),) for i in range(50)])
    conn.close()
    async with running(path, monitor=False) as (_app, pilot, screen, grid, _status):
        holder = hold_exclusive(path)
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "held\n"
            screen.open_table(table(screen, "t"))
            await settle(pilot)
            assert screen.view_failed and screen.window is None
            assert holder.stdin is not None
            holder.stdin.close()
            holder.wait(timeout=30)
        finally:
            holder.kill()
            holder.wait()
        screen.data_changed()  # what the change monitor calls on seeing the file change
        await settle(pilot)
        assert not screen.view_failed
        assert grid.total == 50 and screen.window is not None
        assert screen.window.row_at(0) == (1, "0")


async def test_another_connection_writing_refreshes_in_place(odd_db: Path) -> None:
    import sqlite3

    app = browse_app(odd_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_table(pilot, "people")
        grid = screen.query_one(RowGrid)
        assert grid.total == 300
        other = sqlite3.connect(odd_db)
        other.execute("INSERT INTO people (id, name) VALUES (301, 'Newcomer')")
        other.commit()
        other.close()
        for _ in range(40):
            await pilot.pause(0.1)
            if grid.total == 301:
                break
        await settle(pilot)
        assert grid.total == 301
        assert "another connection" in app.screen.query_one(StatusBar).notice


async def test_follow_foreign_key_opens_the_referenced_row(odd_db: Path) -> None:
    async with browsing(odd_db, "pets") as (_app, pilot, screen, grid):
        grid.cursor_column = 1  # owner_id of Rex = 42
        await pilot.press("j")
        await settle(pilot)
        assert screen.table is not None
        assert screen.table.name == "people"
        assert grid.total == 1
        row = grid.source.row_at(0)
        assert row is not None
        assert row[0] == 42


async def test_internal_tables_are_grouped_and_can_be_hidden(odd_db: Path) -> None:
    app = browse_app(odd_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table_list = app.screen.query_one(TableList)
        internal = [t.name for t in table_list.tables if t.internal]
        assert "notes_fts_data" in internal
        shown = [t.name for t in table_list._shown]
        # user tables first, then the internal group
        assert shown.index("notes_fts_data") > shown.index("people")
        await pilot.press("I")  # (i inserts a row)
        await pilot.pause()
        assert all(not t.internal for t in table_list._shown)
        await pilot.press("I")
        await pilot.pause()
        assert any(t.internal for t in table_list._shown)


async def test_every_screen_action_is_in_the_command_palette(odd_db: Path) -> None:
    app = browse_app(odd_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        from tui.screens.palette import offers

        titles = {o.action.description for o in offers(app.screen)}
        assert {"Go to row", "Sort", "Filter", "Search", "Follow foreign key"} <= titles


async def test_app_database_gets_schema_and_drift_marks(tmp_path: Path) -> None:
    """`dbbrowse` with no argument: the schema is created, extra/missing tables are marked."""
    import sqlite3

    from app.database import reset_engines
    from tui.db.model import Drift
    from tui.db.target import resolve_target

    path = tmp_path / "app.db"
    sqlite3.connect(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE scratch (x)")
    conn.close()
    target = resolve_target(None, default_url=f"sqlite:///{path}")
    app = DbBrowseApp(target)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            tables = {t.name: t for t in app.screen.query_one(TableList).tables}
            assert {"customers", "orders", "events"} <= set(tables)
            assert tables["scratch"].drift is Drift.NO_MODEL
            assert tables["customers"].drift is Drift.NONE
    finally:
        reset_engines()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


async def test_wide_table_scrolls_horizontally_with_the_key_frozen(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "wide.db"
    columns = ", ".join(f"c{i:02d} TEXT" for i in range(45))
    with sqlite3.connect(path) as conn:
        conn.execute(f"CREATE TABLE wide (id INTEGER PRIMARY KEY, {columns})")
        conn.execute(
            f"INSERT INTO wide VALUES (7, {', '.join('?' * 45)})",
            [f"value {i:02d}" for i in range(45)],
        )
    conn.close()
    app = browse_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid = app.screen.query_one(RowGrid)
        grid.focus()
        await pilot.press(*(["right"] * 44))
        await settle(pilot)
        line = grid.render_line(2).text
        assert "value 43" in line
        assert " 7 │" in line  # the key column stays in view
        assert "value 00" not in line


async def test_cancelling_a_slow_sort_keeps_the_previous_rows_and_says_so(odd_db: Path) -> None:
    from tui.db.paging import RowQuery, SortSpec

    async with browsing(odd_db, "people") as (app, pilot, screen, grid):
        first = grid.source.row_at(0)
        table = screen.table
        assert table is not None
        screen.open_table(table, RowQuery(sort=(SortSpec("age"),)))
        screen.action_cancel()  # what Esc runs, before the sort could finish
        await settle(pilot)
        assert screen.query_spec == RowQuery()
        assert app.screen.query_one(StatusBar).query_text == ""
        assert "cancelled" in app.screen.query_one(StatusBar).notice
        assert grid.source.row_at(0) == first


async def test_live_refresh_keeps_the_cursor_on_the_same_row(odd_db: Path) -> None:
    import sqlite3

    async with browsing(odd_db, "people") as (_app, pilot, screen, grid):
        screen.go_to("150")
        await settle(pilot)
        row = grid.source.row_at(grid.cursor_row)
        assert row is not None
        assert row[0] == 150
        other = sqlite3.connect(odd_db)
        other.execute("DELETE FROM people WHERE id <= 40")
        other.commit()
        other.close()
        for _ in range(40):
            await pilot.pause(0.1)
            if grid.total == 260:
                break
        await settle(pilot)
        assert grid.total == 260
        assert grid.cursor_row == 109
        row = grid.source.row_at(grid.cursor_row)
        assert row is not None
        assert row[0] == 150


async def test_a_model_table_missing_from_the_database_is_marked_and_explained(
    tmp_path: Path,
) -> None:
    """A database that holds some of the app's tables: the others show as missing."""
    import sqlite3

    from sqlalchemy import create_engine

    from app.database import Base

    importlib.import_module("app.models")  # registers the models on Base.metadata
    from tui.db.model import Drift

    path = tmp_path / "partial.db"
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine, tables=[Base.metadata.tables["customers"]])
    engine.dispose()
    # A foreign file is compared with the models only when asked (--compare-models).
    app = DbBrowseApp(resolve_target(str(path), default_url="", compare_models=True))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tables = {t.name: t for t in app.screen.query_one(TableList).tables}
        assert tables["customers"].drift is Drift.NONE
        assert tables["orders"].drift is Drift.MISSING_TABLE
        screen = await open_table(pilot, "orders")
        assert screen.query_one(RowGrid).total == 0
        assert "missing" in app.screen.query_one(StatusBar).notice
    with sqlite3.connect(path) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert names == {"customers"}  # browsing created nothing


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("dbbrowse ")
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    for option in ("--read-only", "--ensure-schema", "--checkpoint-on-close"):
        assert option in shown


def test_a_password_never_reaches_the_screen_or_the_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["oracle://scott:tiger@db.example/x"]) == 2
    err = capsys.readouterr().err
    assert "tiger" not in err
    assert "unsupported database" in err


async def test_end_in_the_frame_a_table_opens_after_an_empty_grid_reaches_the_end(
    odd_db: Path,
) -> None:
    """A table opened after an empty grid has no scrollbar until the next layout pass: End
    pressed before it (a quick key) moved the cursor but left the rows at the top, so the
    last rows were never loaded (a flaky server test)."""
    async with browsing(odd_db, "people") as (_app, pilot, screen, grid):
        window, columns = screen.window, list(grid.columns)
        assert window is not None and window.total == 300
        grid.show(NoRows(), [], 0)
        await pilot.pause()  # laid out empty: no scrollbar
        grid.show(window, columns, window.total)
        grid.move_to(window.total - 1, center=False)  # before any layout pass
        assert grid.cursor_row == 299
        assert grid.first_visible == 300 - grid.body_height
        await settle(pilot)
        assert grid.source.row_at(299) is not None
