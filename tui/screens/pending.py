"""The pending-changes panel: each staged change and the exact statements save will run.

The body is built by :func:`tui.text.pending.pending_text` (escaped, never markup); the
panel only shows it and answers what the person chose: save, discard, or nothing.
"""

from __future__ import annotations

from collections.abc import Callable
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
    """Staged changes and their SQL; ctrl+s saves, X discards (after asking), x discards the
    selected change (up/down select), Esc closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,p,q", "close", "Close", id="pending.close"),
        Binding("ctrl+s", "answer('save')", "Save all", priority=True, id="pending.save"),
        Binding("x,delete", "discard_one", "Discard this one", id="pending.discard_one"),
        Binding("X", "answer('discard')", "Discard all", id="pending.discard"),
        Binding("down", "select(1)", "Next", show=False, priority=True, id="pending.down"),
        Binding("up", "select(-1)", "Previous", show=False, priority=True, id="pending.up"),
    ]

    def __init__(
        self,
        body: Text,
        *,
        rebuild: Callable[[int | None], tuple[Text, int]] | None = None,
        discard: Callable[[int], None] | None = None,
        selected: int | None = None,
    ) -> None:
        super().__init__()
        self._body = body
        #: The body again with a line selected, and how many changes it lists.
        self._rebuild = rebuild
        #: Unstages the change at an index (one undo step).
        self._discard = discard
        self.selected = selected

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(Text("Pending changes"), classes="dialog-title")
            with VerticalScroll(id="pending-scroll"):
                yield Static(self._body, id="pending-body")
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#pending-scroll").focus()

    def action_select(self, step: int) -> None:
        if self._rebuild is None:
            return
        _, count = self._rebuild(None)
        if not count:
            return
        at = 0 if self.selected is None else self.selected + step
        self.selected = max(0, min(count - 1, at))
        self._show()

    def action_discard_one(self) -> None:
        if self._discard is None or self.selected is None:
            self.notify("select a change with up/down first", markup=False)
            return
        self._discard(self.selected)
        self.selected = None
        self._show()

    def _show(self) -> None:
        if self._rebuild is not None:
            body, _ = self._rebuild(self.selected)
            self.query_one("#pending-body", Static).update(body)

    def action_answer(self, answer: str) -> None:
        self.dismiss(PendingAnswer(answer))

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["PendingAnswer", "PendingScreen"]
