"""The filter dialog: the view's conditions (AND), one more to add, or some to remove.

The active conditions are listed first; ``delete`` removes the highlighted one. Below, a
column (the one under the cursor), an operator and a value make a new condition. The value
is read by the column's type and the operator (:func:`tui.db.filter_input.filter_value`):
text stays text, and a value the column cannot hold is refused here, in words, before
anything runs. The dialog answers with the whole new tuple of conditions, or None.

The value is prefilled from the cell under the cursor, and while it is left as it is, a
comparison is made with that very value (its storage class kept: the text ``'1'`` is not the
integer 1); a text with control characters is prefilled as the grid shows it (``\x1b``).
Edited, what is typed is read as above. A value that cannot be typed (a BLOB, a long value
read in part, NULL) is not prefilled, and a hint says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select
from textual.widgets.option_list import Option

from tui.db.filter_input import filter_value
from tui.db.model import ColumnInfo, Preview, ValueKind
from tui.db.paging import FilterOp, FilterSpec
from tui.db.typed_values import BadValueError
from tui.text.edit_text import BadEscapeError, decode, encode
from tui.text.escape import escaped, name_plain, name_text, needs_escape
from tui.text.literal import append_value

#: What to type, by operator (shown under the value).
_HINTS = {
    FilterOp.IN: 'values separated by commas; "a, b" in quotes keeps its comma',
    FilterOp.BETWEEN: "low, high (both included)",
    FilterOp.CONTAINS: "text, as typed",
    FilterOp.STARTS_WITH: "text, as typed",
    FilterOp.LIKE: "a pattern: % any text, _ one character",
    FilterOp.NOT_LIKE: "a pattern: % any text, _ one character (NULLs are kept)",
    FilterOp.REGEXP: "a regular expression (the database's own syntax)",
}
#: The operators that compare with the prefilled value itself while it is not edited.
_EXACT_OPS = frozenset(
    {FilterOp.EQ, FilterOp.NE, FilterOp.LT, FilterOp.LE, FilterOp.GT, FilterOp.GE}
)
_PREFILL_WIDTH = 40


class FilterScreen(ModalScreen[tuple[FilterSpec, ...] | None]):
    """Add a condition to the view's conditions, or remove some."""

    # Typing goes to the value: the column under the cursor is already chosen.
    AUTO_FOCUS = "#filter-value"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="filter.cancel"),
        # Reaches the screen only from the list of conditions (an Input keeps its delete).
        Binding("delete,backspace", "remove", "Remove condition", id="filter.remove"),
    ]

    def __init__(
        self,
        columns: Sequence[ColumnInfo],
        column: str,
        value: Any = None,
        active: Sequence[FilterSpec] = (),
        *,
        regexp: bool = False,
        local_regexp: bool = False,
        loose_types: bool = False,
        infinities: bool = False,
    ) -> None:
        """``active``: the view's conditions; ``regexp``: the engine has one; ``local_regexp``:
        it runs in dbbrowse (SQLite), so a pattern is checked here; ``loose_types``: the
        columns may hold values of other types (SQLite, not STRICT); ``infinities``: dates
        may be ``infinity`` (PostgreSQL)."""
        super().__init__()
        self._kinds = {c.name: c.value_kind for c in columns}
        self._column = column if column in self._kinds else next(iter(self._kinds), column)
        self._active = list(active)
        self._ops = [op for op in FilterOp if regexp or op is not FilterOp.REGEXP]
        self._local_regexp = local_regexp
        self._loose_types = loose_types
        self._infinities = infinities
        self._cell = value
        self._value, self._prefill_note = _prefill(value)
        # A value prefilled in escaped form is read back from it, edited or not (as the
        # cell editor reads it): \x1b is the ESC character, \\ one backslash.
        self._escaped = isinstance(value, str) and needs_escape(value)
        # While the prefilled text is not edited, it stands for the cell's value itself.
        self._untouched = bool(self._value)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="filter-dialog"):
            yield Label("Filter rows", classes="dialog-title", markup=False)
            yield Label("", id="filter-active-title", markup=False)
            yield OptionList(id="filter-active")
            # Column names are data: Text prompts, never markup.
            # No blank entry: a condition is always on a column, with an operator.
            yield Select(
                [(name_text(c), c) for c in self._kinds],
                value=self._column,
                allow_blank=False,
                id="filter-column",
            )
            yield Select(
                [(op.value, op) for op in self._ops],
                value=FilterOp.EQ,
                allow_blank=False,
                id="filter-op",
            )
            yield Input(value=self._value, placeholder=self._placeholder(), id="filter-value")
            yield Label("", id="filter-hint", markup=False)
            yield Label(self._prefill_note, id="filter-prefill")
            yield Label("", id="filter-error", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add", variant="primary", id="apply")
                yield Button("Done", id="done")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self._show_active()

    # -- the active conditions -------------------------------------------------------------
    def _show_active(self) -> None:
        options = self.query_one("#filter-active", OptionList)
        options.clear_options()
        options.add_options([Option(escaped(str(spec))) for spec in self._active])
        options.display = bool(self._active)
        if self._active:
            options.highlighted = 0  # delete works at once when the list gets focus
        title = self.query_one("#filter-active-title", Label)
        count = len(self._active)
        title.update(
            f"{count} condition{'s' if count != 1 else ''}, all must hold"
            " (in the list, delete removes one):"
            if count
            else "No conditions yet."
        )

    def action_remove(self) -> None:
        options = self.query_one("#filter-active", OptionList)
        index = options.highlighted
        if not options.has_focus or index is None or not 0 <= index < len(self._active):
            return
        del self._active[index]
        self._show_active()
        if self._active:
            options.highlighted = min(index, len(self._active) - 1)
        else:
            self.query_one("#filter-value", Input).focus()

    # -- the new condition -----------------------------------------------------------------
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
        hint = _HINTS.get(op, "") if isinstance(op, FilterOp) else ""
        self.query_one("#filter-hint", Label).update(hint)
        self._show_error("")

    @on(Input.Changed, "#filter-value")
    def _value_changed(self, event: Input.Changed) -> None:
        if self._untouched and event.value != self._value:
            # From now on the text is read as typed (retyping the same text included).
            self._untouched = False
            self.query_one("#filter-prefill", Label).update("")

    @on(Input.Submitted, "#filter-value")
    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        column = self.query_one("#filter-column", Select).value
        op = self.query_one("#filter-op", Select).value
        if not isinstance(column, str) or not isinstance(op, FilterOp):
            return
        raw = self.query_one("#filter-value", Input).value
        kind = self._kinds.get(column, ValueKind.ANY)
        exact = self._untouched and raw == self._value
        if exact and (op in _EXACT_OPS or (op.matches_text and isinstance(self._cell, str))):
            self.dismiss((*self._active, FilterSpec(column, op, self._cell)))
            return
        try:
            if self._escaped:
                raw = decode(raw)
            value = filter_value(
                op,
                raw,
                kind,
                local_regexp=self._local_regexp,
                loose=self._loose_types,
                infinities=self._infinities,
            )
        except (BadValueError, BadEscapeError) as exc:
            self._show_error(f"{name_plain(column)}: {exc}")
            return
        self.dismiss((*self._active, FilterSpec(column, op, value)))

    @on(Button.Pressed, "#done")
    def _done(self) -> None:
        """Keep the conditions as listed (some removed), add none."""
        self.dismiss(tuple(self._active))

    def _show_error(self, message: str) -> None:
        label = self.query_one("#filter-error", Label)
        label.update(escaped(message))
        label.set_class(bool(message), "-shown")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def _prefill(value: Any) -> tuple[str, Text]:
    """What the value field starts with for the cell's ``value``, and a note saying what it is."""
    if value is None:
        return "", Text("the value under the cursor is NULL: is null finds it")
    if isinstance(value, bytes | bytearray | memoryview):
        return "", Text("the value under the cursor is a BLOB, not typed here")
    if isinstance(value, Preview):
        return "", Text("the value under the cursor is too long to be typed here")
    text = value if isinstance(value, str) else str(value)
    if not text:
        return "", Text()
    note = Text("prefilled: exactly ")
    append_value(note, value, _PREFILL_WIDTH)
    if isinstance(value, str) and needs_escape(value):
        # An input line would draw the characters as they are: the grid's escapes instead.
        text = encode(value, multiline=False)
        note.append("; control characters written as the grid shows them, \\\\ a backslash")
    else:
        note.append("; edited, it is read as typed")
    return text, note
