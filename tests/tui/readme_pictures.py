"""The README's pictures: ``python -m tests.tui.readme_pictures [NAME ...]`` (run by
``make screenshots`` after the snapshot scenes).

Each picture is a scene: a real database, the real app headless at a fixed size, keys
pressed, every job waited for, then the screen saved as ``screenshots/NAME.svg`` and drawn
as ``NAME.png`` by :mod:`tests.tui.terminal_png` (monospace, cell by cell). The databases are
the demo shop that ``python -m app.demo`` writes and the 10,000,000-row events table of the
browse benchmark, generated once into ``$XDG_CACHE_HOME/dbbrowse-screens`` (outside the
repository; the events table takes a few minutes and about 1.5 GB the first time). The WAL
scene works on a copy of the shop, with a reader in another process holding a read
transaction while a writer commits. Nothing here reads or writes the test baselines.

Deterministic where it can be: no user configuration (XDG directories and ``DATABASE_URL``
in a scratch folder, TZ=UTC), relative paths only, the SQLite library line pinned as in the
snapshot tests, and the pinning reader's process id and command line replaced by fixed ones
(the locks, frames and read marks are the real ones).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "screenshots"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dbbrowse-screens"
BIG_ROWS = 10_000_000

Drive = Callable[[Any], Awaitable[None]]


@dataclass(frozen=True)
class Scene:
    name: str
    what: str  # what a person sees, for the report and the README
    database: str  # "shop", "events", "wal" (a pinned copy of the shop) or "copy" (of the shop)
    size: tuple[int, int]
    drive: Drive


# -- databases ---------------------------------------------------------------------------


def shop_database() -> Path:
    """The demo shop, as ``make demo`` makes it (200,000 events), generated once."""
    path = CACHE / "shop.db"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = CACHE / "shop.tmp"
        for leftover in CACHE.glob("shop.tmp*"):
            leftover.unlink()
        print("generating the demo shop (once)…", flush=True)
        subprocess.run(
            [sys.executable, "-m", "app.demo", "--url", f"sqlite:///{tmp}", "--events", "200000"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        tmp.rename(path)
    return path


def events_database() -> Path:
    """The browse benchmark's 10,000,000 events, generated once into the cache."""
    from bench.browse import database

    return database(BIG_ROWS, CACHE)


READER = """\
import sqlite3, sys
reader = sqlite3.connect(sys.argv[1], isolation_level=None)
reader.execute("BEGIN")
reader.execute("SELECT count(*) FROM orders").fetchone()
print("reading", flush=True)
sys.stdin.readline()
"""


_COMMIT_ORDERS = """
import sqlite3, sys
path, transactions, start = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
writer = sqlite3.connect(path, isolation_level=None)
writer.execute("PRAGMA wal_autocheckpoint=0")
for i in range(start, start + transactions):
    writer.execute("BEGIN")
    writer.execute(
        "UPDATE orders SET status = 'shipped', shipped_on = '2024-06-01'"
        " WHERE id BETWEEN ? AND ?",
        (i * 40 + 1, i * 40 + 40),
    )
    writer.execute("COMMIT")
writer.close()  # not the last connection: the reader keeps the WAL and -shm in place
"""


def commit_orders(path: Path | str, transactions: int, start: int) -> None:
    """``transactions`` commits of 40 orders shipped each, automatic checkpoints off, by
    another process, as a user's other program would: a writer in the app's own process
    cannot write while the app reads through read-only -shm connections (SQLite shares one
    -shm mapping per process)."""
    subprocess.run(
        [sys.executable, "-c", _COMMIT_ORDERS, str(path), str(transactions), str(start)],
        check=True,
    )


def pinned_wal(folder: Path) -> tuple[Path, subprocess.Popen[str]]:
    """A copy of the shop in WAL mode: 4 commits, then a reader (another process) opens a read
    transaction and keeps it, then 4 more commits and a checkpoint, which copies the frames
    before the reader's snapshot and no further. The scene commits more while it watches."""
    (folder / "live").mkdir(exist_ok=True)
    path = folder / "live" / "shop.db"
    shutil.copyfile(shop_database(), path)
    # Open until the reader is: closing the last connection would checkpoint and delete the WAL.
    keeper = sqlite3.connect(path)
    assert keeper.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    commit_orders(path, 4, 0)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, path.name],
        cwd=path.parent,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout is not None and reader.stdout.readline().strip() == "reading"
    keeper.close()
    commit_orders(path, 4, 4)
    checkpoint = sqlite3.connect(path)
    checkpoint.execute("PRAGMA wal_checkpoint(PASSIVE)")
    checkpoint.close()
    return path, reader


# -- what the screen must not take from the machine ---------------------------------------


