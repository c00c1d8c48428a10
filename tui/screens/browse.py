"""The main screen: table list on the left, the row grid (and schema) on the right.

The screen wires widgets to the data layer: widgets post messages up, the screen runs the
database work as jobs (see :mod:`tui.screens.jobs`: one kind per job, each tied to the table
and query it serves) and calls widget methods down. This module owns the layout, the
catalog, opening a table and its schema; the rest is built in layers, each a module of its
own (see :mod:`tui.screens.browse_base`): counting, live refresh, pages on demand and key
actions. What a count means and how pages are read before it is known live in
:mod:`tui.db.counting` and :mod:`tui.db.tail`.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import ContentSwitcher, Footer, Static

from tui.db.counting import CAPPED_COUNT, ViewCount
from tui.db.model import RowCount, TableInfo, TableKind, TableRef
from tui.screens.browse_base import SHOWN_JOBS
from tui.screens.browse_console import CONSOLE_BINDINGS, BrowseConsole
from tui.screens.browse_editing import EDIT_BINDINGS
from tui.screens.browse_navigation import BrowseNavigation
from tui.screens.browse_saving import BrowseSaving
from tui.screens.browse_transfer import TRANSFER_BINDINGS, TRANSFER_JOBS, BrowseTransfer
from tui.screens.jobs import Job
from tui.text.highlight import column_patterns
from tui.text.result_types import column_types
from tui.widgets.row_grid import NoRows, RowGrid, fit_columns
from tui.widgets.sql_editor import SqlEditor
from tui.widgets.status_bar import StatusBar
from tui.widgets.table_list import TableList

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from tui.db.paging import RowQuery
    from tui.db.source import DataSource


class BrowseScreen(BrowseNavigation, BrowseConsole, BrowseTransfer, BrowseSaving):
    """Tables and rows of one database."""

    AUTO_FOCUS = "#grid"  # never the table filter: `q` must quit, not type a q
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "focus_tables", "Tables", id="browse.tables"),
        Binding("ctrl+b", "toggle_sidebar", "Hide/show tables", show=False, id="browse.sidebar"),
        Binding(
            "less_than_sign",
            "sidebar_width(-4)",
            "Narrower table list",
            show=False,
            id="browse.sidebar_narrower",
        ),
        Binding(
            "greater_than_sign",
            "sidebar_width(4)",
            "Wider table list",
            show=False,
            id="browse.sidebar_wider",
        ),
        Binding("ctrl+g", "focus_rows", "Rows", show=False, id="browse.rows"),
        Binding("g", "goto", "Go to row", id="browse.goto"),
        Binding("s", "sort", "Sort", id="browse.sort"),
        Binding("f", "filter", "Filter", id="browse.filter"),
        Binding("slash", "search", "Search", id="browse.search"),
        Binding("c", "clear_query", "Clear sort/filter", show=False, id="browse.clear_query"),
        Binding("v", "toggle_schema", "Schema", id="browse.schema"),
        Binding("r", "refresh", "Refresh", show=False, id="browse.refresh"),
        Binding("w", "app.status", "SQLite status", id="browse.status"),
        Binding("escape", "cancel", "Cancel", show=False, id="browse.cancel"),
        Binding("j", "follow_key", "Follow foreign key", show=False, id="browse.follow_key"),
        Binding("I", "toggle_internal", "Internal tables", show=False, id="browse.internal_tables"),
        Binding("J", "referrers", "Referenced by", show=False, id="browse.referrers"),
        Binding("backspace,alt+left", "back", "Back", show=False, id="browse.back"),
        Binding("alt+right", "forward", "Forward", show=False, id="browse.forward"),
        *EDIT_BINDINGS,
        *TRANSFER_BINDINGS,
        *CONSOLE_BINDINGS,
    ]

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield TableList(id="tables")
            with Vertical(id="main"):
                with Vertical(id="console"):
                    yield SqlEditor(id="sql")
                    yield Static("", id="sql-log", markup=False)
                yield Static("", id="grid-message", markup=False)
                with ContentSwitcher(id="tabs", initial="grid"):
                    yield RowGrid(id="grid")
                    with VerticalScroll(id="schema-tab"):
                        yield Static("", id="schema", markup=False)
                # Staged inserts of the table. Boxed: nested one level deeper than #grid, so a
                # query for the RowGrid finds the grid first.
                with Vertical(id="new-rows-box"):
                    yield RowGrid(id="new-rows", header=False)
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#grid-message").display = False
        self.query_one("#console").display = False

    # -- helpers ---------------------------------------------------------------------------
    def attach(self, source: DataSource) -> None:
        """Called by the app once the database is open."""
        self.source = source
        status = self.status
        status.database = source.target.display
        if source.target.as_of is not None:
            status.mode = "PAST STATE · READ-ONLY"
        else:
            status.mode = "READ-ONLY" if source.target.read_only else ""
        self.start_job("catalog", self._load_catalog, scoped=False)

    def say(self, message: str) -> None:
        """Words in place of the grid (no tables, a view that cannot be read); "" hides them."""
        from tui.text.escape import escaped_plain

        widget = self.query_one("#grid-message", Static)
        widget.update(escaped_plain(message, keep_newlines=True))
        widget.display = bool(message)

    def jobs_changed(self) -> None:
        slots = self.slots
        if self.is_mounted:
            shown = (*SHOWN_JOBS, *TRANSFER_JOBS, "sql")
            self.status.jobs = "  ".join(slots[k] for k in shown if k in slots)

    def job_failed(self, job: Job, error: Exception) -> None:
        """Put the screen back in a usable state, then say what failed."""
        message = self.explain(error)
        if job.kind == "query":
            self.show_nothing()  # nothing of the previous table may stay under this name
            self.view_failed = True
            name = self.table.name if self.table is not None else "the table"
            self.say(f"cannot read {name}: {message}")
        elif job.kind == "schema":
            self.query_one("#schema", Static).update(f"cannot read the schema: {message}")
        elif job.kind == "catalog":
            self.say(f"cannot list the tables: {message}")
        if job.kind in ("page", "tail"):
            self.status.notice = f"rows failed to load (move to retry): {message}"
        elif job.kind in ("count", "index"):
            self.status.notice = f"{job.kind} failed: {message}"
        super().job_failed(job, error)

    def show_nothing(self) -> None:
        """An empty grid: no rows, count or position of any view."""
        self.window, self.tail, self.count = None, None, ViewCount()
        self.grid.highlights = {}
        self.grid.show(NoRows(), [], 0)
        self.grid_table = None
        self.grid.total_exact = True
        self.status.position = ""

    # -- catalog ---------------------------------------------------------------------------
    async def _load_catalog(self, job: Job) -> None:
        from tui.db.catalog import list_tables, schema_token, table_roots

        source = self._require_source()
        strategy = source.strategy
        if strategy.has_schema_token:
            # Read before the list: a change in between is seen at the next commit.
            self.schema_seen = await source.run(lambda conn: schema_token(conn, strategy))
        # Names and kinds first, drawn at once: a table is described when it is opened.
        snapshot = await source.run(lambda conn: list_tables(conn, strategy))
        self.roots = await source.run(lambda conn: table_roots(conn, strategy))
        tables = self.query_one(TableList)
        tables.set_tables(snapshot.tables)
        if not snapshot.tables:
            self.say("this database has no tables")
            self.grid.focus()
            return
        user_tables = [t for t in snapshot.tables if not t.internal and t.kind is TableKind.TABLE]
        first = next(iter(user_tables or snapshot.tables), None)
        if first is not None and self.table is None:
            self.open_table(first)
        if source.target.compare_models:
            # Drift against the ORM models only where it means something: the application's
            # own database, or when asked. Importing the models costs a moment: after the list.
            tables.set_tables(await self.drift_marked(snapshot.tables))
        self.count_tables(tables.tables)

    def count_tables(self, tables: tuple[TableInfo, ...], exact: bool = True) -> None:
        """Row counts for the table list, each table on its own: one failure stops none."""

        async def body(job: Job) -> None:
            from tui.db.catalog import capped_count, describe_table, estimate_count, exact_count

            source = self._require_source()
            table_list = self.query_one(TableList)
            present = [t for t in tables if t.drift.value != "missing"]

            async def quick(conn: AsyncConnection, table: TableInfo) -> RowCount:
                if source.strategy.has_rowid and table.kind is TableKind.TABLE:
                    # SQLite estimates from the rowid, which needs the table's columns (one
                    # pragma): a column may be named rowid.
                    table = await describe_table(conn, source.strategy, table)
                estimate = await estimate_count(conn, source.strategy, table)
                if estimate is not None and estimate.value > CAPPED_COUNT:
                    return estimate
                # Small (or not estimable): counted exactly at a bounded cost, so that a
                # recount after a commit never turns a table's "2" into "~2".
                return await capped_count(conn, table, CAPPED_COUNT)

            def by_sight(pending: list[TableInfo]) -> TableInfo:
                # Tables on screen first, so that a list of thousands fills where one looks.
                on_screen = set(table_list.visible_refs())
                return next((t for t in pending if t.ref in on_screen), pending[0])

            await self.schema_checked()  # a table dropped meanwhile leaves the list first
            listed = {t.ref for t in table_list.tables}
            present = [t for t in present if t.ref in listed]
            failed: set[TableRef] = set()
            pending = list(present)
            while pending:
                table = by_sight(pending)
                pending.remove(table)
                await self.view_settled()
                try:
                    count = await source.run(lambda conn, t=table: quick(conn, t))  # type: ignore[misc]
                except Exception as exc:  # a broken view must not hide the other counts
                    self._log_count_failure(table, exc)
                    failed.add(table.ref)
                    continue
                # The open view's exact count of the whole table beats an estimate.
                count = (None if count.exact else self.whole_table_count(table.ref)) or count
                table_list.set_count(table.ref, count)
            if not exact:
                return
            pending = [t for t in present if t.ref not in failed]
            while pending:
                table = by_sight(pending)
                pending.remove(table)
                current = table_list.counts.get(table.ref)
                if current is not None and current.exact:
                    continue
                await self.view_settled()
                try:
                    counted = await source.run(lambda conn, t=table: exact_count(conn, t))  # type: ignore[misc]
                except Exception as exc:
                    self._log_count_failure(table, exc)
                    continue
                table_list.set_count(table.ref, counted)

        self.start_job("counts", body, scoped=False)

    async def view_settled(self) -> None:
        """Wait while the open view reads its description or rows: the user waits on those."""
        while busy := self.current_jobs("describe", "query", "page"):
            await asyncio.gather(*(worker.wait() for worker in busy), return_exceptions=True)

    def _log_count_failure(self, table: TableInfo, error: Exception) -> None:
        from tui.screens.jobs import log

        log.warning("counting %s failed: %s", table.name, self.explain(error), exc_info=error)

    # -- opening a table -------------------------------------------------------------------
    @on(TableList.TableChosen)
    def _table_chosen(self, event: TableList.TableChosen) -> None:
        def proceed() -> None:
            if self.table is None or event.table.ref != self.table.ref or self.table.sql:
                self.remember_visit()  # another table: Back returns here
            self.show_schema(False)  # a table chosen is a table to see the rows of
            self.open_table(event.table)
            if not isinstance(self.focused, SqlEditor):  # typing SQL: the first table opening
                self.grid.focus()

        if self.table is not None and event.table.ref == self.table.ref:
            proceed()
        else:
            self.confirm_leave("open another table", proceed)

    def open_table(self, table: TableInfo, query: RowQuery | None = None) -> None:
        from tui.db.paging import RowQuery

        if table.ref in self.columns_stale and table.described:
            # Another connection committed since it was read: its columns again, first.
            table = replace(table, described=False)
        # A table from the quick listing is described first (its columns and key), then
        # opened again by that job; the screen already shows that it is this table's turn.
        self._describing = None if table.described else table.ref
        self.dropped = None  # what is opened is listed now
        self.view_failed = False
        self.reopen_notice = ""
        if self.table is not None and self.table.ref != table.ref:
            self.show_schema(False)  # another table (Back, a followed key) opens on its rows
        self.table = table
        self.query_spec = query or RowQuery()
        self.new_scope()  # the previous view's jobs stop; their late results are dropped
        self._recount, self._pending_jump, self._count_stopped = False, None, False
        self.keeper.reset()
        grid = self.grid
        if self.grid_table is not None and self.grid_table != table.ref and grid.columns:
            self.left_at[self.grid_table] = grid.columns[grid.cursor_column].name
        if self.window is not None and self.window.pager.info.ref != table.ref:
            # Another table: its rows, count and position are not this one's. (A new sort or
            # filter of the same table keeps its rows on screen until the new ones arrive.)
            self.show_nothing()
        self.status.table = table.name
        self.status.query_text = self.query_spec.describe()
        self.status.notice = ""
        self.query_one("#schema", Static).update("")
        self.details = None
        if not table.described:
            self.describe_and_open(table, self.query_spec)
            return
        spec = self.query_spec
        filtered = spec.filters or spec.search
        doing = "sorting" if spec.sort else "filtering" if filtered else "loading"
        self.start_job("query", self._load_first_page, label=f"{doing}… (Esc cancels)")
        self.start_job("schema", self._load_schema)

    def describe_and_open(self, table: TableInfo, query: RowQuery | None) -> None:
        """Read the columns and paging key of a table from the quick listing, then open it."""

        async def body(job: Job) -> None:
            from tui.db.catalog import describe_table

            source = self._require_source()
            described = await source.run(lambda conn: describe_table(conn, source.strategy, table))
            self.columns_stale.discard(table.ref)
            self.query_one(TableList).update_table(described)
            if job.current and self._describing == table.ref:  # nothing else was opened
                self.open_table(described, query)

        self.start_job("describe", body, label="reading the columns… (Esc cancels)")

    async def _load_first_page(self, job: Job) -> None:
        from tui.db.paging import Pager
        from tui.db.storage_class import mixes_text_and_numbers
        from tui.db.window import RowWindow

        source = self._require_source()
        table, query = self.table, self.query_spec
        if table is None or query is None:
            return
        if table.drift.value == "missing":
            self.show_nothing()
            self.status.notice = "this model's table is missing from the database"
            return
        if not table.columns:
            from tui.db.catalog import read_probe

            await source.run(lambda conn: read_probe(conn, table))  # the database says why
        pager = Pager(table, source.strategy, query)
        window = RowWindow(pager, total=0, page_size=self.page_size)
        loaded = await source.run(lambda conn: window.load(conn, 0))
        if not job.current:
            return
        rows = loaded.page.rows
        frozen = table.leading_key_columns([c.name for c in pager.columns])
        columns = fit_columns(
            [c.name for c in pager.columns],
            column_types(table, pager.columns, rows),
            list(rows),
            frozen,
            [c.generated for c in pager.columns],
            [mixes_text_and_numbers(c, source.strategy.name, table.strict) for c in pager.columns],
            sort={s.column: s.descending for s in query.sort},
        )
        self.say("")
        self.window, self.tail = window, None
        self.count = ViewCount.first_page(len(rows), window.page_size)
        window.set_total(self.count.grid_total(window.page_size), exact=self.count.exact)
        column = None
        if self.grid_table != table.ref:
            names = [c.name for c in columns]
            left = self.left_at.get(table.ref)
            column = names.index(left) if left in names else 0
        self.grid_table = table.ref
        self.grid.highlights = column_patterns(
            query.filters,
            query.search,
            [c.name for c in pager.search_columns()],
            like_ignores_case=source.strategy.like_ignores_case,
        )
        self.grid.show(window, columns, window.total, column=column)
        self.grid.total_exact = self.count.exact
        self.restore_visit()  # a view reopened by Back/Forward: its row, line and column
        self.changes_shown()  # this table's staged inserts under the grid
        typing = isinstance(self.focused, RowGrid | SqlEditor)  # a console user stays there
        if not typing and self.app.screen is self:
            self.grid.focus()
        notice, self.reopen_notice = self.reopen_notice, ""
        if not pager.keyed:
            notice = "; ".join(
                filter(None, (notice, "no key: OFFSET paging (slow far from the top)"))
            )
        self.status.notice = notice
        self._update_position()
        if not self.count.exact:
            self._start_count()

    @on(TableList.Left)
    def _tables_left(self) -> None:
        self.action_focus_rows()

    @on(TableList.TableHighlighted)
    def _table_highlighted(self, event: TableList.TableHighlighted) -> None:
        if self.query_one(TableList).has_focus_within:
            self.status.highlighted = event.table.name

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if not self.query_one(TableList).has_focus_within:
            self.status.highlighted = None

    @on(RowGrid.CursorMoved)
    def _cursor_moved(self) -> None:
        self._update_position()
        self.resume_count()

    # -- schema ----------------------------------------------------------------------------
    async def _load_schema(self, job: Job) -> None:
        from tui.db.catalog import table_details
        from tui.text.schema import schema_text

        source, table = self._require_source(), self.table
        if table is None:
            return
        if table.sql:  # a console query: its statement is its schema
            self.query_one("#schema", Static).update(f"{table.name}:\n\n{table.sql}")
            return
        details = await source.run(lambda conn: table_details(conn, source.strategy, table))
        if not job.current:
            return
        self.details = details
        self.query_one("#schema", Static).update(schema_text(details))


__all__ = ["BrowseScreen"]
