"""Pilot tests: browsing the database as it stood after a commit of its WAL (``--as-of K``, or
from the live view), read-only, while the database goes on changing."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.tui.db.asofhelpers import digests
from tests.tui.db.walhelpers import wal_connection
from tests.tui.scenes import SIZE, apply_filter, browse_app, settle
from tests.tui.test_browse import open_table
from tui.app import DbBrowseApp
from tui.db.conditions import FilterOp
from tui.db.target import resolve_target
from tui.screens.browse import BrowseScreen
from tui.screens.cell_detail import CellDetailScreen
from tui.screens.past_browse import PastBrowseScreen
from tui.widgets.row_grid import RowGrid
from tui.widgets.status_bar import StatusBar


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """``h.db``: commit 1 creates t, 2 inserts 50 rows, 3 updates them, 4 deletes half."""
    con = wal_connection(tmp_path / "h.db")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)")
    con.execute("BEGIN")
    for i in range(1, 51):
        con.execute("INSERT INTO t VALUES (?, ?, ?)", (i, f"row {i}", i * 10))
    con.execute("COMMIT")
    con.execute("UPDATE t SET name = upper(name) || ' [b]x[/b]'")
    con.execute("DELETE FROM t WHERE id > 25")
    yield con
    con.close()


def rows(grid: RowGrid) -> list[tuple[object, ...]]:
    out = []
    for position in range(grid.total):
        row = grid.source.row_at(position)
        assert row is not None
        out.append(tuple(row))
    return out


async def test_as_of_a_commit_from_the_command_line(
    tmp_path: Path, writer: sqlite3.Connection
) -> None:
    db = tmp_path / "h.db"
    app = DbBrowseApp(resolve_target(str(db), default_url="", as_of=2), read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_table(pilot, "t")
        grid = screen.query_one(RowGrid)
        status = screen.query_one(StatusBar)
        assert status.database == "h.db as of commit 2 (of 4)"
        assert status.mode == "PAST STATE · READ-ONLY"
        assert grid.total == 50
        assert grid.source.row_at(0) == (1, "row 1", 10)
        # The live database goes on; the past state does not move.
        writer.execute("DELETE FROM t")
        changed = digests(db)
        grid.focus()
        grid.cursor_column = 2
        await pilot.press("s", "s")  # n, descending
        await settle(pilot)
        assert grid.source.row_at(0) == (50, "row 50", 500)
        assert grid.total == 50
        # Filter (a regexp: dbbrowse's own function, on the APSW connection): row 1, its tens.
        grid.cursor_column = 1
        await apply_filter(pilot, FilterOp.REGEXP, "^row 1")
        assert sorted(r[0] for r in rows(grid)) == [1, *range(10, 20)]  # type: ignore[type-var]
        # Cell detail, and no edit is possible.
        grid.cursor_row, grid.cursor_column = 0, 1
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CellDetailScreen)
        detail = app.screen
        shown = {k for k, b in detail.active_bindings.items() if b.binding.show}
        assert not shown & {"e", "f2"}, shown  # no "Edit value" offered (hostile 13-12, F16)
        await pilot.press("e")
        await settle(pilot)
        assert app.screen is detail
        await pilot.press("escape")
        await settle(pilot)
        # Export of the view: the past rows, as filtered and sorted.
        out = tmp_path / "past.csv"
        await pilot.press("ctrl+e")
        await settle(pilot)
        app.screen.query_one("#export-path", Input).value = str(out)
        await pilot.press("enter")
        await settle(pilot)
        exported = list(csv.reader(out.read_text().splitlines()))
        assert exported[0] == ["id", "name", "n"]
        assert [int(r[0]) for r in exported[1:]] == [19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 1]
        assert digests(db) == changed  # browsing the past wrote nothing
        await pilot.press("L")  # no live view underneath to go back to: nothing happens
        await settle(pilot)
        assert isinstance(app.screen, PastBrowseScreen) and not app.screen.over_live


async def test_from_the_live_view_and_back(tmp_path: Path, writer: sqlite3.Connection) -> None:
    db = tmp_path / "h.db"
    app = browse_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        live = app.screen
        assert isinstance(live, BrowseScreen)
        await open_table(pilot, "t")
        assert live.query_one(RowGrid).total == 25
        app.browse_as_of(3)
        await settle(pilot)
        past = app.screen
        assert isinstance(past, PastBrowseScreen)
        assert past.query_one(StatusBar).database == "h.db as of commit 3 (of 4)"
        table = next(t for t in past.query_one("#tables").tables if t.name == "t")  # type: ignore[attr-defined]
        past.open_table(table)
        await settle(pilot)
        grid = past.query_one(RowGrid)
        assert grid.total == 50
        assert grid.source.row_at(49) == (50, "ROW 50 [b]x[/b]", 500)
        # Entered from the live view, not with --as-of: a write says which state it is.
        from tests.tui.test_console import log_text
        from tui.widgets.sql_editor import SqlEditor

        await pilot.press("ctrl+o")
        await settle(pilot)
        editor = past.query_one(SqlEditor)
        editor.load_text("DELETE FROM t")
        editor.move_cursor(editor.document.end)
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert "not run: a past state of the database (as of commit 3): nothing can be" in (
            log_text(past)
        )
        assert "--as-of" not in log_text(past)
        await pilot.press("ctrl+o")
        await settle(pilot)
        source = past.source
        assert source is not None
        await pilot.press("L")
        await settle(pilot)
        assert app.screen is live
        assert live.query_one(RowGrid).total == 25
        assert source.engine.pool.checkedout() == 0


async def test_a_state_that_cannot_be_rebuilt_is_said_and_nothing_opens(
    tmp_path: Path, writer: sqlite3.Connection
) -> None:
    app = browse_app(tmp_path / "h.db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        live = app.screen
        app.browse_as_of(7)
        await settle(pilot)
        assert app.screen is live
        messages = [n.message for n in app._notifications]
        assert any("no commit 7 in the WAL: it holds commits 1 to 4" in m for m in messages)


async def test_the_changes_since_a_past_state(tmp_path: Path, writer: sqlite3.Connection) -> None:
    from textual.widgets import Label, RichLog

    from tui.screens.row_diff import RowDiffScreen

    app = DbBrowseApp(resolve_target(str(tmp_path / "h.db"), default_url="", as_of=3))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_table(pilot, "t")
        screen.query_one(RowGrid).focus()
        await pilot.press("N")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, RowDiffScreen)
        assert dialog.done
        assert dialog.counts == {"deleted": 25}  # commit 4 deleted rows 26 to 50
        log = dialog.query_one(RichLog)
        assert [strip.text.rstrip() for strip in log.lines[:2]] == [
            "- rowid 26: id=26, name='ROW 26 [b]x[/b]', n=260",
            "- rowid 27: id=27, name='ROW 27 [b]x[/b]', n=270",
        ]
        summary = str(dialog.query_one("#diff-summary", Label).content)
        assert (
            summary == "25 rows of t differ from commit 3 to now: 0 inserted, 0 updated, 25 deleted"
        )
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PastBrowseScreen)


async def test_the_changes_since_a_past_state_of_a_table_gone_now(
    tmp_path: Path, writer: sqlite3.Connection
) -> None:
    """N on a table that no longer exists says so plainly, then lists its rows as deleted."""
    from textual.widgets import RichLog

    from tui.screens.row_diff import RowDiffScreen

    writer.execute("DROP TABLE t")  # commit 5
    app = DbBrowseApp(resolve_target(str(tmp_path / "h.db"), default_url="", as_of=4))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_table(pilot, "t")
        screen.query_one(RowGrid).focus()
        await pilot.press("N")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, RowDiffScreen)
        assert dialog.done and dialog.counts == {"deleted": 25}
        log = dialog.query_one(RichLog)
        assert log.lines[0].text.rstrip() == (
            "table t does not exist now: each of its rows is listed as deleted"
        )


async def test_a_past_state_offers_no_edit_key_and_says_why_when_one_is_pressed(
    tmp_path: Path, writer: sqlite3.Connection
) -> None:
    app = DbBrowseApp(resolve_target(str(tmp_path / "h.db"), default_url="", as_of=3))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_table(pilot, "t")
        assert isinstance(screen, PastBrowseScreen)
        screen.query_one(RowGrid).focus()
        await settle(pilot)
        shown = {key for key, b in screen.active_bindings.items() if b.binding.show}
        assert not shown & {"e", "f2", "i", "insert", "ctrl+s", "p"}, shown
        assert "N" in shown  # the past state's own keys stay
        for key in ("e", "i", "ctrl+s"):
            app.clear_notifications()
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is screen, key  # no editor, no form opened
            messages = [n.message for n in app._notifications]
            assert messages == [
                "a past state of the database (as of commit 3): nothing can be changed"
            ]


async def test_the_status_of_a_past_session_is_the_live_database(
    tmp_path: Path, writer: sqlite3.Connection
) -> None:
    from tests.tui.scenes import eventually
    from tui.screens.status import StatusScreen

    app = DbBrowseApp(resolve_target(str(tmp_path / "h.db"), default_url="", as_of=2))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.action_status()
        await settle(pilot)
        assert isinstance(app.screen, StatusScreen)
        await eventually(
            pilot,
            lambda: app.inspector is not None and app.inspector.last is not None,
            "the first status refresh",
        )
        await eventually(
            pilot,
            lambda: (
                app.inspector is not None
                and app.inspector.last is not None
                and app.inspector.last.pragmas is not None
                and app.inspector.last.pragmas.journal_mode == "wal"
            ),
            "the live database's journal mode (not the past state's delete)",
        )
        assert app.inspector is not None and app.inspector.last is not None
        assert app.inspector.last.wal is not None
        assert app.inspector.last.wal.commit_frames == 4
        # Leaving the status screen closes the live source: a past state alone never
        # touches the -shm (a live reader sets read marks there).
        await pilot.press("escape")
        await eventually(pilot, lambda: app._status_source is None, "the live source closed")


async def test_the_status_bar_of_a_past_session_names_the_live_journal_mode(
    tmp_path: Path, writer: sqlite3.Connection
) -> None:
    """The past state is served as a rollback-journal file (its header patched): the bar must
    not pass that off as the database's journal mode."""
    from tests.tui.scenes import eventually

    app = DbBrowseApp(resolve_target(str(tmp_path / "h.db"), default_url="", as_of=2))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = app.screen.query_one(StatusBar)
        await eventually(pilot, lambda: status.wal != "", "the first status refresh")
        assert status.wal == "past state · journal: wal"


