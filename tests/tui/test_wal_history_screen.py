"""The WAL history view (h on the status screen): the commit list follows another process's
commits, a commit's row changes are shown literally, and a snapshot of the view."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from tests.tui.db.historyhelpers import digest
from tests.tui.db.walhelpers import wal_connection
from tests.tui.scenes import browse_app, eventually, settle
from tui.app import DbBrowseApp
from tui.screens.status import StatusScreen
from tui.screens.wal_history import WalHistoryScreen
from tui.widgets.line_list import LineList

SnapCompare = Callable[..., bool]


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A WAL database with three commits; the writer stays open (so the WAL stays)."""
    con = wal_connection(tmp_path / "h.db")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n)")
    con.execute(
        "INSERT INTO t VALUES (1, 'one', 1), (2, ?, NULL), (3, '', 2.5)",
        ("\x1b]0;PWNED\x07[@click=app.quit]q[/]",),
    )
    con.execute("UPDATE t SET name = 'uno', n = '1' WHERE id = 1")
    yield con
    con.close()


def db_of(con: sqlite3.Connection) -> Path:
    return Path(con.execute("PRAGMA database_list").fetchone()[2])


async def open_history(pilot: Pilot[Any]) -> WalHistoryScreen:
    app = pilot.app
    assert isinstance(app, DbBrowseApp)
    await settle(pilot)
    await pilot.press("w")
    await eventually(pilot, lambda: isinstance(app.screen, StatusScreen), "status screen")
    await pilot.press("h")
    await eventually(pilot, lambda: isinstance(app.screen, WalHistoryScreen), "history view")
    screen = app.screen
    assert isinstance(screen, WalHistoryScreen)
    await eventually(pilot, lambda: screen.changes is not None, "the last commit's changes")
    await settle(pilot)
    return screen


def commits_table(screen: WalHistoryScreen) -> LineList:
    return screen.query_one("#history-commits", LineList)


def shown(screen: WalHistoryScreen, widget_id: str) -> str:
    return str(screen.query_one(widget_id, Static).render())


async def test_the_history_follows_new_commits_and_shows_rows(
    writer: sqlite3.Connection,
) -> None:
    db = db_of(writer)
    app = browse_app(db)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_history(pilot)
        table = commits_table(screen)
        assert table.row_count == 3
        assert screen.changes is not None and screen.changes.number == 3
        text = shown(screen, "#history-changes")
        assert "~ rowid 1: name: 'one' → 'uno'; n: 1 → '1'" in text
        writer.execute("DELETE FROM t WHERE id = 2")
        # the monitor notices the commit; the cursor on the last commit follows it
        await eventually(pilot, lambda: table.row_count == 4, "commit 4 listed")
        await eventually(
            pilot,
            lambda: screen.changes is not None and screen.changes.number == 4,
            "commit 4 shown",
        )
        await settle(pilot)
        # dbbrowse's own SQLite reads may move a read mark in the -shm; the history reads none
        before = digest(db)
        del before["-shm"]
        text = shown(screen, "#history-changes")
        # the stored escape sequence and markup are shown as typed, never obeyed
        assert "- rowid 2: id=2, name='\\x1b]0;PWNED\\x07[@click=app.quit]q[/]', n=∅ NULL" in (text)
        assert isinstance(app.screen, WalHistoryScreen)  # the markup did not quit
        await pilot.press("up", "up", "up")
        await eventually(
            pilot,
            lambda: screen.changes is not None and screen.changes.number == 1,
            "commit 1 shown",
        )
        assert "sqlite_schema: 1 inserted, 0 deleted" in shown(screen, "#history-changes")
        after = digest(db)
        del after["-shm"]
        assert after == before  # browsing the history wrote nothing
        # a WAL reset: the next commit starts generation 2, and the list starts over
        writer.execute("PRAGMA wal_checkpoint(RESTART)")
        writer.execute("INSERT INTO t VALUES (5, 'after the reset', 5)")
        await eventually(
            pilot,
            lambda: screen.history is not None and screen.history.generation_number == 2,
            "the new generation read",
        )
        await settle(pilot)
        assert table.row_count == 1
        summary = shown(screen, "#history-summary")
        assert "1 commit in the WAL · generation 2" in summary
        assert "the WAL was reset since dbbrowse first read it" in summary
        await pilot.press("escape")
        assert isinstance(app.screen, StatusScreen)


async def test_home_and_end_go_to_the_first_and_last_commit(writer: sqlite3.Connection) -> None:
    app = browse_app(db_of(writer))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_history(pilot)
        table = commits_table(screen)
        assert table.cursor_row == 2
        await pilot.press("home")
        await eventually(
            pilot,
            lambda: screen.changes is not None and screen.changes.number == 1,
            "commit 1 shown",
        )
        assert table.cursor_row == 0
        await pilot.press("end")
        await eventually(
            pilot,
            lambda: screen.changes is not None and screen.changes.number == 3,
            "commit 3 shown",
        )
        assert table.cursor_row == 2


