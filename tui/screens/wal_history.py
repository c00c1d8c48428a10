"""The WAL history view (``h`` on the status screen): every commit still in the ``-wal``, and
what the highlighted one did to rows.

It follows the live WAL without a poll loop of its own: the app's monitor already refreshes
the inspector once a second and posts :class:`~tui.screens.status.InspectorUpdated` only when
the files changed, so an idle database costs this view nothing. Each update reads only the
frames appended since (:class:`tui.db.wal_history.HistoryBuilder`), in a worker thread.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Static

from tui.screens.jobs import Job, JobScreen
from tui.screens.status import InspectorUpdated
from tui.text.wal_history import (
    changes_lines,
    commit_cells,
    history_summary,
    touched_text,
)

if TYPE_CHECKING:
    from tui.db.row_changes import CommitChanges
    from tui.db.wal_history import HistoryBuilder, WalHistory

#: Changed rows shown per table and index; the CLI prints them all.
SHOWN_CHANGES = 200
#: Commits attributed per step of a refresh (a step of a 200,000-frame WAL's first build
#: takes about a second).
READ_STEP = 500


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
        self._ckpt: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("reading the WAL…", id="history-summary", markup=False)
        with Horizontal(id="history-body"):
            yield DataTable(id="history-commits", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="history-changes-scroll"):
                yield Static("", id="history-changes", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#history-commits", DataTable)
        for label in ("commit", "frames", "db pages", "pages", "ckpt", "touched"):
            table.add_column(label, key=label)
        self.refresh_history()

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
        # A big WAL's first build is read in steps, each shown as it comes.
        while True:
            history = await asyncio.to_thread(self._read_history)
            self.history = history
            self._show(history)
            if not history.unread_commits:
                return

    def _read_history(self) -> WalHistory:
        from tui.db.wal_history import HistoryBuilder

        with self._lock:
            if self._builder is None:
                self._builder = HistoryBuilder(self.db_path)
            return self._builder.refresh(limit=READ_STEP)

    def _show(self, history: WalHistory) -> None:
        # The generation's number tells resets apart on screen; its salts are random.
        summary = history_summary(history, salts=False)
        self.query_one("#history-summary", Static).update(summary)
        table = self.query_one("#history-commits", DataTable)
        if history.generation != self._generation:
            self._generation = history.generation
            table.clear()
            self._ckpt = []
            self.changes = None
            self.query_one("#history-changes", Static).update("")
        follow = table.row_count == 0 or table.cursor_row == table.row_count - 1
        for index, commit in enumerate(history.commits[: len(self._ckpt)]):
            word = commit_cells(history, commit)[4]
            if word != self._ckpt[index]:  # checkpointed since
                self._ckpt[index] = word
                table.update_cell(str(commit.number), "ckpt", word)
        for commit in history.commits[len(self._ckpt) :]:
            cells = commit_cells(history, commit)
            table.add_row(*cells, touched_text(commit), key=str(commit.number))
            self._ckpt.append(cells[4])
        if follow and table.row_count:
            table.move_cursor(row=table.row_count - 1)

    def listed_commits(self) -> int:
        """How many commits the list shows."""
        return self.query_one("#history-commits", DataTable).row_count

    # -- the highlighted commit ------------------------------------------------------------
    @on(DataTable.RowHighlighted, "#history-commits")
    def commit_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is None:
            return
        number = int(event.row_key.value)
        self.query_one("#history-changes", Static).update(f"reading commit {number}…")

        async def body(job: Job) -> None:
            changes = await asyncio.to_thread(self._read_changes, number)
            if job.current:
                self.changes = changes
                self._show_changes(changes)

        self.new_scope()
        self.start_job("changes", body)

    def _read_changes(self, number: int) -> CommitChanges:
        from tui.db.row_changes import commit_changes

        with self._lock:
            assert self._builder is not None
            history = self._builder.refresh(limit=0)
            return commit_changes(self._builder, history, number)

    def _show_changes(self, changes: CommitChanges) -> None:
        text = Text(f"commit {changes.number}\n", "bold")
        text.append_text(Text("\n").join(changes_lines(changes, SHOWN_CHANGES)))
        self.query_one("#history-changes", Static).update(text)

    def job_failed(self, job: Job, error: Exception) -> None:
        """Say what could not be read, where it would have been shown."""
        message = self.explain(error)
        where = "#history-changes" if job.kind == "changes" else "#history-summary"
        self.query_one(where, Static).update(f"could not read the history: {message}")
        super().job_failed(job, error)

    # -- actions ---------------------------------------------------------------------------
    def action_back(self) -> None:
        self.dismiss(None)

    def action_first_commit(self) -> None:
        table = self.query_one("#history-commits", DataTable)
        if table.row_count:
            table.move_cursor(row=0)

    def action_last_commit(self) -> None:
        table = self.query_one("#history-commits", DataTable)
        if table.row_count:
            table.move_cursor(row=table.row_count - 1)

    def action_browse_as_of(self) -> None:
        """Browse the database as it stood right after the highlighted commit (read-only, over
        the live view), through the app's ``browse_as_of`` where this build has one."""
        table = self.query_one("#history-commits", DataTable)
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
        browse_as_of(number)
