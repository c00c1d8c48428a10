"""Pending changes, saving them, and conflicts.

``p`` shows every staged change and the statements save will run (``plan_save``: the
dialect's own SQL, bound values listed, rows each must touch). ``ctrl+s`` runs them in one
short transaction as the ``save`` job. A failure keeps every change staged and opens the
panel at the change that failed, with the reason; a conflict (a row changed or gone since it
was read) opens the conflict dialog. After a save the visible rows are read again.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text

from tui.db.edits import CellEdit, Change, first_unbound, named_by_rowid
from tui.screens.browse_rows import BrowseRowEditing
from tui.screens.jobs import Job
from tui.screens.waiting import wait_for_database
from tui.text.escape import escaped_plain

log = logging.getLogger("dbbrowse")

if TYPE_CHECKING:
    from tui.db.model import TableInfo, TableRef
    from tui.db.save import Conflict, SaveOutcome
    from tui.screens.conflict import ConflictChoice


class BrowseSaving(BrowseRowEditing):
    """The pending panel, save, and conflict resolution."""

    def __init__(self) -> None:
        super().__init__()
        #: What the last save wrote: the change watcher's next "someone committed" is ours.
        self._saved_notice: str | None = None
        #: Esc was pressed while the save ran (on a server, its statement was stopped).
        self._save_cancelled = False

    def action_cancel(self) -> None:
        """Esc during a save on a server: stop its statement (one waiting for another
        session's lock); it rolls back, and every change stays staged. A save that has
        committed meanwhile stays saved, and says so."""
        source = self.source
        if not self.job_running("save") or source is None or source.target.is_sqlite:
            super().action_cancel()
            return
        self._save_cancelled = True
        self.status.notice = "cancelling the save…"

        async def interrupt(job: Job) -> None:
            await source.interrupt_writes()

        self.start_job("save_cancel", interrupt, scoped=False)

    def data_changed(self, *, certain: bool = True) -> None:
        saved = None
        if certain:  # an uncertain move of the token may come before our save's own
            saved, self._saved_notice = self._saved_notice, None
        super().data_changed(certain=certain)
        if saved is not None:
            self.status.notice = saved

    def pending_body(
        self, failed: Change | None = None, reason: str = "", selected: int | None = None
    ) -> Text:
        from tui.db.save import plan_save
        from tui.text.pending import pending_text

        changes = self.changes.changes
        planned, error = None, None
        if changes:
            try:
                dialect = self._source().engine.dialect
                planned = plan_save(changes, self.edited_tables, dialect, self.edited_details)
            except Exception as exc:  # the panel says why instead of failing to open
                error = self.explain(exc)
        return pending_text(
            changes,
            planned,
            plan_error=error,
            failed=failed,
            reason=reason,
            gone=self.gone_changes(),
            selected=selected,
        )

    def gone_changes(self) -> dict[int, str]:
        """By index among the staged changes, why a change can no longer be saved: its column
        (or table) was renamed or dropped elsewhere since it was staged."""
        from tui.db.column_changes import column_changes
        from tui.db.column_follow import follow_change
        from tui.db.edits import unbound_edit

        gone: dict[int, str] = {}
        for at, change in enumerate(self.changes.changes):
            renamed = self.tables_renamed.get(change.table)
            if renamed is not None:
                gone[at] = self.renamed_reason(change.table, renamed)
                continue
            staged = self.edited_tables.get(change.table)
            now = self.current_tables.get(change.table)
            reason = None
            if staged is not None and now is not None:
                followed = follow_change(change, now, column_changes(staged, now))
                reason = followed if isinstance(followed, str) else None
            elif staged is not None and isinstance(change, CellEdit):
                reason = unbound_edit(change, staged)
            if reason is not None:
                gone[at] = reason
        return gone

    def follow_columns(self, ref: TableRef) -> tuple[Change, str] | None:
        """Carry the changes staged on ``ref`` over to its columns as another connection's
        DDL left them (read again since: ``current_tables``), so that the next save runs on
        them; the first change that cannot be carried, and why (then none is)."""
        from tui.db.column_changes import column_changes
        from tui.db.column_follow import follow_change
        from tui.db.save import schema_difference

        staged, now = self.edited_tables.get(ref), self.current_tables.get(ref)
        if staged is None or now is None or not schema_difference(staged, now):
            return None
        moved = column_changes(staged, now)
        for change in self.changes.changes:
            if change.table == ref:
                followed = follow_change(change, now, moved)
                if isinstance(followed, str):
                    return change, followed

        def follow(change: Change) -> Change:
            if change.table != ref:
                return change
            followed = follow_change(change, now, moved)
            return change if isinstance(followed, str) else followed

        self.changes.rebind(follow)
        self.edited_tables[ref] = now
        return None

    def renamed_reason(self, old: TableRef, new: TableRef) -> str:
        count = sum(1 for c in self.changes.changes if c.table == old)
        changes = "staged change was" if count == 1 else "staged changes were"
        them = "it" if count == 1 else "them"
        return (
            f"table {old} was renamed to {new} by another connection: the {count} {changes}"
            f" made on {old}; discard {them} or stage {them} again on {new}"
        )

    def action_pending(self, failed: Change | None = None, reason: str = "") -> None:
        from tui.screens.pending import PendingAnswer, PendingScreen

        def answered(answer: PendingAnswer | None) -> None:
            if answer is PendingAnswer.SAVE:
                self.action_save_changes()
            elif answer is PendingAnswer.DISCARD:
                self.action_discard_changes()

        def rebuild(selected: int | None) -> tuple[Text, int]:
            return self.pending_body(failed, reason, selected), len(self.changes)

        def discard(at: int) -> None:
            if self.saving() or not 0 <= at < len(self.changes):
                return
            self.changes.unstage(self.changes.changes[at])
            self.changes_shown()

        changes = self.changes.changes
        selected = next(iter(self.gone_changes()), None)
        if failed is not None and failed in changes:
            selected = changes.index(failed)
        body = self.pending_body(failed, reason, selected)
        screen = PendingScreen(body, rebuild=rebuild, discard=discard, selected=selected)
        self.app.push_screen(screen, answered)

    # -- saving ----------------------------------------------------------------------------
    def action_save_changes(self) -> None:
        source = self.source
        if source is None:
            return
        if not self.changes:
            self.notify("nothing to save", markup=False)
            return
        refusal = source.target.read_only_reason or source.write_refusal()
        if refusal is not None:
            self._refused(refusal, "Cannot save")
            return
        if self.job_running("save"):
            return
        if self.transaction_open:
            # Its locks are dbbrowse's own: the save would wait on them, then blame another
            # connection (a SQLite file's write lock), or wait on a row without limit.
            self.status.notice = "not saved: every change is still staged"
            commit, rollback = self.transaction_keys()
            self.notify(
                f"dbbrowse's own SQL console has a transaction open ({self.transaction_words()}): "
                f"{commit} commits it or {rollback} rolls it back, then"
                f" {self.key_of('browse.save')} saves. Nothing was written; every change is"
                " still staged.",
                title="Cannot save",
                severity="warning",
                timeout=15,
                markup=False,
            )
            return
        self.start_job("save", self._save, scoped=False)

    async def _save(self, job: Job) -> None:
        from tui.db.save import plan_save, save_changes

        source = self._source()
        changes = self.changes.changes
        tables = dict(self.edited_tables)
        renamed = next((c for c in changes if c.table in self.tables_renamed), None)
        if renamed is not None:  # staged on the old name: never saved to whatever has it now
            self._save_refused(
                renamed, self.renamed_reason(renamed.table, self.tables_renamed[renamed.table])
            )
            return
        for ref in [r for r in self.current_tables if r in tables]:
            # Another connection changed its columns and the screen read them again: the
            # changes are saved on them (or refused, naming the column), not refused because
            # they were staged before.
            refused = self.follow_columns(ref)
            if refused is not None:
                self._save_refused(*refused)
                return
        changes = self.changes.changes
        tables = dict(self.edited_tables)
        unbound = first_unbound(changes, tables)
        if unbound is not None:  # its column is gone or another one: never planned on it
            self._save_refused(*unbound)
            return
        planned = plan_save(changes, tables, source.engine.dialect, dict(self.edited_details))
        self._save_cancelled = False
        seen: list[str] = []  # who held the lock the save waited for, newest last

        def holder() -> str | None:
            return seen[-1] if seen else None

        outcome: SaveOutcome = await wait_for_database(
            source,
            job,
            "saving",
            lambda conn: save_changes(
                conn, planned, tables, lock_wait_ms=source.lock_wait_ms, holder=holder
            ),
            write=True,
            seen=seen,
        )
        if outcome.ok:
            count = len(changes)
            self.changes.clear()
            self.edited_tables.clear()
            self.edited_details.clear()
            self.selected.clear()
            self.changes_shown()
            self._forget_toasts()  # a conflict's or a failure's, about changes now saved
            saved = f"saved {count} change{'s' if count != 1 else ''}"
            self.data_changed()  # read the visible rows again, keep the cursor
            self.status.notice = saved
            self._saved_notice = saved  # the watcher is about to see this commit
            return
        if self._save_cancelled:
            self._save_cancelled = False
            self.status.notice = "save cancelled: nothing was written, every change is still staged"
            log.info("save cancelled: %s", outcome.reason)
            return
        if outcome.conflict is not None:
            self._show_conflict(outcome.conflict)
            return
        if outcome.changed_tables:
            self._columns_changed(outcome.changed_tables)
        self._save_refused(outcome.failed, outcome.reason or "the save failed")

    def _save_refused(self, failed: Change | None, reason: str) -> None:
        """Nothing was written: say why, and open the pending panel at ``failed``."""
        self.status.notice = "save failed: nothing was written, every change is still staged"
        self.notify(
            escaped_plain(reason, keep_newlines=True),
            title="Save failed: nothing written",
            severity="error",
            timeout=15,
            markup=False,
        )
        self.action_pending(failed, reason)

    def _columns_changed(self, tables: tuple[TableInfo, ...]) -> None:
        """Another connection changed these tables' columns: the staged changes are planned
        on them as they are now, the table list holds them, and the open one is reopened
        with its new columns (its sort and filter kept)."""
        from tui.widgets.table_list import TableList

        for table in tables:
            self.current_tables[table.ref] = table
            if self.follow_columns(table.ref) is None:
                self.edited_details.pop(table.ref, None)  # its keys are read again on open
            self.query_one(TableList).update_table(table)
            if self.table is not None and self.table.ref == table.ref:
                self.open_table(table, self.query_spec)

    # -- leaving with changes staged ------------------------------------------------------
    def action_refresh(self) -> None:
        """Reading the rows again asks first while changes are staged."""
        self.confirm_leave("reload the rows", super().action_refresh)

    # -- conflicts -------------------------------------------------------------------------
    def _show_conflict(self, conflict: Conflict) -> None:
        from tui.screens.conflict import ConflictScreen
        from tui.text.pending import conflict_view

        change = conflict.change
        table = self.edited_tables.get(change.table)
        columns = [c.name for c in table.columns] if table is not None else []
        title, summary, body, current = conflict_view(conflict, columns, self._row_edits(change))
        gone = current is None
        self.status.notice = "conflict: nothing was written, every change is still staged"
        # A row named by its rowid (no declared key) is compared whole: a difference may be
        # another record that VACUUM renumbered to this rowid, which "keep mine" would write.
        renumbered = not gone and named_by_rowid(change, table)
        if renumbered:
            summary.append(
                f"\n\nrows of {escaped_plain(change.table.name)} are named by their rowid (no"
                " declared key): this rowid may now hold another record (VACUUM renumbers"
                " rowids), so keep mine is not offered; edit again on the row as it is now,"
                " or take theirs",
                "bold",
            )

        def answered(choice: ConflictChoice | None) -> None:
            self._resolve(conflict, choice)

        screen = ConflictScreen(
            title,
            summary,
            body,
            can_keep=not gone and not renumbered,
            can_edit=not gone and isinstance(change, CellEdit),
        )
        self.app.push_screen(screen, answered)

    def _row_edits(self, change: Change) -> list[CellEdit]:
        """The staged edits of ``change``'s row (one UPDATE): a conflict is the whole row's."""
        if not isinstance(change, CellEdit):
            return []
        return [
            c
            for c in self.changes.changes
            if isinstance(c, CellEdit) and c.table == change.table and c.key == change.key
        ]

    def _resolve(self, conflict: Conflict, choice: ConflictChoice | None) -> None:
        from tui.db.edits import StagingError
        from tui.db.save import resolve_conflict
        from tui.screens.conflict import ConflictChoice

        change = conflict.change
        table = self.edited_tables.get(change.table)
        if choice is None or table is None or self.saving():
            return  # decide later: everything stays staged
        before = len(self.changes)
        try:
            keep = choice is not ConflictChoice.TAKE_THEIRS
            # The whole row: every edit its UPDATE carries is kept or dropped together.
            edits: list[Change] = [*self._row_edits(change)] or [change]
            if keep:
                # Only a cell's first step starts from what the database holds; a later
                # step (a swap through a temporary value) starts from the step before it.
                firsts = {e.column: e for e in reversed(edits) if isinstance(e, CellEdit)}
                edits = [e for e in edits if not isinstance(e, CellEdit) or firsts[e.column] is e]
            for edit in edits:
                mine = edit.new if isinstance(edit, CellEdit) else None
                saw = edit.original if isinstance(edit, CellEdit) else conflict.original
                one = replace(conflict, change=edit, mine=mine, original=saw)
                resolve_conflict(self.changes, one, keep_mine=keep)
            if choice is ConflictChoice.EDIT_AGAIN and isinstance(change, CellEdit):
                # Mine stays staged on top of what the database holds now (Esc keeps it so);
                # the editor opens on it, their value shown as what the database holds.
                column = next((c for c in table.columns if c.name == change.column), None)
                now = dict(conflict.current or ())
                if column is not None:
                    self.open_editor(
                        table,
                        change.key,
                        column,
                        now.get(change.column),
                        row=now if change.row else None,
                    )
        except StagingError as exc:
            self._refused(str(exc), "Conflict")
        self.changes_shown()
        self.data_changed()  # show what is in the database now
        kept = "kept mine on top of the current value: ctrl+s saves it"
        if choice is ConflictChoice.KEEP_MINE and len(self.changes) < before:
            kept = "the database already holds my value: nothing is left to save for it"
        said = {
            ConflictChoice.KEEP_MINE: kept,
            ConflictChoice.TAKE_THEIRS: "took theirs: my change is dropped",
            ConflictChoice.EDIT_AGAIN: "mine is staged again on top of the current value:"
            " editing it",
        }[choice]
        # A toast, not the status notice: the change watcher is about to write that one.
        self.notify(said, title="Conflict", markup=False)


__all__ = ["BrowseSaving"]