async def test_b_browses_the_database_as_of_the_highlighted_commit(
    writer: sqlite3.Connection,
) -> None:
    from tui.screens.past_browse import PastBrowseScreen

    writer.execute("INSERT INTO t VALUES (4, 'later', 4)")  # commit 4: not in commit 2's state
    app = browse_app(db_of(writer))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_history(pilot)
        await pilot.press("up", "up")
        await eventually(
            pilot,
            lambda: screen.changes is not None and screen.changes.number == 2,
            "commit 2 shown",
        )
        await pilot.press("b")
        await eventually(pilot, lambda: isinstance(app.screen, PastBrowseScreen), "past state")
        await settle(pilot)
        assert "as of commit 2" in str(app.screen.query_one("StatusBar").render())


def test_history_view(snap_compare: SnapCompare, writer: sqlite3.Connection) -> None:
    """The WAL history of three commits: the list (commit 3 highlighted, none checkpointed,
    touched tables), and on the right commit 3's update of row 1, old → new per column."""
    app = browse_app(db_of(writer))

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_history(pilot)
        # Whether SQLite rebuilt the wal-index on opening (a notice) depends on the machine.
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 30), run_before=run_before)


async def test_a_rollback_journal_database_says_there_is_no_wal_and_how_to_get_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "plain.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()
    app = browse_app(path)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await eventually(pilot, lambda: isinstance(app.screen, StatusScreen), "status screen")
        await pilot.press("h")
        await eventually(pilot, lambda: isinstance(app.screen, WalHistoryScreen), "history view")
        screen = app.screen
        assert isinstance(screen, WalHistoryScreen)
        await eventually(pilot, lambda: screen.history is not None, "the history read")
        await settle(pilot)
        summary = shown(screen, "#history-summary")
        assert "plain.db is not in WAL mode" in summary
        assert "so there is no history of commits" in summary
        assert "PRAGMA journal_mode=WAL" in summary
        assert commits_table(screen).row_count == 0


async def test_a_long_value_s_full_length_is_said_in_the_view(
    writer: sqlite3.Connection,
) -> None:
    writer.execute("UPDATE t SET name = ?, n = ? WHERE id = 1", ("x" * 12_345, b"\x00" * 5000))
    app = browse_app(db_of(writer))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_history(pilot)
        assert screen.changes is not None and screen.changes.number == 4
        text = shown(screen, "#history-changes")
        assert "…' (12,345 chars)" in text
        assert "→ <blob 5,000 bytes> 00 00 00 00 …" in text


