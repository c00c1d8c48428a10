"""The filter dialog: column, condition and value, turned into a FilterSpec.

The value is read by the column's type (:func:`tui.db.typed_values.parse_value`): text stays
text, and a value the column cannot hold is refused here, in words, before anything runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from tui.db.model import ColumnInfo, Preview, ValueKind
from tui.db.paging import FilterOp, FilterSpec
from tui.db.typed_values import BadValueError, parse_value
from tui.text.escape import escaped, name_plain, name_text, needs_escape

# Conditions that match text inside the value: the text is taken as typed.
_TEXT_MATCH = (FilterOp.CONTAINS, FilterOp.STARTS_WITH)


class FilterScreen(ModalScreen[FilterSpec | None]):
    """Build one column condition."""

    # Typing goes to the value: the column under the cursor is already chosen.
    AUTO_FOCUS = "#filter-value"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="filter.cancel")
    ]

    def __init__(self, columns: Sequence[ColumnInfo], column: str, value: Any = None) -> None:
        super().__init__()
        self._kinds = {c.name: c.value_kind for c in columns}
        self._column = column
        whole = isinstance(value, str) or (value is not None and not isinstance(value, bytes))
        shown = str(value) if whole and not isinstance(value, Preview) else ""
        # A value with control or invisible characters cannot be typed or shown in an
        # input line as it is: the user types the value instead.
        self._value = "" if needs_escape(shown) else shown

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Filter rows", classes="dialog-title", markup=False)
            # Column names are data: Text prompts, never markup.
            yield Select(
                [(name_text(c), c) for c in self._kinds], value=self._column, id="filter-column"
            )
            yield Select([(op.value, op) for op in FilterOp], value=FilterOp.EQ, id="filter-op")
            yield Input(value=self._value, placeholder=self._placeholder(), id="filter-value")
            yield Label("", id="filter-error", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Cancel", id="cancel")

    def _placeholder(self) -> str:
        kind = self._kinds.get(self._column, ValueKind.ANY)
        return "value" if kind is ValueKind.ANY else f"value ({kind.value})"

    @on(Select.Changed, "#filter-column")
    def _column_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self._column = event.value
            self.query_one("#filter-value", Input).placeholder = self._placeholder()
        self._show_error("")

    @on(Select.Changed, "#filter-op")
    def _op_changed(self, event: Select.Changed) -> None:
        op = event.value
        self.query_one("#filter-value", Input).disabled = (
            isinstance(op, FilterOp) and not op.takes_value
        )
        self._show_error("")

    @on(Input.Submitted)
    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        column = self.query_one("#filter-column", Select).value
        op = self.query_one("#filter-op", Select).value
        if not isinstance(column, str) or not isinstance(op, FilterOp):
            return
        raw = self.query_one("#filter-value", Input).value
        value: Any = None
        if op in _TEXT_MATCH:
            value = raw
        elif op.takes_value:
            try:
                value = parse_value(raw, self._kinds.get(column, ValueKind.ANY))
            except BadValueError as exc:
                self._show_error(f"{name_plain(column)}: {exc}")
                return
        self.dismiss(FilterSpec(column, op, value))

    def _show_error(self, message: str) -> None:
        label = self.query_one("#filter-error", Label)
        label.update(escaped(message))
        label.set_class(bool(message), "-shown")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
