"""One value in full, a part at a time, with copy to the clipboard and save to a file.

The value is paged through a :class:`ValueView`: only a bounded window of it is turned into
lines, so a value of any size opens, pages and jumps to its end at once. A value the page
carried only a preview of (:class:`Preview`) is read from the database by its row's key, a
part at a time for reading and whole for copy and save. Every character is shown escaped
(see :mod:`tui.text.escape`): nothing stored reaches the terminal.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label

from tui.db.model import Preview, TableInfo
from tui.key_order import KeyOrder
from tui.screens.key_places import DeclaredKeyOrder
from tui.text.cells import human_size
from tui.text.detail import copy_text, python_type_label, value_body, value_bytes
from tui.text.escape import append_name, escaped_plain
from tui.text.literal import append_value
from tui.widgets.value_view import ValueView

if TYPE_CHECKING:
    from tui.db.source import DataSource
    from tui.db.values import RowKey


@dataclass(frozen=True)
class StoredValue:
    """Where a value lives: read it again, in parts or whole, by its row's key."""

    source: DataSource
    table: TableInfo
    key: RowKey
    column: str

    async def read(self, start: int, count: int) -> str | bytes | None:
        from tui.db.values import read_part

        source, dialect = self.source, self.source.strategy.name
        return await source.run(
            lambda conn: read_part(conn, dialect, self.table, self.key, self.column, start, count)
        )

    async def whole(self) -> Any:
        from tui.db.values import read_value

        return await self.source.run(
            lambda conn: read_value(conn, self.table, self.key, self.column)
        )


