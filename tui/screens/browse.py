"""The main screen: table list on the left, the row grid (and schema) on the right.

The screen wires widgets to the data layer: widgets post messages up, the screen runs the
database work in Textual workers (one group per kind of job) and calls widget methods down.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Static

from tui.db.model import RowCount, TableDetails, TableInfo, TableKind
from tui.widgets.row_grid import NoRows, RowGrid, fit_columns
from tui.widgets.status_bar import StatusBar
from tui.widgets.table_list import TableList

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from tui.db.paging import FilterSpec, RowQuery
    from tui.db.source import DataSource
    from tui.db.window import RowWindow

CAPPED_COUNT = 10_000


class Throttle:
    """Lets a slow job rerun only after ``factor`` times its own last duration has passed."""

    def __init__(self, factor: float = 10.0, minimum: float = 1.0) -> None:
        self.factor = factor
        self.minimum = minimum
        self._cost = 0.0
        self._ended = float("-inf")

    @property
    def cost(self) -> float:
        """How long the job took last time, in seconds."""
        return self._cost

    def due(self) -> bool:
        wait = max(self.minimum, self._cost * self.factor)
        return time.monotonic() - self._ended >= wait

    @contextmanager
    def timing(self) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self._ended = time.monotonic()
            self._cost = self._ended - started


class BrowseScreen(Screen[None]):
    """Tables and rows of one database."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "focus_tables", "Tables"),
        Binding("ctrl+g", "focus_rows", "Rows", show=False),
        Binding("g", "goto", "Go to row"),
        Binding("s", "sort", "Sort"),
        Binding("f", "filter", "Filter"),
        Binding("slash", "search", "Search"),
        Binding("c", "clear_query", "Clear sort/filter", show=False),
        Binding("v", "toggle_schema", "Schema"),
        Binding("r", "refresh", "Refresh", show=False),
        Binding("w", "app.status", "SQLite status"),
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("j", "follow_key", "Follow foreign key", show=False),
        Binding("i", "toggle_internal", "Internal tables", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.source: DataSource | None = None
        self.table: TableInfo | None = None
        self.query_spec: RowQuery | None = None
        self.window: RowWindow | None = None
        self.details: TableDetails | None = None
        # Exact counts and anchor builds scan the whole table: under a busy writer they rerun
        # only after thirty times their own cost (about 3% of a core at most).
        self._exact_cost = Throttle(factor=30.0)
        self._anchor_cost = Throttle(factor=30.0)
        self._relocate_cost = Throttle(factor=30.0, minimum=0.0)
        self._wanted: tuple[int, int] = (0, 0)
        self._generation = 0  # bumps on every new table/query: stale results are dropped

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield TableList(id="tables")
            with Vertical(id="main"), ContentSwitcher(id="tabs", initial="grid"):
                yield RowGrid(id="grid")
                with VerticalScroll(id="schema-tab"):
                    yield Static("", id="schema", markup=False)
        yield StatusBar(id="status")
        yield Footer()

    # -- helpers ---------------------------------------------------------------------------
    @property
    def grid(self) -> RowGrid:
        return self.query_one(RowGrid)

    @property
    def status(self) -> StatusBar:
        return self.query_one(StatusBar)

    def attach(self, source: DataSource) -> None:
        """Called by the app once the database is open."""
        self.source = source
        status = self.status
        status.database = source.target.display
        status.mode = "READ-ONLY" if source.target.read_only else ""
        self.load_catalog()

    # -- catalog ---------------------------------------------------------------------------
    @work(group="catalog", exclusive=True, exit_on_error=False)
    async def load_catalog(self) -> None:
        import asyncio

        from tui.db.catalog import load_catalog

        source = self._require_source()
        # The table list first; drift against the ORM models (which costs importing them)
        # is marked a moment later.
        strategy = source.strategy
        snapshot = await source.run(lambda conn: load_catalog(conn, strategy, None))
        tables = self.query_one(TableList)
        tables.set_tables(snapshot.tables)
        user_tables = [t for t in snapshot.tables if not t.internal and t.kind is TableKind.TABLE]
        first = next(iter(user_tables or snapshot.tables), None)
        if first is not None and self.table is None:
            self.open_table(first)
        models = await asyncio.to_thread(source.models)
        model_names = {t.name for t in models.sorted_tables} if models is not None else set()
        if model_names & {t.name for t in snapshot.tables}:
            snapshot = await source.run(lambda conn: load_catalog(conn, strategy, models))
            tables.set_tables(snapshot.tables)
        self.count_tables(snapshot.tables)

    @work(group="counts", exclusive=True, exit_on_error=False)
    async def count_tables(self, tables: tuple[TableInfo, ...], exact: bool = True) -> None:
        from tui.db.catalog import capped_count, estimate_count, exact_count

        source = self._require_source()
        table_list = self.query_one(TableList)
        present = [t for t in tables if t.drift.value != "missing"]

        async def quick(conn: AsyncConnection, table: TableInfo) -> RowCount:
            estimate = await estimate_count(conn, source.strategy, table)
            return estimate or await capped_count(conn, table, CAPPED_COUNT)

        for table in present:
            count = await source.run(lambda conn, t=table: quick(conn, t))  # type: ignore[misc]
            table_list.set_count(table.ref, count)
        if not exact:
            return
        for table in present:
            current = table_list.counts.get(table.ref)
            if current is not None and current.exact:
                continue
            counted = await source.run(lambda conn, t=table: exact_count(conn, t))  # type: ignore[misc]
            table_list.set_count(table.ref, counted)

    def data_changed(self) -> None:
        """Another connection committed: recount, reload the visible rows, keep the cursor."""
        window = self.window
        self.status.notice = "changed by another connection: refreshed"
        if self.source is not None:
            # Quick counts only: a busy writer must not keep us recounting big tables.
            self.count_tables(self.query_one(TableList).tables, exact=False)
        if window is None:
            return
        keep = window.cursor_at(self.grid.cursor_row) if window.pager.keyed else None
        window.invalidate()
        self.count_rows(self._generation, refresh=True, keep=keep)
        self.grid.rows_arrived()

    async def _relocate(self, cursor: tuple[Any, ...], generation: int, dense_ok: bool) -> None:
        """Keep the cursor on the same row (by key) after rows came or went before it."""
        source, window = self._require_source(), self.window
        if window is None:
            return
        key = cursor[0] if len(cursor) == 1 else None
        if dense_ok and window.dense_start is not None and isinstance(key, int):
            position = key - window.dense_start  # the key is the position: no counting
        elif self._relocate_cost.due():
            with self._relocate_cost.timing():
                position = await source.run(lambda conn: window.pager.rows_before(conn, cursor))
        else:
            return  # counting again so soon would cost more than a cursor a few rows off
        if generation != self._generation:
            return
        grid = self.grid
        offset = grid.cursor_row - grid.first_visible  # keep the row on the same screen line
        grid.scroll_to(y=max(position - offset, 0), animate=False, immediate=True)
        grid.move_to(position, center=False)

    # -- opening a table -------------------------------------------------------------------
    @on(TableList.TableChosen)
    def _table_chosen(self, event: TableList.TableChosen) -> None:
        self.open_table(event.table)
        self.grid.focus()

    def open_table(self, table: TableInfo, query: RowQuery | None = None) -> None:
        from tui.db.paging import RowQuery

        self.table = table
        self.query_spec = query or RowQuery()
        self._generation += 1
        self.status.table = table.name
        self.status.query_text = self.query_spec.describe()
        self.status.notice = ""
        self.query_one("#schema", Static).update("")
        self.details = None
        self.load_first_page(self._generation)
        self.load_schema()

    @work(group="query", exclusive=True, exit_on_error=False)
    async def load_first_page(self, generation: int) -> None:
        from tui.db.paging import Pager
        from tui.db.window import RowWindow

        source = self._require_source()
        table, query = self.table, self.query_spec
        if table is None or query is None:
            return
        if table.drift.value == "missing":
            self.grid.show(NoRows(), [], 0)
            self.status.notice = "this model's table is missing from the database"
            return
        pager = Pager(table, source.strategy, query)
        window = RowWindow(pager, total=0)
        slow = "sorting" if query.sort else "filtering" if pager.filtered else "loading"
        self.status.notice = f"{slow}… (Esc cancels)"
        loaded = await source.run(lambda conn: window.load(conn, 0))
        if generation != self._generation:
            return
        rows = loaded.page.rows
        frozen = table.leading_key_columns([c.name for c in pager.columns])
        columns = fit_columns(
            [c.name for c in pager.columns],
            [c.type_name for c in pager.columns],
            list(rows),
            frozen,
        )
        first_total = len(rows) if len(rows) < window.page_size else window.page_size * 2
        window.total = first_total
        self.window = window
        self.grid.show(window, columns, first_total)
        if not isinstance(self.focused, RowGrid) and self.app.screen is self:
            self.grid.focus()
        self.status.notice = "" if pager.keyed else "no key: OFFSET paging (slow far from the top)"
        self._update_position()
        if len(rows) >= window.page_size:
            self.count_rows(generation)

    @work(group="count", exclusive=True, exit_on_error=False)
    async def count_rows(
        self, generation: int, refresh: bool = False, keep: tuple[Any, ...] | None = None
    ) -> None:
        """Count the open query's rows (quick guess, then exact) and map positions to keys.

        On a ``refresh`` (someone else committed), the slow parts run only when they are
        cheap or have not run for a while, so a busy writer cannot keep us recounting.
        """
        from tui.db.window import first_count

        source, window = self._require_source(), self.window
        if window is None:
            return
        pager = window.pager
        guess = await source.run(lambda conn: first_count(pager, conn, CAPPED_COUNT))
        if generation != self._generation:
            return
        self._set_total(guess)
        counted = guess.exact
        if not guess.exact and (not refresh or self._exact_cost.due()):
            self.status.notice = "counting rows… (Esc cancels)"
            with self._exact_cost.timing():
                exact = await source.run(pager.count)
            self.status.notice = ""
            if generation != self._generation:
                return
            if exact.value != window.total:
                window.invalidate()
            self._set_total(exact)
            counted = True
        if not counted:
            # A refresh without a fresh exact count keeps the position mapping it has:
            # judging density against a guessed total would only invite a needless rebuild.
            if keep is not None:
                await self._relocate(keep, generation, dense_ok=False)
            self.grid.rows_arrived()
            return
        had_dense = window.dense_start is not None
        dense = await source.run(window.detect_dense_key)
        if keep is not None:
            await self._relocate(keep, generation, dense_ok=True)
        big = pager.keyed and window.total > window.page_size * 8
        # On a refresh, an index that was dense a moment ago is most likely still dense and
        # the count raced a writer: rebuilding anchors would cost more than it could fix.
        rebuild = not refresh or (not had_dense and self._anchor_cost.due())
        if not dense and big and rebuild:

            def progress(done: int, total: int) -> None:
                self.status.notice = f"indexing positions {done * 100 // max(total, 1)}%"

            with self._anchor_cost.timing():
                await window.build_anchors(source.run, progress=progress)
            self.status.notice = ""
        self.grid.rows_arrived()

    def _set_total(self, count: RowCount) -> None:
        if self.window is None:
            return
        self.window.total = count.value
        self._count = count
        self.grid.set_total(count.value)
        self._update_position()

    def _update_position(self) -> None:
        window = self.window
        if window is None:
            self.status.position = ""
            return
        count = getattr(self, "_count", None)
        total = str(count) if count is not None else f"{window.total:,}"
        self.status.position = f"row {self.grid.cursor_row + 1:,} of {total}"

    # -- pages on demand -------------------------------------------------------------------
    @on(RowGrid.RowsNeeded)
    def _rows_needed(self, event: RowGrid.RowsNeeded) -> None:
        self._wanted = (event.first, event.last)
        self.load_pages(self._generation)

    @work(group="page", exclusive=True, exit_on_error=False)
    async def load_pages(self, generation: int) -> None:
        source, window = self._require_source(), self.window
        if window is None:
            return
        while generation == self._generation:
            first, last = self._wanted
            missing = window.missing(first, last)
            if not missing:
                break
            number = missing[0]
            loaded = await source.run(lambda conn, n=number: window.load(conn, n))  # type: ignore[misc]
            self.grid.widen(loaded.page.rows)
            self.grid.rows_arrived()
            if window.last_method is not None and window.last_method.value == "offset":
                self.status.notice = "no key: OFFSET paging (slow far from the top)"

    @on(RowGrid.CursorMoved)
    def _cursor_moved(self) -> None:
        self._update_position()

    # -- schema ----------------------------------------------------------------------------
    @work(group="schema", exclusive=True, exit_on_error=False)
    async def load_schema(self) -> None:
        from tui.db.catalog import table_details
        from tui.text.schema import schema_text

        source, table = self._require_source(), self.table
        if table is None:
            return
        details = await source.run(lambda conn: table_details(conn, source.strategy, table))
        if table is not self.table:
            return
        self.details = details
        self.query_one("#schema", Static).update(schema_text(details))

    # -- actions ---------------------------------------------------------------------------
    def action_focus_tables(self) -> None:
        self.query_one("#table-filter").focus()

    def action_focus_rows(self) -> None:
        self.grid.focus()

    def action_toggle_schema(self) -> None:
        tabs = self.query_one(ContentSwitcher)
        tabs.current = "grid" if tabs.current == "schema-tab" else "schema-tab"
        self.status.view = "schema" if tabs.current == "schema-tab" else ""
        if tabs.current == "grid":
            self.grid.focus()

    def action_goto(self) -> None:
        from tui.screens.prompt import PromptScreen

        def go(answer: str | None) -> None:
            if answer:
                self.go_to(answer)

        self.app.push_screen(PromptScreen("Go to row (N, or N%)", "e.g. 1000 or 50%"), go)

    def go_to(self, answer: str) -> None:
        from tui.db.query_edits import parse_position

        grid = self.grid
        try:
            position = parse_position(answer, grid.total)
        except ValueError as exc:
            self.notify(str(exc), title="Go to row", severity="error")
            return
        grid.move_to(position)
        grid.focus()

    def action_sort(self) -> None:
        from tui.db.query_edits import toggle_sort

        if self.table is None or self.query_spec is None or not self.grid.columns:
            return
        column = self.grid.columns[self.grid.cursor_column].name
        self._reopen(toggle_sort(self.query_spec, column))

    def action_filter(self) -> None:
        from tui.screens.filter import FilterScreen

        if self.table is None or self.query_spec is None or not self.grid.columns:
            return
        column = self.grid.columns[self.grid.cursor_column]
        value = self.grid.current_value()

        def apply(spec: FilterSpec | None) -> None:
            from tui.db.query_edits import with_filter

            if spec is not None and self.query_spec is not None:
                self._reopen(with_filter(self.query_spec, spec))

        shown = {c.name for c in self.grid.columns}
        columns = [c for c in self.table.columns if c.name in shown]
        self.app.push_screen(FilterScreen(columns, column.name, value), apply)

    def action_search(self) -> None:
        from tui.screens.prompt import PromptScreen

        def apply(answer: str | None) -> None:
            from tui.db.query_edits import with_search

            if answer is not None and self.query_spec is not None:
                self._reopen(with_search(self.query_spec, answer))

        initial = self.query_spec.search if self.query_spec else ""
        self.app.push_screen(PromptScreen("Search text columns", "text…", initial), apply)

    def action_clear_query(self) -> None:
        from tui.db.paging import RowQuery

        self._reopen(RowQuery())

    def action_refresh(self) -> None:
        if self.table is not None:
            self._reopen(self.query_spec)

    def action_cancel(self) -> None:
        cancelled = False
        for worker in self.workers:
            if worker.group in ("query", "count", "page", "schema") and not worker.is_finished:
                if worker.group == "query" and self.window is not None:
                    # The rows on screen are still those of the previous query: say so.
                    self.table = self.window.pager.info
                    self.query_spec = self.window.pager.query
                    self.status.table = self.table.name
                    self.status.query_text = self.query_spec.describe()
                    self._generation += 1
                worker.cancel()
                cancelled = True
        if cancelled:
            self.status.notice = "cancelled"

    def action_follow_key(self) -> None:
        """Open the row the foreign key under the cursor points at."""
        from tui.db.query_edits import NoForeignKeyError, foreign_key_target

        grid, details = self.grid, self.details
        row = grid.source.row_at(grid.cursor_row)
        if details is None or not grid.columns or row is None:
            return
        table_list = self.query_one(TableList)
        try:
            target, query = foreign_key_target(
                details,
                [c.name for c in grid.columns],
                row,
                grid.columns[grid.cursor_column].name,
                table_list.tables,
            )
        except NoForeignKeyError as exc:
            self.notify(str(exc), severity="warning")
            return
        table_list.select(target.ref)
        self.open_table(target, query)
        grid.focus()

    def action_toggle_internal(self) -> None:
        self.query_one(TableList).toggle_internal()

    def _reopen(self, query: RowQuery | None) -> None:
        if self.table is not None:
            self.open_table(self.table, query)
            self.grid.focus()

    @on(RowGrid.CellSelected)
    def _cell_selected(self, event: RowGrid.CellSelected) -> None:
        from tui.screens.cell_detail import CellDetailScreen

        self.app.push_screen(
            CellDetailScreen(event.column.name, event.column.type_name, event.value)
        )

    def _require_source(self) -> DataSource:
        if self.source is None:
            raise RuntimeError("no database is open")
        return self.source


__all__ = ["BrowseScreen"]
