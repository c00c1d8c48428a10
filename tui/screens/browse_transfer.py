"""Rows out of the browse screen: export the view to a file, copy a cell, a row, a name, SQL.

The export is a job of its own (kind ``export``), not tied to the table on screen: the user
may go on browsing while it runs; its progress is in the status bar and Esc cancels it (the
file then never appears). Copies read what the grid holds only in part (long values) again
by the row's key, so the clipboard gets the whole value.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any, ClassVar

from textual.binding import Binding, BindingType

from tui.screens.browse_base import BrowseBase
from tui.screens.clipboard import copy_out

if TYPE_CHECKING:
    from tui.db.model import TableInfo
    from tui.db.paging import Pager
    from tui.screens.export_dialog import ExportRequest
    from tui.screens.jobs import Job

#: Jobs of this module, shown in the status bar beside the view's own.
TRANSFER_JOBS = ("export", "copy")
TRANSFER_BINDINGS: list[BindingType] = [
    Binding("ctrl+e", "export", "Export", id="browse.export"),
    Binding("y", "copy_menu", "Copy", id="browse.copy"),
]


class BrowseTransfer(BrowseBase):
    """Export and copy (mixed into the browse screen beside the editing chain)."""

    BINDINGS: ClassVar[list[BindingType]] = []

    # -- export --------------------------------------------------------------------------
    def action_export(self) -> None:
        from tui.screens.export_dialog import ExportScreen

        source, table = self.source, self.table
        if source is None or table is None or self.window is None:
            self.notify("open a table or view first", markup=False)
            return
        if self.job_running("export"):
            self.notify("an export is running: Esc cancels it", markup=False)
            return
        query = self.query_spec
        what = str(table.ref) + (f" ({query.describe()})" if query and not query.is_plain else "")
        stem = re.sub(r"[^\w.-]+", "_", table.name).strip("._") or "export"
        pending = len(getattr(self, "changes", ()))
        if pending:
            what += f" — {pending} staged change(s) are not saved and not exported"

        def chosen(request: ExportRequest | None) -> None:
            if request is not None:
                self._start_export(table, request)

        self.app.push_screen(ExportScreen(what, stem, source.target.sqlite_path), chosen)

    def _start_export(self, table: TableInfo, request: ExportRequest) -> None:
        from tui.db.export import Clock, relation_statement, staged_file

        source = self._require_source()
        statement = relation_statement(table, source.strategy, self.query_spec or _plain())
        path = request.path

        async def body(job: Job) -> None:
            from tui.db.export import export_rows

            clock = Clock()
            loop = asyncio.get_running_loop()
            ended = False

            def show(text: str) -> None:
                if not ended:  # a cancelled export's thread may still report a page
                    job.say(text)

            def progress(rows: int) -> None:  # in the export's thread: say it in the app's
                text = f"exporting: {rows:,} rows → {path.name} ({clock.seconds:.0f} s, Esc)"
                loop.call_soon_threadsafe(show, text)

            job.say(f"exporting → {path.name} (Esc cancels)")
            try:
                with staged_file(path, binary=request.options.format.binary) as stream:
                    rows = await source.run(
                        lambda conn: export_rows(
                            conn, statement, stream, request.options, progress=progress
                        )
                    )
            finally:
                ended = True
            self.notify(
                f"exported {rows:,} rows of {table.ref} to {path} in {clock.seconds:.1f} s",
                title="Export",
                markup=False,
            )

        self.start_job("export", body, scoped=False)

    def action_cancel(self) -> None:
        exports = self.running("export")
        if exports:
            for worker in exports:
                worker.cancel()
            self.notify("export cancelled: no file was written", markup=False)
        super_cancel = getattr(super(), "action_cancel", None)
        if super_cancel is not None:
            super_cancel()

    # -- copy ----------------------------------------------------------------------------
    def action_copy_menu(self) -> None:
        from tui.screens.copy_menu import CopyScreen

        if self.window is None or not self.grid.columns:
            self.notify("nothing to copy here", markup=False)
            return

        def chosen(answer: str | None) -> None:
            if answer:
                self.start_job("copy", lambda job: self._copy(answer), scoped=True)

        self.app.push_screen(CopyScreen(), chosen)

    async def _copy(self, what: str) -> None:
        window, source = self.window, self.source
        if window is None or source is None:
            return
        pager = window.pager
        grid = self.grid
        if what == "column":
            name = pager.columns[grid.cursor_column].name
            await copy_out(self, name, "column name")
            return
        if what == "sql":
            await copy_out(self, _view_sql(pager, source.engine.dialect), "SQL of the view")
            return
        position = grid.cursor_row
        row = window.row_at(position)
        cursor = window.cursor_at(position)
        if row is None:
            self.notify("the row is not loaded yet: try again", markup=False)
            return
        key = pager.row_key(cursor) if cursor is not None else None
        if what == "cell":
            await self._copy_cell(pager, row, key)
            return
        values = [await self._whole(pager, key, i, v) for i, v in enumerate(row)]
        await copy_out(self, _row_text(pager, values, json=what == "row-json"), "row")

    async def _copy_cell(self, pager: Pager, row: tuple[Any, ...], key: Any) -> None:
        from tui.text.detail import copy_text

        index = self.grid.cursor_column
        value = await self._whole(pager, key, index, row[index])
        if value is None:
            self.notify("the cell is NULL: nothing was copied", markup=False)
            return
        await copy_out(self, copy_text(value), "value")

    async def _whole(self, pager: Pager, key: Any, index: int, value: Any) -> Any:
        """``value``, or the whole of it read by the row's key when the page has a part."""
        from tui.db.model import Preview
        from tui.db.values import read_value

        if not isinstance(value, Preview):
            return value
        if key is None:
            raise ValueError("this row has no key to read the whole value by: nothing copied")
        source = self._require_source()
        column = pager.columns[index].name
        return await source.run(lambda conn: read_value(conn, pager.info, key, column))


def _plain() -> Any:
    from tui.db.paging import RowQuery

    return RowQuery()


def _row_text(pager: Pager, values: list[Any], *, json: bool) -> str:
    import io

    from tui.db.export_formats import ExportFormat, ExportOptions, row_writer

    out = io.StringIO()
    fmt = ExportFormat.JSONL if json else ExportFormat.TSV
    writer = row_writer(out, [c.name for c in pager.columns], ExportOptions(fmt, header=False))
    writer.write_rows([values])
    writer.finish()
    return out.getvalue().rstrip("\n")


def _view_sql(pager: Pager, dialect: Any) -> str:
    """The view's SELECT with its values written in (as SQLAlchemy renders literals)."""
    statement = pager.export_statement()
    try:
        return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    except Exception:  # a value with no literal form (bytes on some dialects): parameters
        compiled = statement.compile(dialect=dialect)
        return f"{compiled}\n-- parameters: {compiled.params!r}"


__all__ = ["TRANSFER_BINDINGS", "TRANSFER_JOBS", "BrowseTransfer"]
