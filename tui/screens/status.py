"""The SQLite status screen: pragmas, files, WAL and wal-index state, who pins the WAL,
space by table and index, and maintenance actions. Refreshed about once a second by the
app's monitor worker, which posts :class:`InspectorUpdated`, also while another screen covers
this one (the WAL history, a past state): uncovered, it shows the files as they are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Footer, Label, Sparkline, Static

from tui.screens.jobs import Job, JobScreen
from tui.text.escape import escaped
from tui.text.status import (
    files_text,
    locks_text,
    pragmas_text,
    shm_text,
    space_rows,
    summary_text,
    wal_text,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from tui.db.inspector import InspectorSnapshot
    from tui.db.source import DataSource


#: The left panel's width with its border (app.tcss: #status-left; half the screen when it is
#: narrower than _NARROW), and the right panel's width from which the WAL file and wal-index
#: panels stand side by side.
_LEFT_WIDTH = 63
_NARROW = 110
_SIDE_BY_SIDE = 94


class InspectorUpdated(Message):
    """A fresh inspector snapshot (posted to the status screen about once a second)."""

    def __init__(self, snapshot: InspectorSnapshot) -> None:
        self.snapshot = snapshot
        super().__init__()

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, InspectorUpdated)


@dataclass(frozen=True)
class Action:
    """One maintenance action: what to ask, whether it writes, what to run."""

    title: str
    question: str
    writes: bool
    run: Callable[[AsyncConnection], Awaitable[Any]]


def _actions() -> dict[str, Action]:
    from tui.db import maintenance as m

    def checkpoint(mode: m.CheckpointMode) -> Callable[[AsyncConnection], Awaitable[Any]]:
        return lambda conn: m.checkpoint(conn, mode)

    def journal(mode: m.JournalMode) -> Callable[[AsyncConnection], Awaitable[Any]]:
        return lambda conn: m.set_journal_mode(conn, mode)

    return {
        "passive": Action(
            "Checkpoint PASSIVE",
            "Copy as many WAL frames into the database as possible without waiting for "
            "readers or writers.",
            True,
            checkpoint(m.CheckpointMode.PASSIVE),
        ),
        "full": Action(
            "Checkpoint FULL",
            "Wait for the writer, then copy every WAL frame that no reader still needs.",
            True,
            checkpoint(m.CheckpointMode.FULL),
        ),
        "restart": Action(
            "Checkpoint RESTART",
            "Like FULL, then wait for readers so the next write starts the WAL over.",
            True,
            checkpoint(m.CheckpointMode.RESTART),
        ),
        "truncate": Action(
            "Checkpoint TRUNCATE",
            "Like RESTART, then truncate the -wal file to zero bytes.",
            True,
            checkpoint(m.CheckpointMode.TRUNCATE),
        ),
        "integrity": Action(
            "integrity_check",
            "Read every page and check every index (slow on big databases; Esc cancels).",
            False,
            m.integrity_check,
        ),
        "quick": Action(
            "quick_check",
            "Check pages and records without cross-checking indexes.",
            False,
            m.quick_check,
        ),
        "fkcheck": Action(
            "foreign_key_check",
            "List rows whose foreign keys point nowhere.",
            False,
            m.foreign_key_check,
        ),
        "optimize": Action(
            "optimize",
            "Let SQLite refresh the statistics the query planner uses.",
            True,
            m.optimize,
        ),
        "vacuum": Action(
            "VACUUM",
            "Rebuild the whole database file to reclaim free pages. Needs exclusive access "
            "and as much free disk as the database; Esc cancels.",
            True,
            m.vacuum,
        ),
        "to_wal": Action(
            "Journal mode → WAL",
            "Switch the database to write-ahead logging.",
            True,
            journal(m.JournalMode.WAL),
        ),
        "to_delete": Action(
            "Journal mode → DELETE",
            "Leave WAL: checkpoints everything and removes -wal/-shm. Needs every other "
            "connection closed.",
            True,
            journal(m.JournalMode.DELETE),
        ),
    }


_BLOCKING_CHECKPOINTS = {"full": 1, "restart": 2, "truncate": 2}  # busy-timeout waits


def _with_writer_wait(action: Action, name: str, snapshot: InspectorSnapshot | None) -> Action:
    """The question of a FULL/RESTART/TRUNCATE checkpoint, saying how long writers wait."""
    from dataclasses import replace

    from tui.db.maintenance import DEFAULT_BUSY_TIMEOUT_MS
    from tui.db.wal_explain import exact_size

    waits = _BLOCKING_CHECKPOINTS[name]
    wal = snapshot.wal if snapshot is not None else None
    shm = snapshot.shm if snapshot is not None else None
    if wal is not None and wal.exists:
        frames = shm.max_frame - shm.checkpoint.backfilled if shm is not None else wal.total_frames
        size = exact_size(max(frames, 0) * wal.frame_size)
        work = f"copying the {max(frames, 0):,} frames not yet checkpointed ({size})"
    else:
        work = "copying the frames not yet checkpointed"
    whom = "the current writer" if waits == 1 else "the current writer, then for readers,"
    return replace(
        action,
        question=(
            f"{action.question}\n\nOther programs' writers wait while it runs: new writes are"
            f" blocked for as long as {work} takes, plus up to"
            f" {waits * DEFAULT_BUSY_TIMEOUT_MS:,} ms waiting for {whom} (dbbrowse gives up"
            ' after that). A writer whose busy timeout is shorter gets "database is locked".'
            f"{_pinned_now(snapshot)}"
        ),
    )


def _pinned_now(snapshot: InspectorSnapshot | None) -> str:
    """The reader that keeps frames from being copied now, for a checkpoint's question (as
    its result and the status screen name it); "" when none is seen."""
    from tui.db.wal_explain import describe, pinning_readers

    shm = snapshot.shm if snapshot is not None else None
    if snapshot is None or shm is None or not shm.is_init:
        return ""
    pins = pinning_readers(shm, list(snapshot.holders), shm.max_frame)
    if not pins:
        return ""
    mark, holder = pins[0]
    frames = (
        f"frame {shm.max_frame:,} is"
        if mark + 1 == shm.max_frame
        else f"frames {mark + 1:,}–{shm.max_frame:,} are"
    )
    others = f" (and {len(pins) - 1} other readers)" if len(pins) > 1 else ""
    return (
        f"\n\nRight now {frames} still needed by the read transaction of {describe(holder)}"
        f"{others}: they cannot be copied until it ends."
    )


class StatusScreen(JobScreen):
    """What SQLite is really doing with this database, live."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back_or_cancel", "Back / cancel", id="status.back"),
        Binding("p", "act('passive')", "Ckpt passive", id="status.checkpoint_passive"),
        Binding("F", "act('full')", "Ckpt full", show=False, id="status.checkpoint_full"),
        Binding("R", "act('restart')", "Ckpt restart", show=False, id="status.checkpoint_restart"),
        Binding("t", "act('truncate')", "Ckpt truncate", id="status.checkpoint_truncate"),
        Binding("i", "act('integrity')", "Integrity", id="status.integrity_check"),
        Binding("k", "act('quick')", "Quick check", show=False, id="status.quick_check"),
        Binding("x", "act('fkcheck')", "FK check", show=False, id="status.foreign_key_check"),
        Binding("o", "act('optimize')", "Optimize", show=False, id="status.optimize"),
        Binding("V", "act('vacuum')", "VACUUM", show=False, id="status.vacuum"),
        Binding("m", "journal_mode", "WAL ↔ DELETE", show=False, id="status.journal_mode"),
        Binding(
            "a",
            "setting('wal_autocheckpoint')",
            "Autocheckpoint",
            show=False,
            id="status.wal_autocheckpoint",
        ),
        Binding(
            "l",
            "setting('journal_size_limit')",
            "Journal limit",
            show=False,
            id="status.journal_size_limit",
        ),
        Binding("s", "space", "Space", id="status.space"),
        Binding("h", "history", "WAL history", id="status.history"),
    ]

    def __init__(self, source: DataSource) -> None:
        super().__init__()
        self.source = source
        self.snapshot: InspectorSnapshot | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="status-body"):
            with VerticalScroll(id="status-left"):
                yield Static(id="pragmas", markup=False)
                yield Static(id="files", markup=False)
            with VerticalScroll(id="status-right"):
                yield Static(id="alerts", markup=False)
                yield Static(id="summary", markup=False)
                yield Label("WAL size over this session", classes="spark-label")
                yield Sparkline([], id="spark-size")
                yield Label("Frames not yet checkpointed", classes="spark-label")
                yield Sparkline([], id="spark-pending")
                with Horizontal(id="wal-details"):
                    yield Static(id="wal", markup=False)
                    yield Static(id="shm", markup=False)
                yield Static(id="locks", markup=False)
                yield Static(
                    "Press s to measure space by table and index (dbstat).", id="space-hint"
                )
                yield DataTable(id="space", cursor_type="row", zebra_stripes=True)
        yield Static("", id="action-result", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#alerts", Static).display = False
        self.query_one("#space", DataTable).add_columns("name", "kind", "pages", "size", "unused")
        self.query_one("#space", DataTable).display = False
        if self.source.target.read_only:
            flag = self.source.target.read_only_flag
            self._result(f"READ-ONLY: maintenance actions are disabled (opened with {flag})")

    def on_resize(self, event: events.Resize) -> None:
        # Side by side only where each panel holds a label and a value of some width; else the
        # wal-index goes under the WAL file.
        narrow = event.size.width < _NARROW
        self.set_class(narrow, "-narrow")
        right = event.size.width - (event.size.width // 2 if narrow else _LEFT_WIDTH)
        self.query_one("#wal-details").set_class(right < _SIDE_BY_SIDE, "-stacked")

    # -- live refresh ----------------------------------------------------------------------
    @on(InspectorUpdated)
    def show_snapshot(self, event: InspectorUpdated) -> None:
        snap = event.snapshot
        self.snapshot = snap
        if snap.pragmas is None and snap.files is not None:
            self.query_one("#pragmas", Static).update(
                "The pragmas could not be read this time (the reason is on the right);"
                " the files below are read without SQLite."
            )
        elif snap.pragmas is None:
            self.query_one("#pragmas", Static).update(
                "This is not a SQLite database: pragmas and the WAL do not apply."
            )
        else:
            self.query_one("#pragmas", Static).update(pragmas_text(snap.pragmas))
        if snap.files is not None:
            self.query_one("#files", Static).update(files_text(snap.files))
        alerts = self.query_one("#alerts", Static)
        alerts.display = bool(snap.alerts)
        alerts.update(escaped("\n".join(f"⛔ {line}" for line in snap.alerts), keep_newlines=True))
        # What SQLite repaired while dbbrowse opened the file stays in view all session.
        warnings = (*self.source.recovered, *snap.warnings)
        self.query_one("#summary", Static).update(summary_text(snap.explanation, warnings))
        wal_mode = snap.wal is not None
        for widget_id in ("#spark-size", "#spark-pending", "#wal-details", "#locks"):
            self.query_one(widget_id).display = wal_mode
        for label in self.query(".spark-label"):
            label.display = wal_mode
        if snap.wal is not None:
            self.query_one("#wal", Static).update(wal_text(snap.wal))
            self.query_one("#shm", Static).update(
                shm_text(snap.shm) if snap.shm is not None else "no wal-index (-shm) yet"
            )
            self.query_one("#locks", Static).update(locks_text(snap.holders))
            self.query_one("#spark-size", Sparkline).data = [p.wal_bytes for p in snap.history]
            self.query_one("#spark-pending", Sparkline).data = [
                p.pending_frames for p in snap.history
            ]

    # -- history ---------------------------------------------------------------------------
    def action_history(self) -> None:
        """Open the WAL history view: the commits still in the -wal, and their rows."""
        from tui.screens.wal_history import WalHistoryScreen

        path = self.source.target.sqlite_path
        if path is None:
            self._result("The WAL history needs a SQLite database file.")
            return
        self.app.push_screen(WalHistoryScreen(Path(path)))

    # -- space -----------------------------------------------------------------------------
    def action_space(self) -> None:
        self.measure_space()

    def measure_space(self) -> None:
        self.start_job("space", self._measure_space, scoped=False)

    async def _measure_space(self, job: Job) -> None:
        from tui.db.status import space_by_object

        self.query_one("#space-hint", Static).update("measuring space… (Esc cancels)")
        usage = await self.source.run(space_by_object)
        table = self.query_one("#space", DataTable)
        table.clear()
        if usage is None:
            self.query_one("#space-hint", Static).update(
                "this SQLite library has no dbstat: space by object is not available"
            )
            return
        for row in space_rows(usage):
            table.add_row(*row)
        table.display = True
        self.query_one("#space-hint", Static).update(f"Space by table and index ({len(usage)})")

    # -- actions ---------------------------------------------------------------------------
    def _result(self, text: str) -> None:
        # Results quote names and messages from the database: escaped, never obeyed.
        self.query_one("#action-result", Static).update(escaped(text, keep_newlines=True))

    def _refuse_read_only(self, what: str) -> bool:
        reason = self.source.target.read_only_reason
        if reason is not None:
            self._result(f"{what} is disabled: {reason}")
            return True
        return False

    def action_act(self, name: str) -> None:
        action = _actions()[name]
        if action.writes and self._refuse_read_only(action.title):
            return
        gone = self.source.file_gone()
        if gone is not None:
            self._result(f"{action.title} was not run: {gone}")
            return
        if name in _BLOCKING_CHECKPOINTS:
            action = _with_writer_wait(action, name, self.snapshot)
        if name == "vacuum":
            staged = self._staged_by_rowid()
            if staged:
                self._result(
                    f"{action.title} was not run: {staged} staged change"
                    f"{'s name rows' if staged != 1 else ' names a row'} by rowid (a table"
                    " without a declared key), which VACUUM may renumber so that the change"
                    " lands on another record: save or discard it first"
                )
                return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.run_action_worker(action)

        from tui.screens.confirm import ConfirmScreen

        self.app.push_screen(ConfirmScreen(action.title, action.question), confirmed)

    def _staged_by_rowid(self) -> int:
        """How many staged changes name their row by rowid (see VACUUM above)."""
        from tui.db.edits import named_by_rowid

        get_browse = getattr(self.app, "get_screen_browse", None)
        browse = get_browse() if get_browse is not None else None
        changes = getattr(browse, "changes", None)
        if browse is None or changes is None:
            return 0
        tables = browse.edited_tables
        return sum(named_by_rowid(c, tables.get(c.table)) for c in changes.changes)

    def action_journal_mode(self) -> None:
        snap = self.snapshot
        wal = snap is not None and snap.pragmas is not None and snap.pragmas.is_wal
        self.action_act("to_delete" if wal else "to_wal")

    def action_setting(self, pragma: str) -> None:
        from tui.db import maintenance as m
        from tui.screens.prompt import PromptScreen

        def apply(answer: str | None) -> None:
            if answer is None or not answer.strip():
                return
            try:
                value = int(answer.strip().replace(",", "").replace("_", ""))
            except ValueError:
                self._result(f"{pragma}: {answer!r} is not a whole number")
                return
            self.source.connection_pragmas[pragma] = value
            setter = (
                m.set_wal_autocheckpoint
                if pragma == "wal_autocheckpoint"
                else m.set_journal_size_limit
            )
            self.run_action_worker(Action(pragma, "", False, lambda conn: setter(conn, value)))

        hint = "pages (0 = off)" if pragma == "wal_autocheckpoint" else "bytes (-1 = no limit)"
        self.app.push_screen(PromptScreen(f"Set {pragma} for dbbrowse's connections", hint), apply)

    def job_failed(self, job: Job, error: Exception) -> None:
        """Say what failed where the job reports, and leave the screen as it was."""
        message = self.explain(error)
        if job.kind == "space":
            self.query_one("#space-hint", Static).update(f"measuring space failed: {message}")
        else:
            self._result(f"failed: {message}")
        super().job_failed(job, error)

    def run_action_worker(self, action: Action) -> None:
        """Run a maintenance action (one at a time; a newer one cancels the older)."""

        async def body(job: Job) -> None:
            await self._run_action(action)

        self.start_job("action", body, scoped=False)

    async def _run_action(self, action: Action) -> None:
        from tui.db.maintenance import MaintenanceError
        from tui.db.maintenance_results import CheckpointResult

        gone = self.source.file_gone()
        if gone is not None:
            self._result(f"{action.title} was not run: {gone}")
            return
        self._result(f"{action.title}: running… (Esc cancels)")
        # Changing the journal mode needs dbbrowse's own connections closed too; any other
        # write goes through the writable connection (a SQLite file's reads cannot write).
        alone = action.title.startswith("Journal mode")
        try:
            if alone:
                run = self.source.run_alone
            else:
                run = self.source.run_write if action.writes else self.source.run
            result = await run(action.run)
        except MaintenanceError as exc:
            self._result(f"{action.title}: {exc}")
            return
        if action.writes:
            self.source.wrote = True
        # A setting of dbbrowse's own connections changes no file: read everything again.
        inspector = getattr(self.app, "inspector", None)
        if inspector is not None:
            inspector.invalidate()
        summary = str(getattr(result, "summary", result))
        held = await self._held_back(result)
        if held and isinstance(result, CheckpointResult):
            # Said of whom, in place of "a reader's snapshot" or "held a lock".
            lead = "the checkpoint could not finish: " if result.busy else ""
            copied = f"{result.checkpointed:,} of {result.log:,} WAL frames copied back"
            summary = f"{lead}{copied} into the database; {held}"
        self._result(summary)

    async def _held_back(self, result: object) -> str:
        """After a checkpoint that left frames behind: which reader keeps them (as the
        screen says it), from the -shm and the locks as they are now; else ""."""
        from tui.db.maintenance_results import CheckpointResult

        path = self.source.target.sqlite_path
        if not isinstance(result, CheckpointResult) or path is None:
            return ""
        if not result.in_wal_mode or result.checkpointed >= result.log:
            return ""

        def look() -> str:
            from tui.db.locks import probe_wal_locks
            from tui.db.shm import read_shm
            from tui.db.wal_explain import checkpoint_held_back

            shm_path = f"{path}-shm"
            holders = probe_wal_locks(shm_path)
            return checkpoint_held_back(
                read_shm(shm_path), holders, result.log, result.checkpointed
            )

        return await asyncio.to_thread(look)

    def action_back_or_cancel(self) -> None:
        running = self.running("action", "space")
        if running:
            for worker in running:
                worker.cancel()
            self._result("cancelled: SQLite was interrupted; what had not run yet changed nothing")
            return
        self.dismiss(None)