async def test_text_that_is_not_utf8_in_a_past_state(tmp_path: Path) -> None:
    """TEXT bytes that are not UTF-8 read as the live grid reads them (surrogateescape)."""
    con = wal_connection(tmp_path / "u.db")
    try:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)")
        con.execute("INSERT INTO t VALUES (1, 'ok'), (2, CAST(x'c328ff41' AS TEXT))")
        con.execute("UPDATE t SET s = 'later'")
        app = DbBrowseApp(resolve_target(str(tmp_path / "u.db"), default_url="", as_of=2))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = await open_table(pilot, "t")
            grid = screen.query_one(RowGrid)
            await settle(pilot)
            assert rows(grid) == [(1, "ok"), (2, b"\xc3(\xffA".decode("utf-8", "surrogateescape"))]
    finally:
        con.close()


async def test_the_changes_since_a_past_state_after_a_wal_reset_are_refused(
    tmp_path: Path, writer: sqlite3.Connection
) -> None:
    """N in a past state opened before a WAL reset says the state is gone, as the grid does;
    it never compares the new generation's commit with now (hostile 13-12, F6)."""
    from textual.widgets import Label

    from tui.screens.row_diff import RowDiffScreen

    app = DbBrowseApp(resolve_target(str(tmp_path / "h.db"), default_url="", as_of=2))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_table(pilot, "t")
        assert writer.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone() == (0, 0, 0)
        writer.execute("UPDATE t SET n = -1")  # the new generation's commit 1
        writer.execute("UPDATE t SET n = -2 WHERE id = 1")  # and its commit 2
        screen.query_one(RowGrid).focus()
        await pilot.press("N")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, RowDiffScreen)
        assert not dialog.done and dialog.counts == {}
        summary = str(dialog.query_one("#diff-summary", Label).content)
        assert "can no longer be read. Why: the WAL was reset after commit 2" in summary


