"""A full screen that says what went wrong opening the database, instead of a traceback."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Label, Static

from tui.text.escape import escaped


class ErrorScreen(Screen[None]):
    """Shows one error; the only way on is to quit."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("q,escape", "app.quit", "Quit")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Center(), Vertical(classes="dialog error-dialog"):
            yield Label(escaped(self.title_text), classes="dialog-title")
            yield Static(escaped(self.message, keep_newlines=True), id="error-message")
        yield Footer()
