"""What to copy from the grid: a small menu answering one of :data:`COPY_CHOICES`."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

# key, answer, words
COPY_CHOICES: tuple[tuple[str, str, str], ...] = (
    ("c", "cell", "the cell's value, whole (read again by the row's key)"),
    ("r", "row-tsv", "the row, tab-separated (TSV conventions of the export)"),
    ("j", "row-json", "the row as a JSON object"),
    ("n", "column", "the column's name"),
    ("s", "sql", "the SQL of this view (sort, filter and search included)"),
)


class CopyScreen(ModalScreen[str | None]):
    """Pick what goes to the clipboard; each choice also has its own key."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="copy.cancel"),
        *(
            Binding(key, f"choose('{answer}')", words, show=False, id=f"copy.{answer}")
            for key, answer, words in COPY_CHOICES
        ),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="copy-dialog"):
            yield Label("Copy", classes="dialog-title", markup=False)
            yield OptionList(
                *(Option(f"{key}  {words}", id=answer) for key, answer, words in COPY_CHOICES),
                id="copy-choices",
            )

    def action_choose(self, answer: str) -> None:
        self.dismiss(answer)

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
