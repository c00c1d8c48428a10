"""The filter dialog: column, condition and value, turned into a FilterSpec."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from tui.db.paging import FilterOp, FilterSpec


def parse_value(text: str) -> Any:
    """The user's text as the value to compare with: integers and decimals become numbers."""
    stripped = text.strip()
    for convert in (int, float):
        try:
            return convert(stripped)
        except ValueError:
            continue
    return text


class FilterScreen(ModalScreen[FilterSpec | None]):
    """Build one column condition."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, columns: list[str], column: str, value: Any = None) -> None:
        super().__init__()
        self._columns = columns
        self._column = column
        self._value = "" if value is None or isinstance(value, bytes) else str(value)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Filter rows", classes="dialog-title")
            yield Select([(c, c) for c in self._columns], value=self._column, id="filter-column")
            yield Select([(op.value, op) for op in FilterOp], value=FilterOp.EQ, id="filter-op")
            yield Input(value=self._value, placeholder="value", id="filter-value")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Cancel", id="cancel")

    @on(Select.Changed, "#filter-op")
    def _op_changed(self, event: Select.Changed) -> None:
        op = event.value
        self.query_one("#filter-value", Input).disabled = (
            isinstance(op, FilterOp) and not op.takes_value
        )

    @on(Input.Submitted)
    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        column = self.query_one("#filter-column", Select).value
        op = self.query_one("#filter-op", Select).value
        if not isinstance(column, str) or not isinstance(op, FilterOp):
            return
        raw = self.query_one("#filter-value", Input).value
        value = (
            parse_value(raw)
            if op.takes_value
            and op
            not in (
                FilterOp.CONTAINS,
                FilterOp.STARTS_WITH,
            )
            else (raw if op.takes_value else None)
        )
        self.dismiss(FilterSpec(column, op, value))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
