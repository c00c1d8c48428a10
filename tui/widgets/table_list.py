"""The table list: every relation with its kind, drift mark and row count, filterable."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from tui.db.model import Drift, RowCount, TableInfo, TableKind, TableRef
from tui.text.escape import append_name

_KIND_MARK = {TableKind.TABLE: "▦", TableKind.VIEW: "▤", TableKind.VIRTUAL: "◈"}
_DRIFT_MARK = {
    Drift.MISSING_TABLE: ("✗", "missing in the database"),
    Drift.NO_MODEL: ("?", "no ORM model"),
    Drift.COLUMNS_DIFFER: ("≠", "columns differ from the model"),
}


class TableList(Vertical):
    """Relations of the database; type to filter, Enter to open."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "table-list--missing",
        "table-list--drift",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    class TableChosen(Message):
        def __init__(self, table: TableInfo) -> None:
            self.table = table
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tables: tuple[TableInfo, ...] = ()
        self.counts: dict[TableRef, RowCount] = {}
        self._shown: list[TableInfo] = []
        self.show_internal = True

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter tables…", id="table-filter")
        yield OptionList(id="table-options")

    def set_tables(self, tables: tuple[TableInfo, ...]) -> None:
        self.tables = tables
        self._rebuild()

    def set_count(self, ref: TableRef, count: RowCount) -> None:
        self.counts[ref] = count
        options = self.query_one(OptionList)
        for index, table in enumerate(self._shown):
            if table.ref == ref:
                options.replace_option_prompt_at_index(index, self._prompt(table))
                break

    def select(self, ref: TableRef) -> None:
        for index, table in enumerate(self._shown):
            if table.ref == ref:
                self.query_one(OptionList).highlighted = index

    def _prompt(self, table: TableInfo) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        muted = Style(dim=True)
        text.append(_KIND_MARK.get(table.kind, "?") + " ", style=muted)
        append_name(text, table.name, "dim" if table.internal else "")
        if table.drift in _DRIFT_MARK:
            mark, _ = _DRIFT_MARK[table.drift]
            which = "missing" if table.drift is Drift.MISSING_TABLE else "drift"
            text.append(
                f" {mark}",
                style=self.get_component_rich_style(f"table-list--{which}", partial=True),
            )
        count = self.counts.get(table.ref)
        if count is not None:
            text.append(f"  {count}", style=muted)
        return text

    def _rebuild(self) -> None:
        needle = self.query_one(Input).value.casefold()
        shown = [t for t in self.tables if needle in t.name.casefold()]
        user = [t for t in shown if not t.internal]
        internal = [t for t in shown if t.internal] if self.show_internal else []
        self._shown = user + internal
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        items: list[Option | None] = [Option(self._prompt(t)) for t in user]
        if internal:
            items.append(None)
            items.extend(Option(self._prompt(t)) for t in internal)
        options.add_options(items)
        if highlighted is not None and self._shown:
            options.highlighted = min(highlighted, len(self._shown) - 1)

    @on(Input.Changed, "#table-filter")
    def _filter_changed(self) -> None:
        self._rebuild()
        if self._shown:
            self.query_one(OptionList).highlighted = 0

    @on(Input.Submitted, "#table-filter")
    def _filter_submitted(self) -> None:
        options = self.query_one(OptionList)
        if self._shown:
            index = options.highlighted or 0
            self.post_message(self.TableChosen(self._shown[index]))

    @on(OptionList.OptionSelected)
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self._shown):
            self.post_message(self.TableChosen(self._shown[event.option_index]))

    def toggle_internal(self) -> None:
        """Show or hide the engine's internal tables (grouped after a divider)."""
        self.show_internal = not self.show_internal
        self._rebuild()
        hidden = sum(1 for t in self.tables if t.internal)
        if hidden and not self.show_internal:
            self.notify(f"{hidden} internal table(s) hidden; press i to show them", markup=False)

    def action_clear_filter(self) -> None:
        self.query_one(Input).value = ""
        self.query_one(OptionList).focus()
