"""Pilot tests of the SQLite status screen: live WAL state, actions, and not pinning the WAL."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from tests.tui.scenes import SIZE, browse_app, make_odd_database, settle
from tui.app import DbBrowseApp
from tui.screens.status import StatusScreen
from tui.widgets.row_grid import RowGrid


def wal_database(path: Path) -> Path:
    make_odd_database(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    for i in range(5):
        conn.execute("INSERT INTO people (name, age) VALUES (?, ?)", (f"wal {i}", i))
        conn.commit()
    conn.close()
    return path


@pytest.fixture
def wal_db(tmp_path: Path) -> Path:
    return wal_database(tmp_path / "wal.db")


async def open_status(pilot: Pilot[int]) -> StatusScreen:
    app = pilot.app
    assert isinstance(app, DbBrowseApp)
    await settle(pilot)
    await pilot.press("w")
    for _ in range(60):
        await pilot.pause(0.05)
        if isinstance(app.screen, StatusScreen) and app.screen.snapshot is not None:
            break
    assert isinstance(app.screen, StatusScreen)
    assert app.screen.snapshot is not None
    return app.screen


def shown(screen: StatusScreen, widget_id: str) -> str:
    return str(screen.query_one(widget_id, Static).content)


def write_transactions(path: Path, count: int) -> sqlite3.Connection:
    """Commit ``count`` transactions on a connection that stays open (so the WAL stays)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_autocheckpoint=0")
    for i in range(count):
        conn.execute("INSERT INTO people (name, age) VALUES (?, ?)", (f"live {i}", i))
        conn.commit()
    return conn


async def test_status_screen_shows_pragmas_and_live_wal(wal_db: Path) -> None:
    app = browse_app(wal_db)
    async with app.run_test(size=(140, 50)) as pilot:
        screen = await open_status(pilot)
        assert "journal_mode" in shown(screen, "#pragmas")
        assert "wal" in shown(screen, "#pragmas")
        other = write_transactions(wal_db, 5)
        try:
            for _ in range(60):
                snap = screen.snapshot
                if snap and snap.wal and snap.wal.commit_frames >= 5:
                    break
                await pilot.pause(0.05)
            snap = screen.snapshot
            assert snap is not None
            assert snap.wal is not None
            assert snap.wal.commit_frames >= 5
            assert "transactions" in shown(screen, "#wal")
            assert "frames" in shown(screen, "#summary")
        finally:
            other.close()


@pytest.mark.parametrize("flag", ["--read-only", "--immutable"])
async def test_read_only_disables_actions(wal_db: Path, flag: str) -> None:
    app = browse_app(wal_db, read_only=flag == "--read-only", immutable=flag == "--immutable")
    async with app.run_test(size=(140, 50)) as pilot:
        screen = await open_status(pilot)
        assert f"(opened with {flag})" in shown(screen, "#action-result")
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, StatusScreen)  # no confirmation was asked
        refused = shown(screen, "#action-result")
        assert "disabled" in refused and flag in refused  # the flag in effect, by name


async def test_checkpoint_truncate_empties_the_wal(wal_db: Path) -> None:
    app = browse_app(wal_db)
    async with app.run_test(size=(140, 50)) as pilot:
        screen = await open_status(pilot)
        write_transactions(wal_db, 3).close()
        other = write_transactions(wal_db, 2)  # stays open: the WAL is not removed on close
        assert wal_db.with_name("wal.db-wal").stat().st_size > 0
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert "TRUNCATE" in shown(screen, "#action-result").upper()
        # Looked at before ``other`` closes: a write closes dbbrowse's reads, so ``other``
        # may be the last connection, whose close deletes the (empty) WAL.
        assert wal_db.with_name("wal.db-wal").stat().st_size == 0
        other.close()