def pin_machine_details(reader_pid: int | None) -> None:
    """The SQLite library line (the machine's version and options) pinned as the snapshot
    tests pin it; the reader's pid and command line made fixed."""
    import tui.db.inspector
    from tests.tui.scenes import pinned_pragmas
    from tui.db.locks import LockHolder, probe_wal_locks

    def fixed_holders(shm: Any) -> list[LockHolder]:
        holders = probe_wal_locks(shm)
        return [
            replace(h, pid=4242, cmdline="python nightly_report.py shop.db")
            if h.pid == reader_pid
            else h
            for h in holders
        ]

    # What the inspector imported, replaced where it looks them up (as monkeypatch would).
    vars(tui.db.inspector).update(read_pragmas=pinned_pragmas, probe_wal_locks=fixed_holders)


# -- driving the app -----------------------------------------------------------------------


async def settle(pilot: Any) -> None:
    """Every job done and the status monitor's first reading shown."""
    from tests.tui.scenes import settle as settle_work

    await settle_work(pilot)
    for _ in range(200):
        if pilot.app.inspector is not None and pilot.app.inspector.last is not None:
            break
        await pilot.pause(0.02)
    await settle_work(pilot)


async def open_table(pilot: Any, name: str) -> None:
    """``name`` opened from the table list, the list's filter emptied again (all tables shown,
    the open one highlighted)."""
    from textual.widgets import Input

    from tui.widgets.table_list import TableList

    await pilot.press("ctrl+t", *name, "enter")
    await settle(pilot)
    tables = pilot.app.screen.query_one(TableList)
    tables.query_one("#table-filter", Input).value = ""
    await settle(pilot)
    tables.select(next(t.ref for t in tables.tables if t.name == name))
    pilot.app.screen.query_one("#grid").focus()
    await settle(pilot)


async def to_column(pilot: Any, name: str) -> None:
    """The grid's cursor moved right to the column ``name``."""
    from tui.widgets.row_grid import RowGrid

    grid = pilot.app.screen.query_one(RowGrid)
    names = [column.name for column in grid.columns]
    steps = names.index(name) - grid.cursor_column
    await pilot.press(*["right" if steps > 0 else "left"] * abs(steps))


async def shop(pilot: Any) -> None:
    await open_table(pilot, "customers")
    await pilot.press("down", "down", "down", "down", "down", "down", "down")
    await settle(pilot)
    await to_column(pilot, "name")
    await settle(pilot)


async def events_end(pilot: Any) -> None:
    await open_table(pilot, "events")
    await pilot.press("end")
    await settle(pilot)


async def cell_json(pilot: Any) -> None:
    await open_table(pilot, "products")
    await pilot.press("down", "down")
    await to_column(pilot, "attributes")
    await pilot.press("enter")
    await settle(pilot)


async def cell_blob(pilot: Any) -> None:
    await open_table(pilot, "attachments")
    await pilot.press("g", *"7", "enter")  # photo-80.png: the PNG signature in the dump
    await settle(pilot)
    await to_column(pilot, "data")
    await pilot.press("enter")
    await settle(pilot)


async def schema(pilot: Any) -> None:
    await open_table(pilot, "orders")
    await pilot.press("v")
    await settle(pilot)


async def status_wal(pilot: Any) -> None:
    """The status screen watching: two commits after each of its first six readings, so the
    WAL's growth behind the reader is drawn and warned about."""
    from tui.screens.status import StatusScreen

    await open_table(pilot, "orders")
    await pilot.press("w")
    seen = None
    for step in range(7):
        for _ in range(400):
            screen = pilot.app.screen
            if isinstance(screen, StatusScreen) and screen.snapshot not in (None, seen):
                seen = screen.snapshot
                break
            await pilot.pause(0.01)
        if step < 6:
            commit_orders("live/shop.db", 2, 8 + 2 * step)
    await settle(pilot)


async def filter_dialog(pilot: Any) -> None:
    """customers filtered to three countries (their matches highlighted in the grid), and the
    dialog open again on the name column, adding a second condition."""
    from textual.widgets import Input, Select

    from tui.db.paging import FilterOp

    async def condition(column: str, op: FilterOp, value: str, *, add: bool) -> None:
        await to_column(pilot, column)
        await pilot.press("f")
        await settle(pilot)
        dialog = pilot.app.screen
        dialog.query_one("#filter-op", Select).value = op
        field = dialog.query_one("#filter-value", Input)
        field.cursor_blink = False
        field.value = value
        field.cursor_position = len(value)
        await settle(pilot)
        if add:
            await pilot.press("enter")
            await settle(pilot)

    await open_table(pilot, "customers")
    await condition("country", FilterOp.IN, "JP, KR, TW", add=True)
    await condition("name", FilterOp.CONTAINS, "子", add=False)


async def edit_cell(pilot: Any, column: str, value: str | None) -> None:
    """``e`` on ``column`` of the cursor's row; ``value`` typed, or None: ctrl+n (NULL)."""
    from textual.widgets import Input

    await to_column(pilot, column)
    await pilot.press("e")
    await settle(pilot)
    if value is None:
        await pilot.press("ctrl+n")
    else:
        editor = pilot.app.screen.query_one("#editor", Input)
        editor.cursor_blink = False
        editor.value = value
        await pilot.press("enter")
    await settle(pilot)


