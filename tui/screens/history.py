"""ctrl+r in the SQL console: find a statement run before, or a saved query, by its words.

Saved queries come first (★ and their name), then the history, newest first, each with when
it ran and what it did. Enter puts the chosen statement into the editor; nothing runs.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tui.db.history import Entry, search
from tui.text.escape import append_escaped


def _one_line(sql: str, width: int = 90) -> str:
    line = " ".join(sql.split())
    return line if len(line) <= width else line[: width - 1] + "…"


class HistoryScreen(ModalScreen[str | None]):
    """Pick a statement from the saved queries and the history of this database."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="history.cancel"),
        Binding("down", "down", "Next", show=False, id="history.down"),
        Binding("up", "up", "Previous", show=False, id="history.up"),
    ]

    def __init__(self, saved: dict[str, str], history: list[Entry]) -> None:
        super().__init__()
        self._saved = saved
        self._history = history
        self._shown: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="history-dialog"):
            yield Label("SQL history and saved queries", classes="dialog-title", markup=False)
            yield Input(placeholder="words to find (all of them)", id="history-search")
            yield OptionList(id="history-list")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#history-search", Input).focus()

    def _fill(self, words: str) -> None:
        wanted = words.casefold().split()
        options: list[Option] = []
        self._shown = []
        for name, sql in sorted(self._saved.items()):
            if all(w in (name + " " + sql).casefold() for w in wanted):
                text = Text("★ ", style="bold")
                append_escaped(text, name)
                text.append("  ")
                append_escaped(text, _one_line(sql))
                options.append(Option(text))
                self._shown.append(sql)
        for entry in search(self._history, words):
            text = Text(f"{entry.at.replace('T', ' ')[:19]}  ", style="dim")
            append_escaped(text, _one_line(entry.sql))
            text.append("  ")
            append_escaped(text, _one_line(entry.outcome, 40))
            options.append(Option(text))
            self._shown.append(entry.sql)
        listing = self.query_one("#history-list", OptionList)
        listing.clear_options()
        listing.add_options(options or [Option("nothing found", disabled=True)])
        if options:
            listing.highlighted = 0

    @on(Input.Changed, "#history-search")
    def _search(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#history-search")
    def _take_highlighted(self) -> None:
        index = self.query_one("#history-list", OptionList).highlighted
        if index is not None and index < len(self._shown):
            self.dismiss(self._shown[index])

    @on(OptionList.OptionSelected, "#history-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option_index < len(self._shown):
            self.dismiss(self._shown[event.option_index])

    def action_down(self) -> None:
        self.query_one("#history-list", OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one("#history-list", OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
