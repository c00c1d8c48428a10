"""Pilot tests: the SQL console pane (ctrl+o) of the browse screen."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from tests.tui.scenes import eventually, running, settle
from tui.db.history import database_key, entries
from tui.screens.browse import BrowseScreen
from tui.screens.confirm import ConfirmScreen
from tui.widgets.row_grid import RowGrid
from tui.widgets.sql_editor import SqlEditor


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute('CREATE TABLE "my items" (id INTEGER PRIMARY KEY, name TEXT, price REAL)')
    conn.execute("CREATE TABLE tags (id INTEGER PRIMARY KEY, item_id INTEGER, tag TEXT)")
    conn.executemany(
        'INSERT INTO "my items" VALUES (?, ?, ?)',
        [(i, f"item {i}", i * 1.5) for i in range(1, 301)],
    )
    conn.executemany(
        "INSERT INTO tags VALUES (?, ?, ?)", [(i + 1000, i, f"t:{i}") for i in range(1, 301)]
    )
    conn.commit()
    conn.close()
    return path


async def typed_in(pilot: Pilot[Any], sql: str) -> SqlEditor:
    """The console open (ctrl+o if it is not), holding ``sql`` with the cursor at its end."""
    screen = pilot.app.get_screen_browse()  # type: ignore[attr-defined]
    assert isinstance(screen, BrowseScreen)
    if not screen.query_one("#console").display:
        await pilot.press("ctrl+o")
        await settle(pilot)
    editor = screen.query_one(SqlEditor)
    editor.load_text(sql)
    editor.move_cursor(editor.document.end)
    return editor


async def run_sql(pilot: Pilot[Any], sql: str, *, run_all: bool = False) -> BrowseScreen:
    await typed_in(pilot, sql)
    await pilot.press("f5" if run_all else "ctrl+j")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, BrowseScreen)
    return screen


def log_text(screen: BrowseScreen) -> str:
    return str(screen.query_one("#sql-log", Static).content)


def outside(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def test_the_pane_opens_with_the_tables_select_and_runs_it(db: Path) -> None:
    async with running(db) as (app, pilot, *_):
        await pilot.press("ctrl+o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        editor = screen.query_one(SqlEditor)
        assert editor.has_focus
        assert editor.text == 'SELECT * FROM "my items";'
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert "✓ query 1" in log_text(screen)
        grid = screen.query_one(RowGrid)
        assert grid.total == 300 and grid.total_exact
        assert grid.source.row_at(0) == (1, "item 1", 1.5)
        assert editor.has_focus  # still typing


async def test_a_join_with_repeated_names_pages_in_the_grid(db: Path) -> None:
    async with running(db) as (_app, pilot, *_):
        screen = await run_sql(
            pilot,
            'SELECT i.id, t.id, t.tag FROM "my items" i JOIN tags t ON t.item_id = i.id '
            "WHERE t.tag <> ':none' ORDER BY t.id DESC",
        )
        grid = screen.query_one(RowGrid)
        assert [c.name for c in grid.columns] == ["id", "id:1", "tag"]
        assert grid.source.row_at(0) == (300, 1300, "t:300")
        await pilot.press("ctrl+g", "end")
        await settle(pilot)
        await eventually(pilot, lambda: grid.source.row_at(299) is not None, "the last row")
        assert grid.source.row_at(299) == (1, 1001, "t:1")


async def test_a_write_waits_for_commit_and_another_connection_sees_it_only_then(
    db: Path,
) -> None:
    async with running(db) as (_app, pilot, *_):
        screen = await run_sql(pilot, "UPDATE \"my items\" SET name = 'renamed' WHERE id <= 3;")
        assert "✓ 3 rows affected" in log_text(screen)
        assert "TRANSACTION" in screen.status.transaction
        assert outside(db, 'SELECT name FROM "my items" WHERE id = 1') == [("item 1",)]
        # The console's own reads see its writes.
        await run_sql(pilot, 'SELECT name FROM "my items" WHERE id <= 3')
        grid = screen.query_one(RowGrid)
        assert [grid.source.row_at(i) for i in range(3)] == [("renamed",)] * 3
        await pilot.press("alt+c")
        await settle(pilot)
        assert screen.status.transaction == ""
        assert outside(db, "SELECT count(*) FROM \"my items\" WHERE name = 'renamed'") == [(3,)]


async def test_a_rollback_leaves_the_database_as_it_was(db: Path) -> None:
    async with running(db) as (_app, pilot, *_):
        screen = await run_sql(
            pilot, "DELETE FROM \"my items\"; INSERT INTO tags VALUES (1, 1, 'x');", run_all=True
        )
        assert "2/2 ✓ 1 rows affected" in log_text(screen)
        await pilot.press("alt+r")
        await settle(pilot)
        assert screen.status.transaction == ""
    assert outside(db, 'SELECT count(*) FROM "my items"') == [(300,)]
    assert outside(db, "SELECT count(*) FROM tags WHERE id = 1") == [(0,)]


@pytest.mark.parametrize("end", ["alt+r", "alt+c"])
async def test_ending_the_transaction_keeps_the_grid_on_its_row(db: Path, end: str) -> None:
    """The grid's table, untouched by the transaction, stays where the cursor was (it was
    opened again at row 1) (hostile report, 22)."""
    from tests.tui.scenes import table

    async with running(db) as (_app, pilot, screen, grid, _status):
        screen.open_table(table(screen, "my items"))
        await settle(pilot)
        screen.go_to("200")
        await settle(pilot)
        assert grid.cursor_row == 199
        await run_sql(pilot, "UPDATE tags SET tag = 'x' WHERE id = 1001")
        assert "TRANSACTION" in screen.status.transaction
        await pilot.press(end)
        await settle(pilot)
        assert screen.status.transaction == ""
        assert grid.cursor_row == 199
        assert screen.window is not None and screen.window.row_at(199) == (200, "item 200", 300.0)


async def test_quitting_with_an_open_transaction_asks_and_rolls_back(db: Path) -> None:
    async with running(db) as (app, pilot, *_):
        await run_sql(pilot, 'DELETE FROM "my items" WHERE id = 1')
        await app.action_quit()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
    assert outside(db, 'SELECT count(*) FROM "my items"') == [(300,)]


async def test_a_failed_statement_is_undone_alone_and_the_rest_stop(db: Path) -> None:
    async with running(db) as (_app, pilot, *_):
        screen = await run_sql(
            pilot,
            "INSERT INTO tags VALUES (5000, 1, 'a'); INSERT INTO tags VALUES (5000, 2, 'b'); "
            "INSERT INTO tags VALUES (5001, 3, 'c');",
            run_all=True,
        )
        text = log_text(screen)
        assert "1/3 ✓ 1 rows affected" in text
        assert "2/3 ✗" in text and "UNIQUE constraint failed: tags.id" in text
        assert "stopped: 1 statement(s) not run" in text
        await pilot.press("alt+c")
        await settle(pilot)
    assert outside(db, "SELECT id, tag FROM tags WHERE id >= 5000") == [(5000, "a")]


async def test_read_only_refuses_writes_with_the_reason(db: Path) -> None:
    before = db.read_bytes()
    async with running(db, read_only=True) as (_app, pilot, *_):
        screen = await run_sql(pilot, 'DELETE FROM "my items"')
        assert "not run: dbbrowse was started with --read-only" in log_text(screen)
        assert "Error" not in log_text(screen)  # the message only, no class name
        assert screen.status.transaction == ""
        await run_sql(pilot, "SELECT count(*) FROM tags")
        assert screen.query_one(RowGrid).source.row_at(0) == (300,)
    assert db.read_bytes() == before


async def test_pragma_rows_and_several_results_in_turn(db: Path) -> None:
    async with running(db) as (_app, pilot, *_):
        screen = await run_sql(
            pilot, "PRAGMA table_info(tags); SELECT 1 AS one; PRAGMA user_version", run_all=True
        )
        assert len(screen.results) == 3
        grid = screen.query_one(RowGrid)
        assert grid.source.row_at(0) == (0,)  # the last result: user_version
        await pilot.press("ctrl+g", "left_square_bracket")
        await settle(pilot)
        assert grid.source.row_at(0) == (1,)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert [c.name for c in grid.columns][:3] == ["cid", "name", "type"]
        assert grid.source.row_at(2)[1] == "tag"  # type: ignore[index]


async def test_esc_cancels_a_long_statement(db: Path) -> None:
    async with running(db) as (app, pilot, *_):
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        editor = await typed_in(
            pilot,
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
            "SELECT count(*) FROM n",
        )
        await pilot.press("ctrl+j")
        await eventually(pilot, lambda: bool(screen.running("query")), "the first page loading")
        await pilot.pause(0.3)
        await pilot.press("escape")
        await settle(pilot)
        assert not screen.running("sql", "query")
        assert "cancelled" in screen.status.notice
        assert editor.has_focus


async def test_every_statement_goes_to_the_history(db: Path) -> None:
    from tui.db.target import resolve_target

    async with running(db) as (_app, pilot, *_):
        await run_sql(pilot, "SELECT 42 AS answer")
        await run_sql(pilot, "SELECT * FROM nowhere")
    key = database_key(resolve_target(str(db), default_url=""))
    found = entries(key)
    assert [e.sql for e in found] == ["SELECT * FROM nowhere", "SELECT 42 AS answer"]
    assert found[0].outcome.startswith("error: ") and "no such table" in found[0].outcome
    assert "query 1" in found[1].outcome


async def test_ctrl_e_exports_a_query_result_as_the_grid_shows_it(db: Path, tmp_path: Path) -> None:
    import json

    from textual.widgets import Input, Select

    from tui.db.export_formats import ExportFormat
    from tui.screens.export_dialog import ExportScreen

    async with running(db) as (app, pilot, *_):
        screen = await run_sql(
            pilot,
            'SELECT i.id, t.id, t.tag FROM "my items" i JOIN tags t ON t.item_id = i.id '
            "WHERE i.id <= 3 ORDER BY i.id DESC",
        )
        await pilot.press("ctrl+g", "ctrl+e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        dialog.query_one("#export-format", Select).value = ExportFormat.JSONL
        out = tmp_path / "result.jsonl"
        dialog.query_one("#export-path", Input).value = str(out)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows == [{"id": i, "id:1": i + 1000, "tag": f"t:{i}"} for i in (3, 2, 1)]


@pytest.mark.parametrize("from_grid", [False, True])
async def test_ctrl_o_again_hides_the_pane_keeping_its_text(db: Path, from_grid: bool) -> None:
    """ctrl+o opens the pane; ctrl+o again hides it (from the editor, or from the grid after a
    run and Esc: it used to focus the editor there), the focus back on the grid; ctrl+o once
    more shows the same text."""
    async with running(db) as (_app, pilot, screen, grid, _status):
        editor = await typed_in(pilot, "SELECT 1;")
        pane = screen.query_one("#console")
        assert pane.display and editor.has_focus
        if from_grid:
            await pilot.press("ctrl+j")
            await settle(pilot)
            await pilot.press("escape")  # the editor left: the grid has the focus
            await pilot.pause()
            assert grid.has_focus
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert not pane.display
        assert grid.has_focus
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert pane.display and editor.has_focus
        assert editor.text == "SELECT 1;"


async def test_a_refused_commit_names_the_keys_as_bound(db: Path) -> None:
    """COMMIT typed in the console is the console's to do: the refusal names the keys that
    commit and roll back, from the keymap (rebound ones too), never other keys."""
    async with running(db) as (app, pilot, *_):
        screen = await run_sql(pilot, "UPDATE \"my items\" SET name = 'x' WHERE id = 1;")
        screen = await run_sql(pilot, "COMMIT")
        said = log_text(screen).splitlines()[-1]
        assert "alt+c commits, alt+r rolls back" in said, said
        assert "ctrl+k" not in said and "ctrl+l" not in said
        app.set_keymap({"browse.console_commit": "f9", "browse.console_rollback": "f10"})
        screen = await run_sql(pilot, "COMMIT")
        said = log_text(screen).splitlines()[-1]
        assert "f9 commits, f10 rolls back" in said, said
        assert "f9 commit, f10 roll back" in screen.status.transaction


def another_process_writes(db: Path) -> str:
    """Another process inserts a row and commits (1 s busy timeout): 'ok', or its error."""
    import subprocess
    import sys

    child = (
        "import sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1], timeout=1, isolation_level=None)\n"
        "try:\n"
        "    conn.execute(\"INSERT INTO tags VALUES (9999, 1, 'other')\")\n"
        "    conn.execute('DELETE FROM tags WHERE id = 9999')\n"
        "    print('ok')\n"
        "except sqlite3.Error as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child, str(db)], capture_output=True, text=True, timeout=60
    )
    return done.stdout.strip() or done.stderr.strip()


@pytest.mark.parametrize(
    ("sql", "error"),
    [
        ("SELEC 1", 'near "SELEC": syntax error'),
        ("SELECT * FROM nosuchtable", "no such table: nosuchtable"),
        ("INSERT INTO nosuchtable VALUES (1)", "no such table: nosuchtable"),
        ("VACUUM", "cannot VACUUM from within a transaction"),
        ("PRAGMA journal_mode=delete", "from within a transaction"),
    ],
)
async def test_a_failed_statement_leaves_no_transaction_and_no_lock(
    db: Path, sql: str, error: str
) -> None:
    """A statement that fails with no transaction open leaves none open: no write lock is
    held, another process writes at once (it got 'database is locked' until alt+r: hostile
    report 2, finding 1)."""
    async with running(db) as (_app, pilot, *_):
        screen = await run_sql(pilot, sql)
        assert "✗" in log_text(screen) and error in log_text(screen)
        assert screen.status.transaction == ""
        assert not screen.transaction_open
        assert another_process_writes(db) == "ok"
        # A write afterwards still opens the console's transaction, which holds the lock.
        await run_sql(pilot, "UPDATE tags SET tag = 'x' WHERE id = 1001")
        assert "TRANSACTION 1 stmt" in screen.status.transaction
        assert another_process_writes(db) == "database is locked"
        await pilot.press("alt+r")
        await settle(pilot)
        assert another_process_writes(db) == "ok"


async def test_a_failed_statement_in_a_transaction_keeps_it(db: Path) -> None:
    """A statement that fails after a successful write of the user's transaction is undone
    alone: the transaction stays open with its write, until the user ends it."""
    async with running(db) as (_app, pilot, *_):
        screen = await run_sql(pilot, "UPDATE tags SET tag = 'x' WHERE id = 1001")
        screen = await run_sql(pilot, "SELEC 1")
        assert 'near "SELEC": syntax error' in log_text(screen)
        assert "TRANSACTION 1 stmt" in screen.status.transaction
        await pilot.press("alt+c")
        await settle(pilot)
        assert screen.status.transaction == ""
    assert outside(db, "SELECT tag FROM tags WHERE id = 1001") == [("x",)]