async def test_the_changes_since_a_past_state_follow_a_rename(
    tmp_path: Path, writer: sqlite3.Connection
) -> None:
    """N on a table renamed since follows it, as the history does: only the real change is
    listed, not every row deleted (hostile 13-12, F3)."""
    from textual.widgets import RichLog

    from tui.screens.row_diff import RowDiffScreen

    writer.execute("ALTER TABLE t RENAME TO t_old")  # commit 5
    writer.execute("UPDATE t_old SET n = -1 WHERE id = 3")  # commit 6
    app = DbBrowseApp(resolve_target(str(tmp_path / "h.db"), default_url="", as_of=4))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_table(pilot, "t")
        screen.query_one(RowGrid).focus()
        await pilot.press("N")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, RowDiffScreen)
        assert dialog.done and dialog.counts == {"updated": 1}
        log = dialog.query_one(RichLog)
        assert [strip.text.rstrip() for strip in log.lines[:2]] == [
            "table t renamed to t_old between commit 4 and now: its rows are matched across"
            " the rename",
            "~ rowid 3: n: 30 → -1",
        ]


async def test_a_commit_picked_before_a_wal_reset_is_refused(
    tmp_path: Path, writer: sqlite3.Connection
) -> None:
    """b in the history view names a commit of the WAL it listed: after a reset, commit 3 of
    the new WAL is another state, refused with the reason, never opened as the one picked
    (hostile 13-12, F6)."""
    from tui.db.wal_commits import read_commits

    db = tmp_path / "h.db"
    listed = read_commits(f"{db}-wal").generation
    app = browse_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        live = app.screen
        assert writer.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone() == (0, 0, 0)
        for n in range(3):  # the new WAL's commits 1 to 3
            writer.execute("UPDATE t SET n = ? WHERE id = 1", (n,))
        app.browse_as_of(3, listed)
        await settle(pilot)
        assert app.screen is live
        messages = [n.message for n in app._notifications]
        assert any("the WAL was reset after commit 3" in m for m in messages), messages
        app.browse_as_of(3)  # not pinned: the current WAL's commit 3
        await settle(pilot)
        assert isinstance(app.screen, PastBrowseScreen)


