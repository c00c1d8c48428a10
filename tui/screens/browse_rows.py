"""Whole rows: insert (a form of every column), duplicate, select with space, delete, and
the staged new rows listed under the grid (changed, copied or dropped from there).

Deleting asks first, saying how many rows and what else goes with them (``ON DELETE
CASCADE``, ``SET NULL`` of the tables that refer to this one). A deletion remembers every
column as the person saw it, read whole by key where the page carried only a preview, so the
save can tell whether someone changed the row meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on

from tui.db.edits import RowDelete, RowInsert
from tui.db.model import ColumnInfo, TableInfo
from tui.screens.browse_editing import BrowseEditing
from tui.screens.jobs import Job
from tui.text.escape import append_name
from tui.widgets.row_grid import RowGrid

if TYPE_CHECKING:
    from tui.db.delete_effects import DeleteEffect
    from tui.db.values import RowKey
    from tui.screens.row_form import FormField


class BrowseRowEditing(BrowseEditing):
    """Insert, duplicate, select and delete rows of the open table."""

    # -- the strip of new rows (Tab from the grid): e changes one, D copies it, d drops it -
    @property
    def strip(self) -> RowGrid:
        return self.query_one("#new-rows", RowGrid)

    def _focused_insert(self) -> RowInsert | None:
        """The staged insert under the strip's cursor, when the strip has the focus."""
        strip, table = self.strip, self.table
        if not strip.has_focus or table is None:
            return None
        inserts = self.changes.inserts(table.ref)
        row = strip.cursor_row
        return inserts[row] if 0 <= row < len(inserts) else None

    def action_edit_cell(self) -> None:
        insert = self._focused_insert()
        if insert is None:
            super().action_edit_cell()
        else:
            self._open_form(dict(insert.values), token=insert.token)

    @on(RowGrid.CellSelected, "#new-rows")
    def _new_row_selected(self) -> None:
        self.action_edit_cell()

    def _new_row_name(self, table: TableInfo, token: int) -> str:
        """``new row 2+``: the staged insert ``token`` named by its place in the strip."""
        from tui.text.pending import new_row_name

        tokens = [insert.token for insert in self.changes.inserts(table.ref)]
        return new_row_name(tokens.index(token) + 1) if token in tokens else "new row"

    # -- insert and duplicate -------------------------------------------------------------
    def action_insert_row(self) -> None:
        self._open_form(None)

    def action_duplicate_row(self) -> None:
        insert = self._focused_insert()
        if insert is not None:
            self._open_form(dict(insert.values))
            return
        found = self._cursor_key() if self.table is not None else None
        if found is None:
            return
        key, row = found
        table = self.table
        assert table is not None
        refusal = self._refusal(None)
        if refusal is not None:
            self._refused(refusal, "Cannot duplicate")
            return

        async def body(job: Job) -> None:
            values = await self.whole_row(job, table, key, row)
            if job.current:
                self._open_form(values)

        self.start_job("edit", body, holds_keys=True)

    def _open_form(self, values: dict[str, Any] | None, token: int | None = None) -> None:
        """The row form: empty, a copy of ``values``, or (with ``token``) a staged new row."""
        from tui.screens.row_form import RowFormScreen

        table = self.table
        if table is None:
            return
        refusal = self._refusal(None)
        if refusal is not None:
            self._refused(refusal, "Cannot insert")
            return
        given = token is not None  # a staged row's own values, its key included
        fields = [self._form_field(table, c, values, given) for c in table.columns if not c.hidden]
        if token is not None:
            title = Text(f"{self._new_row_name(table, token).capitalize()} of ")
        else:
            title = Text("Duplicate a row of " if values is not None else "New row in ")
        append_name(title, table.name)
        title.append("  (staged: ctrl+s in the grid saves)", "dim")

        models = self.app_schemas_apply()

        def check(row: tuple[tuple[str, Any], ...]) -> str | None:
            from tui.db.edit_values import validate_insert_with_schema

            # The application's own tables: its Pydantic schema has the last word.
            return validate_insert_with_schema(table.name, dict(row)) if models else None

        def answered(given: tuple[tuple[str, Any], ...] | None) -> None:
            if given is None:
                return
            number = token if token is not None else self.changes.next_token()
            if self.stage(table, RowInsert(table.ref, given, number)):
                name = self._new_row_name(table, number)
                self.status.notice = f"{name} staged (shown under the grid; Tab goes there)"

        self.app.push_screen(RowFormScreen(title, fields, check), answered)

    def _form_field(
        self,
        table: TableInfo,
        column: ColumnInfo,
        values: dict[str, Any] | None,
        given: bool = False,
    ) -> FormField:
        from tui.db.edit_values import parse_for_column, value_as_text
        from tui.db.edits import insert_hint
        from tui.db.storage_class import (
            StorageClass,
            parse_in_class,
            starting_class,
            storage_classes,
        )
        from tui.screens.row_form import FieldState, FormField

        dialect = self._source().strategy.name
        strict = table.strict
        classes = storage_classes(column, dialect, strict=strict)
        auto = column.auto  # a rowid alias, serial, identity or AUTO_INCREMENT column
        default = insert_hint(column)  # "" when a value is needed
        refused = ""
        if column.generated:
            refused = f"generated: computed {column.generated_as}".strip()
        state, text, value, storage = FieldState.DEFAULT, "", None, StorageClass.AUTO
        copied = values is not None and column.name in values and not refused
        copied = copied and (given or not auto)  # a copy gets its own key
        if copied and values is not None:
            value = values[column.name]
            if value is None:
                state = FieldState.NULL
            else:
                state, text = FieldState.TEXT, value_as_text(value, column, dialect)
                storage = starting_class(value, column, classes, strict=strict)

        def parse_as(text: str, storage: str) -> Any:
            return parse_in_class(text, StorageClass(storage), column, strict=strict)

        return FormField(
            name=column.name,
            declared_type=column.type_name,
            default=default,
            parse=lambda t: parse_for_column(t, column, dialect),
            nullable=column.nullable,
            state=state,
            text=text,
            refused=refused,
            value=value,
            # A driver's decoded document (a server's JSON, an array) goes back as typed text.
            copied=copied and not isinstance(value, dict | list),
            classes=tuple(c.value for c in classes),
            storage=storage.value,
            parse_as=parse_as if classes else None,
        )

    # -- selection and deletion -----------------------------------------------------------
    def action_toggle_select(self) -> None:
        found = self._cursor_key() if self.table is not None else None
        if found is None:
            return
        key, row = found
        assert self.table is not None
        marked = (self.table.ref, key)
        if marked in self.selected:
            del self.selected[marked]
        else:
            self.selected[marked] = row
        self.changes_shown()
        self.grid.action_cursor(1)

    def action_delete_rows(self) -> None:
        insert = self._focused_insert()
        if insert is not None:
            name = self._new_row_name(self.table, insert.token) if self.table else "new row"
            if not self.saving() and self.changes.unstage(insert):
                self.changes_shown()
                self.status.notice = f"{name} dropped (ctrl+z brings it back)"
            return
        table = self.table
        if table is None or self.window is None:
            return
        refusal = self._refusal(None)
        if refusal is not None:
            self._refused(refusal, "Cannot delete")
            return
        rows = {key: row for (ref, key), row in self.selected.items() if ref == table.ref}
        if not rows:
            found = self._cursor_key()
            if found is None:
                return
            rows = {found[0]: found[1]}
        rows = {k: r for k, r in rows.items() if not self.changes.is_deleted(table.ref, k)}
        if not rows:
            self._refused("already staged for deletion (ctrl+z undoes)", "Delete")
            return
        self.start_job("edit", lambda job: self._ask_delete(job, table, rows), holds_keys=True)

    async def _ask_delete(
        self, job: Job, table: TableInfo, rows: dict[RowKey, tuple[Any, ...]]
    ) -> None:
        """Read the rows whole, count what refers to them, ask, then stage their deletion
        (each remembering what it was announced to take with it: the save counts again)."""
        from tui.db.delete_effects import row_effects, total
        from tui.screens.confirm import ConfirmScreen
        from tui.text.pending import delete_question

        whole = {key: await self.whole_row(job, table, key, row) for key, row in rows.items()}
        details = self.details if self.details and self.details.info.ref == table.ref else None
        per_row: tuple[tuple[DeleteEffect, ...], ...] | None = None
        if details is not None:
            listed = list(whole.values())
            per_row = await self.read_waiting(
                job,
                "counting the rows that refer to them",
                lambda conn: row_effects(conn, details, listed),
            )
        if not job.current:
            return
        effects = None if per_row is None else total(per_row)
        title, body = delete_question(table.ref, len(rows), effects)

        def answered(yes: bool | None) -> None:
            if yes:
                counted = per_row or (None,) * len(whole)
                self._stage_deletes(table, whole, dict(zip(whole, counted, strict=True)))

        self.app.push_screen(ConfirmScreen(title.plain, body.plain, yes="Stage"), answered)

    def _stage_deletes(
        self,
        table: TableInfo,
        rows: dict[RowKey, dict[str, Any]],
        effects: dict[RowKey, tuple[DeleteEffect, ...] | None],
    ) -> None:
        deletes = [
            RowDelete(table.ref, key, tuple(values.items()), effects.get(key))
            for key, values in rows.items()
        ]
        staged = sum(1 for d in deletes if self.stage(table, d))
        for key in rows:
            self.selected.pop((table.ref, key), None)
        self.changes_shown()
        self.status.notice = f"{staged} row{'s' if staged != 1 else ''} staged for deletion"


__all__ = ["BrowseRowEditing"]
