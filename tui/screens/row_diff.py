"""The rows of one table that differ between two states of a SQLite database (a commit of its
WAL and now, or two commits), read in a thread as both sides stream (:mod:`tui.db.row_diff`).

The first :data:`SHOWN` differences are listed (``+`` inserted, ``-`` deleted, ``~`` updated
with ``column: old → new``); the rest are counted. Esc closes the screen and stops reading.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, RichLog
from textual.worker import Worker, WorkerState, get_current_worker

from tui.db.as_of import NotReconstructableError
from tui.db.row_diff import DiffError, TableDiff
from tui.text.escape import escaped_plain
from tui.text.row_diff import difference_line, summary_line, unreadable_text

#: How many differences are listed; the others are only counted.
SHOWN = 1000
_BATCH = 100


class RowDiffScreen(ModalScreen[None]):
    """How ``table`` differs from ``from_commit`` to ``to_commit`` (None: now)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="diff.close"),
    ]

    def __init__(
        self,
        db_path: Path,
        table: str,
        from_commit: int,
        to_commit: int | None,
        *,
        generation: tuple[int, int] | None = None,
    ) -> None:
        super().__init__()
        #: The WAL generation the commit numbers belong to (a past state's): a reset since
        #: makes the comparison refused, never read against the new generation's commits.
        self.generation = generation
        self.db_path = db_path
        self.table = table
        self.from_commit = from_commit
        self.to_commit = to_commit
        #: Differences found so far, by kind.
        self.counts: dict[str, int] = {}
        self.done = False

    def compose(self) -> ComposeResult:
        after = "now" if self.to_commit is None else f"commit {self.to_commit}"
        title = f"Rows of {self.table} that differ from commit {self.from_commit} to {after}"
        with Vertical(classes="dialog wide", id="diff-dialog"):
            yield Label(escaped_plain(title), classes="dialog-title", markup=False)
            yield RichLog(id="diff-lines", wrap=False, markup=False)
            yield Label("reading both states…", id="diff-summary", markup=False)

    def on_mount(self) -> None:
        self.query_one(RichLog).focus()
        self._read()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self._say(f"the comparison failed: {event.worker.error}")

    def action_close(self) -> None:
        self.workers.cancel_group(self, "diff")
        self.dismiss(None)

    @work(thread=True, group="diff", exclusive=True, exit_on_error=False)
    def _read(self) -> None:
        worker = get_current_worker()
        lines: list[Text] = []
        try:
            with TableDiff(
                self.db_path,
                self.table,
                self.from_commit,
                self.to_commit,
                generation=self.generation,
            ) as diff:
                lines.extend(Text(escaped_plain(n), "bold") for n in diff.notices)
                for change in diff:
                    if worker.is_cancelled:
                        return
                    self.counts[change.kind] = self.counts.get(change.kind, 0) + 1
                    if sum(self.counts.values()) <= SHOWN:
                        lines.append(
                            difference_line(
                                diff.key_columns,
                                diff.before_columns,
                                diff.after_columns,
                                change,
                                diff.column_renames,
                            )
                        )
                        if len(lines) >= _BATCH:
                            self.app.call_from_thread(self._show, lines)
                            lines = []
                summary = summary_line(self.table, diff.before.label, diff.after.label, self.counts)
        except (DiffError, sqlite3.Error) as exc:  # a state that is gone says why
            self.app.call_from_thread(self._show, lines)
            message = str(exc)
            if isinstance(exc, NotReconstructableError):
                after = "now" if self.to_commit is None else f"commit {self.to_commit}"
                message = unreadable_text(self.table, f"commit {self.from_commit}", after, message)
            self.app.call_from_thread(self._say, message)
            return
        self.app.call_from_thread(self._show, lines)
        total = sum(self.counts.values())
        if total > SHOWN:
            summary.append(f" (the first {SHOWN:,} listed)")
        self.done = True
        self.app.call_from_thread(self._say, summary.plain)

    def _show(self, lines: list[Text]) -> None:
        log = self.query_one(RichLog)
        for line in lines:
            log.write(line)

    def _say(self, message: str) -> None:
        self.query_one("#diff-summary", Label).update(escaped_plain(message, keep_newlines=True))
