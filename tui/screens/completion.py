"""The choices of a completion in the SQL console: Enter takes one, Esc keeps what was typed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.db.completion import Completion
from tui.text.escape import append_escaped


class CompletionScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="completion.cancel")
    ]

    def __init__(self, choices: Sequence[Completion]) -> None:
        super().__init__()
        self._choices = list(choices)

    def compose(self) -> ComposeResult:
        options = []
        for choice in self._choices:
            text = append_escaped(Text(), choice.text)
            text.append(f"  {choice.kind}", style="dim")
            options.append(Option(text))
        with Vertical(classes="dialog", id="completion-dialog"):
            yield OptionList(*options, id="completion-list")

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        listing.highlighted = 0
        listing.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._choices[event.option_index].text)

    def action_cancel(self) -> None:
        self.dismiss(None)
