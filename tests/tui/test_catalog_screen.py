"""Pilot tests: the table list from names first, tables described when opened, drift on demand."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import OptionList

from tests.tui.scenes import SIZE, browse_app, eventually, settle
from tui.app import DbBrowseApp
from tui.db.model import Drift, RowCount
from tui.db.target import resolve_target
from tui.widgets.row_grid import GENERATED_MARK, SEPARATOR, RowGrid
from tui.widgets.table_list import TableList


def many_tables(path: Path, count: int) -> Path:
    conn = sqlite3.connect(path)
    for i in range(count):
        parent = f"t{max(i - 1, 0):03d}"
        conn.execute(
            f"CREATE TABLE t{i:03d} (id INTEGER PRIMARY KEY, "
            f"parent_id INTEGER REFERENCES {parent} (id), name TEXT)"
        )
        conn.execute(f"CREATE INDEX ix_{i:03d} ON t{i:03d} (name)")
        conn.executemany(
            f"INSERT INTO t{i:03d} (parent_id, name) VALUES (?, ?)",
            [(r + 1, f"t{i:03d} row {r}") for r in range(3)],
        )
    conn.commit()
    conn.close()
    return path


async def test_a_listed_table_is_described_when_opened(tmp_path: Path) -> None:
    app = browse_app(many_tables(tmp_path / "many.db", 60))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.get_screen_browse()
        assert screen is not None
        table_list = screen.query_one(TableList)
        assert len(table_list.tables) == 60
        # Only the table opened at start was described; the others wait until opened.
        described = [t.name for t in table_list.tables if t.described]
        assert described == ["t000"]
        last = next(t for t in table_list.tables if t.name == "t059")
        screen.open_table(last)
        await settle(pilot)
        grid = screen.query_one(RowGrid)
        assert screen.table is not None and screen.table.name == "t059"
        assert screen.table.described and screen.table.rowid_alias == "id"
        row = grid.source.row_at(0)
        assert row is not None and row[2] == "t059 row 0"
        assert next(t for t in table_list.tables if t.name == "t059").described
        # Its foreign key leads to a table not described yet: it is described and opened.
        grid.focus()
        grid.cursor_column = 1
        await pilot.press("j")
        await settle(pilot)
        assert screen.table.name == "t058"
        assert grid.total == 1
        row = grid.source.row_at(0)
        assert row is not None and row[0] == 1


async def test_opening_another_table_while_one_is_described_opens_the_last_one(
    tmp_path: Path,
) -> None:
    app = browse_app(many_tables(tmp_path / "many.db", 5))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.get_screen_browse()
        assert screen is not None
        tables = {t.name: t for t in screen.query_one(TableList).tables}
        screen.open_table(tables["t003"])  # not described yet: a describe job starts
        screen.open_table(tables["t000"])  # described: opens at once
        await settle(pilot)
        assert screen.table is not None and screen.table.name == "t000"


def foreign_file(path: Path) -> Path:
    """Someone else's database that happens to have tables named like the app's."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, what TEXT)")
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, login TEXT)")
    conn.commit()
    conn.close()
    return path


