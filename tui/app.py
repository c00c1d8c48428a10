"""The dbbrowse Textual application: opens the database in a worker, then browses it.

The first frame is painted before SQLAlchemy and the settings are imported: everything
heavy happens in the ``open`` worker, and failures become an error screen.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui.screens.browse import BrowseScreen

if TYPE_CHECKING:
    from tui.db.source import DataSource
    from tui.db.target import Target

log = logging.getLogger("dbbrowse")


class DbBrowseApp(App[int]):
    """Browse one database: ``DbBrowseApp(target)``, or the configured one with no target."""

    CSS_PATH = "app.tcss"
    TITLE = "dbbrowse"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(
        self,
        target: Target | None = None,
        *,
        read_only: bool = False,
        ensure_schema: bool = True,
    ) -> None:
        super().__init__()
        self.target = target
        self.read_only = read_only
        self.ensure_schema = ensure_schema
        self.source: DataSource | None = None
        self.failed: str | None = None

    def get_default_screen(self) -> BrowseScreen:
        return BrowseScreen()

    def on_mount(self) -> None:
        # Paint first: the database stack is imported and connected after the first frame.
        self.call_after_refresh(self.open_database)

    @work(group="open", exclusive=True, exit_on_error=False)
    async def open_database(self) -> None:
        import asyncio

        await asyncio.to_thread(_import_database_stack)
        from tui.db.source import DataSource
        from tui.db.target import resolve_target

        target = self.target
        if target is None:
            from app.config import settings

            target = resolve_target(
                None, default_url=settings.DATABASE_URL, read_only=self.read_only
            )
            self.target = target
        self.source = await DataSource.open(target)
        screen = self.get_screen_browse()
        if screen is not None:
            screen.attach(self.source)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every action with a description is also in the command palette."""
        yield from super().get_system_commands(screen)
        for binding in screen.BINDINGS:
            if isinstance(binding, Binding) and binding.description:
                action = binding.action
                yield SystemCommand(
                    binding.description,
                    f"{binding.description} ({binding.key})",
                    partial(screen.run_action, action),
                )

    def get_screen_browse(self) -> BrowseScreen | None:
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
            self.push_screen(ErrorScreen("Cannot open the database", message))
        else:
            self.notify(message, title="Database error", severity="error", timeout=8)

    def explain(self, error: BaseException | None) -> str:
        from tui.db.target import TargetError

        if error is None:
            return "unknown error"
        if isinstance(error, TargetError):
            return str(error)
        if self.source is not None and hasattr(error, "orig"):
            return self.source.explain(error)
        return f"{type(error).__name__}: {error}"

    def action_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    async def on_unmount(self) -> None:
        if self.source is not None:
            await self.source.close()


def _import_database_stack() -> None:
    """Import SQLAlchemy, the settings and the data layer off the event loop (~0.3 s)."""
    import app.database  # noqa: F401
    import tui.db.catalog
    import tui.db.source
    import tui.db.window  # noqa: F401
