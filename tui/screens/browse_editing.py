"""The browse screen's editing: edit a cell, insert, duplicate, select and delete rows, stage,
undo, show what is pending, save in one short transaction, and resolve conflicts.

Changes are staged in a :class:`~tui.db.edits.ChangeSet` (in memory: nothing is held open in
the database while the person edits) and drawn in the grid through :class:`EditMarks`. Every
refusal is said before any editor opens. Saving runs as the ``save`` job through
:meth:`~tui.screens.jobs.JobScreen.start_job`; what it finds (failure, conflict) keeps every
change staged. The dialogs live in their own modules; this one wires them to the data layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding, BindingType

from tui.db.edits import (
    CellEdit,
    Change,
    ChangeSet,
    EditRefusedError,
    RowInsert,
    StagingError,
    edit_key,
    edit_refusal,
    row_identity,
)
from tui.db.model import Preview, TableInfo, TableRef
from tui.screens.browse_actions import BrowseActions
from tui.screens.jobs import Job
from tui.text.escape import append_name, escaped_plain
from tui.widgets.row_grid import RowMark

if TYPE_CHECKING:
    from tui.db.model import ColumnInfo, TableDetails
    from tui.db.source import DataSource
    from tui.db.values import RowKey

EDIT_BINDINGS: list[BindingType] = [
    Binding("e,f2", "edit_cell", "Edit cell"),
    Binding("i,insert", "insert_row", "Insert row"),
    Binding("D", "duplicate_row", "Duplicate row", show=False),
    Binding("space", "toggle_select", "Select row", show=False),
    Binding("d,delete", "delete_rows", "Delete rows", show=False),
    Binding("p", "pending", "Pending changes"),
    Binding("ctrl+s", "save_changes", "Save changes"),
    Binding("ctrl+z", "undo_edit", "Undo staged change", show=False),
    Binding("ctrl+y", "redo_edit", "Redo staged change", show=False),
    Binding("X", "discard_changes", "Discard all changes", show=False),
]


class EditMarks:
    """Answers the grid's question "what is staged for this row?" from the change set."""

    def __init__(self, screen: BrowseEditing) -> None:
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


