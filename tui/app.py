"""The dbbrowse Textual application: opens the database in a worker, then browses it.

The first frame is painted before SQLAlchemy and the settings are imported: everything
heavy happens in the ``open`` worker, and failures become an error screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from tui.key_order import KeyOrder
from tui.screens.palette import ActionCommands
from tui.text.escape import escaped_plain

if TYPE_CHECKING:
    from pathlib import Path

    from textual.theme import Theme
    from textual.widget import AwaitMount

    from tui.db.inspector import Inspector
    from tui.db.source import DataSource
    from tui.db.target import Target
    from tui.screens.browse import BrowseScreen
    from tui.settings.preferences import Preferences

log = logging.getLogger("dbbrowse")

#: How long the notice of what SQLite recovered on open stays (the status screen keeps it).
RECOVERY_NOTICE_SECONDS = 10


class DbBrowseApp(KeyOrder[int]):
    """Browse one database: ``DbBrowseApp(target)``, or the configured one with no target."""

    CSS_PATH = "app.tcss"
    TITLE = "dbbrowse"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
    ]
    #: One palette entry per action of the registry (Textual's own system commands would
    #: list Quit twice and find nothing by the words people search for).
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {ActionCommands}

    def __init__(
        self,
        target: Target | None = None,
        *,
        read_only: bool = False,
        ensure_schema: bool = True,
        checkpoint_on_close: bool = False,
        settings: Preferences | None = None,
        config_file: Path | None = None,
        recent_entry: str | None = None,
    ) -> None:
        """``settings``: the config file's (defaults when None). ``config_file``: where a
        theme picked in the command palette is remembered (not remembered when None).
        ``recent_entry``: what the recent databases remember once the database is open (as
        the command line gives it again; nothing when None)."""
        from tui.settings.preferences import Preferences
        from tui.text.cells import use_null_text

        super().__init__()
        self.target = target
        self.read_only = read_only
        self.ensure_schema = ensure_schema
        self.checkpoint_on_close = checkpoint_on_close
        self.settings = settings if settings is not None else Preferences()
        self.config_file = config_file
        self.recent_entry = recent_entry
        self.source: DataSource | None = None
        self.inspector: Inspector | None = None
        #: The live database's source for the status screen, in a --as-of session.
        self._status_source: DataSource | None = None
        self.failed: str | None = None
        #: The default database was created by this run (it did not exist before).
        self.created = False
        self.theme = self.settings.theme
        self.set_keymap(dict(self.settings.keys))
        use_null_text(self.settings.null_text)

    def get_css_variables(self) -> dict[str, str]:
        from tui.widgets.faint_text import readable

        variables = super().get_css_variables()
        variables.update(readable(variables))
        self.theme_variables = variables
        return variables

    def get_default_screen(self) -> Screen[Any]:
        return _OpeningScreen()

    def on_mount(self) -> None:
        from tui.logs import setup_logging

        setup_logging()
        # Subscribed after the configured theme is set: only a change is remembered.
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        # Paint first: the browse screen, SQLAlchemy and the data layer are imported, and the
        # database connected, after the first frame.
        self.call_after_refresh(self.open_database)

    @work(group="open", exclusive=True, exit_on_error=False)
    async def open_database(self) -> None:
        import asyncio

        await asyncio.to_thread(_import_database_stack)
        from tui.db.source import DataSource
        from tui.db.target import resolve_target
        from tui.screens.browse import BrowseScreen

        target = self.target
        default = target is None
        if target is None:
            from app.config import settings

            target = resolve_target(
                None, default_url=settings.DATABASE_URL, read_only=self.read_only
            )
            self.target = target
        path = target.sqlite_path
        existed = path is None or path.exists()
        # Connect while the browse screen is being built. It is pushed over the opening
        # screen, which stays at the bottom of the stack (so ``app.query_one`` looks there:
        # query the active screen, ``app.screen``, instead).
        opening = asyncio.ensure_future(DataSource.open(target))
        try:
            if target.as_of is not None:
                from tui.screens.past_browse import PastBrowseScreen

                browse: BrowseScreen = PastBrowseScreen(over_live=False)  # no live view under
            else:
                browse = BrowseScreen()
            browse.page_size = self.settings.page_size
            await self.push_screen(browse)
        finally:
            self.source = await opening
        self.created = not existed
        if self.recent_entry is not None:
            # Now, not at a clean quit: a killed or crashed app still offers it next time.
            from tui.settings.recent import remember

            await asyncio.to_thread(remember, self.recent_entry, self.settings.recent_limit)
        screen = self.get_screen_browse()
        if screen is not None:
            screen.attach(self.source)
        if default:
            self._say_which_database(target)
        from tui.db.recovery import headline

        for line in self.source.recovered:
            # Short and timed: the whole report stays on the status screen all session.
            self.notify(
                escaped_plain(f"{headline(line)}: details on the status screen (w)"),
                title="SQLite recovered the database",
                severity="warning",
                timeout=RECOVERY_NOTICE_SECONDS,
                markup=False,
            )
        self.monitor(self.settings.refresh_interval)

    def _say_which_database(self, target: Target) -> None:
        """Started with no argument: say which database that is, and if it was just made."""
        from app.config import settings

        where = (
            "DATABASE_URL"
            if "DATABASE_URL" in settings.model_fields_set
            else "DATABASE_URL is not set: the default ./dbbrowse.db"
        )
        made = "Created it, with the application's tables. " if self.created else ""
        self.notify(
            escaped_plain(f"{made}Opened {target.display} ({where})."),
            title="The application's database",
            timeout=10,
            markup=False,
        )

    def _remember_theme(self, theme: Theme) -> None:
        if self.config_file is not None:
            self._write_theme(theme.name, self.config_file)

    @work(group="settings", exclusive=True, thread=True, exit_on_error=False)
    def _write_theme(self, name: str, path: Path) -> None:
        from tui.settings.store import StoreError, remember

        try:
            remember("theme", name, path)
        except (StoreError, OSError) as exc:
            log.warning("theme not remembered: %s", exc)
            self.call_from_thread(
                self.notify,
                escaped_plain(f"The theme is not remembered: {exc}"),
                severity="warning",
                markup=False,
            )

    @work(group="watch", exclusive=True, exit_on_error=False)
    async def monitor(self, interval: float = 1.0) -> None:
        """Once a second: notice other connections' commits, and refresh the inspector."""
        import asyncio
        from pathlib import Path

        from tui.db.inspector import Inspector
        from tui.screens.status import InspectorUpdated, StatusScreen
        from tui.screens.wal_history import WalHistoryScreen

        source = self.source
        if source is None:
            return
        path = source.target.sqlite_path
        inspector = self.inspector = Inspector(Path(path) if path is not None else None)
        # Start a beat later: the table list and first rows come first.
        await asyncio.sleep(interval / 4)
        # A SQLite file tells of every commit through its files (tui.db.fingerprint), read
        # with no lock: while nothing changes, dbbrowse asks SQLite nothing at all.
        files = path is not None
        # A file is compared first with what it was once the database was open: a commit that
        # landed after the first rows were read but before this first look is news too.
        last = source.opened_token if files else await source.change_token()
        shown: object | None = None
        reported = False
        while True:
            browse = self.get_screen_browse()
            try:
                status_run = await self._status_runner(source, inspector)
                if files:
                    last = inspector.data_token if inspector.data_token is not None else last
                    snapshot = await inspector.refresh(status_run)
                    token = inspector.data_token
                else:
                    token = await source.change_token()
                    snapshot = await inspector.refresh(status_run)
                # A past state (--as-of) does not change with the database.
                live = source.target.as_of is None
                if token is not None and last is not None and token != last and browse and live:
                    browse.data_changed(certain=source.strategy.change_is_certain(last, token))
                if token is not None:
                    last = token
            except Exception as exc:  # a monitor that dies would hide every later change
                if not reported:
                    log.exception("monitor refresh failed")
                    self.notify(
                        escaped_plain(self.explain(exc), keep_newlines=True),
                        title="Status refresh",
                        severity="warning",
                        markup=False,
                    )
                    reported = True
            else:
                reported = False
                if browse is not None:
                    # A past state is served as a rollback-journal file (its page 1 patched):
                    # its own "journal: delete" says nothing of the database, which has a WAL.
                    compact = inspector.compact() if live else "past state · journal: wal"
                    if browse.status.wal != compact:
                        browse.status.wal = compact
                if snapshot is not shown:  # an unchanged snapshot needs no repaint
                    shown = snapshot
                    # The status screen and the WAL history view follow the files, also
                    # while covered (by the history, a past state…): uncovered, they show
                    # the files as they are, not as they were when covered. In a --as-of
                    # session the snapshot is the live file's only while one is on top.
                    followers = StatusScreen | WalHistoryScreen
                    if live or isinstance(self.screen, followers):
                        for screen in self.screen_stack:
                            if isinstance(screen, followers):
                                screen.post_message(InspectorUpdated(snapshot))
            await asyncio.sleep(interval)

    async def _status_runner(self, source: DataSource, inspector: Inspector) -> Any:
        """What the inspector reads pragmas through: ``source``, except in a --as-of session
        while the status or history screen is shown. A past state reports its own journal
        mode (delete) and would hide the WAL, so those screens get a live read-only source;
        it is closed when they go: a live reader holds a shared lock on the database (and,
        where there is no -shm to read read-only, opens one that writes it)."""
        from tui.screens.status import StatusScreen
        from tui.screens.wal_history import WalHistoryScreen

        if source.target.as_of is None or self.target is None:
            return source.run
        wanted = isinstance(self.screen, StatusScreen | WalHistoryScreen)
        if wanted and self._status_source is None:
            from dataclasses import replace

            from tui.db.source import DataSource

            self._status_source = await DataSource.open(replace(self.target, as_of=None))
            inspector.invalidate()
        elif not wanted and self._status_source is not None:
            status_source, self._status_source = self._status_source, None
            await status_source.close()
            inspector.invalidate()
        return source.run if self._status_source is None else self._status_source.run

    def browse_as_of(self, commit: int, generation: tuple[int, int] | None = None) -> None:
        """Browse the SQLite file as it stood right after ``commit`` of its WAL (of
        ``generation``, the WAL the history view listed), over the live database, read-only
        (``L`` comes back). A state that cannot be rebuilt (the WAL was reset since) is
        reported and nothing opens. For the history view's button."""
        self._open_as_of(commit, generation)

    @work(group="as-of", exclusive=True, exit_on_error=False)
    async def _open_as_of(self, commit: int, generation: tuple[int, int] | None = None) -> None:
        from tui.db.source import DataSource
        from tui.db.target import as_of_target
        from tui.screens.past_browse import PastBrowseScreen

        if self.source is None:
            return
        base = self.target if self.target is not None else self.source.target
        source = await DataSource.open(as_of_target(base, commit, generation))
        screen = PastBrowseScreen()
        screen.page_size = self.settings.page_size
        try:
            await self.push_screen(screen)
        except BaseException:
            await source.close()
            raise
        screen.attach(source)

    def action_status(self) -> AwaitMount | None:
        """Open the SQLite status screen (pragmas, WAL, locks, space, maintenance)."""
        from tui.screens.status import InspectorUpdated, StatusScreen

        if self.source is None or isinstance(self.screen, StatusScreen):
            return None
        screen = StatusScreen(self.source)
        mounted = self.push_screen(screen)
        if self.inspector is not None and self.inspector.last is not None:
            screen.post_message(InspectorUpdated(self.inspector.last))
        return mounted

    @property
    def has_status_screen(self) -> bool:
        """Whether the status screen has something to show: a SQLite database is open."""
        return self.source is not None and self.source.strategy.name == "sqlite"

    async def run_on_status_screen(self, action: str) -> None:
        """Open the status screen (once it is mounted) and run its ``action`` there: the
        command palette offers the screen's actions from the screens that open it."""
        from tui.screens.status import StatusScreen

        mounted = self.action_status()
        if mounted is not None:
            await mounted
        if isinstance(self.screen, StatusScreen):
            await self.run_action(action, self.screen)

    def get_screen_browse(self) -> BrowseScreen | None:
        from tui.screens.browse import BrowseScreen

        for screen in self.screen_stack:
            if isinstance(screen, BrowseScreen):
                return screen
        return None

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        message = self.explain(error)
        log.error("worker %s failed: %s", event.worker.name, message, exc_info=error)
        if event.worker.group == "open":
            from tui.screens.error import ErrorScreen

            self.failed = message
            self.push_screen(
                ErrorScreen("Cannot open the database", message, retry=self._open_again)
            )
        else:
            self.notify(
                escaped_plain(message, keep_newlines=True),
                title="Database error",
                severity="error",
                timeout=8,
                markup=False,
            )

    def _open_again(self) -> None:
        """Try to open the database again (r on the error screen): a lock held at start, or
        a server not up yet, may be gone by now."""
        self.failed = None
        while len(self.screen_stack) > 1:  # back to the opening screen at the bottom
            self.pop_screen()
        self.open_database()

    def explain(self, error: BaseException | None) -> str:
        from tui.db.target import TargetError

        if error is None:
            return "unknown error"
        if isinstance(error, TargetError):
            return str(error)
        if self.source is not None and hasattr(error, "orig"):
            return self.source.explain(error)
        return f"{type(error).__name__}: {error}"

    async def action_quit(self) -> None:
        """Quit; with changes staged and not saved, or the console's transaction open (quitting
        rolls it back), ask first, naming everything quitting loses."""
        browse = self.get_screen_browse()
        if browse is None or not browse.transaction_open:
            if browse is not None and browse.changes:
                browse.confirm_leave("quit", self.exit, forgets=True)
                return
            self.exit()
            return
        if browse.saving():  # its outcome is not known yet (see confirm_leave)
            return
        from tui.screens.confirm import ConfirmScreen

        def answered(quit_: bool | None) -> None:
            if quit_:
                self.exit()

        console = (
            f"The SQL console's transaction ({browse.transaction_words()}) is not committed: "
            f"quitting rolls it back; {browse.key_of('browse.console_commit')} commits it first."
        )
        count = len(browse.changes)
        if count:
            one = count == 1
            title = (
                f"{count} change{'' if one else 's'} not saved and the console's transaction "
                "open: quit anyway?"
            )
            staged = (
                f"The staged change{'' if one else 's'} {'was' if one else 'were'} not written; "
                f"quitting forgets {'it' if one else 'them'}."
            )
            detail = f"{staged}\n{console}"
        else:
            title = "Quit and roll back the console's transaction?"
            detail = console
        self.push_screen(ConfirmScreen(title, detail, yes="Roll back and quit"), answered)

    def action_help(self) -> None:
        """Every key by task, the log file and the version (see :mod:`tui.screens.help`)."""
        from tui.logs import log_path
        from tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        # Keys as rebound (``App.set_keymap``): Textual keeps the keymap to itself.
        keymap: dict[str, str] = getattr(self, "_keymap", {})
        focused = self.screen.focused
        notes = focused.HELP if focused is not None and focused.HELP else ""
        self.push_screen(HelpScreen(log_path(), keymap, notes))

    async def on_unmount(self) -> None:
        from tui.text.cells import use_null_text

        use_null_text()  # the next app in this process starts from the default
        browse = self.get_screen_browse()
        if browse is not None and browse.console_session is not None:
            await browse.console_session.close()  # rolls back what was not committed
        if self.source is not None:
            await self.source.close(checkpoint=self.checkpoint_on_close)
        if self._status_source is not None:
            await self._status_source.close()


class _OpeningScreen(Screen[None]):
    """The first frame, painted while the rest of the app and the database load."""

    def compose(self) -> Iterable[Static]:
        yield Static("opening the database…", id="opening")


def _import_database_stack() -> None:
    """Import SQLAlchemy and the data layer off the event loop (~0.3 s)."""
    import app.engines  # noqa: F401
    import tui.db.catalog
    import tui.db.source
    import tui.db.window
    import tui.screens.browse  # noqa: F401