async def test_dbbrowse_does_not_pin_the_wal(wal_db: Path) -> None:
    """While dbbrowse browses and monitors, another connection can checkpoint everything."""
    app = browse_app(wal_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid = app.screen.query_one(RowGrid)
        grid.focus()
        await pilot.press("end", "home", "pagedown")
        await settle(pilot)
        await pilot.pause(1.2)  # let the monitor poll at least once
        other = sqlite3.connect(wal_db)
        other.execute("INSERT INTO people (name) VALUES ('writer')")
        other.commit()
        busy, log, done = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        other.close()
        assert busy == 0
        assert log == done
        assert wal_db.with_name("wal.db-wal").stat().st_size == 0


@pytest.fixture
def writer(wal_db: Path) -> Iterator[subprocess.Popen[str]]:
    code = (
        "import sqlite3, sys\n"
        f"c = sqlite3.connect({str(wal_db)!r}, isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "c.execute(\"INSERT INTO people (name) VALUES ('held')\")\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        yield proc
    finally:
        proc.kill()
        proc.wait()


async def test_checkpoint_against_a_writer_reports_busy(
    wal_db: Path, writer: subprocess.Popen[str]
) -> None:
    app = browse_app(wal_db)
    async with app.run_test(size=(140, 50)) as pilot:
        screen = await open_status(pilot)
        holders = screen.snapshot.holders if screen.snapshot else ()
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        result = shown(screen, "#action-result").lower()
        assert "busy" in result or "blocked" in result or "not" in result
        for _ in range(40):
            if any(h.pid == writer.pid for h in holders):
                break
            await pilot.pause(0.05)
            holders = screen.snapshot.holders if screen.snapshot else ()
        assert any(h.pid == writer.pid and h.lock == "write" for h in holders)


@pytest.mark.parametrize("opt_in", [True, False])
async def test_checkpoint_on_close_is_opt_in(wal_db: Path, opt_in: bool) -> None:
    from tui.db.target import resolve_target

    other = write_transactions(wal_db, 3)  # keeps the WAL alive past our own close
    try:
        app = DbBrowseApp(resolve_target(str(wal_db), default_url=""), checkpoint_on_close=opt_in)
        async with app.run_test(size=(140, 50)) as pilot:
            await open_status(pilot)
            await pilot.press("o")  # optimize: a write by dbbrowse
            await pilot.pause()
            await pilot.press("y")
            await settle(pilot)
            assert app.source is not None
            assert app.source.wrote
            write_transactions(wal_db, 2).close()
            assert wal_db.with_name("wal.db-wal").stat().st_size > 0
        wal_size = wal_db.with_name("wal.db-wal").stat().st_size
        assert (wal_size == 0) is opt_in
    finally:
        other.close()


async def test_wal_autocheckpoint_setting_applies_to_every_connection(wal_db: Path) -> None:
    from sqlalchemy import text

    app = browse_app(wal_db)
    async with app.run_test(size=(140, 50)) as pilot:
        await open_status(pilot)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"123", "enter")
        await settle(pilot)
        assert app.source is not None
        source = app.source

        async def read(conn: object) -> object:
            result = await conn.execute(text("PRAGMA wal_autocheckpoint"))  # type: ignore[attr-defined]
            return result.scalar()

        values = await asyncio.gather(*(source.run(read) for _ in range(3)))
        assert values == [123, 123, 123]


async def test_switching_wal_to_delete_and_back(wal_db: Path) -> None:
    app = browse_app(wal_db)
    async with app.run_test(size=(140, 50)) as pilot:
        screen = await open_status(pilot)
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert "delete" in shown(screen, "#action-result")
        with sqlite3.connect(wal_db) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        conn.close()
        # The monitor picks up the new mode; then the same key goes back to WAL.
        for _ in range(60):
            snap = screen.snapshot
            if snap and snap.pragmas and not snap.pragmas.is_wal:
                break
            await pilot.pause(0.05)
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert "wal" in shown(screen, "#action-result")
        # Browsing still works on the reopened connections.
        browse = app.get_screen_browse()
        assert browse is not None
        assert browse.window is not None


async def test_actions_refuse_a_database_file_that_is_gone(wal_db: Path) -> None:
    """Deleted while open: no action runs, and no new empty database appears in its place."""
    app = browse_app(wal_db)
    async with app.run_test(size=(140, 50)) as pilot:
        screen = await open_status(pilot)
        for name in ("wal.db", "wal.db-wal", "wal.db-shm"):
            wal_db.with_name(name).unlink(missing_ok=True)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, StatusScreen)  # refused before asking
        assert "was not run" in shown(screen, "#action-result")
        assert "no longer exists" in shown(screen, "#action-result")
    assert not wal_db.exists()


async def test_blocking_checkpoints_say_how_long_writers_wait(wal_db: Path) -> None:
    from tui.screens.confirm import ConfirmScreen

    app = browse_app(wal_db)
    async with app.run_test(size=(140, 50)) as pilot:
        await open_status(pilot)
        for key, waits in (("F", "250 ms"), ("R", "500 ms"), ("t", "500 ms")):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            question = str(app.screen.query_one("#confirm-detail", Static).render())
            assert "writers wait while it runs" in question
            assert waits in question
            assert "database is locked" in question
            await pilot.press("n")
            await pilot.pause()


LONG_NAME = "dnd5e-2014-a-really-long-database-file-name-for-testing-layout.sqlite3"


@pytest.mark.parametrize("width", [80, 120, 160])
async def test_long_names_and_values_keep_to_their_columns(tmp_path: Path, width: int) -> None:
    """At any width a value starts on its label's line and wraps under itself, the WAL file
    and wal-index panels never run into each other, and a long file name breaks after a
    ``-`` or ``.``, never in the middle of a word (hostile 13, finding 15)."""
    from tests.tui.test_hostile import screen_lines

    path = wal_database(tmp_path / LONG_NAME)
    writer = write_transactions(path, 3)  # open: the -wal and -shm stay
    try:
        app = browse_app(path)
        async with app.run_test(size=(width, 100)) as pilot:  # all of both panels
            await open_status(pilot)
            await settle(pilot)
            lines = screen_lines(app)
    finally:
        writer.close()
    left = [line.split("▕")[0].strip() for line in lines if "▕" in line]
    start = next(i for i, piece in enumerate(left) if piece.startswith("dnd5e-"))
    pieces = [piece for piece in left[start:] if piece][:4]
    pieces = pieces[: next(i for i, p in enumerate(pieces) if p.endswith("sqlite3")) + 1]
    assert "".join(pieces) == LONG_NAME, pieces
    assert all(piece[-1] in "-._" for piece in pieces[:-1]), pieces
    screen = "\n".join(lines)
    for label, value in [
        ("size", r"\d"),
        ("magic", "0x377f0682"),
        ("format", "3007000"),
        ("page size", "4,096"),
        ("mxFrame", r"\d"),
        ("read marks", r"\d"),
        ("nBackfillAttempted", r"\d"),
    ]:
        assert re.search(rf"  {label} +{value}", screen), (label, screen)
    # Two panels side by side keep a gap: no number runs into the next panel's.
    assert not re.search(r"\d,\d{3}\d", screen), screen


async def test_a_checkpoint_held_back_by_a_reader_names_it(tmp_path: Path) -> None:
    """The result of a checkpoint that left frames behind names the reader process that
    keeps them, as the screen's own explanation does (hostile 13, finding 13)."""
    from tests.tui.db.walhelpers import holding, wal_connection

    db = tmp_path / "pinned.db"
    writer = wal_connection(db)
    writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    writer.execute("INSERT INTO t (v) VALUES ('before the reader')")
    try:
        with holding(db) as reader:
            for i in range(2):  # two commits the reader's snapshot does not see
                writer.execute("INSERT INTO t (v) VALUES (?)", (f"after {i}",))
            app = browse_app(db)
            async with app.run_test(size=(140, 50)) as pilot:
                screen = await open_status(pilot)
                await pilot.press("p")
                await pilot.pause()
                if not isinstance(app.screen, StatusScreen):  # a confirmation first
                    await pilot.press("y")
                await settle(pilot)
                result = shown(screen, "#action-result")
        assert result.startswith("3 of 5 WAL frames copied back into the database; frames 4–5")
        assert f"still needed by the read transaction of process {reader.pid}" in result
        assert "reader's snapshot" not in result
    finally:
        writer.close()


async def test_a_full_checkpoints_question_names_the_reader_that_pins_frames(
    tmp_path: Path,
) -> None:
    """Before it runs, not only in its result (hostile2, F13)."""
    from tests.tui.db.walhelpers import holding, wal_connection
    from tui.screens.confirm import ConfirmScreen

    db = tmp_path / "pinned.db"
    writer = wal_connection(db)
    writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    writer.execute("INSERT INTO t (v) VALUES ('before the reader')")
    try:
        with holding(db) as reader:
            for i in range(2):  # two commits the reader's snapshot does not see
                writer.execute("INSERT INTO t (v) VALUES (?)", (f"after {i}",))
            app = browse_app(db)
            async with app.run_test(size=(140, 50)) as pilot:
                await open_status(pilot)
                await pilot.press("F")
                await settle(pilot)
                assert isinstance(app.screen, ConfirmScreen)
                question = " ".join(app.screen._detail.split())
                await pilot.press("n")
        assert "Right now frames 4–5 are still needed by the read transaction of" in question
        assert f"process {reader.pid}" in question
    finally:
        writer.close()
