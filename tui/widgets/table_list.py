"""The table list: every relation with its kind, drift mark and row count, filterable.

Typing filters by fuzzy match, best first (:mod:`tui.text.fuzzy`): an exact name, then
prefixes. Down moves from the filter into the list, Up from its first entry back to the filter
(the list does not wrap round); Enter opens the highlighted entry. A name too long for the
sidebar ends in an ellipsis; the full name is the list's tooltip, and the highlighted entry is
posted (:class:`TableList.TableHighlighted`) for the status bar.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.visual import VisualType
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from tui.db.model import Drift, RowCount, TableInfo, TableKind, TableRef
from tui.text.escape import append_name, name_text
from tui.text.fuzzy import rank
from tui.widgets.theme_styles import resolved_style

_KIND_MARK = {TableKind.TABLE: "▦", TableKind.VIEW: "▤", TableKind.VIRTUAL: "◈"}
_DRIFT_MARK = {
    Drift.MISSING_TABLE: ("✗", "missing in the database"),
    Drift.NO_MODEL: ("?", "no ORM model"),
    Drift.COLUMNS_DIFFER: ("≠", "columns differ from the model"),
}


class OneLineOptions(OptionList):
    """An OptionList of one-line options, fast with thousands of them.

    OptionList measures the height of every option (formatting and wrapping its prompt)
    whenever options are added, and again for all of them after any one prompt is replaced:
    with 5,000 tables that is a second per row count arriving. The table list's prompts
    never wrap (``no_wrap``), so every option is one line, known without measuring, and a
    replaced prompt only needs its own cached render dropped. This leans on OptionList's
    internals (``_update_lines``, ``_replace_option_prompt``): Textual is pinned exactly.
    """

    # Textual wraps a prompt whatever the Rich Text says (a long name went onto a second,
    # never drawn, line): one line, cut with an ellipsis, is a rule of the widget.
    DEFAULT_CSS = """
    OneLineOptions { text-wrap: nowrap; text-overflow: ellipsis; }
    """

    class AboveFirst(Message):
        """Up on the first entry (the list above it, the filter, takes the focus)."""

    def action_cursor_up(self) -> None:
        # OptionList wraps round to the last entry; the filter is what is above the first.
        if self.highlighted is None or self.highlighted <= 0:
            self.post_message(self.AboveFirst())
        else:
            super().action_cursor_up()

    def action_cursor_down(self) -> None:
        # No wrapping round to the first entry either: the last one stays highlighted.
        if self.highlighted is None or self.highlighted < self.option_count - 1:
            super().action_cursor_down()

    def _update_lines(self) -> None:
        if not self.scrollable_content_region:
            return
        line_cache = self._line_cache
        lines = line_cache.lines
        next_index = lines[-1][0] + 1 if lines else 0
        options = self.options
        for index in range(next_index, len(options)):
            line_cache.index_to_line[index] = len(lines)
            height = 1 + options[index]._divider
            line_cache.heights[index] = height
            lines.extend((index, line_no) for line_no in range(height))
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        last_divider = bool(options) and options[-1]._divider
        virtual_size = Size(width, len(lines) - (1 if last_divider else 0))
        if virtual_size != self.virtual_size:
            self.virtual_size = virtual_size
            self._scroll_update(virtual_size)

    def _replace_option_prompt(self, index: int, prompt: VisualType) -> None:
        option = self.get_option_at_index(index)
        option._set_prompt(prompt)
        cache = self._option_render_cache
        cached = cache.keys()  # keyed by (option, style, padding)
        for key in [k for k in cached if k[0] is option]:
            cache.discard(key)
        self.refresh()


class TableList(Vertical):
    """Relations of the database; type to filter, Enter to open."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "table-list--missing",
        "table-list--drift",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear_filter", "Clear filter", show=False, id="tables.clear_filter"),
        Binding("down", "enter_list", "Into the list", show=False, id="tables.enter_list"),
    ]

    class TableChosen(Message):
        def __init__(self, table: TableInfo) -> None:
            self.table = table
            super().__init__()

    class Left(Message):
        """Esc with nothing to clear: the user is done with the list (the screen focuses the
        rows)."""

    class TableHighlighted(Message):
        """An entry was highlighted (the screen shows its whole name)."""

        def __init__(self, table: TableInfo) -> None:
            self.table = table
            super().__init__()

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, TableList.TableHighlighted)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tables: tuple[TableInfo, ...] = ()
        self.counts: dict[TableRef, RowCount] = {}
        self._shown: list[TableInfo] = []
        # Where each relation is, so that a count or a description arriving for one of
        # thousands of tables touches one line, not the whole list.
        self._shown_at: dict[TableRef, int] = {}
        self._table_at: dict[TableRef, int] = {}
        self.show_internal = True

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter tables…", id="table-filter")
        yield OneLineOptions(id="table-options")

    def set_tables(self, tables: tuple[TableInfo, ...]) -> None:
        """Show ``tables`` (read again, say, after another connection created or dropped
        some): the highlighted entry stays highlighted, and at the same height on screen,
        while it is listed; the counts of the tables still listed stay."""
        options = self.query_one(OptionList)
        index = options.highlighted
        kept = self._shown[index].ref if index is not None and index < len(self._shown) else None
        height = self._line_of(index or 0) - round(options.scroll_offset.y)
        self.tables = tables
        self._table_at = {t.ref: i for i, t in enumerate(tables)}
        self.counts = {ref: c for ref, c in self.counts.items() if ref in self._table_at}
        self._rebuild()
        now = self._shown_at.get(kept) if kept is not None else None
        if now is not None and now != index:
            y = max(0, self._line_of(now) - height)
            options.scroll_to(y=y, animate=False, immediate=True)
            options.highlighted = now

    def _line_of(self, index: int) -> int:
        """The line of entry ``index``: past the divider before the internal tables, one
        more (see :meth:`visible_refs`)."""
        divider = next((i for i, t in enumerate(self._shown) if t.internal), None)
        return index + int(divider is not None and index >= divider)

    def update_table(self, table: TableInfo) -> None:
        """Replace the entry of ``table`` (now described, say), keeping its place."""
        index = self._table_at.get(table.ref)
        if index is None:
            return
        self.tables = (*self.tables[:index], table, *self.tables[index + 1 :])
        shown = self._shown_at.get(table.ref)
        if shown is not None:
            self._shown[shown] = table
            self.query_one(OptionList).replace_option_prompt_at_index(shown, self._prompt(table))

    def set_count(self, ref: TableRef, count: RowCount) -> None:
        self.counts[ref] = count
        shown = self._shown_at.get(ref)
        if shown is not None:
            self.query_one(OptionList).replace_option_prompt_at_index(
                shown, self._prompt(self._shown[shown])
            )

    def visible_refs(self) -> tuple[TableRef, ...]:
        """The relations whose lines are on screen now (a line either side), top to bottom."""
        options = self.query_one(OptionList)
        top = round(options.scroll_offset.y)
        lines = range(max(0, top - 1), top + options.scrollable_content_region.height + 1)
        # One line an entry; the divider before the internal tables takes one line too.
        divider = next((i for i, t in enumerate(self._shown) if t.internal), None)
        refs: list[TableRef] = []
        for line in lines:
            index = line if divider is None or line < divider else line - 1
            if 0 <= index < len(self._shown) and (divider is None or line != divider):
                refs.append(self._shown[index].ref)
        return tuple(refs)

    def select(self, ref: TableRef) -> None:
        shown = self._shown_at.get(ref)
        if shown is not None:
            self.query_one(OptionList).highlighted = shown

    def _prompt(self, table: TableInfo) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        # Dim, not a muted colour: dim follows the line's own colour, the list's $text (which
        # stays readable dimmed, tui/widgets/faint_text.py) or the highlighted entry's.
        muted = Style(dim=True)
        text.append(_KIND_MARK.get(table.kind, "?") + " ", style=muted)
        append_name(text, table.name, "dim" if table.internal else "")
        if table.drift in _DRIFT_MARK:
            mark, _ = _DRIFT_MARK[table.drift]
            which = "missing" if table.drift is Drift.MISSING_TABLE else "drift"
            text.append(
                f" {mark}",
                style=resolved_style(self, f"table-list--{which}"),
            )
        count = self.counts.get(table.ref)
        if count is not None:
            text.append(f"  {count}", style=muted)
        return text

    def _rebuild(self) -> None:
        needle = self.query_one(Input).value.strip()
        shown = [self.tables[i] for i in rank(needle, [t.name for t in self.tables])]
        user = [t for t in shown if not t.internal]
        internal = [t for t in shown if t.internal] if self.show_internal else []
        self._shown = user + internal
        self._shown_at = {t.ref: i for i, t in enumerate(self._shown)}
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

    @on(OptionList.OptionHighlighted)
    def _option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._name_tip(event.option_index)
        if 0 <= event.option_index < len(self._shown):
            self.post_message(self.TableHighlighted(self._shown[event.option_index]))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        index = event.style.meta.get("option")
        if isinstance(index, int):
            self._name_tip(index)

    def _name_tip(self, index: int) -> None:
        """The full name (escaped) as the list's tooltip: long names end in "…" in the list."""
        if 0 <= index < len(self._shown):
            self.query_one(OptionList).tooltip = name_text(self._shown[index].name)

    @on(OneLineOptions.AboveFirst)
    def _above_first(self, event: OneLineOptions.AboveFirst) -> None:
        event.stop()
        self.query_one(Input).focus()

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
            self.notify(
                f"{hidden} internal table(s) hidden; press I (shift+i) to show them", markup=False
            )

    def action_enter_list(self) -> None:
        """Down in the filter: into the list, on the first (best) match."""
        options = self.query_one(OptionList)
        if self.query_one(Input).has_focus and self._shown:
            if options.highlighted is None:
                options.highlighted = 0
            options.focus()

    def action_clear_filter(self) -> None:
        """Esc: empty the filter and stay in it to type another name; with nothing to empty,
        leave the list (keys typed after one Esc never become the grid's commands)."""
        table_filter = self.query_one(Input)
        if table_filter.value:
            table_filter.value = ""
            table_filter.focus()
        else:
            self.post_message(self.Left())