async def editing(pilot: Any) -> None:
    """customers with changes staged, none saved: a name, a NULL, a tier, a row deleted."""
    await open_table(pilot, "customers")
    await pilot.press("down", "down")
    await edit_cell(pilot, "name", "Ángel Peña Ruiz")
    await pilot.press("down")
    await edit_cell(pilot, "country", None)
    await pilot.press("down", "down")
    await edit_cell(pilot, "tier", "gold")
    await pilot.press("down", "d")
    await settle(pilot)
    await pilot.press("y")  # the deletion's confirmation (it says what ON DELETE takes)
    await settle(pilot)
    await to_column(pilot, "name")
    await settle(pilot)


async def pending(pilot: Any) -> None:
    """Those changes listed with the statements save would run."""
    await editing(pilot)
    await pilot.press("p")
    await settle(pilot)


CONSOLE_SQL = """\
SELECT c.country, count(*) AS orders, round(sum(o.total), 2) AS revenue
FROM orders AS o JOIN customers AS c ON c.id = o.customer_id
WHERE o.status <> 'cancelled'
GROUP BY c.country
ORDER BY revenue DESC"""


async def console(pilot: Any) -> None:
    from tui.widgets.sql_editor import SqlEditor

    await open_table(pilot, "orders")
    await pilot.press("ctrl+o")
    await settle(pilot)
    editor = pilot.app.screen.query_one(SqlEditor)
    editor.cursor_blink = False
    editor.load_text(CONSOLE_SQL)
    editor.move_cursor(editor.document.end)
    await pilot.press("ctrl+j")
    await settle(pilot)


SCENES = (
    Scene("shop", "the demo shop's customers, 160 columns", "shop", (160, 40), shop),
    Scene("events_end", "10,000,000 events scrolled to the end", "events", (120, 32), events_end),
    Scene("cell_json", "a product's JSON attributes, pretty-printed", "shop", (120, 32), cell_json),
    Scene("cell_blob", "an attachment's bytes as a hex dump", "shop", (120, 32), cell_blob),
    Scene("schema", "the orders table's schema", "shop", (120, 40), schema),
    Scene("status_wal", "the status screen: a reader pins the WAL", "wal", (160, 48), status_wal),
    Scene("filter", "the filter dialog, a second condition", "shop", (150, 32), filter_dialog),
    Scene("console", "the SQL console with a grouped query's result", "shop", (120, 36), console),
    Scene("editing", "customers with four changes staged", "copy", (160, 32), editing),
    Scene("pending", "the staged changes and their statements", "copy", (120, 40), pending),
)  # fmt: skip


async def take(scene: Scene, database: str) -> str:
    """The scene's screen as a Rich SVG."""
    from tests.tui.scenes import browse_app

    app = browse_app(database)
    async with app.run_test(size=scene.size) as pilot:
        await settle(pilot)
        await scene.drive(pilot)
        await settle(pilot)
        return app.export_screenshot(title="dbbrowse")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only these scenes")
    args = parser.parse_args(argv)
    scenes = [s for s in SCENES if not args.names or s.name in args.names]
    from tests.tui.terminal_png import check_fonts, svg_to_png

    check_fonts()
    started = time.monotonic()
    databases = {"shop": shop_database()}
    if any(s.database == "events" for s in scenes):
        databases["events"] = events_database()
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dbbrowse-pictures-") as scratch:
        folder = Path(scratch)
        os.environ.update(
            DATABASE_URL=f"sqlite:///{folder / 'app.db'}",
            XDG_CONFIG_HOME=str(folder / "config"),
            XDG_STATE_HOME=str(folder / "state"),
            XDG_DATA_HOME=str(folder / "data"),
            TZ="UTC",
        )
        for variable in ("BUSY_TIMEOUT_MS", "SQL_ECHO", "DBBROWSE_CONFIG"):
            os.environ.pop(variable, None)
        time.tzset()
        os.chdir(folder)
        for scene in scenes:
            began = time.monotonic()
            reader = None
            if scene.database == "wal":
                database, reader = pinned_wal(folder)
            elif scene.database == "copy":
                # Nothing is saved, but a scene that edits never opens the cached original.
                (folder / "copy").mkdir(exist_ok=True)
                database = folder / "copy" / "shop.db"
                shutil.copyfile(databases["shop"], database)
            else:
                # A link in the scratch folder: the screen shows a short relative name.
                database = folder / f"{scene.database}.db"
                if not database.exists():
                    database.symlink_to(databases[scene.database])
            try:
                pin_machine_details(reader.pid if reader else None)
                # Relative to the scratch folder: no absolute path on the screen.
                svg = asyncio.run(take(scene, str(database.relative_to(folder))))
            finally:
                if reader is not None:
                    reader.kill()
                    reader.wait()
            target = OUT / f"{scene.name}.svg"
            target.write_text(svg, encoding="utf-8")
            svg_to_png(target, target.with_suffix(".png"))
            print(
                f"screenshots/{scene.name}.png  {time.monotonic() - began:5.1f} s  {scene.what}",
                flush=True,
            )
    print(f"{len(scenes)} pictures in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