class BrowseEditing(BrowseActions):
    """Editing a cell, staging, undo and redo (the layer above the key actions)."""

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
        read_only = source.target.read_only
        return edit_refusal(table, column, read_only=read_only) or source.write_refusal()

    def _refused(self, reason: str, title: str = "Cannot edit") -> None:
        self.notify(escaped_plain(reason), title=title, severity="warning", markup=False)

    # -- editing a cell --------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While an editor opens (its value is being read), the screen's commands wait: text
        typed for the editor must not run them (X would discard, d delete, s sort)."""
        if action != "cancel" and self.job_running("edit"):
            return False
        return super().check_action(action, parameters)

    def action_edit_cell(self) -> None:
        table, grid = self.table, self.grid
        if table is None or not grid.columns or grid.current_row() is None:
            return
        name = grid.columns[grid.cursor_column].name
        column = next((c for c in table.columns if c.name == name), None)
        refusal = self._refusal(column) if column is not None else "no such column"
        if refusal is not None:
            self._refused(refusal)
            return
        assert column is not None
        found = self._cursor_key()
        if found is None:
            return
        key, row = found
        if self.changes.is_deleted(table.ref, key):
            self._refused("this row is staged for deletion: undo the deletion to edit it")
            return
        self.start_job(
            "edit",
            lambda job: self._read_and_edit(job, table, key, column, row),
            label="reading the value…",
        )

    async def _read_and_edit(
        self, job: Job, table: TableInfo, key: RowKey, column: ColumnInfo, row: tuple[Any, ...]
    ) -> None:
        from tui.db.values import RowGoneError, read_value

        source = self._source()
        try:
            current = await source.run(lambda conn: read_value(conn, table, key, column.name))
            # A rowid names the row only together with the rest of it (see CellEdit.row).
            seen = await self._whole_row(table, key, row) if key.rowid else None
        except RowGoneError as exc:
            self._refused(str(exc))
            return
        if not job.current:
            return
        staged = self.changes.edit_of(table.ref, key, column.name)
        shown = staged.new if staged else current
        self.open_editor(table, key, column, current, shown, row=seen)

    async def _whole_row(
        self, table: TableInfo, key: RowKey, row: tuple[Any, ...]
    ) -> dict[str, Any]:
        """The row's values, each read whole by key where the page had only a preview."""
        from tui.db.values import read_value

        window = self.window
        assert window is not None
        source = self._source()
        values = dict(zip([c.name for c in window.pager.columns], row, strict=False))
        for name, value in list(values.items()):
            if isinstance(value, Preview):
                values[name] = await source.run(
                    lambda conn, n=name: read_value(conn, table, key, n)  # type: ignore[misc]
                )
        return values

    def open_editor(
        self,
        table: TableInfo,
        key: RowKey,
        column: ColumnInfo,
        original: Any,
        shown: Any,
        *,
        row: dict[str, Any] | None = None,
    ) -> None:
        """The editor on ``shown``; what it answers is staged as an edit of ``original``.

        ``row``: the rest of a rowid-named row as the user saw it (see ``CellEdit.row``).
        """
        from tui.db.edit_values import (
            choices,
            editor_kind,
            parse_for_column,
            validate_with_schema,
            value_as_text,
        )
        from tui.db.storage_class import (
            StorageClass,
            parse_in_class,
            starting_class,
            storage_classes,
        )
        from tui.screens.edit_cell import CellEditorScreen, EditedValue, EditorSpec

        source = self._source()
        dialect = source.strategy.name
        details = self.details if self.details and self.details.info.ref == table.ref else None
        identity = row_identity(table)
        models = self.app_schemas_apply()
        strict = table.strict
        classes = storage_classes(column, dialect, strict=strict)
        spec = EditorSpec(
            table=table.name,
            column=column.name,
            declared_type=column.type_name,
            kind=editor_kind(column, dialect, details).name,
            value=shown,
            text="" if shown is None else value_as_text(shown, column, dialect),
            choices=choices(column, details),
            nullable=column.nullable,
            note=identity.warning or "",
            classes=tuple(c.value for c in classes),
            storage=starting_class(shown, column, classes, strict=strict).value,
        )

        def parse(text: str, storage: str = "auto") -> Any:
            if classes:
                value = parse_in_class(text, StorageClass(storage), column, strict=strict)
            else:
                value = parse_for_column(text, column, dialect)
            # The application's own tables: its Pydantic schema has the last word.
            refused = validate_with_schema(table.name, column.name, value) if models else None
            if refused is not None:
                raise ValueError(refused)
            return value

        def answered(answer: EditedValue | None) -> None:
            if answer is None:
                return
            context = tuple((n, v) for n, v in (row or {}).items() if n != column.name)
            edit = CellEdit(table.ref, key, column.name, original, answer.value, context)
            if column.name in identity.columns or column.primary_key:
                self._confirm_key_change(table, edit)
            else:
                self.stage(table, edit)

        self.app.push_screen(CellEditorScreen(spec, parse, parse), answered)

    def _confirm_key_change(self, table: TableInfo, edit: CellEdit) -> None:
        from tui.screens.confirm import ConfirmScreen
        from tui.text.pending import append_value

        detail = Text("This value names the row. Changing it re-identifies the row")
        referring = [
            name
            for name, fk in (self.details.referenced_by if self.details else ())
            if edit.column in fk.referred_columns
        ]
        if referring:
            detail.append(", and rows of ")
            for index, name in enumerate(referring):
                if index:
                    detail.append(", ")
                append_name(detail, name)
            detail.append(" refer to it (their ON UPDATE rule applies, or the save fails)")
        detail.append(".\n\n")
        append_value(detail, edit.original).append(" -> ")
        append_value(detail, edit.new)

        def answered(yes: bool | None) -> None:
            if yes:
                self.stage(table, edit)

        title = Text("Change the key ")
        append_name(title, edit.column).append("?")
        self.app.push_screen(ConfirmScreen(title.plain, detail.plain, yes="Change it"), answered)

    # -- staging ----------------------------------------------------------------------------
    def saving(self) -> bool:
        """Whether a save is under way (it applies what was staged when it began: nothing
        staged may change meanwhile); says so when it is."""
        if self.job_running("save"):
            self._refused("a save is under way: wait for it to finish", "Saving")
            return True
        return False

    def stage(self, table: TableInfo, change: Change) -> bool:
        if self.saving():
            return False
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

    def changes_shown(self) -> None:
        """The staged changes or the selection changed: redraw the marks and the count."""
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
        if self.saving():
            return
        if not self.changes.undo():
            self.notify("nothing to undo", markup=False)
        self.changes_shown()

    def action_redo_edit(self) -> None:
        if self.saving():
            return
        if not self.changes.redo():
            self.notify("nothing to redo", markup=False)
        self.changes_shown()

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
            detail = "Nothing of them was written; quitting forgets them."
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
    def _source(self) -> DataSource:
        if self.source is None:
            raise RuntimeError("no database is open")
        return self.source


def _s(count: int) -> str:
    return "" if count == 1 else "s"


__all__ = ["EDIT_BINDINGS", "BrowseEditing", "EditMarks", "NewRows"]
