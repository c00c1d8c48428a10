"""The WAL history view (``h`` on the status screen): every commit still in the ``-wal``, and
what the highlighted one did to rows.

It follows the live WAL without a poll loop of its own: the app's monitor already refreshes
the inspector once a second and posts :class:`~tui.screens.status.InspectorUpdated` only when
the files changed (also while a past state covers the view: a WAL reset is followed before
the view is seen again), so an idle database costs this view nothing. Each update reads only the
frames appended since (:class:`tui.db.wal_history.HistoryBuilder`), in a worker thread.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Static

from tui.screens.jobs import Job, JobScreen
from tui.screens.status import InspectorUpdated
from tui.text.wal_history import changes_lines, commit_header, commit_line, history_summary
from tui.widgets.line_list import LineList

if TYPE_CHECKING:
    from tui.db.row_changes import CommitChanges
    from tui.db.wal_history import HistoryBuilder, WalHistory

#: Changed rows shown per table and index; the CLI prints them all.
SHOWN_CHANGES = 200
#: Commits attributed per step of a refresh (a step of a 200,000-frame WAL's first build
#: takes about a second).
READ_STEP = 500
#: How long one step of a first build should take, and the most commits it attributes.
STEP_SECONDS = 0.25
MAX_STEP = 20_000
#: Frames of the ``-wal`` read before the list is first shown (a fraction of a second); the
#: rest of the file is read by the next step.
FIRST_SCAN = 20_000
#: Commits attributed before the list is first shown: every commit is listed as soon as the
#: WAL is read, those not attributed yet without the tables they touched.
FIRST_STEP = 0


class _CommitLines:
    """The list's lines: one commit of a history each, made when drawn; a commit not
    attributed yet is drawn from the WAL alone, its tables to come."""

    def __init__(self, history: WalHistory | None = None) -> None:
        self.history = history

    def line(self, position: int) -> Text:
        history = self.history
        assert history is not None
        if position < len(history.commits):
            return commit_line(history, history.commits[position])
        from tui.db.history_store import HistoryCommit

        commit = history.wal_commits[position]
        pending = HistoryCommit(
            commit.number,
            commit.first_frame,
            commit.last_frame,
            commit.db_pages,
            tuple(sorted(commit.pages)),
            touched=(),
            approximate=False,
        )
        return commit_line(history, pending).append("…", "dim")


#: Narrower than this, the history's list and the commit's changes are stacked.
NARROW = 110


class WalHistoryScreen(JobScreen):
    """The commits still in the WAL, oldest first, and the highlighted commit's row changes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="history.back"),
        Binding("b", "browse_as_of", "Browse as of commit", id="history.browse_as_of"),
        Binding(
            "home",
            "first_commit",
            "First commit",
            show=False,
            priority=True,
            id="history.first_commit",
        ),
        Binding(
            "end", "last_commit", "Last commit", show=False, priority=True, id="history.last_commit"
        ),
    ]

    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.db_path = db_path
        self.history: WalHistory | None = None
        self.changes: CommitChanges | None = None
        self._builder: HistoryBuilder | None = None
        # The builder is used from worker threads, one call at a time.
        self._lock = threading.Lock()
        self._generation: tuple[int, int] | None = None
        self._requested: int | None = None  # the commit whose changes were asked for last
        self._changes_stop: threading.Event | None = None  # set: that read stops

    def compose(self) -> ComposeResult:
        yield Static("reading the WAL…", id="history-summary", markup=False)
        with Horizontal(id="history-body"):
            yield LineList(_CommitLines(), id="history-commits")
            with VerticalScroll(id="history-changes-scroll"):
                yield Static("", id="history-changes", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#history-commits", LineList).focus()
        self._fit_layout()
        self.refresh_history()

    def on_unmount(self) -> None:
        self._stop_changes()

    def on_resize(self) -> None:
        self._fit_layout()

    def _fit_layout(self) -> None:
        """Below NARROW columns the commit's changes go under the list, not beside it: the
        list keeps room for every column (checkpointed, touched) at 60 or 80 columns."""
        self.query_one("#history-body").set_class(self.size.width < NARROW, "-narrow")

    # -- live refresh ----------------------------------------------------------------------
    @on(InspectorUpdated)
    def files_changed(self, event: InspectorUpdated) -> None:
        """The monitor saw the files change: read what is new."""
        self.refresh_history()

    def refresh_history(self) -> None:
        # Not exclusive: a refresh in progress finishes (its thread would anyway); the next
        # one waits for the lock and reads whatever came meanwhile.
        self.start_job("history", self._refresh, scoped=False, exclusive=False)

    async def _refresh(self, job: Job) -> None:
        # A big WAL's first build is read in steps, each shown as it comes; a step is sized
        # to take about STEP_SECONDS (drawing after each step has its cost too).
        step = FIRST_STEP if self._builder is None else READ_STEP
        scan: int | None = FIRST_SCAN if self._builder is None else None
        while True:
            start = time.perf_counter()
            history = await asyncio.to_thread(self._read_history, step, scan)
            took = time.perf_counter() - start
            self.history = history
            self._show(history)
            if not history.unread_commits and not history.unscanned_frames:
                return
            scan = None
            if step >= READ_STEP and took > 0:
                step = int(step * min(max(STEP_SECONDS / took, 0.5), 4))
            step = min(max(step, READ_STEP), MAX_STEP)

    def _read_history(self, limit: int, scan: int | None = None) -> WalHistory:
        from tui.db.wal_history import HistoryBuilder

        with self._lock:
            if self._builder is None:
                self._builder = HistoryBuilder(self.db_path)
            return self._builder.refresh(limit=limit, scan=scan)

    def _show(self, history: WalHistory) -> None:
        # The generation's number tells resets apart on screen; its salts are random.
        summary = history_summary(history, salts=False)
        if history.resets_seen and history.generation is not None:
            # Rebuilt from the new generation: the commits listed before are gone from the
            # -wal (checkpointed), and a commit number now names another state.
            listed = len(history.commits) + history.unread_commits
            summary.append(
                f"\nthe WAL was reset (generation {history.generation_number}): {listed:,}"
                f" commit{'' if listed == 1 else 's'} listed; the earlier commits were"
                " checkpointed into the database and are no longer in the -wal",
                "bold",
            )
        if history.unscanned_frames:
            frames = history.unscanned_frames
            summary.append(f"\nreading the WAL: {frames:,} more frames to read", "italic")
        self.query_one("#history-summary", Static).update(summary)
        table = self.query_one("#history-commits", LineList)
        if history.generation != self._generation:
            self._generation = history.generation
            table.show(_CommitLines(), 0, Text())
            self.changes = None
            self._requested = None
            self.query_one("#history-changes", Static).update("")
        follow = table.row_count == 0 or table.cursor_row == table.row_count - 1
        # Every line is drawn again from this history: a commit checkpointed since says so.
        header = Text(f" {commit_header(history)}")
        total = len(history.commits) + history.unread_commits
        table.show(_CommitLines(history), total, header)
        if follow and table.row_count:
            table.move_cursor(row=table.row_count - 1)
        if table.row_count:
            # The highlighted commit's changes, once it is attributed.
            self._request_changes(table.cursor_row + 1)

    def listed_commits(self) -> int:
        """How many commits the list shows."""
        return self.query_one("#history-commits", LineList).row_count

    # -- the highlighted commit ------------------------------------------------------------
    @on(LineList.Highlighted, "#history-commits")
    def commit_highlighted(self, event: LineList.Highlighted) -> None:
        self._request_changes(event.position + 1)

    def _request_changes(self, number: int) -> None:
        if number == self._requested:
            return
        history = self.history
        if history is not None and number > len(history.commits):
            # Not attributed yet: asked for again by the step that attributes it.
            done, total = len(history.commits), len(history.commits) + history.unread_commits
            self.query_one("#history-changes", Static).update(
                f"commit {number}: attributing commits to tables ({done:,} of {total:,})…"
            )
            return
        self._requested = number
        self.query_one("#history-changes", Static).update(f"reading commit {number}…")
        # A read still under way for another commit stops at its next check (its thread
        # cannot be cancelled from here, and would hold the builder until done).
        self._stop_changes()
        stop = self._changes_stop = threading.Event()

        async def body(job: Job) -> None:
            changes = await asyncio.to_thread(self._read_changes, number, stop)
            if job.current and changes is not None:
                self.changes = changes
                self._show_changes(changes)

        self.new_scope()
        self.start_job("changes", body)

    def _stop_changes(self) -> None:
        if self._changes_stop is not None:
            self._changes_stop.set()
            self._changes_stop = None

    def _read_changes(self, number: int, stop: threading.Event) -> CommitChanges | None:
        from tui.db.row_changes import Cancelled, commit_changes

        with self._lock:
            if stop.is_set():
                return None
            assert self._builder is not None
            history = self._builder.refresh(limit=0)
            try:
                return commit_changes(self._builder, history, number, stop=stop)
            except Cancelled:
                return None

    def _show_changes(self, changes: CommitChanges) -> None:
        text = Text(f"commit {changes.number}\n", "bold")
        text.append_text(Text("\n").join(changes_lines(changes, SHOWN_CHANGES)))
        self.query_one("#history-changes", Static).update(text)

    def job_failed(self, job: Job, error: Exception) -> None:
        """Say what could not be read, where it would have been shown."""
        message = self.explain(error)
        where = "#history-changes" if job.kind == "changes" else "#history-summary"
        if job.kind == "changes":
            self._requested = None  # asked for again when highlighted again
        self.query_one(where, Static).update(f"could not read the history: {message}")
        super().job_failed(job, error)

    # -- actions ---------------------------------------------------------------------------
    def action_back(self) -> None:
        self._stop_changes()
        self.dismiss(None)

    def action_first_commit(self) -> None:
        table = self.query_one("#history-commits", LineList)
        if table.row_count:
            table.move_cursor(row=0)

    def action_last_commit(self) -> None:
        table = self.query_one("#history-commits", LineList)
        if table.row_count:
            table.move_cursor(row=table.row_count - 1)

    def action_browse_as_of(self) -> None:
        """Browse the database as it stood right after the highlighted commit (read-only, over
        the live view), through the app's ``browse_as_of`` where this build has one."""
        table = self.query_one("#history-commits", LineList)
        if not table.row_count:
            return
        number = table.cursor_row + 1
        browse_as_of = getattr(self.app, "browse_as_of", None)
        if browse_as_of is None:
            self.notify(
                f"Browsing the database as of commit {number} is not available in this build.",
                title="History",
                severity="warning",
                markup=False,
            )
            return
        # Pinned to the WAL listed: after a reset, commit N is another state, refused.
        browse_as_of(number, self.history.generation if self.history is not None else None)