async def test_a_history_read_in_steps_lists_every_commit_and_ends_on_the_last(
    writer: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first build is read a few commits at a time (READ_STEP), each step listed as it
    comes; at the end the list holds every commit and the last one's rows are shown."""
    import tui.screens.wal_history as wal_history_screen

    for i in range(4, 11):
        writer.execute("INSERT INTO t VALUES (?, ?, ?)", (i, f"row {i}", i))
    monkeypatch.setattr(wal_history_screen, "READ_STEP", 2)
    monkeypatch.setattr(wal_history_screen, "FIRST_SCAN", 3)  # the first step reads 3 frames
    app = browse_app(db_of(writer))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_history(pilot)
        table = commits_table(screen)
        assert screen.history is not None and not screen.history.unread_commits
        assert not screen.history.unscanned_frames
        assert table.row_count == 10 and table.cursor_row == 9
        assert screen.changes is not None and screen.changes.number == 10
        assert "+ rowid 10: id=10, name='row 10', n=10" in shown(screen, "#history-changes")
        await pilot.press("pageup")
        await eventually(
            pilot,
            lambda: screen.changes is not None and screen.changes.number < 10,
            "an earlier commit shown",
        )
        assert table.cursor_row == screen.changes.number - 1


def test_commits_not_attributed_yet_are_listed_from_the_wal(writer: sqlite3.Connection) -> None:
    """Every commit is listed as soon as the WAL is read: one not attributed yet shows its
    frames and pages, and an ellipsis where its tables will be."""
    from tui.db.wal_history import HistoryBuilder
    from tui.screens.wal_history import _CommitLines

    history = HistoryBuilder(db_of(writer)).refresh(limit=1)
    assert len(history.commits) == 1 and history.unread_commits == 2
    lines = _CommitLines(history)
    first, pending = lines.line(0).plain, lines.line(2).plain
    assert "sqlite_schema, t" in first and not first.endswith("…")
    assert pending.split() == ["3", "4", "2", "1", "no", "…"]


def wal_commits_shown(status: StatusScreen) -> int | None:
    """How many commits the status screen last said the -wal holds."""
    snapshot = status.snapshot
    return None if snapshot is None or snapshot.wal is None else snapshot.wal.commit_frames


async def test_covered_history_and_status_screens_follow_the_files(
    writer: sqlite3.Connection,
) -> None:
    """The status screen under the history view, and the history view under a past state,
    keep following the files: uncovered, they show the WAL as it is, a reset included
    (hostile2, N5 and N6)."""
    from tui.screens.past_browse import PastBrowseScreen

    db = db_of(writer)
    app = browse_app(db)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_history(pilot)
        status = app.screen_stack[-2]
        assert isinstance(status, StatusScreen)
        assert wal_commits_shown(status) == 3
        for n in range(10, 30):
            writer.execute("INSERT INTO t VALUES (?, 'more', ?)", (n, n))
        table = commits_table(screen)
        await eventually(pilot, lambda: table.row_count == 23, "23 commits listed")
        # N5: the status screen underneath followed too.
        await eventually(pilot, lambda: wal_commits_shown(status) == 23, "status: 23 commits")
        await pilot.press("home")
        await eventually(
            pilot,
            lambda: screen.changes is not None and screen.changes.number == 1,
            "commit 1 shown",
        )
        await pilot.press("b")
        await eventually(pilot, lambda: isinstance(app.screen, PastBrowseScreen), "past state")
        await settle(pilot)
        # A checkpoint and a reset while the past state covers the history view.
        assert writer.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
        writer.execute("UPDATE t SET name = 'RESET' WHERE id < 3")
        writer.execute("INSERT INTO t VALUES (100, 'new', 100)")
        await eventually(
            pilot,
            lambda: screen.history is not None and screen.history.generation_number == 2,
            "the covered history view read the new generation",
        )
        await eventually(pilot, lambda: wal_commits_shown(status) == 2, "status: 2 commits")
        await pilot.press("H")
        await eventually(pilot, lambda: app.screen is screen, "back on the history view")
        await settle(pilot)
        assert table.row_count == 2
        summary = shown(screen, "#history-summary")
        assert "2 commits in the WAL · generation 2" in summary
        assert "the WAL was reset (generation 2): 2 commits listed" in summary
        await pilot.press("escape")
        await eventually(pilot, lambda: app.screen is status, "back on the status screen")
        assert status.snapshot is not None and status.snapshot.wal is not None
        assert status.snapshot.wal.size == db.with_name(db.name + "-wal").stat().st_size


async def test_back_to_now_leaves_the_history_and_back_to_history_returns_to_it(
    writer: sqlite3.Connection,
) -> None:
    """From a past state opened in the history view, ``L`` ("Back to now") is the live grid,
    the status screen and the history closed; ``H`` is the history view it came from."""
    from tui.screens.browse import BrowseScreen
    from tui.screens.past_browse import PastBrowseScreen

    app = browse_app(db_of(writer))
    async with app.run_test(size=(140, 40)) as pilot:
        history = await open_history(pilot)
        live = app.get_screen_browse()
        assert live is not None
        await pilot.press("home")
        await pilot.press("b")
        await eventually(pilot, lambda: isinstance(app.screen, PastBrowseScreen), "past state")
        await settle(pilot)
        await pilot.press("H")
        await eventually(pilot, lambda: app.screen is history, "back on the history view")
        await pilot.press("b")
        await eventually(pilot, lambda: isinstance(app.screen, PastBrowseScreen), "past again")
        past = app.screen
        assert isinstance(past, PastBrowseScreen) and past.source is not None
        source = past.source
        await settle(pilot)
        await pilot.press("L")
        await eventually(pilot, lambda: app.screen is live, "back on the live grid")
        await settle(pilot)
        assert isinstance(app.screen, BrowseScreen)
        assert not any(isinstance(s, (StatusScreen, WalHistoryScreen)) for s in app.screen_stack)
        assert source.engine.pool.checkedout() == 0


@pytest.mark.parametrize("size", [(60, 20), (80, 24)])
async def test_a_narrow_history_keeps_every_column_and_the_cursor_in_view(
    writer: sqlite3.Connection, size: tuple[int, int]
) -> None:
    """At 60 and 80 columns the list had its ckpt and touched columns cut off, and the last
    commit (the cursor's) hidden under a horizontal scrollbar: the changes go under the list."""
    for n in range(30):
        writer.execute("INSERT INTO t VALUES (?, 'more', ?)", (100 + n, n))
    app = browse_app(db_of(writer))
    async with app.run_test(size=size) as pilot:
        screen = await open_history(pilot)
        table = commits_table(screen)
        assert table.row_count == 33 and table.cursor_row == 32
        lines = [table.render_line(y).text for y in range(table.size.height)]
        assert lines[0].split() == ["commit", "frames", "db", "pages", "pages", "ckpt", "touched"]
        last = [line.split() for line in lines if line.split()[:1] == ["33"]]
        assert last and last[0][-2:] == ["no", "t"]
        assert "commit 33" in shown(screen, "#history-changes")