async def test_a_foreign_file_shows_only_what_it_has(tmp_path: Path) -> None:
    app = browse_app(foreign_file(tmp_path / "foreign.db"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.get_screen_browse()
        assert screen is not None
        tables = screen.query_one(TableList).tables
        assert sorted(t.name for t in tables) == ["events", "users"]
        assert all(t.drift is Drift.NONE for t in tables)


async def test_compare_models_marks_drift_on_a_foreign_file_when_asked(tmp_path: Path) -> None:
    path = foreign_file(tmp_path / "foreign.db")
    app = DbBrowseApp(resolve_target(str(path), default_url="", compare_models=True))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.get_screen_browse()
        assert screen is not None
        tables = {t.name: t for t in screen.query_one(TableList).tables}
        assert tables["events"].drift is Drift.COLUMNS_DIFFER
        assert tables["orders"].drift is Drift.MISSING_TABLE


def test_which_targets_are_compared_with_the_models(tmp_path: Path) -> None:
    path = str(foreign_file(tmp_path / "foreign.db"))
    assert not resolve_target(path, default_url="").compare_models
    assert resolve_target(path, default_url="", compare_models=True).compare_models
    assert resolve_target(path, default_url="", ensure_schema=True).compare_models
    app_db = resolve_target(None, default_url=f"sqlite:///{tmp_path / 'app.db'}")
    assert app_db.app_database and app_db.compare_models
    assert not resolve_target("postgresql://u@h/db", default_url="").compare_models


async def test_generated_columns_are_marked_in_the_grid_header(tmp_path: Path) -> None:
    """The header's type line says which columns are generated (read, never written)."""
    path = tmp_path / "gen.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE g (id INTEGER PRIMARY KEY, a INTEGER, b AS (a * 2) STORED,"
        " c TEXT GENERATED ALWAYS AS ('x' || a) VIRTUAL, d TEXT)"
    )
    conn.execute("INSERT INTO g (a, d) VALUES (21, 'ƒ')")
    conn.commit()
    conn.close()
    app = browse_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid = app.screen.query_one(RowGrid)
        assert {c.name: c.generated for c in grid.columns} == {
            "id": False,
            "a": False,
            "b": True,
            "c": True,
            "d": False,
        }
        names, types = (grid.render_line(y).text.split(SEPARATOR) for y in (0, 1))
        # The header's gutter is blank: the first cell is the key column's.
        shown = {n.strip(): t.strip() for n, t in zip(names, types, strict=True) if n.strip()}
        assert shown == {
            "id": "integer",
            "a": "integer",
            "b": GENERATED_MARK,
            "c": f"{GENERATED_MARK} text",
            "d": "text",
        }


async def test_row_counts_come_first_for_the_tables_on_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scrolled to the end of 200 tables, the counts fill the lines one looks at first."""
    import tui.db.catalog as catalog

    gate = asyncio.Event()
    counted: list[str] = []
    original = catalog.estimate_count

    async def estimate(conn: Any, strategy: Any, info: Any) -> Any:
        counted.append(info.name)
        if len(counted) == 1:
            await gate.wait()
        return await original(conn, strategy, info)

    monkeypatch.setattr(catalog, "estimate_count", estimate)
    app = browse_app(many_tables(tmp_path / "many.db", 200))
    async with app.run_test(size=SIZE) as pilot:
        await eventually(pilot, lambda: len(counted) == 1, "the first count")
        table_list = app.screen.query_one(TableList)
        options = table_list.query_one(OptionList)
        options.scroll_end(animate=False)
        await pilot.pause()
        on_screen = [ref.name for ref in table_list.visible_refs()]
        assert "t199" in on_screen and "t000" not in on_screen
        gate.set()
        await eventually(pilot, lambda: len(counted) > len(on_screen), "more counts")
        assert set(counted[1 : len(on_screen) - 1]) <= set(on_screen)


async def test_small_tables_stay_exactly_counted_after_an_outside_commit(tmp_path: Path) -> None:
    """A commit recounts the list quickly; a 3-row table must not turn from "3" into "~3"."""
    path = many_tables(tmp_path / "few.db", 3)
    app = browse_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table_list = app.screen.query_one(TableList)
        assert all(count.exact for count in table_list.counts.values())

        def watching() -> bool:  # a commit before the monitor's first look is not news to it
            return app.inspector is not None and app.inspector.data_token is not None

        await eventually(pilot, watching, "the monitor's first look")
        with sqlite3.connect(path) as other:
            other.execute("INSERT INTO t001 (parent_id, name) VALUES (1, 'late')")
        other.close()

        def recounted() -> bool:
            counts = {ref.name: count for ref, count in table_list.counts.items()}
            return counts["t001"] == RowCount(4, exact=True)

        await eventually(pilot, recounted, "the new count of t001")
        assert all(count.exact for count in table_list.counts.values())