class CellDetailScreen(DeclaredKeyOrder, ModalScreen[str | None]):
    """The full value of the cell under the cursor; answers "edit" when e asks to edit it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss_screen", "Close", id="cell.close"),
        Binding("e,f2", "edit", "Edit value", id="cell.edit"),
        Binding("c", "copy", "Copy value", id="cell.copy"),
        Binding("s", "save", "Save to file", id="cell.save"),
    ]

    def __init__(
        self,
        column: str,
        declared_type: str,
        value: Any,
        stored: StoredValue | None = None,
        *,
        staged: bool = False,
        original: Any = None,
        editable: bool = True,
    ) -> None:
        """``staged``: ``value`` is a staged edit not saved yet; ``original`` is then what
        the database holds. Not ``editable`` (a past state): e is not offered."""
        super().__init__()
        self.editable = editable
        self.column = column
        self.declared_type = declared_type
        self.value = value
        self.stored = stored
        self.staged = staged
        self.original = original
        # A preview is read from the database as it is paged; anything else is in memory.
        self._remote = isinstance(value, Preview) and stored is not None
        shown = value.head if isinstance(value, Preview) else value
        self._body: str | bytes = "" if self._remote or value is None else value_body(shown)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            title = append_name(Text(), self.column)
            declared = f" declared {self.declared_type}" if self.declared_type else ""
            if self.staged:
                title.append(f":{declared} · staged {python_type_label(self.value)}")
                yield Label(title, classes="dialog-title")
                note = Text("staged, not saved (ctrl+s in the grid saves it); the database holds ")
                append_value(note, self.original, 60)
                yield Label(note, id="cell-staged", classes="dialog-note")
            else:
                stored = f"stored {python_type_label(self.value)}"
                title.append(f":{declared} · {stored}" if declared else f": {stored}")
                yield Label(title, classes="dialog-title")
            yield Label("", id="cell-window")
            if self.value is None:
                # Nothing to page through: said in words that no text can look like (the
                # empty text is the view's own ⟨empty⟩).
                yield Label(_null(), id="cell-nothing")
            yield ValueView(id="cell-text")
            yield Footer()

    def on_mount(self) -> None:
        view = self.query_one(ValueView)
        view.display = self.value is not None
        if self._remote and isinstance(self.value, Preview):
            view.set_value(self.value.size, binary=self.value.binary)
        else:
            view.set_value(len(self._body), binary=isinstance(self._body, bytes))
        view.focus()

    @on(ValueView.PartNeeded)
    def _part_needed(self, event: ValueView.PartNeeded) -> None:
        if self._remote:
            self._read_part(event.start, event.count, event.jump)
            return
        part = self._body[event.start : event.start + event.count]
        self.query_one(ValueView).part_arrived(event.start, part, event.jump)

    @work(group="part", exclusive=True, exit_on_error=False)
    async def _read_part(self, start: int, count: int, jump: str | None) -> None:
        assert self.stored is not None
        try:
            data = await self.stored.read(start, count)
        except Exception as exc:
            self._failed("Reading the value", exc)
            return
        if data is None:
            self.notify(
                "the row is gone: it was deleted or its key changed",
                title="Reading the value",
                severity="warning",
                markup=False,
            )
            return
        self.query_one(ValueView).part_arrived(start, data, jump)

    @on(ValueView.WindowMoved)
    def _window_moved(self) -> None:
        view = self.query_one(ValueView)
        label = self.query_one("#cell-window", Label)
        if view.start == 0 and view.end >= view.length:
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

    async def _whole(self) -> Any:
        if self._remote and self.stored is not None:
            return await self.stored.whole()
        return self.value

    def action_copy(self) -> None:
        self._copy()

    @work(group="copy", exclusive=True, exit_on_error=False)
    async def _copy(self) -> None:
        try:
            value = await self._whole()
        except Exception as exc:
            self._failed("Copy", exc)
            return
        from tui.screens.clipboard import copy_out

        await copy_out(self, copy_text(value), "value")

    def action_save(self) -> None:
        from tui.screens.prompt import PromptScreen

        binary = isinstance(self._body, bytes) or (
            isinstance(self.value, Preview) and self.value.binary
        )
        stem = re.sub(r"[^\w.-]+", "_", self.column).strip("._") or "value"
        default = Path.cwd() / f"{stem}.{'bin' if binary else 'txt'}"

        def chosen(answer: str | None) -> None:
            if answer:
                self._save(Path(answer).expanduser())

        self.app.push_screen(
            PromptScreen("Save the whole value to a file", "path", str(default)), chosen
        )

    @work(group="save", exclusive=True, exit_on_error=False)
    async def _save(self, path: Path) -> None:
        try:
            data = value_bytes(await self._whole())
            await asyncio.to_thread(_write_new, path, data)
        except FileExistsError:
            self.notify(
                f"{escaped_plain(str(path))} already exists: nothing was written",
                title="Save",
                severity="warning",
                markup=False,
            )
            return
        except Exception as exc:
            self._failed("Save", exc)
            return
        self.notify(
            f"saved {len(data):,} bytes ({human_size(len(data))}) to {escaped_plain(str(path))}",
            title="Save",
            markup=False,
        )

    def _failed(self, what: str, exc: Exception) -> None:
        source = self.stored.source if self.stored is not None else None
        message = source.explain(exc) if source is not None and hasattr(exc, "orig") else str(exc)
        self.notify(
            escaped_plain(message or type(exc).__name__, keep_newlines=True),
            title=f"{what} failed",
            severity="error",
            markup=False,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit" and not self.editable:
            return False  # a past state: nothing to edit, so not in the footer either
        return super().check_action(action, parameters)

    def action_dismiss_screen(self) -> None:
        self.dismiss(None)

    def action_edit(self) -> None:
        if isinstance(self.app, KeyOrder):
            # The keys typed after e belong to the editor (opened once the value is read).
            self.app.hold_keys()
        self.dismiss("edit")


def _null() -> Text:
    return Text.assemble(
        ("∅ NULL", "italic bold"),
        (": no value (not the text 'NULL', not the empty text)", "dim"),
    )


def _write_new(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file; an existing file is never overwritten."""
    with path.open("xb") as file:
        file.write(data)
