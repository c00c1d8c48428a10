"""The browse screen's staged changes: what is staged, how the grid draws it, undo, redo and
discard, the refusals said before anything opens, and reads that may wait on a lock.

Changes are staged in a :class:`~tui.db.edits.ChangeSet` (in memory: nothing is held open in
the database while the person edits) and drawn in the grid through :class:`EditMarks` (the
staged new rows, in the strip under it, through :class:`NewRows`). The editors that stage
them are the layers above (:mod:`tui.screens.browse_editing`, :mod:`tui.screens.browse_rows`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from tui.db.edits import (
    CellEdit,
    Change,
    ChangeSet,
    EditRefusedError,
    RowInsert,
    StagingError,
    column_place,
    edit_key,
    edit_refusal,
    row_identity,
)
from tui.db.model import TableInfo, TableRef
from tui.screens.browse_actions import BrowseActions
from tui.screens.jobs import Job
from tui.screens.waiting import WaitFailedError, wait_for_database
from tui.text.escape import escaped_plain
from tui.widgets.row_grid import RowMark

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from tui.db.model import ColumnInfo, TableDetails
    from tui.db.source import DataSource
    from tui.db.values import RowKey

T = TypeVar("T")


class EditMarks:
    """Answers the grid's question "what is staged for this row?" from the change set."""

    def __init__(self, screen: BrowseStaging) -> None:
        self.screen = screen

    def mark(self, position: int, row: tuple[Any, ...]) -> RowMark | None:
        screen = self.screen
        if not screen.changes and not screen.selected:
            return None
        key = screen.key_at(position, row)
        table = screen.table
        if key is None or table is None:
            return None
        ref = table.ref
        names = [c.name for c in screen.grid.columns]
        changed: dict[int, Any] = {}
        for change in screen.changes.changes:
            mine = isinstance(change, CellEdit) and change.table == ref and change.key == key
            if mine and isinstance(change, CellEdit) and change.column in names:
                changed[names.index(change.column)] = change.new
        deleted = screen.changes.is_deleted(ref, key)
        selected = (ref, key) in screen.selected
        if not (changed or deleted or selected):
            return None
        return RowMark(changed=changed, deleted=deleted, selected=selected)


class NewRows:
    """The staged inserts of the open table as rows of the grid's columns (for the strip)."""

    DEFAULT = "⟨default⟩"

    def __init__(self, inserts: tuple[RowInsert, ...], names: list[str]) -> None:
        self.inserts = inserts
        self.rows = [
            tuple(dict(i.values).get(name, self.DEFAULT) for name in names) for i in inserts
        ]
        self.given = [{names.index(n) for n, _ in i.values if n in names} for i in inserts]

    def row_at(self, position: int) -> tuple[Any, ...] | None:
        return self.rows[position] if 0 <= position < len(self.rows) else None

    def is_fresh(self, position: int) -> bool:
        return True

    def mark(self, position: int, row: tuple[Any, ...]) -> RowMark | None:
        given = self.given[position] if position < len(self.given) else set()
        return RowMark(changed={i: row[i] for i in given}, new=True)


