"""Pilot tests: the export dialog (ctrl+e) and the copy menu (y) of the browse screen."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Label, Select

from tests.tui.scenes import eventually, running, settle, table
from tui.db.export_formats import ExportFormat, row_writer
from tui.screens.copy_menu import CopyScreen
from tui.screens.export_dialog import ExportScreen

LONG = "start " + "x" * 5000 + " end"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    conn = sqlite3.connect(path)
    conn.execute('CREATE TABLE "my items" (id INTEGER PRIMARY KEY, "select" TEXT, n, data BLOB)')
    conn.executemany(
        'INSERT INTO "my items" VALUES (?, ?, ?, ?)',
        [(1, LONG, 1, b"\x00\xff"), (2, "", "1", None), (3, None, 2**63 - 1, b"")],
    )
    conn.commit()
    conn.close()
    return path


async def _open_dialog(pilot: object, screen: object) -> ExportScreen:
    await pilot.press("ctrl+e")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    dialog = screen.app.screen  # type: ignore[attr-defined]
    assert isinstance(dialog, ExportScreen)
    return dialog


async def test_the_dialog_exports_the_view_to_the_file_named(db: Path, tmp_path: Path) -> None:
    async with running(db) as (app, pilot, screen, _grid, _status):
        dialog = await _open_dialog(pilot, screen)
        assert dialog.query_one("#export-path", Input).value == "my_items.csv"
        dialog.query_one("#export-format", Select).value = ExportFormat.JSONL
        await pilot.pause()
        out = tmp_path / "items.jsonl"
        dialog.query_one("#export-path", Input).value = str(out)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        assert [r["id"] for r in rows] == [1, 2, 3]
        assert rows[0]["select"] == LONG  # whole, not the grid's preview
        assert (rows[1]["select"], rows[2]["select"]) == ("", None)
        assert (rows[0]["n"], rows[1]["n"]) == (1, "1")
        assert rows[2]["n"] == 2**63 - 1
        assert any("exported 3 rows" in n.message for n in app._notifications)


async def test_the_dialog_refuses_the_database_file_and_asks_before_replacing(
    db: Path, tmp_path: Path
) -> None:
    before = db.read_bytes()
    async with running(db) as (app, pilot, screen, _grid, _status):
        dialog = await _open_dialog(pilot, screen)
        path_input = dialog.query_one("#export-path", Input)
        path_input.value = str(db)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        assert "database's own file" in str(dialog.query_one("#export-error", Label).content)
        earlier = tmp_path / "earlier.csv"
        earlier.write_text("keep me\n")
        path_input.value = str(earlier)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog  # asked first
        assert "exists" in str(dialog.query_one("#export-error", Label).content)
        assert earlier.read_text() == "keep me\n"
        await pilot.press("enter")  # again: replace it
        await settle(pilot)
        assert app.screen is screen
        assert earlier.read_bytes().startswith(b'"id","select","n","data"\r\n1,"start x')
    assert db.read_bytes() == before


async def test_esc_cancels_a_running_export_and_no_file_appears(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    import tui.db.export as export

    def slow_writer(*args: Any, **kwargs: Any) -> Any:
        writer = row_writer(*args, **kwargs)
        write = writer.write_rows

        def slowly(rows: Any) -> None:
            time.sleep(0.05)  # in the writer's thread: the export takes seconds, not less
            write(rows)

        writer.write_rows = slowly  # type: ignore[method-assign]
        return writer

    monkeypatch.setattr(export, "row_writer", slow_writer)
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE numbers (id INTEGER PRIMARY KEY, v TEXT)")
    conn.executemany("INSERT INTO numbers (v) VALUES (?)", [(f"row {i}",) for i in range(300_000)])
    conn.commit()
    conn.close()
    async with running(db) as (app, pilot, screen, _grid, status):
        screen.open_table(table(screen, "numbers"))
        await settle(pilot)
        dialog = await _open_dialog(pilot, screen)
        out = tmp_path / "big.csv"
        dialog.query_one("#export-path", Input).value = str(out)
        await pilot.press("enter")
        await eventually(
            pilot,
            lambda: "exporting" in status.jobs,
            f"export {[n.message for n in app._notifications]}",
        )
        await pilot.press("escape")
        await settle(pilot)
        assert not screen.running("export")
        assert "exporting" not in status.jobs
        assert any("export cancelled" in n.message for n in app._notifications)
    assert sorted(p.name for p in tmp_path.iterdir() if "big" in p.name) == []


@pytest.mark.parametrize(
    ("key", "column", "expected"),
    [
        ("c", 1, LONG),
        ("r", 0, f"1\t{LONG}\t1\tAP8="),
        ("n", 1, "select"),
    ],
)
async def test_copy_sends_whole_values_to_the_clipboard_and_a_file(
    db: Path, tmp_path: Path, key: str, column: int, expected: str
) -> None:
    async with running(db) as (app, pilot, _screen, grid, _status):
        grid.focus()
        grid.cursor_column = column
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, CopyScreen)
        await pilot.press(key)
        await settle(pilot)
        assert app.clipboard == expected
        saved = tmp_path / "xdg-state" / "dbbrowse" / "clipboard.txt"
        assert saved.read_text() == expected


async def test_copy_row_as_json_and_the_view_sql_runs_as_shown(db: Path) -> None:
    async with running(db) as (app, pilot, _screen, grid, _status):
        grid.focus()
        await pilot.press("y", "j")
        await settle(pilot)
        assert json.loads(app.clipboard) == {
            "id": 1,
            "select": LONG,
            "n": 1,
            "data": {"$base64": "AP8="},
        }
        await pilot.press("y", "s")
        await settle(pilot)
        sql = app.clipboard
        assert '"my items"' in sql
    conn = sqlite3.connect(db)
    assert [r[0] for r in conn.execute(sql)] == [1, 2, 3]
    conn.close()


async def test_copying_a_null_cell_says_so_and_copies_nothing(db: Path) -> None:
    async with running(db) as (app, pilot, _screen, grid, _status):
        grid.focus()
        grid.cursor_row, grid.cursor_column = 2, 1
        app.copy_to_clipboard("before")
        await pilot.press("y", "c")
        await settle(pilot)
        assert app.clipboard == "before"
        assert any("NULL" in n.message for n in app._notifications)
