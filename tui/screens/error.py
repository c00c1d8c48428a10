"""Errors shown in full: the whole message, scrollable, a key to copy it, and where the log is.

:class:`ErrorScreen` replaces the app when the database cannot be opened (the only way on is
to quit); :class:`ErrorDialog` is the same body over the current screen for an error the
user can dismiss. The message is data (it may quote a file name or a value), so it goes
through :func:`tui.text.escape.escaped`: control characters made visible, never markup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Label, Static

from tui.logs import log_path
from tui.screens.key_places import DeclaredKeyOrder
from tui.text.escape import escaped


def _body(title: str, message: str) -> ComposeResult:
    yield Label(escaped(title), classes="dialog-title")
    yield Static(escaped(message, keep_newlines=True), id="error-message")
    yield Static(
        Text(f"\nc copies the message · the log is {log_path()}", style="dim"), id="error-log"
    )


def _copy(screen: Screen[None], message: str) -> None:
    screen.app.copy_to_clipboard(message)
    screen.notify("error message copied to the clipboard")


class ErrorScreen(DeclaredKeyOrder, Screen[None]):
    """Shows one error; the way on is to quit, or to try again (a lock another program held
    at start may be gone by now) where ``retry`` is given."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,escape", "app.quit", "Quit", id="error.quit"),
        Binding("r", "retry", "Try again", id="error.retry"),
        Binding("c", "copy", "Copy message", id="error.copy"),
    ]

    def __init__(
        self, title: str, message: str, *, retry: Callable[[], None] | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self._retry = retry

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "retry" or self._retry is not None

    def action_retry(self) -> None:
        if self._retry is not None:
            self._retry()

    def compose(self) -> ComposeResult:
        with Center(), VerticalScroll(id="error-scroll", classes="dialog error-dialog"):
            yield from _body(self.title_text, self.message)
        yield Footer()

    def action_copy(self) -> None:
        _copy(self, self.message)


class ErrorDialog(DeclaredKeyOrder, ModalScreen[None]):
    """One error over the current screen; Esc (or q) closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "close", "Close", id="error_dialog.close"),
        Binding("c", "copy", "Copy message", id="error_dialog.copy"),
    ]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="error-scroll", classes="dialog error-dialog"):
            yield from _body(self.title_text, self.message)
        yield Footer()

    def action_copy(self) -> None:
        _copy(self, self.message)

    def action_close(self) -> None:
        self.dismiss(None)
