"""The SQL console, a pane of the browse screen: type SQL, see each result in the grid.

``ctrl+o`` shows the pane (with the current table's SELECT when it is empty), and hides it
again (keeping its text; the grid takes the focus). ``ctrl+j`` or
``ctrl+enter`` runs the statement under the cursor (or the selection), ``f5`` every
statement. A query's rows open in the grid like a view's: paged, counted, sortable,
filterable, exportable. Other statements report rows affected and time; rows they return
(PRAGMA, EXPLAIN, RETURNING) are shown up to a cap. ``[`` and ``]`` step through the results
of the last run. Writes wait in an explicit transaction, shown in the status bar until
``alt+c`` commits or ``alt+r`` rolls back; it is warned about when it stays open long.
Every statement run goes to the history (:mod:`tui.db.history`).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import Static

from tui.screens.browse_base import BrowseBase
from tui.text.escape import escaped_plain
from tui.widgets.sql_editor import SqlEditor

if TYPE_CHECKING:
    from textual.timer import Timer

    from tui.db.console import Statement
    from tui.db.console_session import ConsoleSession, Outcome
    from tui.db.model import TableInfo
    from tui.screens.jobs import Job

CONSOLE_BINDINGS: list[BindingType] = [
    Binding("ctrl+o", "console", "SQL", id="browse.console"),
    Binding(
        "alt+c", "commit_console", "Commit", show=False, priority=True, id="browse.console_commit"
    ),
    Binding(
        "alt+r",
        "rollback_console",
        "Roll back",
        show=False,
        priority=True,
        id="browse.console_rollback",
    ),
    Binding(
        "left_square_bracket",
        "result(-1)",
        "Previous result",
        show=False,
        id="browse.previous_result",
    ),
    Binding(
        "right_square_bracket", "result(1)", "Next result", show=False, id="browse.next_result"
    ),
]
#: An open transaction blocks other writers and keeps the WAL from being checkpointed.
LONG_TRANSACTION_SECONDS = 30


@dataclass
class ConsoleResult:
    statement: Statement
    info: TableInfo | None = None  # a query's rows, paged in the grid
    outcome: Outcome | None = None  # what any other statement did


class BrowseConsole(BrowseBase):
    """The console pane's behaviour (mixed into the browse screen)."""

    BINDINGS: ClassVar[list[BindingType]] = []

    def __init__(self) -> None:
        super().__init__()
        self.console_session: ConsoleSession | None = None
        self.results: list[ConsoleResult] = []
        self.result_index = 0
        self._queries = 0
        self._transaction_timer: Timer | None = None
        self._warned_long = False

    # -- the pane --------------------------------------------------------------------------
    @property
    def editor(self) -> SqlEditor:
        return self.query_one("#sql", SqlEditor)

    def action_console(self) -> None:
        """Show the pane, or hide it (its text kept) wherever the focus is: focusing the editor
        of a pane already shown let Esc and ctrl+o go round without ever hiding it."""
        pane = self.query_one("#console")
        if pane.display:
            pane.display = False
            self.set_focus(self.grid)
            return
        pane.display = True
        editor = self.editor
        if not editor.text.strip() and self.table is not None and not self.table.sql:
            editor.load_text(self._select_of(self.table))
            editor.move_cursor(editor.document.end)
        self.set_focus(editor)

    def _select_of(self, table: TableInfo) -> str:
        from sqlalchemy import Select, literal_column, select

        from tui.db.catalog import relation_clause

        source = self._require_source()
        query: Select[Any] = select(literal_column("*")).select_from(relation_clause(table))
        return " ".join(str(query.compile(dialect=source.engine.dialect)).split()) + ";"

    def log_line(self, text: str) -> None:
        """One line under the editor: what the last run did."""
        self.query_one("#sql-log", Static).update(escaped_plain(text, keep_newlines=True))

    @on(SqlEditor.Left)
    def _editor_left(self) -> None:
        """Esc in the editor: stop what runs (a statement, a query's first page), else leave."""
        from tui.screens.browse_base import VIEW_JOBS

        if self.running("sql") or self.current_jobs(*VIEW_JOBS):
            self.action_cancel()
        else:
            self.set_focus(self.grid)

    # -- running -------------------------------------------------------------------------
    @on(SqlEditor.RunRequested)
    def _run_requested(self, event: SqlEditor.RunRequested) -> None:
        from tui.db.console import split_statements, statement_at

        if self.source is None:
            return
        if self.running("sql"):
            self.notify("a statement is running: Esc cancels it", markup=False)
            return
        if event.selection.strip():
            statements = split_statements(event.selection)
        elif event.run_all:
            statements = split_statements(event.text)
        else:
            one = statement_at(event.text, event.position)
            statements = [one] if one is not None else []
        if not statements:
            self.log_line("nothing to run: type a statement")
            return
        self.start_job("sql", lambda job: self._run_statements(job, statements), scoped=False)

    async def _run_statements(self, job: Job, statements: list[Statement]) -> None:
        from tui.db.history import record

        source = self._require_source()
        results: list[ConsoleResult] = []
        lines: list[str] = []
        started = time.monotonic()
        ticker = self.set_interval(
            1.0, lambda: job.say(f"running SQL… {time.monotonic() - started:.0f} s (Esc cancels)")
        )
        job.say("running SQL… (Esc cancels)")
        try:
            for number, statement in enumerate(statements, 1):
                head = f"{number}/{len(statements)} " if len(statements) > 1 else ""
                began = time.monotonic()
                try:
                    result = await self._run_one(statement)
                except asyncio.CancelledError:
                    lines.append(f"{head}cancelled")
                    await record(source, statement.sql, "cancelled", time.monotonic() - began)
                    self.log_line("\n".join(lines))
                    raise
                except Exception as exc:
                    message = self._statement_error(statement, exc)
                    lines.append(f"{head}✗ {message}")
                    await record(
                        source, statement.sql, f"error: {message}", time.monotonic() - began
                    )
                    if len(statements) > number:
                        lines.append(f"stopped: {len(statements) - number} statement(s) not run")
                    break
                results.append(result)
                summary = _summary(result)
                lines.append(f"{head}✓ {summary}")
                await record(source, statement.sql, summary, time.monotonic() - began)
        finally:
            ticker.stop()
            self.log_line("\n".join(lines))
            self._transaction_changed()
        if results:
            self.results = results
            self.show_result(len(results) - 1)

    async def _run_one(self, statement: Statement) -> ConsoleResult:
        from tui.db.console import StatementKind, describe_query

        source = self._require_source()
        session = self._session()
        if session.in_transaction or statement.kind in (
            StatementKind.WRITE,
            StatementKind.TRANSACTION,
        ):
            outcome = await session.execute(statement, write_refusal=self._write_refusal())
            return ConsoleResult(statement, outcome=outcome)
        if statement.kind is StatementKind.QUERY:
            self._queries += 1
            number = self._queries
            relation = await self._plain_relation(statement.sql)
            info = await source.run(
                lambda conn: describe_query(conn, statement.sql, number, relation)
            )
            return ConsoleResult(statement, info=info)
        outcome = await session.read(statement, write_refusal=self._write_refusal())
        return ConsoleResult(statement, outcome=outcome)

    async def _plain_relation(self, sql: str) -> TableInfo | None:
        """The listed relation a plain ``SELECT … FROM one [WHERE …]`` reads, described."""
        from tui.db.catalog import describe_table
        from tui.db.console import plain_relation
        from tui.db.model import TableKind
        from tui.widgets.table_list import TableList

        found = plain_relation(sql)
        if found is None:
            return None
        schema, name, quoted = found
        listed = [
            t
            for t in self.query_one(TableList).tables
            if t.kind is TableKind.TABLE
            and (t.name == name or (not quoted and t.name.casefold() == name.casefold()))
            and (schema is None or t.ref.schema == schema)
        ]
        if len(listed) != 1:
            return None
        source = self._require_source()
        return await source.run(lambda conn: describe_table(conn, source.strategy, listed[0]))

    def _write_refusal(self) -> str | None:
        source = self._require_source()
        if source.target.as_of is not None:
            return source.target.read_only_reason  # however the past state was entered
        if source.target.read_only:
            return (
                f"dbbrowse was started with {source.target.read_only_flag}: nothing can be written"
            )
        return source.write_refusal()

    def _session(self) -> ConsoleSession:
        from tui.db.console_session import ConsoleSession

        if self.console_session is None:
            self.console_session = ConsoleSession(self._require_source())
        return self.console_session

    def _statement_error(self, statement: Statement, error: Exception) -> str:
        from tui.db.console_errors import error_position
        from tui.db.console_session import ConsoleRefusedError

        message = self.explain(error)
        if isinstance(error, ConsoleRefusedError) and error.ends_transaction:
            commit, rollback = self.transaction_keys()
            message += f": {commit} commits, {rollback} rolls back"
        where = error_position(error, statement.sql)
        return f"{message} ({where})" if where else message

    def _cancel_sql(self) -> None:
        for worker in self.running("sql"):
            worker.cancel()

    def action_cancel(self) -> None:
        if self.running("sql"):
            self._cancel_sql()
            self.notify("statement cancelled", markup=False)
        super_cancel = getattr(super(), "action_cancel", None)
        if super_cancel is not None:
            super_cancel()

    # -- plan --------------------------------------------------------------------------------
    @on(SqlEditor.ExplainRequested)
    def _explain_requested(self, event: SqlEditor.ExplainRequested) -> None:
        from tui.db.console import split_statements, statement_at

        if event.selection.strip():
            found = split_statements(event.selection)
            statement = found[0] if found else None
        else:
            statement = statement_at(event.text, event.position)
        if statement is None:
            self.log_line("nothing to explain: type a statement")
            return
        sql = statement.sql

        async def body(job: Job) -> None:
            from tui.db.explain import explain
            from tui.screens.plan import PlanScreen

            source = self._require_source()
            try:
                plan = await source.run(lambda conn: explain(conn, sql))
            except Exception as exc:
                self.log_line(f"✗ no plan: {self._statement_error(statement, exc)}")
                return
            self.app.push_screen(PlanScreen(sql, plan))

        self.start_job("sql", body, scoped=False)

    # -- completion ----------------------------------------------------------------------
    @on(SqlEditor.CompleteRequested)
    def _complete_requested(self, event: SqlEditor.CompleteRequested) -> None:
        from tui.db.completion import complete, word_before
        from tui.widgets.table_list import TableList

        word = word_before(event.before)
        tables = list(self.query_one(TableList).tables)
        if self.table is not None and self.table.columns:
            tables = [self.table, *(t for t in tables if t.ref != self.table.ref)]
        found = complete(word, tables, self._require_source().engine.dialect)
        editor = self.editor
        if not found:
            self.log_line(f"nothing to complete for {word!r}" if word else "nothing to complete")
            return
        if len(found) == 1:
            editor.replace_before_cursor(len(word), found[0].text)
            return
        from tui.screens.completion import CompletionScreen

        def chosen(text: str | None) -> None:
            if text is not None:
                editor.replace_before_cursor(len(word), text)
            self.set_focus(editor)

        self.app.push_screen(CompletionScreen(found), chosen)

    # -- history and saved queries -------------------------------------------------------
    @on(SqlEditor.HistoryRequested)
    def _history_requested(self) -> None:
        self.start_job("history", self._open_history, scoped=False, holds_keys=True)

    async def _open_history(self, job: Job) -> None:
        from tui.db.history import database_key, entries, saved_queries
        from tui.screens.history import HistoryScreen

        key = database_key(self._require_source().target)
        found = await asyncio.to_thread(entries, key)
        saved = await asyncio.to_thread(saved_queries, key)

        def chosen(sql: str | None) -> None:
            if sql:
                self.editor.insert_statement(sql if sql.rstrip().endswith(";") else sql + ";")
                self.set_focus(self.editor)

        self.app.push_screen(HistoryScreen(saved, found), chosen)

    @on(SqlEditor.SaveRequested)
    def _save_requested(self, event: SqlEditor.SaveRequested) -> None:
        from tui.db.console import split_statements, statement_at
        from tui.screens.prompt import PromptScreen

        editor = self.editor
        if editor.selected_text.strip():
            sql = editor.selected_text.strip()
        else:
            one = statement_at(event.sql, editor.cursor_offset)
            sql = one.sql if one is not None else ""
        if not split_statements(sql):
            self.log_line("nothing to save: type a statement")
            return

        def named(name: str | None) -> None:
            if name and name.strip():
                self.start_job("history", lambda job: self._save_query(name.strip(), sql))

        self.app.push_screen(PromptScreen("Save the statement as", "a name"), named)

    async def _save_query(self, name: str, sql: str) -> None:
        from tui.db.history import database_key, save_query

        key = database_key(self._require_source().target)
        await asyncio.to_thread(save_query, key, name, sql)
        self.notify(f"saved as {name!r}: ctrl+r finds it", markup=False)

    # -- results -------------------------------------------------------------------------
    def show_result(self, index: int) -> None:
        if not self.results:
            return
        self.result_index = index % len(self.results)
        result = self.results[self.result_index]
        where = f"result {self.result_index + 1} of {len(self.results)}: "
        if result.info is not None:
            if self.table is not None and not self.table.sql:
                self.remember_visit()  # the table it was run from: Back returns there
            self.open_table(result.info)
            how = "by the table's key" if result.info.key_columns else "by OFFSET"
            self.status.notice = where + f"rows of the query, paged {how}"
        elif result.outcome is not None and result.outcome.columns:
            self.show_rows(result.outcome)
            self.status.notice = where + result.outcome.summary()
        elif result.outcome is not None:
            self.status.notice = where + result.outcome.summary()

    def show_rows(self, outcome: Outcome) -> None:
        """Rows a statement returned (all of them, up to the cap) in the grid."""
        from tui.widgets.row_grid import fit_columns
        from tui.widgets.static_rows import StaticRows

        self.new_scope()
        self.window, self.tail, self.table = None, None, None
        rows = list(outcome.rows)
        names = list(outcome.columns)
        columns = fit_columns(names, [""] * len(names), rows, 0, [False] * len(names))
        self.grid.highlights = {}
        self.grid.show(StaticRows(rows), columns, len(rows))
        self.grid.total_exact = not outcome.more
        self.status.table = "statement result"
        self.status.query_text = ""
        shown = f"{len(rows):,}" + (" (more were returned: not shown)" if outcome.more else "")
        self.status.position = f"{shown} rows"

    def action_result(self, step: int) -> None:
        if len(self.results) > 1:
            self.show_result(self.result_index + step)

    # -- the transaction -----------------------------------------------------------------
    def action_commit_console(self) -> None:
        self._end_transaction(commit=True)

    def action_rollback_console(self) -> None:
        self._end_transaction(commit=False)

    def _end_transaction(self, *, commit: bool) -> None:
        session = self.console_session
        if session is None or not session.in_transaction:
            self.notify("no console transaction is open", markup=False)
            return
        if self.running("sql"):
            self.notify("a statement is running: Esc cancels it first", markup=False)
            return

        async def body(job: Job) -> None:
            job.say("committing…" if commit else "rolling back…")
            statements = session.statements
            try:
                if commit:
                    await session.commit()
                    self._require_source().wrote = True
                else:
                    await session.rollback()
            finally:
                self._transaction_changed()
            done = "committed" if commit else "rolled back"
            self.log_line(f"{done}: {statements} statement(s)")
            self.notify(f"transaction {done}", markup=False)
            source = self._require_source()
            if commit and not source.strategy.has_schema_token:
                self.refresh_view()  # DDL may have changed the open table: read it again
            else:
                # Rows reread where the cursor is (a rollback changed nothing others see;
                # a commit's DDL is followed by the schema token), not the table from row 1.
                self.data_changed(certain=False)

        self.start_job("sql", body, scoped=False)

    def refresh_view(self) -> None:
        """The data changed under the grid: reopen what it shows."""
        if self.table is not None:
            self.open_table(self.table, self.query_spec)

    def _transaction_changed(self) -> None:
        session = self.console_session
        open_ = session is not None and session.in_transaction
        if open_ and self._transaction_timer is None:
            self._warned_long = False
            self._transaction_timer = self.set_interval(1.0, self._show_transaction)
        if not open_ and self._transaction_timer is not None:
            self._transaction_timer.stop()
            self._transaction_timer = None
        self._show_transaction()

    def _show_transaction(self) -> None:
        session = self.console_session
        if session is None or not session.in_transaction:
            self.status.transaction = ""
            return
        seconds = session.open_seconds()
        commit, rollback = self.transaction_keys()
        self.status.transaction = (
            f"TRANSACTION {session.statements} stmt {seconds:.0f} s:"
            f" {commit} commit, {rollback} roll back"
        )
        if seconds >= LONG_TRANSACTION_SECONDS and not self._warned_long:
            self._warned_long = True
            self.notify(
                f"the console's transaction has been open {seconds:.0f} s: it blocks other "
                f"writers and keeps the WAL from being checkpointed. {commit} commits,"
                f" {rollback} rolls back",
                severity="warning",
                timeout=15,
                markup=False,
            )

    @property
    def transaction_open(self) -> bool:
        return self.console_session is not None and self.console_session.in_transaction

    def transaction_words(self) -> str:
        """The open console transaction in words: ``1 statement, open 12 s``."""
        session = self.console_session
        if session is None or not session.in_transaction:
            return "none open"
        count = session.statements
        return f"{count} statement{'' if count == 1 else 's'}, open {session.open_seconds():.0f} s"


def _summary(result: ConsoleResult) -> str:
    if result.info is not None:
        return f"{result.info.name}: {len(result.info.columns)} columns, rows in the grid"
    assert result.outcome is not None
    return result.outcome.summary()


__all__ = ["CONSOLE_BINDINGS", "LONG_TRANSACTION_SECONDS", "BrowseConsole", "ConsoleResult"]
