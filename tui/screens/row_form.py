"""A form of every column for a new row (insert, or a duplicate of the row under the cursor).

Each field is in one of three states: *default* (not given: the database fills it, and the
placeholder says with what, ``auto`` for a rowid or autoincrement key), *NULL* (ctrl+n), or
*typed text* (an emptied field is the empty text, not NULL, not the default). ctrl+r puts the
field back to its default. Only given columns are inserted. Typed text is parsed by the
column's own parse function; errors are shown beside the field and nothing is answered.

A duplicate's field left as it was copied stages the copied value itself, exactly as stored
(its storage class, its bytes): only what the person typed is parsed. Where the column does
not fix the storage class (SQLite, see :mod:`tui.db.storage_class`), a field starts in its
copied value's class, named after the column's type; ctrl+t chooses another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label

from tui.screens.key_places import DeclaredKeyOrder
from tui.text.edit_text import BadEscapeError, decode, encode, needs_escaped_form
from tui.text.escape import append_name, escaped, escaped_plain


class FieldState(StrEnum):
    DEFAULT = "default"
    NULL = "null"
    TEXT = "text"


@dataclass(frozen=True)
class FormField:
    """One column of the form: plain data and the column's parse function."""

    name: str
    declared_type: str
    default: str  # what a left-out column gets: "auto", "NULL", "default 'x'"; "" = required
    parse: Callable[[str], Any]
    nullable: bool = True
    state: FieldState = FieldState.DEFAULT
    text: str = ""  # the initial text (a duplicate's values)
    refused: str = ""  # why it cannot be given (generated column): shown, never sent
    #: The copied value ``text`` stands for: staged as it is while the text is untouched.
    value: Any = None
    copied: bool = False
    #: Storage classes to choose from ("auto", "integer", ...; () where the type decides),
    #: the one the field starts in, and the parse function taking one.
    classes: tuple[str, ...] = ()
    storage: str = "auto"
    parse_as: Callable[[str, str], Any] | None = None


