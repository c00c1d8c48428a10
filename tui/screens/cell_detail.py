"""One value in full, in a scrollable read-only panel, with copy to clipboard."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, TextArea

from tui.text.detail import copy_text, full_text, python_type_label


class CellDetailScreen(ModalScreen[None]):
    """The full value of the cell under the cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss_screen", "Close"),
        Binding("c", "copy", "Copy value"),
    ]

    def __init__(self, column: str, declared_type: str, value: Any) -> None:
        super().__init__()
        self.column = column
        self.declared_type = declared_type
        self.value = value

    def compose(self) -> ComposeResult:
        declared = f" declared {self.declared_type}" if self.declared_type else ""
        with Vertical(classes="dialog wide"):
            yield Label(
                f"{self.column}:{declared} · stored {python_type_label(self.value)}",
                classes="dialog-title",
                markup=False,
            )
            area = TextArea(full_text(self.value), read_only=True, id="cell-text")
            area.soft_wrap = not isinstance(self.value, bytes)
            yield area
            yield Footer()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(copy_text(self.value))
        self.notify("value copied to the clipboard")

    def action_dismiss_screen(self) -> None:
        self.dismiss(None)