class BrowseStaging(BrowseActions):
    """Staged changes, their marks, undo and redo (the layer above the key actions)."""

    def __init__(self) -> None:
        super().__init__()
        self.changes = ChangeSet()
        #: Rows marked with space, by table and key, with the values they had when marked.
        self.selected: dict[tuple[TableRef, RowKey], tuple[Any, ...]] = {}
        #: The tables of staged changes as they were described when staged (save needs them),
        #: and their foreign keys where known (save orders its statements by them).
        self.edited_tables: dict[TableRef, TableInfo] = {}
        self.edited_details: dict[TableRef, TableDetails] = {}

    def on_mount(self) -> None:
        from tui.widgets.row_grid import RowGrid

        self.grid.marks = EditMarks(self)
        strip = self.query_one("#new-rows", RowGrid)

        def follow(x: float) -> None:  # the new rows scroll sideways with the grid
            strip.scroll_to(x=x, animate=False, immediate=True)

        self.watch(self.grid, "scroll_x", follow, init=False)

    # -- keys of rows ----------------------------------------------------------------------
    def key_at(self, position: int, row: tuple[Any, ...] | None = None) -> RowKey | None:
        """The key naming the row at ``position`` for a write (None: not known or refused)."""
        window, table = self.window, self.table
        if window is None or table is None:
            return None
        row = row if row is not None else window.row_at(position)
        cursor = window.cursor_at(position)
        if row is None:
            return None
        paging = window.pager.row_key(cursor) if cursor is not None else None
        names = [c.name for c in window.pager.columns]
        try:
            return edit_key(row_identity(table), dict(zip(names, row, strict=False)), paging)
        except EditRefusedError:
            return None

    def staged_edit(self, position: int, column: str) -> CellEdit | None:
        """The staged edit of the cell at ``position`` (the last step: what save leaves)."""
        key, table = self.key_at(position), self.table
        if key is None or table is None:
            return None
        return self.changes.edit_of(table.ref, key, column, column_place(table, column))

    def _cursor_key(self) -> tuple[RowKey, tuple[Any, ...]] | None:
        """The cursor row's key and values, or None after saying why it cannot be named."""
        window, table = self.window, self.table
        row = self.grid.current_row()
        if window is None or table is None or row is None:
            return None
        position = self.grid.cursor_row
        cursor = window.cursor_at(position)
        paging = window.pager.row_key(cursor) if cursor is not None else None
        names = [c.name for c in window.pager.columns]
        try:
            key = edit_key(row_identity(table), dict(zip(names, row, strict=False)), paging)
        except EditRefusedError as exc:
            self._refused(str(exc))
            return None
        return key, row

    def app_schemas_apply(self) -> bool:
        """Whether the application's Pydantic schemas judge values: only in its own database
        (or when its models are compared), never in a stranger's table of the same name."""
        target = self._source().target
        return bool(target.app_database or target.compare_models)

    def _refusal(self, column: ColumnInfo | None) -> str | None:
        source, table = self.source, self.table
        if source is None or table is None:
            return "no table is open"
        # The flag in effect is named (--immutable is read-only too, under its own name).
        return (
            source.target.read_only_reason
            or edit_refusal(table, column, read_only=False)
            or source.write_refusal()
        )

    def _refused(self, reason: str, title: str = "Cannot edit") -> None:
        source = self.source
        if source is not None and reason == source.target.read_only_reason:
            title = "Read-only"  # the why, not only the what, whichever key asked
        self.notify(escaped_plain(reason), title=title, severity="warning", markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While an editor opens (its value is being read), the screen's commands wait: text
        typed for the editor must not run them (X would discard, d delete, s sort)."""
        if action != "cancel" and self.job_running("edit"):
            return False
        return super().check_action(action, parameters)

    # -- reads that may wait on a lock --------------------------------------------------
    async def read_waiting(
        self, job: Job, doing: str, operation: Callable[[AsyncConnection], Awaitable[T]]
    ) -> T:
        """``operation`` on a short connection; while it waits on a lock, ``job``'s slot says
        on what, and Esc stops it (see :mod:`tui.screens.waiting`)."""
        return await wait_for_database(self._source(), job, doing, operation)

    def action_cancel(self) -> None:
        """Esc while an editor waits for its value: stop waiting, stage nothing."""
        editing = self.current_jobs("edit")
        if not editing:
            super().action_cancel()
            return
        for worker in editing:
            worker.cancel()
        self.status.notice = "cancelled: nothing was staged"

    def explain(self, error: BaseException) -> str:
        if isinstance(error, WaitFailedError):
            return str(error)
        return super().explain(error)

    def job_failed(self, job: Job, error: Exception) -> None:
        if job.kind == "edit":
            kept = len(self.changes)
            self.status.notice = "nothing was staged" + (
                f" ({kept} staged change{_s(kept)} kept)" if kept else ""
            )
        super().job_failed(job, error)

    # -- staging ----------------------------------------------------------------------------
    def saving(self) -> bool:
        """Whether a save is under way (it applies what was staged when it began: nothing
        staged may change meanwhile); says so when it is."""
        if self.job_running("save"):
            server = self.source is not None and not self.source.target.is_sqlite
            stop = f", or {self.key_of('browse.cancel')} to cancel it" if server else ""
            self._refused(f"a save is under way: wait for it to finish{stop}", "Saving")
            return True
        return False

    def stage(self, table: TableInfo, change: Change) -> bool:
        if self.saving():
            return False
        # The changes staged before another connection's ALTER name the columns as they are
        # now, as this one does (what cannot be carried over stays marked and refused).
        self.follow_columns(table.ref)
        try:
            self.changes.stage(change)
        except StagingError as exc:
            self._refused(str(exc))
            return False
        self.edited_tables[table.ref] = table
        if self.details is not None and self.details.info.ref == table.ref:
            self.edited_details[table.ref] = self.details
        self.changes_shown()
        return True

    def staged_tables(self) -> tuple[TableRef, ...]:
        return tuple(c.table for c in self.changes.changes)

    def changes_shown(self) -> None:
        """The staged changes or the selection changed: redraw the marks and the count."""
        # A table renamed or altered elsewhere matters only while changes are staged on it.
        staged = set(self.staged_tables())
        for kept in (self.tables_renamed, self.current_tables):
            for ref in [r for r in kept if r not in staged]:
                del kept[ref]
        grid = self.grid
        if grid.marks is None:
            grid.marks = EditMarks(self)
        self.status.pending = len(self.changes)
        grid.refresh()
        self._show_new_rows()

    def _show_new_rows(self) -> None:
        from tui.widgets.row_grid import RowGrid

        strips = self.query("#new-rows")
        if not strips:
            return
        strip = strips.first(RowGrid)
        inserts = self.changes.inserts(self.table.ref) if self.table is not None else ()
        self.query_one("#new-rows-box").set_class(bool(inserts), "-shown")
        if not inserts:
            if strip.has_focus:
                self.grid.focus()
            return
        rows = NewRows(inserts, [c.name for c in self.grid.columns])
        strip.marks = rows
        strip.show(rows, list(self.grid.columns), len(inserts))
        strip.scroll_to(x=self.grid.scroll_x, animate=False, immediate=True)

    def action_undo_edit(self) -> None:
        self._step_history(self.changes.undo, "undo", "undone", "ctrl+y redoes")

    def action_redo_edit(self) -> None:
        self._step_history(self.changes.redo, "redo", "redone", "ctrl+z undoes")

    def _step_history(self, step: Callable[[], bool], verb: str, done: str, hint: str) -> None:
        if self.saving():
            return
        if not step():
            self.notify(f"nothing to {verb}", markup=False)
            return
        self.changes_shown()
        # Replaces what the step said before ("discarded 3 staged changes" is no longer true).
        self.status.notice = f"{done}: {self._staged_now()} ({hint})"
        self._forget_toasts()

    def _staged_now(self) -> str:
        count = len(self.changes)
        return f"{count} change{_s(count)} staged" if count else "nothing is staged"

    def action_discard_changes(self) -> None:
        from tui.screens.confirm import ConfirmScreen

        count = len(self.changes)
        if not count:
            self.notify("nothing is staged", markup=False)
            return

        def answered(yes: bool | None) -> None:
            if yes and not self.saving():
                self.changes.discard()
                self.selected.clear()
                self.changes_shown()
                self.status.notice = f"discarded {count} staged change{_s(count)} (ctrl+z undoes)"
                self._forget_toasts()

        self.app.push_screen(
            ConfirmScreen(
                f"Discard {count} staged change{_s(count)}?",
                "Nothing was written to the database; discarding forgets the edits "
                "(ctrl+z brings them back).",
                yes="Discard",
            ),
            answered,
        )

    def confirm_leave(self, doing: str, proceed: Any, *, forgets: bool = False) -> None:
        """Run ``proceed()`` now, or after asking when changes are staged.

        ``forgets``: doing it loses the staged changes (quitting); otherwise they stay staged.
        """
        from tui.screens.confirm import ConfirmScreen

        if self.saving():  # its outcome is not known yet: "nothing was written" may be false
            return
        count = len(self.changes)
        if not count:
            proceed()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                proceed()

        if forgets:
            detail = "Nothing was written; quitting forgets them."
        else:
            detail = (
                "They stay staged (p shows them, ctrl+s saves them), but the rows they were "
                "made on may be reloaded."
            )
        self.app.push_screen(
            ConfirmScreen(
                f"{count} change{_s(count)} not saved: {doing} anyway?",
                detail,
                yes=doing[:1].upper() + doing[1:],
            ),
            answered,
        )

    # -- helpers ---------------------------------------------------------------------------
    def _forget_toasts(self) -> None:
        """Toasts still up spoke of the staged changes as they were ("save failed: …", a
        conflict, a refusal): after undo, redo or discard they no longer hold."""
        self.app.clear_notifications()

    def _source(self) -> DataSource:
        if self.source is None:
            raise RuntimeError("no database is open")
        return self.source


def _s(count: int) -> str:
    return "" if count == 1 else "s"