class RowFormScreen(
    DeclaredKeyOrder,
    ModalScreen[tuple[tuple[str, Any], ...] | None],
):
    """Values for a new row; ctrl+s stages it, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="row_form.cancel"),
        Binding("ctrl+s", "stage", "Stage the row", priority=True, id="row_form.stage"),
        Binding("ctrl+n", "set_null", "Field: NULL", priority=True, id="row_form.set_null"),
        Binding(
            "ctrl+r", "set_default", "Field: default", priority=True, id="row_form.set_default"
        ),
        Binding(
            "ctrl+t", "next_class", "Field: storage class", priority=True, id="row_form.next_class"
        ),
    ]

    def __init__(
        self,
        title: Text,
        fields: list[FormField],
        check: Callable[[tuple[tuple[str, Any], ...]], str | None] | None = None,
    ) -> None:
        super().__init__()
        self._title = title
        self.fields = fields
        self.check = check  # the whole row's last word (a schema): a sentence refuses it
        self.states = {index: f.state for index, f in enumerate(fields)}
        self.escaped_form = {
            index: needs_escaped_form(f.text, multiline=False) for index, f in enumerate(fields)
        }
        self.storage = {index: f.storage for index, f in enumerate(fields)}
        #: Each field's text as first shown (a copied value's), to tell it untouched.
        self.initial = {
            index: encode(f.text, multiline=False) if self.escaped_form[index] else f.text
            for index, f in enumerate(fields)
        }

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide row-form"):
            yield Label(self._title, classes="dialog-title")
            yield Label(
                Text(
                    "untouched field = its default · ctrl+n NULL · ctrl+r default again · "
                    "ctrl+t storage class · ctrl+s stages the row",
                    "dim",
                )
            )
            with VerticalScroll(id="form-fields"):
                for index, field in enumerate(self.fields):
                    with Horizontal(classes="form-row"):
                        yield Label(
                            self._name_label(index), id=f"name-{index}", classes="form-name"
                        )
                        text = self.initial[index]
                        yield Input(
                            value=text if field.state is FieldState.TEXT else "",
                            placeholder=self._placeholder(index),
                            id=f"field-{index}",
                            disabled=bool(field.refused),
                            classes="form-input",
                            compact=True,
                        )
                    yield Label("", id=f"error-{index}", classes="dialog-error")
            yield Label("", id="form-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Stage (ctrl+s)", variant="primary", id="stage")
                yield Button("Cancel (Esc)", id="cancel")
            yield Footer()

    def on_mount(self) -> None:
        # The first field a person would fill in: not computed, not an automatic key.
        usable = [i for i, f in enumerate(self.fields) if not f.refused]
        wanted = [i for i in usable if self.fields[i].default not in ("auto", "computed")]
        wanted = wanted or usable
        if wanted:
            self.query_one(f"#field-{wanted[0]}", Input).focus()

    def _name_label(self, index: int) -> Text:
        """The column's name and type, and the storage class its text is stored in."""
        field = self.fields[index]
        name = append_name(Text(), field.name, "bold")
        if field.declared_type:
            name.append(f" {field.declared_type.lower()}", "dim")
        if field.classes and field.parse_as is not None:
            name.append(f" as {self.storage[index]}", "italic")
        return name

    def _placeholder(self, index: int) -> str:
        field = self.fields[index]
        if field.refused:
            return escaped_plain(field.refused)
        if self.states[index] is FieldState.NULL:
            return "∅ NULL"
        if self.states[index] is FieldState.TEXT:
            return "⟨empty⟩: the empty text ('')"
        if not field.default:
            return "a value is needed (NOT NULL, no default)"
        return f"left out: {escaped_plain(field.default)}"

    # -- field states ------------------------------------------------------------------------
    def _focused_index(self) -> int | None:
        focused = self.focused
        if isinstance(focused, Input) and focused.id and focused.id.startswith("field-"):
            return int(focused.id.removeprefix("field-"))
        return None

    def _set_state(self, index: int, state: FieldState) -> None:
        self.states[index] = state
        field = self.query_one(f"#field-{index}", Input)
        with field.prevent(Input.Changed):
            field.value = ""
        field.placeholder = self._placeholder(index)
        field.set_class(state is FieldState.NULL, "-null")

    def action_set_null(self) -> None:
        index = self._focused_index()
        if index is None:
            return
        if not self.fields[index].nullable:
            self._error(index, f"{self.fields[index].name} is NOT NULL")
            return
        self._set_state(index, FieldState.NULL)

    def action_next_class(self) -> None:
        """The focused field's text is stored in the next storage class."""
        index = self._focused_index()
        if index is None or not self.fields[index].classes:
            return
        classes = self.fields[index].classes
        at = classes.index(self.storage[index]) if self.storage[index] in classes else -1
        self.storage[index] = classes[(at + 1) % len(classes)]
        self.query_one(f"#name-{index}", Label).update(self._name_label(index))
        self._error(index, "")

    def action_set_default(self) -> None:
        index = self._focused_index()
        if index is not None:
            self._set_state(index, FieldState.DEFAULT)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if not (event.input.id or "").startswith("field-"):
            return
        index = int(str(event.input.id).removeprefix("field-"))
        self._error(index, "")
        if event.value and self.states[index] is not FieldState.TEXT:
            self.states[index] = FieldState.TEXT
            event.input.remove_class("-null")
            event.input.placeholder = "⟨empty⟩: the empty text ('')"
        if needs_escaped_form(event.value, multiline=False):
            backslashes = not self.escaped_form[index]
            self.escaped_form[index] = True
            event.input.value = encode(event.value, multiline=False, backslashes=backslashes)

    # -- answering ---------------------------------------------------------------------------
    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_stage()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "stage":
            self.action_stage()
        else:
            self.action_cancel()

    def action_stage(self) -> None:
        values: list[tuple[str, Any]] = []
        first_error: int | None = None
        for index, field in enumerate(self.fields):
            state = self.states[index]
            if state is FieldState.DEFAULT and self.query_one(f"#field-{index}", Input).value:
                state = FieldState.TEXT  # typed, and its Changed not handled yet
            if field.refused:
                continue
            if state is FieldState.DEFAULT:
                if not field.default:  # NOT NULL without a default: the save would fail
                    self._error(index, f"{field.name} needs a value (NOT NULL, no default)")
                    first_error = index if first_error is None else first_error
                continue
            if state is FieldState.NULL:
                values.append((field.name, None))
                continue
            text = self.query_one(f"#field-{index}", Input).value
            untouched = text == self.initial[index] and self.storage[index] == field.storage
            if field.copied and untouched:
                values.append((field.name, field.value))  # as stored: class and bytes kept
                continue
            try:
                values.append((field.name, self._parse(index, self._typed(index, text))))
            except (BadEscapeError, ValueError) as exc:
                self._error(index, str(exc))
                first_error = index if first_error is None else first_error
        if first_error is not None:
            self.query_one(f"#field-{first_error}", Input).focus()
            return
        refused = self.check(tuple(values)) if self.check is not None else None
        label = self.query_one("#form-error", Label)
        label.update(escaped(refused or ""))
        label.set_class(refused is not None, "-shown")
        if refused is None:
            self.dismiss(tuple(values))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _parse(self, index: int, text: str) -> Any:
        field = self.fields[index]
        if field.classes and field.parse_as is not None:
            return field.parse_as(text, self.storage[index])
        return field.parse(text)

    def _typed(self, index: int, text: str) -> str:
        """The text a field stands for (its escaped form decoded, raw characters kept)."""
        escaped_form = self.escaped_form[index]
        if needs_escaped_form(text, multiline=False):  # pasted, its Changed not handled yet
            text, escaped_form = encode(text, multiline=False, backslashes=not escaped_form), True
        return decode(text) if escaped_form else text

    def _error(self, index: int, message: str) -> None:
        label = self.query_one(f"#error-{index}", Label)
        label.update(escaped(message))
        label.set_class(bool(message), "-shown")


__all__ = ["FieldState", "FormField", "RowFormScreen"]
