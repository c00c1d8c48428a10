"""Pilot tests: history search (ctrl+r), saved queries (alt+s), completion, plans, snapshots."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Tree

from tests.tui.scenes import SIZE, browse_app, running, settle
from tests.tui.test_console import run_sql, typed_in
from tui.screens.browse import BrowseScreen
from tui.screens.completion import CompletionScreen
from tui.screens.history import HistoryScreen
from tui.screens.plan import PlanScreen
from tui.screens.prompt import PromptScreen
from tui.widgets.sql_editor import SqlEditor


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "odd.db"
    conn = sqlite3.connect(path)
    conn.execute('CREATE TABLE "my items" (id INTEGER PRIMARY KEY, "select" TEXT, "名前" TEXT)')
    conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL)")
    conn.executemany('INSERT INTO "my items" VALUES (?, ?, ?)', [(1, "a", "b"), (2, "c", "d")])
    conn.commit()
    conn.close()
    return path


def editor_of(pilot: Pilot[Any]) -> SqlEditor:
    screen = pilot.app.get_screen_browse()  # type: ignore[attr-defined]
    assert isinstance(screen, BrowseScreen)
    return screen.query_one(SqlEditor)


async def test_ctrl_r_finds_a_statement_run_before_and_puts_it_back(db: Path) -> None:
    async with running(db) as (app, pilot, *_):
        await run_sql(pilot, "SELECT total FROM orders")
        await run_sql(pilot, 'SELECT "select" FROM "my items"')
        editor = editor_of(pilot)
        editor.load_text("")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        app.screen.query_one(Input).value = "total"
        await pilot.pause()
        assert app.screen.query_one(OptionList).option_count == 1
        await pilot.press("enter")
        await settle(pilot)
        assert editor.text == "SELECT total FROM orders;"


async def test_alt_s_saves_a_query_that_ctrl_r_lists_first(db: Path) -> None:
    async with running(db) as (app, pilot, *_):
        await run_sql(pilot, "SELECT id FROM orders")
        await pilot.press("alt+s")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"ids", "enter")
        await settle(pilot)
        editor_of(pilot).load_text("")
        await pilot.press("ctrl+r")
        await settle(pilot)
        first = app.screen.query_one(OptionList).get_option_at_index(0)
        assert "★ ids" in str(first.prompt)


async def test_completion_quotes_odd_names(db: Path) -> None:
    async with running(db) as (app, pilot, *_):
        editor = await typed_in(pilot, "SELECT * FROM my")
        await pilot.press("ctrl+space")
        await settle(pilot)
        assert editor.text == 'SELECT * FROM "my items"'
        editor.load_text('SELECT "my items".')
        editor.move_cursor(editor.document.end)
        await pilot.press("ctrl+space")
        await settle(pilot)
        assert isinstance(app.screen, CompletionScreen)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert editor.text == 'SELECT "my items"."select"'


async def test_alt_e_shows_the_plan_as_a_tree(db: Path) -> None:
    async with running(db) as (app, pilot, *_):
        await typed_in(pilot, 'SELECT * FROM "my items" WHERE id = 1')
        await pilot.press("alt+e")
        await settle(pilot)
        assert isinstance(app.screen, PlanScreen)
        tree = app.screen.query_one(Tree)
        labels = [str(node.label) for node in tree.root.children]
        assert any("SEARCH" in label and "my items" in label for label in labels), labels


def _console_scene(sql: str) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        from tests.tui.test_snapshots import settle as settle_monitor

        await settle_monitor(pilot)
        # No blinking from the first frame of the editor on: the TextArea's line cache does not
        # tell "cursor hidden by the blink" from "not blinking", so a blink switched off later
        # could leave the cursor drawn or not by the timing of the run.
        (await typed_in(pilot, "")).cursor_blink = False
        await run_sql(pilot, sql)
        await settle_monitor(pilot)

    return run_before


def test_console_with_a_result(snap_compare: Any, db: Path) -> None:
    sql = 'SELECT i.id, o.id, i."名前" FROM "my items" i LEFT JOIN orders o ON o.id = i.id'
    assert snap_compare(browse_app(db), terminal_size=SIZE, run_before=_console_scene(sql))


def test_console_with_an_error(snap_compare: Any, db: Path) -> None:
    sql = "SELECT missing_column FROM orders"
    assert snap_compare(browse_app(db), terminal_size=SIZE, run_before=_console_scene(sql))
