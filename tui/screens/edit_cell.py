"""The editor of one cell: a field that fits the column, an explicit NULL, parse errors shown.

The screen receives plain data (:class:`EditorSpec`: the full stored value, its editable
text, the editor kind the data layer chose, the choices) and a ``parse`` function for the
column; it answers an :class:`EditedValue` or None (cancelled). Nothing is staged here: the
caller stages what comes back. Text that would act on the terminal is edited in escaped form
(see :mod:`tui.text.edit_text`), and typed or pasted control characters switch to it.

Where the column does not fix a value's storage class (SQLite, see
:mod:`tui.db.storage_class`), the editor names the class it stores in and starts in the
current value's: the text ``'1'`` edited to 2 stays text, the integer 1 stays an integer.
ctrl+t chooses another (auto: by the column's type, integer, real, text, blob typed as hex),
and a line under the field shows what will be stored, written as :mod:`tui.text.literal`
writes values (text quoted, numbers bare), with its class named.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Select, Static, TextArea

from tui.screens.key_places import DeclaredKeyOrder
from tui.text.edit_text import BadEscapeError, decode, encode, needs_escaped_form
from tui.text.editor_lines import classes_line, current_line, stores_line
from tui.text.escape import append_name, escaped

log = logging.getLogger("dbbrowse")

#: Editor kinds (the data layer's ``EditorKind`` member names) always edited in a text area.
MULTILINE_KINDS = frozenset({"JSON"})
#: Kinds of text: a line for a short value, a text area for a long or multi-line one (and
#: on ctrl+o).
TEXT_KINDS = frozenset({"TEXT", "LONG_TEXT"})
#: Text longer than this is edited in a text area.
LONG_TEXT = 120
#: The field of each explicit storage class (``auto`` is the column's own editor kind).
CLASS_KINDS = {"integer": "INTEGER", "real": "REAL", "text": "TEXT", "blob": "BLOB_HEX"}


@dataclass(frozen=True)
class EditorSpec:
    """What the editor shows: plain data, no database objects."""

    table: str
    column: str
    declared_type: str
    kind: str  # an EditorKind member name: INTEGER, TEXT, LONG_TEXT, JSON, BOOLEAN, BLOB, ...
    value: Any  # the full stored value (None: NULL)
    text: str  # the value as editable text ("" for NULL)
    choices: tuple[str, ...] = ()
    nullable: bool = True
    note: str = ""  # e.g. "rows are named by rowid; VACUUM may renumber them"
    #: The storage classes to choose from ("auto", "integer", "real", "text", "blob"); ()
    #: where the column's type alone decides. ``storage``: the one the editor starts in.
    classes: tuple[str, ...] = ()
    storage: str = "auto"
    #: ``value`` is a staged (unsaved) value; ``stored`` is then what the database holds.
    staged: bool = False
    stored: Any = None


@dataclass(frozen=True)
class EditedValue:
    """The value to stage (None: SQL NULL)."""

    value: Any


class CellEditorScreen(DeclaredKeyOrder, ModalScreen[EditedValue | None]):
    """Edit one cell; Enter (or ctrl+s in a multi-line field) stages, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="edit_cell.cancel"),
        Binding("ctrl+s", "stage", "Stage the edit", priority=True, id="edit_cell.stage"),
        Binding("ctrl+n", "set_null", "Set NULL", priority=True, id="edit_cell.set_null"),
        Binding("ctrl+o", "multiline", "Multi-line", priority=True, id="edit_cell.multiline"),
        Binding("ctrl+e", "set_empty", "Empty text", priority=True, id="edit_cell.set_empty"),
        Binding("ctrl+t", "next_class", "Storage class", priority=True, id="edit_cell.next_class"),
    ]

    def __init__(
        self,
        spec: EditorSpec,
        parse: Callable[[str], Any],
        parse_as: Callable[[str, str], Any] | None = None,
    ) -> None:
        """``parse`` turns the typed text into the value; where ``spec.classes`` offers
        storage classes, ``parse_as(text, storage_class)`` does."""
        super().__init__()
        self.spec = spec
        self.parse = parse
        self.parse_as = parse_as
        self.storage = spec.storage if spec.classes and parse_as is not None else "auto"
        self.text = spec.text  # what the field starts with (the stored text, not escaped)
        self.multiline = self._wants_lines(self.text)
        self.escaped_form = needs_escaped_form(spec.text, multiline=self.multiline)
        # The class and the field's text before any typing (on_mount).
        self._untouched: tuple[str, str | None] | None = None
        # The bytes a field filled by ctrl+t stands for while it holds what it was filled
        # with (a BLOB passed through an empty number field on its way to text stays those
        # bytes).
        self._carried: bytes | None = None
        self._filled: str | None = None

    @property
    def kind(self) -> str:
        """The field's kind: the column's editor kind, or the chosen storage class's."""
        if self.storage == "auto":
            return self.spec.kind
        if self.storage == "text" and self.spec.kind == "LONG_TEXT":
            return "LONG_TEXT"
        return CLASS_KINDS[self.storage]

    def _wants_lines(self, text: str) -> bool:
        kind = self.kind
        return kind in MULTILINE_KINDS or (
            kind in TEXT_KINDS and ("\n" in text or len(text) > LONG_TEXT)
        )

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        spec = self.spec
        wide = "dialog wide" if self.multiline else "dialog editor"
        with Vertical(classes=wide):
            title = Text("Edit ")
            append_name(title, spec.table).append(".")
            append_name(title, spec.column)
            declared = spec.declared_type or "no declared type"
            title.append(f"  ({declared}, {spec.kind.lower().replace('_', ' ')})", style="dim")
            yield Label(title, classes="dialog-title")
            yield Static(
                current_line(spec.value, spec.text, staged=spec.staged, stored=spec.stored),
                id="editor-current",
            )
            if spec.note:
                yield Static(escaped(spec.note), id="editor-note", classes="dialog-note")
            yield from self._field()
            if self.spec.classes and self.parse_as is not None:
                yield Static(classes_line(spec.classes, self.storage), id="editor-class")
                yield Static("", id="editor-preview")
            yield Static(self._form_hint(), id="editor-hint")
            yield Label("", id="editor-warning", classes="dialog-note")
            yield Label("", id="editor-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Stage", variant="primary", id="stage")
                yield Button("Set NULL (ctrl+n)", id="null", disabled=not spec.nullable)
                yield Button("Cancel (Esc)", id="cancel")
            yield Footer()

    def _field(self) -> ComposeResult:
        spec = self.spec
        if self.kind == "BLOB":
            yield Input(placeholder="path of a file whose bytes replace the value", id="editor")
        elif self.kind in ("BOOLEAN", "CHOICE"):
            options = ("true", "false") if spec.kind == "BOOLEAN" else spec.choices
            current = _choice_of(spec, options)
            yield Select(
                [(escaped(o), o) for o in options],
                value=current if current is not None else Select.NULL,
                allow_blank=current is None,
                prompt="choose a value",
                id="editor",
            )
        elif self.multiline:
            text = encode(self.text, multiline=True) if self.escaped_form else self.text
            # Tab moves on, so Esc always cancels (in "indent" mode the area keeps Esc).
            yield TextArea(
                text, soft_wrap=True, tab_behavior="focus", id="editor", placeholder=self._null
            )
        else:
            text = encode(self.text, multiline=False) if self.escaped_form else self.text
            yield Input(value=text, id="editor", select_on_focus=False, placeholder=self._null)

    @property
    def _null(self) -> str:
        """The placeholder of a NULL value's empty field: left empty, it stays NULL."""
        if self.spec.value is not None:
            return ""
        if self.kind in TEXT_KINDS:  # ctrl+e works only where the empty text is a value
            return "∅ NULL: type a value (left empty it stays NULL; ctrl+e: the empty text)"
        return "∅ NULL: type a value (left empty it stays NULL)"

    def on_mount(self) -> None:
        self.query_one("#editor").focus()
        # What the field showed before the user typed: staged as it is, it is no edit at all
        # (a JSON document shown pretty, or 'yes' shown as the choice true, would otherwise be
        # rewritten in the database's own spelling by merely opening and closing the editor).
        self._untouched = (self.storage, self._typed())
        self._show_preview()
        self._warn_repeated_keys()

    def _show_preview(self) -> None:
        """What staging the field as it is would store (nothing shown while it is no value)."""
        previews = self.query("#editor-preview")
        if not previews:
            return
        text = Text()
        typed = self._typed()
        if self.spec.value is None and typed == "":
            text = Text("stores: ∅ NULL (left empty, NULL stays NULL)", style="dim")
        elif self.spec.value is not None and (self.storage, typed) == self._untouched:
            what = "the staged value as it is" if self.spec.staged else "the value as it is"
            text = Text(f"stores: {what} (nothing changed)", style="dim")
        elif self.kind != "BLOB" and typed is not None:
            # Not a value yet: nothing shown (staging says why).
            with suppress(BadEscapeError, ValueError):
                text = stores_line(self._parse(decode(typed) if self.escaped_form else typed))
        previews.first(Static).update(text)

    def _parse(self, text: str) -> Any:
        if self.spec.classes and self.parse_as is not None:
            return self.parse_as(text, self.storage)
        return self.parse(text)

    def _form_hint(self) -> Text:
        if self.kind == "BLOB":
            return Text("a BLOB is replaced from a file or set to NULL", style="dim")
        if self.escaped_form:
            return Text(
                "control or invisible characters are shown as escapes (\\x1b, \\u202e; "
                "\\t a tab, \\n a line break); type \\\\ for a backslash",
                style="dim",
            )
        if self.multiline or self.kind in ("BOOLEAN", "CHOICE"):
            return Text("ctrl+s stages the edit · ctrl+n sets NULL · Esc cancels", style="dim")
        more = " · ctrl+o more lines" if self.kind in TEXT_KINDS else ""
        return Text(f"Enter stages the edit · ctrl+n sets NULL{more} · Esc cancels", style="dim")

    # -- keeping the field drawable ----------------------------------------------------------
    @on(Input.Changed, "#editor")
    def _input_changed(self, event: Input.Changed) -> None:
        self._clear_error()
        if self.kind != "BLOB" and needs_escaped_form(event.value, multiline=False):
            # Pasted control characters: shown as escapes from now on (backslashes typed
            # before are doubled once, so the text still means what it did).
            event.input.value = encode(
                event.value, multiline=False, backslashes=not self.escaped_form
            )
            event.input.cursor_position = len(event.input.value)
            self._escaped_from_now()
        self._show_preview()

    @on(TextArea.Changed, "#editor")
    def _area_changed(self, event: TextArea.Changed) -> None:
        self._clear_error()
        area = event.text_area
        if needs_escaped_form(area.text, multiline=True):
            area.load_text(encode(area.text, multiline=True, backslashes=not self.escaped_form))
            self._escaped_from_now()
        self._show_preview()
        self._warn_repeated_keys()

    def _warn_repeated_keys(self) -> None:
        """JSON is stored exactly as typed, a key written twice included: say so, since most
        readers keep only its last value."""
        from tui.db.edit_values import json_repeated_keys

        typed = self._typed() if self.kind == "JSON" else None
        repeated = json_repeated_keys(typed) if typed else []
        warning = Text()
        if repeated:
            warning.append("a key written twice in one object (kept as typed; most readers ")
            warning.append("keep only its last value): ")
            for index, key in enumerate(repeated):
                warning.append(", " if index else "")
                warning.append_text(escaped(json.dumps(key, ensure_ascii=False)))
        label = self.query_one("#editor-warning", Label)
        label.update(warning)
        label.set_class(bool(repeated), "-shown")

    def _escaped_from_now(self) -> None:
        self.escaped_form = True
        self.query_one("#editor-hint", Static).update(self._form_hint())

    @on(Select.Changed, "#editor")
    def _select_changed(self) -> None:
        self._clear_error()
        self._show_preview()

    # -- answering -------------------------------------------------------------------------
    @on(Input.Submitted, "#editor")
    def _submitted(self) -> None:
        self.action_stage()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "stage":
            self.action_stage()
        elif event.button.id == "null":
            self.action_set_null()
        else:
            self.action_cancel()

    def action_stage(self) -> None:
        if self.kind == "BLOB":
            self._stage_file()
            return
        text = self._typed()
        if text is None:
            self._show_error("choose a value (or ctrl+n for NULL)")
            return
        if self.spec.value is None and text == "":
            # Left empty, a NULL stays NULL (ctrl+e asks for the empty text explicitly).
            self.dismiss(EditedValue(None))
            return
        if self.spec.value is not None and (self.storage, text) == self._untouched:
            self.dismiss(None)  # nothing typed, no other class: nothing to stage
            return
        try:
            escaped_form = self.escaped_form
            if needs_escaped_form(text, multiline=self.multiline):
                # Typed or pasted just now (its Changed is not handled yet): take it as is.
                text = encode(text, multiline=self.multiline, backslashes=not escaped_form)
                escaped_form = True
            value = self._parse(decode(text) if escaped_form else text)
        except (BadEscapeError, ValueError) as exc:
            self._show_error(str(exc))
            return
        self.dismiss(EditedValue(value))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "multiline":  # only a one-line text field can grow
            return self.kind in TEXT_KINDS and not self.multiline
        if action == "set_empty":
            return self.kind in TEXT_KINDS
        if action == "next_class":
            return bool(self.spec.classes) and self.parse_as is not None
        return True

    def action_set_empty(self) -> None:
        """The empty text '' (not NULL), whatever the field holds."""
        try:
            value = self._parse("")
        except ValueError as exc:
            self._show_error(str(exc))
            return
        self.dismiss(EditedValue(value))

    async def action_multiline(self) -> None:
        """A short text field becomes a text area (to type line breaks), keeping its text."""
        typed = self._typed()
        if self.multiline or self.kind not in TEXT_KINDS or typed is None:
            return
        try:
            self.text = decode(typed) if self.escaped_form else typed
        except BadEscapeError as exc:
            self._show_error(str(exc))
            return
        untouched = (self.storage, typed) == self._untouched
        self.multiline = True
        self.escaped_form = needs_escaped_form(self.text, multiline=True)
        await self.recompose()
        self.query_one("#editor").focus()
        if untouched:
            self._untouched = (self.storage, self._typed())
        self._show_preview()

    async def action_next_class(self) -> None:
        """Store the value in the next storage class (the field keeps what was typed; bytes
        carried into a text field are their text, into a number field nothing)."""
        classes = self.spec.classes
        if not classes or self.parse_as is None:
            return
        field = self.query_one("#editor")
        typed = self._typed()
        blob: bytes | None = None
        if isinstance(field, Select) or self.kind == "BLOB" or typed is None:
            self.text = self.spec.text  # a choice or a file path: start from the value
            if isinstance(self.spec.value, bytes | bytearray | memoryview):
                blob = bytes(self.spec.value)
        elif self._carried is not None and typed == self._filled:
            blob = self._carried  # untouched since the last ctrl+t: still those bytes
        else:
            try:
                self.text = decode(typed) if self.escaped_form else typed
            except BadEscapeError as exc:
                self._show_error(str(exc))
                return
            if self.kind == "BLOB_HEX":
                blob = _hex_bytes(self.text)
        was_text = self.kind in TEXT_KINDS
        at = classes.index(self.storage) if self.storage in classes else -1
        self.storage = classes[(at + 1) % len(classes)]
        if blob is not None and self.storage == "blob":
            self.text = f"x'{blob.hex()}'"
        elif blob is not None:
            # Never the hex spelling as a text or a number: the bytes as text, as CAST reads
            # them (a number field only when that text is plain).
            self.text = blob.decode("utf-8", "surrogateescape")
            if self.kind not in TEXT_KINDS and not self.text.isprintable():
                self.text = ""
        elif self.storage == "blob" and was_text and self.text:
            self.text = f"x'{self.text.encode('utf-8', 'surrogateescape').hex()}'"
        self.multiline = self._wants_lines(self.text) or (
            self.multiline and self.kind in TEXT_KINDS
        )
        self.escaped_form = needs_escaped_form(self.text, multiline=self.multiline)
        await self.recompose()
        self.query_one("#editor").focus()
        self._carried, self._filled = blob, self._typed()
        self._show_preview()

    def action_set_null(self) -> None:
        if not self.spec.nullable:
            self._show_error(f"{self.spec.column} is NOT NULL: it cannot be set to NULL")
            return
        self.dismiss(EditedValue(None))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _typed(self) -> str | None:
        field = self.query_one("#editor")
        if isinstance(field, Select):
            return None if field.is_blank() else str(field.value)
        if isinstance(field, TextArea):
            return field.text
        assert isinstance(field, Input)
        return field.value

    def _stage_file(self) -> None:
        path_text = self.query_one("#editor", Input).value.strip()
        if not path_text:
            self._show_error(
                "type the path of a file to replace the BLOB with "
                "(other BLOB edits are not possible in a text field)"
            )
            return
        self.run_worker(self._read_file(Path(path_text).expanduser()), exit_on_error=False)

    async def _read_file(self, path: Path) -> None:
        from tui.db.blob_files import BlobFileError, read_blob_file

        try:
            data = await asyncio.to_thread(read_blob_file, path)
        except BlobFileError as exc:
            self._show_error(str(exc))
            return
        except Exception as exc:  # shown, never lost in a worker nobody watches
            log.error("reading %s failed", path, exc_info=exc)
            self._show_error(f"cannot read {path}: {type(exc).__name__}: {exc}")
            return
        self.dismiss(EditedValue(data))

    def _show_error(self, message: str) -> None:
        label = self.query_one("#editor-error", Label)
        label.update(escaped(message, keep_newlines=True))
        label.add_class("-shown")

    def _clear_error(self) -> None:
        self.query_one("#editor-error", Label).remove_class("-shown")


def _hex_bytes(text: str) -> bytes | None:
    """The bytes of hex typed as ``x'00ff'`` or ``00 ff``; None when it is not hex."""
    found = re.fullmatch(r"\s*(?:[xX]'([0-9a-fA-F\s]*)'|([0-9a-fA-F\s]*))\s*", text)
    if found is None:
        return None
    digits = re.sub(r"\s", "", found.group(1) or found.group(2) or "")
    return bytes.fromhex(digits) if len(digits) % 2 == 0 else None


def _choice_of(spec: EditorSpec, options: tuple[str, ...]) -> str | None:
    """The option showing the stored value (None: no option does)."""
    if spec.value is None:
        return None
    if spec.text in options:
        return spec.text
    if spec.kind == "BOOLEAN":
        truth = spec.text.strip().lower()
        if truth in ("1", "t", "true", "yes", "y", "on"):
            return "true"
        if truth in ("0", "f", "false", "no", "n", "off"):
            return "false"
    return None


__all__ = ["CellEditorScreen", "EditedValue", "EditorSpec"]
