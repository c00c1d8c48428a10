"""An inspector never changes what it inspects: after browsing every table and quitting, the
database, its WAL and its -shm hold the same bytes, unless --checkpoint-on-close asked
otherwise."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tui.scenes import SIZE, browse_app, make_odd_database, settle
from tui.app import DbBrowseApp
from tui.db.no_checkpoint import checkpoint_on_close_disabled, disable_checkpoint_on_close
from tui.db.target import resolve_target
from tui.db.wal import WAL_HEADER_SIZE
from tui.screens.status import StatusScreen
from tui.widgets.row_grid import RowGrid
from tui.widgets.table_list import TableList

# Commits argv[2] transactions on argv[1] in WAL mode, then exits without closing, as a
# crashed or killed writer would: the WAL keeps every frame.
_WRITER = """
import os, sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA journal_mode=WAL")
con.execute("PRAGMA wal_autocheckpoint=0")
for i in range(int(sys.argv[2])):
    con.execute("INSERT INTO people (name, age) VALUES (?, ?)", (f"wal {i}", i))
os._exit(0)
"""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def frames(wal: Path, page_size: int) -> int:
    return (wal.stat().st_size - WAL_HEADER_SIZE) // (page_size + 24)


def wal_left_by_a_crashed_writer(path: Path, transactions: int) -> Path:
    make_odd_database(path)
    subprocess.run([sys.executable, "-c", _WRITER, str(path), str(transactions)], check=True)
    wal = path.with_name(path.name + "-wal")
    assert wal.stat().st_size > WAL_HEADER_SIZE
    return wal


async def browse_everything_and_quit(app: DbBrowseApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.get_screen_browse()
        assert screen is not None
        for table in list(screen.query_one(TableList).tables):
            screen.open_table(table)
            await settle(pilot)
            screen.query_one(RowGrid).focus()
            await pilot.press("end", "home")
            await settle(pilot)
        await pilot.press("w")
        for _ in range(100):
            await pilot.pause(0.05)
            if isinstance(app.screen, StatusScreen) and app.screen.snapshot is not None:
                break
        assert isinstance(app.screen, StatusScreen)
        await pilot.press("escape")
        await settle(pilot)


async def test_quitting_keeps_a_wal_dbbrowse_did_not_write(tmp_path: Path) -> None:
    db = tmp_path / "kept.db"
    wal = wal_left_by_a_crashed_writer(db, 40)
    page_size = sqlite3.connect(":memory:").execute("PRAGMA page_size").fetchone()[0]
    shm = db.with_name("kept.db-shm")
    before = (digest(db), digest(wal), frames(wal, page_size), digest(shm))
    assert before[2] >= 40
    await browse_everything_and_quit(browse_app(db))
    assert wal.exists(), "closing deleted the WAL"
    assert (digest(db), digest(wal), frames(wal, page_size), digest(shm)) == before


async def test_quitting_keeps_a_rollback_journal_database_as_it_was(tmp_path: Path) -> None:
    db = make_odd_database(tmp_path / "plain.db")
    before = digest(db)
    await browse_everything_and_quit(browse_app(db))
    assert digest(db) == before
    assert not db.with_name("plain.db-wal").exists()
    assert not db.with_name("plain.db-journal").exists()


async def test_checkpoint_on_close_still_truncates_a_wal_dbbrowse_wrote(tmp_path: Path) -> None:
    db = tmp_path / "wrote.db"
    wal = wal_left_by_a_crashed_writer(db, 10)
    app = DbBrowseApp(resolve_target(str(db), default_url=""), checkpoint_on_close=True)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("o", "y")  # optimize: a write by dbbrowse
        await settle(pilot)
        assert app.source is not None
        assert app.source.wrote
    assert not wal.exists() or wal.stat().st_size == 0


@pytest.mark.parametrize("where", ["file", ":memory:"])
def test_the_flag_is_set_and_read_back(tmp_path: Path, where: str) -> None:
    conn = sqlite3.connect(tmp_path / "f.db" if where == "file" else where)
    try:
        assert checkpoint_on_close_disabled(conn) is False
        assert disable_checkpoint_on_close(conn)
        assert checkpoint_on_close_disabled(conn) is True
    finally:
        conn.close()


def test_a_wal_survives_closing_a_flagged_connection(tmp_path: Path) -> None:
    """The check that the flag is SQLite's own: without it the same close deletes the WAL."""
    for flagged in (True, False):
        db = tmp_path / f"flag-{flagged}.db"
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (x)")
        if flagged:
            assert disable_checkpoint_on_close(conn)
        conn.close()
        assert db.with_name(db.name + "-wal").exists() is flagged
