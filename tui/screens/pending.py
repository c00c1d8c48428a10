"""The pending-changes panel: each staged change and the exact statements save will run.

The body is built by :func:`tui.text.pending.pending_text` (escaped, never markup); the
panel only shows it and answers what the person chose: save, discard, or nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from tui.screens.key_places import DeclaredKeyOrder


class PendingAnswer(StrEnum):
    SAVE = "save"
    DISCARD = "discard"


class PendingScreen(DeclaredKeyOrder, ModalScreen[PendingAnswer | None]):
    """Staged changes and their SQL; ctrl+s saves, X discards (after asking), Esc closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,p,q", "close", "Close", id="pending.close"),
        Binding("ctrl+s", "answer('save')", "Save all", priority=True, id="pending.save"),
        Binding("X", "answer('discard')", "Discard all", id="pending.discard"),
    ]

    def __init__(self, body: Text) -> None:
        super().__init__()
        self._body = body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(Text("Pending changes"), classes="dialog-title")
            with VerticalScroll(id="pending-scroll"):
                yield Static(self._body, id="pending-body")
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#pending-scroll").focus()

    def action_answer(self, answer: str) -> None:
        self.dismiss(PendingAnswer(answer))

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["PendingAnswer", "PendingScreen"]
