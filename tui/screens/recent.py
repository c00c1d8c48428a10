"""Which database to open: the recent ones, and the default, offered when none was named."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Label, OptionList
from textual.widgets.option_list import Option

from tui.screens.key_places import DeclaredKeyOrder
from tui.text.escape import escaped_plain


@dataclass(frozen=True)
class Choice:
    """One line of the picker: what the command line is given (``""``: the default)."""

    value: str
    label: str
    detail: str = ""
    #: A file that was not there when the list was made (checked again when chosen).
    missing: bool = False


class RecentScreen(DeclaredKeyOrder, Screen[str | None]):
    """Pick a database with the arrows and Enter; Esc or q opens nothing.

    Dismissed with the chosen :attr:`Choice.value`, or None.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Quit", id="recent.cancel"),
    ]

    def __init__(self, choices: list[Choice]) -> None:
        super().__init__()
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="recent"):
            yield Label("Open which database?", id="recent-title")
            yield OptionList(
                *(
                    Option(_line(choice), id=str(index))
                    for index, choice in enumerate(self.choices)
                ),
                id="recent-list",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        choice = self.choices[int(event.option.id or 0)]
        if choice.missing and not Path(choice.value).exists():
            # Opening it would only end in "no such database file": stay, and say so.
            self.notify(
                f"{escaped_plain(choice.label)} is missing (no such file): pick another,"
                " or Esc to quit",
                severity="warning",
                markup=False,
            )
            return
        self.dismiss(choice.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _line(choice: Choice) -> Text:
    line = Text(escaped_plain(choice.label))
    if choice.detail:
        line.append(f"  {escaped_plain(choice.detail)}", style="dim")
    return line
