"""One value in full, a part at a time, with copy to the clipboard.

The value is paged through a :class:`ValueView`: only a bounded window of it is turned into
lines, so a value of any size opens, pages and jumps to its end at once. Every character the
value holds is shown escaped (see :mod:`tui.text.escape`): nothing stored reaches the terminal.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label

from tui.text.detail import copy_text, python_type_label, value_body
from tui.text.escape import append_name
from tui.widgets.value_view import ValueView


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
        self._body = value_body(value)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            title = append_name(Text(), self.column)
            declared = f" declared {self.declared_type}" if self.declared_type else ""
            title.append(f":{declared} · stored {python_type_label(self.value)}")
            yield Label(title, classes="dialog-title")
            yield Label("", id="cell-window")
            yield ValueView(id="cell-text")
            yield Footer()

    def on_mount(self) -> None:
        view = self.query_one(ValueView)
        view.set_value(len(self._body), binary=isinstance(self._body, bytes))
        view.focus()

    @on(ValueView.PartNeeded)
    def _part_needed(self, event: ValueView.PartNeeded) -> None:
        part = self._body[event.start : event.start + event.count]
        self.query_one(ValueView).part_arrived(event.start, part, event.jump)

    @on(ValueView.WindowMoved)
    def _window_moved(self) -> None:
        view = self.query_one(ValueView)
        label = self.query_one("#cell-window", Label)
        if view.start == 0 and view.end >= view.length:
            label.update("")
            label.display = False
            return
        unit = "bytes" if view.binary else "characters"
        label.display = True
        label.update(
            Text(
                f"{unit} {view.start + 1:,}–{view.end:,} of {view.length:,}"
                "  (Home: the start, End: the end)",
                style="dim",
            )
        )

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(copy_text(self.value))
        self.notify("value copied to the clipboard", markup=False)

    def action_dismiss_screen(self) -> None:
        self.dismiss(None)
