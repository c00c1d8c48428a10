"""The browse screen's cell editor: edit the cell under the cursor (``e``, F2), asking first
when the value names the row.

The value is read whole by key before the editor opens (the page may hold only a preview);
that read can wait on a lock, and says so while it does (Esc stops it, nothing is staged).
What the editor answers is staged as an edit of the value read (see
:mod:`tui.screens.browse_staging`); every refusal is said before any editor opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding, BindingType

from tui.db.edits import CellEdit, column_place, row_identity
from tui.db.model import Preview, TableInfo
from tui.screens.browse_staging import BrowseStaging
from tui.screens.jobs import Job
from tui.text.escape import append_name

if TYPE_CHECKING:
    from tui.db.delete_effects import DeleteEffect
    from tui.db.model import ColumnInfo
    from tui.db.values import RowKey

EDIT_BINDINGS: list[BindingType] = [
    Binding("e,f2", "edit_cell", "Edit cell", id="browse.edit_cell"),
    Binding("i,insert", "insert_row", "Insert row", id="browse.insert_row"),
    Binding("D", "duplicate_row", "Duplicate row", show=False, id="browse.duplicate_row"),
    Binding("space", "toggle_select", "Select row", show=False, id="browse.select_row"),
    Binding("d,delete", "delete_rows", "Delete rows", show=False, id="browse.delete_rows"),
    Binding("p", "pending", "Pending changes", id="browse.pending"),
    Binding("ctrl+s", "save_changes", "Save changes", id="browse.save"),
    Binding("ctrl+z", "undo_edit", "Undo staged change", show=False, id="browse.undo"),
    Binding("ctrl+y", "redo_edit", "Redo staged change", show=False, id="browse.redo"),
    Binding("X", "discard_changes", "Discard all changes", show=False, id="browse.discard"),
]


class BrowseEditing(BrowseStaging):
    """Editing one cell (the layer above staging)."""

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
            "edit", lambda job: self._read_and_edit(job, table, key, column, row), holds_keys=True
        )

    async def _read_and_edit(
        self, job: Job, table: TableInfo, key: RowKey, column: ColumnInfo, row: tuple[Any, ...]
    ) -> None:
        from tui.db.values import RowGoneError, read_value

        try:
            current = await self.read_waiting(
                job,
                "reading the value to edit",
                lambda conn: read_value(conn, table, key, column.name),
            )
            # A rowid names the row only together with the rest of it (see CellEdit.row).
            seen = await self.whole_row(job, table, key, row) if key.rowid else None
        except RowGoneError as exc:
            self._refused(str(exc))
            return
        if not job.current:
            return
        self.open_editor(table, key, column, current, row=seen)

    async def whole_row(
        self, job: Job, table: TableInfo, key: RowKey, row: tuple[Any, ...]
    ) -> dict[str, Any]:
        """The row's values, each read whole by key where the page had only a preview."""
        from tui.db.values import read_value

        window = self.window
        assert window is not None
        values = dict(zip([c.name for c in window.pager.columns], row, strict=False))
        for name, value in list(values.items()):
            if isinstance(value, Preview):
                values[name] = await self.read_waiting(
                    job,
                    "reading the row",
                    lambda conn, n=name: read_value(conn, table, key, n),  # type: ignore[misc]
                )
        return values

    def open_editor(
        self,
        table: TableInfo,
        key: RowKey,
        column: ColumnInfo,
        original: Any,
        *,
        row: dict[str, Any] | None = None,
    ) -> None:
        """The editor on the cell's staged value (labelled so, with ``original``, the value in
        the database, beside it), or on ``original``; what it answers is staged as an edit of
        ``original`` (merged into the cell's staged edit, see :class:`~tui.db.edits.ChangeSet`).

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
        staged = self.changes.edit_of(table.ref, key, column.name, column_place(table, column.name))
        shown = staged.new if staged is not None else original
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
            staged=staged is not None,
            stored=original,
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
            place = column_place(table, column.name)
            edit = CellEdit(table.ref, key, column.name, original, answer.value, context, place)
            if column.name in identity.columns or column.primary_key:
                self._confirm_key_change(table, edit)
            else:
                self.stage(table, edit)

        self.app.push_screen(CellEditorScreen(spec, parse, parse), answered)

    def _confirm_key_change(self, table: TableInfo, edit: CellEdit) -> None:
        self.start_job("edit", lambda job: self._ask_key_change(job, table, edit))

    async def _ask_key_change(self, job: Job, table: TableInfo, edit: CellEdit) -> None:
        """Count the rows of other tables that refer to this value, then ask: only tables
        that hold such rows are named (with their counts); one whose foreign key refers to
        columns not known here is named as one that may."""
        from dataclasses import replace

        from tui.db.delete_effects import delete_effects, refer_phrase
        from tui.screens.confirm import ConfirmScreen
        from tui.text.pending import append_value

        details = self.details if self.details and self.details.info.ref == table.ref else None
        referring = [
            (name, fk)
            for name, fk in (details.referenced_by if details else ())
            if edit.column in fk.referred_columns
        ]
        seen = {**dict(edit.row), **dict(zip(edit.key.names, edit.key.values, strict=True))}
        seen[edit.column] = edit.original
        known = [(n, fk) for n, fk in referring if all(c in seen for c in fk.referred_columns)]
        unknown = [n for n, fk in referring if (n, fk) not in known]
        counted: tuple[DeleteEffect, ...] = ()
        if details is not None and known:
            only = replace(details, referenced_by=tuple(known))
            counted = await self.read_waiting(
                job,
                "counting the rows that refer to it",
                lambda conn: delete_effects(conn, only, [seen]),
            )
        if not job.current:
            return
        detail = Text("This value names the row. Changing it re-identifies the row")
        for index, effect in enumerate(counted):
            detail.append(", and " if index == 0 else "; ")
            detail.append(f"{effect.rows:,} row{'s' if effect.rows != 1 else ''} of ")
            append_name(detail, effect.table).append(f" {refer_phrase(effect.rows, 1)}")
        if counted:
            whose = "its" if len(counted) == 1 else "their"
            detail.append(f" ({whose} ON UPDATE rule applies, or the save fails)")
        for index, name in enumerate(dict.fromkeys(unknown)):
            detail.append(", and rows of " if index == 0 else ", ")
            append_name(detail, name)
        if unknown:
            detail.append(" may refer to it (not counted: their key is not all known here)")
        detail.append(".\n\n")
        append_value(detail, edit.original).append(" -> ")
        append_value(detail, edit.new)

        def answered(yes: bool | None) -> None:
            if yes:
                self.stage(table, edit)

        title = Text("Change the key ")
        append_name(title, edit.column).append("?")
        self.app.push_screen(ConfirmScreen(title.plain, detail.plain, yes="Change it"), answered)


__all__ = ["EDIT_BINDINGS", "BrowseEditing"]