async def test_a_past_state_a_checkpoint_overwrote_says_why_n_cannot_compare(
    tmp_path: Path,
) -> None:
    """At 80 columns, N on a past state whose pages a checkpoint has since overwritten says
    what happened and what is left to do, wrapped at words inside the dialog (hostile2,
    N10)."""
    from textual.geometry import Region
    from textual.widgets import Label

    from tests.tui.scenes import eventually
    from tui.screens.row_diff import RowDiffScreen

    db = tmp_path / "c.db"
    writer = wal_connection(db)
    writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    writer.execute("CREATE TABLE other (x)")
    writer.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"v{i}") for i in range(5)])
    writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # t's pages are in the database file
    writer.execute("INSERT INTO other VALUES (1)")  # commit 1: t as the file holds it
    writer.execute("UPDATE t SET v = 'X' WHERE id = 1")  # commit 2 writes t's page
    app = DbBrowseApp(resolve_target(str(db), default_url="", as_of=1))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            screen = await open_table(pilot, "t")
            assert isinstance(screen, PastBrowseScreen)
            # Another connection copies commit 2's version of t's page into the file.
            assert writer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone() == (0, 2, 2)
            screen.query_one(RowGrid).focus()
            await pilot.press("N")
            await eventually(pilot, lambda: isinstance(app.screen, RowDiffScreen), "the diff")
            await settle(pilot)
            diff = app.screen
            label = diff.query_one("#diff-summary", Label)
            await eventually(
                pilot, lambda: "Cannot list" in str(label.render()), str(label.render())
            )
            await settle(pilot)
            message = str(label.render())
            assert message.startswith(
                "Cannot list how t changed from commit 1 to now: the database as it stood at"
                " commit 1 can no longer be read. Why: page "
            )
            assert "was checkpointed after commit 1" in message
            assert "The WAL history (w, then h) lists the commits the WAL still holds" in message
            # Every line is drawn inside the dialog, and together they hold every word.
            dialog = diff.query_one("#diff-dialog")
            assert label.region.right <= dialog.content_region.right
            assert label.region.bottom <= dialog.content_region.bottom
            strips = label.render_lines(Region(0, 0, *label.region.size))
            drawn = " ".join(strip.text for strip in strips).split()
            assert drawn == message.split()
    finally:
        writer.close()
