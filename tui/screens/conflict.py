"""A save that found a row changed by someone else: mine, original and current side by side.

Nothing was written (the save rolled back). The person chooses: keep mine (stage it again on
top of the current value), take theirs (drop my change), or edit again (the editor opens on
the current value). Esc decides later: every change stays staged.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label, Static

from tui.screens.key_places import DeclaredKeyOrder


class ConflictChoice(StrEnum):
    KEEP_MINE = "keep"
    TAKE_THEIRS = "theirs"
    EDIT_AGAIN = "edit"


class ConflictScreen(DeclaredKeyOrder, ModalScreen[ConflictChoice | None]):
    """Mine / original / current of one conflicting change, and what to do about it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "choose('keep')", "Keep mine", id="conflict.keep"),
        Binding("t", "choose('theirs')", "Take theirs", id="conflict.theirs"),
        Binding("e", "choose('edit')", "Edit again", id="conflict.edit"),
        Binding("escape", "later", "Decide later", id="conflict.later"),
    ]

    def __init__(
        self, title: Text, summary: Text, table: Table, *, can_keep: bool, can_edit: bool
    ) -> None:
        super().__init__()
        self._title = title
        self._summary = summary
        self._table = table
        self._can_keep = can_keep
        self._can_edit = can_edit

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog conflict-dialog"):
            yield Label(self._title, classes="dialog-title")
            yield Static(self._summary, id="conflict-summary")
            with VerticalScroll(id="conflict-values"):
                yield Static(self._table, id="conflict-table")
            with Horizontal(classes="dialog-buttons"):
                # Only what makes sense for this change: no "keep mine" on a row that is gone
                # (nothing to keep it on), no "edit again" but for a cell.
                if self._can_keep:
                    yield Button("Keep mine (k)", id="keep", variant="warning")
                yield Button("Take theirs (t)", id="theirs")
                if self._can_edit:
                    yield Button("Edit again (e)", id="edit")
                yield Button("Later (Esc)", id="later")
            yield Footer()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "later":
            self.dismiss(None)
        else:
            self.action_choose(str(event.button.id))

    def _allowed(self, chosen: ConflictChoice) -> bool:
        return {
            ConflictChoice.KEEP_MINE: self._can_keep,
            ConflictChoice.EDIT_AGAIN: self._can_edit,
            ConflictChoice.TAKE_THEIRS: True,
        }[chosen]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A choice that makes no sense here is neither in the footer nor run by its key."""
        if action == "choose" and parameters:
            return self._allowed(ConflictChoice(str(parameters[0])))
        return True

    def action_choose(self, choice: str) -> None:
        chosen = ConflictChoice(choice)
        if self._allowed(chosen):
            self.dismiss(chosen)

    def action_later(self) -> None:
        self.dismiss(None)


__all__ = ["ConflictChoice", "ConflictScreen"]
