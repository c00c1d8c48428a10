"""A virtual row grid: draws only the visible lines of a relation of any size.

The grid knows the number of rows (``virtual_size``), the columns, and a :class:`RowSource`
it reads synchronously when drawing. A row that is not loaded yet draws as a placeholder
and the grid posts :class:`RowGrid.RowsNeeded`; the screen fetches pages in a worker and
calls :meth:`RowGrid.rows_arrived`. The grid never sees SQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Protocol, runtime_checkable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.text.cells import ELLIPSIS, Part, cell_pieces, is_numeric, natural_width
from tui.text.highlight import Patterns, mark_matches
from tui.widgets.theme_styles import resolved_style

MIN_WIDTH = 4
MAX_WIDTH = 40
SEPARATOR = " │ "
STALE_LABEL = "…"
HEADER_LINES = 2  # column names, then declared types
#: Before the type of a generated (computed) column in the header: readable, never written.
GENERATED_MARK = "ƒ"
#: After the name of the column the rows are sorted by (a click on the name sorts).
SORT_MARKS = {False: "▲", True: "▼"}


class RowSource(Protocol):
    """What the grid reads: rows by position, ``None`` while not loaded."""

    def row_at(self, position: int) -> tuple[Any, ...] | None: ...

    def is_fresh(self, position: int) -> bool:
        """Whether the row at ``position`` is loaded and up to date."""
        ...


@runtime_checkable
class LabelledRows(Protocol):
    """A source that numbers some rows itself (e.g. from the end, before they are counted)."""

    def label(self, position: int) -> str | None:
        """The gutter label of ``position``, or None for its row number."""
        ...


@dataclass(frozen=True)
class RowMark:
    """How a row is drawn besides its values: staged edits, a staged deletion, a selection."""

    #: Column index -> the staged value, drawn (highlighted) instead of the stored one.
    changed: Mapping[int, Any] = field(default_factory=dict)
    deleted: bool = False  # drawn struck through
    new: bool = False  # a staged insert
    selected: bool = False  # marked for a bulk action (space)

    @property
    def gutter(self) -> str:
        """One character after the row number: what is staged for the row."""
        if self.deleted:
            return "-"
        if self.new:
            return "+"
        if self.selected:
            return "•"
        return "*" if self.changed else " "


class RowMarks(Protocol):
    """What the grid asks about each drawn row (the screen answers from staged changes)."""

    def mark(self, position: int, row: tuple[Any, ...]) -> RowMark | None: ...


@dataclass(frozen=True)
class GridColumn:
    name: str
    type_name: str = ""
    width: int = MIN_WIDTH
    numeric: bool = False
    frozen: bool = False
    generated: bool = False  # a generated (computed) column: the header says so
    #: The column may hold numbers and text alike: text that reads as a number is quoted.
    quote_numbers: bool = False
    #: Sorted by this column: False ascending, True descending, None not sorted by it.
    sort: bool | None = None

    @property
    def name_label(self) -> str:
        """The header's first line: the name, and the arrow of a column sorted by."""
        return self.name if self.sort is None else f"{self.name} {SORT_MARKS[self.sort]}"

    @property
    def type_label(self) -> str:
        """The header's second line: the declared type, ``ƒ`` first for a generated column."""
        type_name = self.type_name.lower()
        return f"{GENERATED_MARK} {type_name}".rstrip() if self.generated else type_name


class NoRows:
    """A source with no rows (an empty grid)."""

    def row_at(self, position: int) -> tuple[Any, ...] | None:
        return None

    def is_fresh(self, position: int) -> bool:
        return False


def fit_columns(
    names: list[str],
    type_names: list[str],
    sample: list[tuple[Any, ...]],
    frozen: int = 0,
    generated: Sequence[bool] = (),
    quote_numbers: Sequence[bool] = (),
    sort: Mapping[str, bool] | None = None,
) -> list[GridColumn]:
    """Columns sized to their header and a sample of rows, capped at ``MAX_WIDTH``.

    ``generated`` flags the generated (computed) columns, ``quote_numbers`` the columns that
    may hold numbers and text alike, by position; ``sort`` maps the names of the columns
    sorted by to whether descending (their header shows an arrow).
    """
    columns = []
    sort = sort or {}
    for index, (name, type_name) in enumerate(zip(names, type_names, strict=True)):
        is_generated = index < len(generated) and generated[index]
        quoted = index < len(quote_numbers) and quote_numbers[index]
        plain = GridColumn(name, type_name, generated=is_generated, sort=sort.get(name))
        header = max(cell_len(plain.name_label), cell_len(plain.type_label))
        values = [row[index] for row in sample if index < len(row)]
        data = max((natural_width(v, MAX_WIDTH, quote_numbers=quoted) for v in values), default=0)
        numeric = bool(values) and all(v is None or is_numeric(v) for v in values)
        numeric = numeric and any(v is not None for v in values)
        width = max(MIN_WIDTH, min(MAX_WIDTH, max(header, data)))
        columns.append(
            replace(
                plain, width=width, numeric=numeric, frozen=index < frozen, quote_numbers=quoted
            )
        )
    return columns


class RowGrid(ScrollView, can_focus=True):
    """A scrollable, virtual grid of rows with a fixed header and frozen key columns."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False, id="grid.up"),
        Binding("down", "cursor(1)", "Down", show=False, id="grid.down"),
        Binding("left", "column(-1)", "Left", show=False, id="grid.left"),
        Binding("right", "column(1)", "Right", show=False, id="grid.right"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="grid.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="grid.page_down"),
        Binding("home", "first", "First row", show=False, id="grid.first"),
        Binding("end", "last", "Last row", show=False, id="grid.last"),
        Binding("enter", "select_cell", "Cell detail", id="grid.cell_detail"),
    ]

    HELP = """
    ## How values are shown

    Every value is shown as stored, never interpreted:

    | shown | means |
    | --- | --- |
    | `∅ NULL` (dim) | NULL, no value |
    | `NULL` | the text 'NULL' |
    | `⟨empty⟩` (dim) | the empty text '' (also an empty name) |
    | `·` `··` (dim) | text of only spaces, one `·` per space (also a blank name) |
    | `⏎` `⇥` `␍` | a newline, tab or carriage return inside the text |
    | `\\x1b` `\\u202e` (highlighted) | a control or invisible character (ESC, bidi, zero-width) |
    | `\\xff` (highlighted) | a byte that is not valid UTF-8 |
    | `<blob 1.2 KB> 89 50…` | a BLOB: its size and first bytes |
    | `'1'` (dim quotes) | text that reads as a number, in a column that may hold both |
    | `…` | cut to fit: Enter shows the whole value |
    | `ƒ integer` (header) | a generated (computed) column: read, never written |

    Numbers are exact: integers of any size, floats as `-0.0`, `NaN`, `inf`.

    ## Editing

    Edits are staged in memory and written only by `ctrl+s`, in one short transaction that
    touches each row only if it still holds what you saw (otherwise: a conflict, your choice).

    The keys are in the help screen's Editing section.

    In the grid: `*` and a highlighted cell = changed, `+` = new row, `-` and struck
    through = deleted, `•` = selected. New rows are listed under the grid: Tab goes there,
    where `e` (or Enter) changes one, `D` copies it and `d` drops it.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "row-grid--header",
        "row-grid--header-type",
        "row-grid--gutter",
        "row-grid--null",
        "row-grid--marker",
        "row-grid--number",
        "row-grid--blob",
        "row-grid--escape",
        "row-grid--ellipsis",
        "row-grid--missing",
        "row-grid--stale",
        "row-grid--cursor-row",
        "row-grid--cursor",
        "row-grid--changed",
        "row-grid--deleted",
        "row-grid--new",
        "row-grid--selected",
        "row-grid--match",
    }

    DEFAULT_CSS = """
    RowGrid { height: 1fr; }
    """

    cursor_row: reactive[int] = reactive(0, always_update=True)
    """Position (0-based) of the row under the cursor."""
    cursor_column: reactive[int] = reactive(0)
    """Index of the column under the cursor."""

    class RowsNeeded(Message):
        """Rows ``first``..``last`` are on screen (or about to be) but not loaded."""

        def __init__(self, first: int, last: int) -> None:
            self.first = first
            self.last = last
            super().__init__()

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, RowGrid.RowsNeeded)

    class CursorMoved(Message):
        def __init__(self, position: int, column: int) -> None:
            self.position = position
            self.column = column
            super().__init__()

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, RowGrid.CursorMoved)

    class HeaderClicked(Message):
        """A column's name in the header was clicked (the screen sorts by it)."""

        def __init__(self, grid: RowGrid, index: int, column: GridColumn) -> None:
            self.grid = grid
            self.index = index
            self.column = column
            super().__init__()

        @property
        def control(self) -> RowGrid:
            return self.grid

    class EndRequested(Message):
        """End was pressed while the number of rows is not known: the screen reads the end."""

    class CellSelected(Message):
        def __init__(self, grid: RowGrid, position: int, column: GridColumn, value: Any) -> None:
            self.grid = grid
            self.position = position
            self.column = column
            self.value = value
            super().__init__()

        @property
        def control(self) -> RowGrid:
            return self.grid

    def __init__(
        self, *, name: str | None = None, id: str | None = None, header: bool = True
    ) -> None:
        super().__init__(name=name, id=id)
        #: Lines of column header above the rows (none for a strip under another grid).
        self.header_lines = HEADER_LINES if header else 0
        self.source: RowSource = NoRows()
        #: Staged changes and selection to draw (None: nothing staged).
        self.marks: RowMarks | None = None
        self.columns: list[GridColumn] = []
        self.total = 0
        #: Whether ``total`` is the exact number of rows (else End asks the screen).
        self.total_exact = True
        self._parts: dict[str, Style] = {}  # component styles resolved for the theme
        #: Column name -> patterns of the view's text filters, whose matches are highlighted.
        self.highlights: Patterns = {}
        self._offsets: list[int] = []  # x of each scrollable column within the scroll area
        self._fixed_width = 0

    # -- feeding the grid ------------------------------------------------------------------
    def show(
        self,
        source: RowSource,
        columns: list[GridColumn],
        total: int,
        *,
        column: int | None = None,
    ) -> None:
        """Show a new relation (or a new query of it), cursor at the top.

        ``column``: the cursor's column (another table's column index means nothing here);
        None keeps it (a new sort or filter of the same table).
        """
        self.source = source
        self.columns = columns
        self.total = max(total, 0)
        self._layout_columns()
        self.jump_to(x=0, y=0)
        wanted = self.cursor_column if column is None else column
        self.cursor_column = min(max(wanted, 0), max(len(columns) - 1, 0))
        self.cursor_row = 0
        self.refresh()
        self._request_visible()

    def set_total(self, total: int) -> None:
        """The number of rows changed (a better count, or the data changed)."""
        self.total = max(total, 0)
        self._layout_columns()
        if self.cursor_row >= self.total:
            self.cursor_row = max(self.total - 1, 0)
        self.refresh()
        self._request_visible()

    def widen(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Let columns grow (never shrink, up to the cap) to fit newly loaded rows."""
        grown = False
        for index, column in enumerate(self.columns):
            quoted = column.quote_numbers
            want = max(
                (natural_width(r[index], MAX_WIDTH, quote_numbers=quoted) for r in rows), default=0
            )
            if want > column.width:
                self.columns[index] = replace(column, width=min(want, MAX_WIDTH))
                grown = True
        if grown:
            self._layout_columns()

    def rows_arrived(self) -> None:
        self.refresh()
        self._request_visible()

    def current_value(self) -> Any:
        row = self.source.row_at(self.cursor_row)
        if row is None or not self.columns:
            return None
        return row[self.cursor_column]

    def current_row(self) -> tuple[Any, ...] | None:
        """The stored values of the row under the cursor (None while not loaded)."""
        return self.source.row_at(self.cursor_row) if self.columns else None

    # -- geometry --------------------------------------------------------------------------
    @property
    def gutter_width(self) -> int:
        return len(f"{max(self.total, 1):,}") + 1

    def _layout_columns(self) -> None:
        sep = len(SEPARATOR)
        fixed = self.gutter_width + 1
        for column in self.columns:
            if column.frozen:
                fixed += column.width + sep
        self._fixed_width = fixed
        offsets, x = [], 0
        for column in self.columns:
            if column.frozen:
                offsets.append(-1)
            else:
                offsets.append(x)
                x += column.width + sep
        self._offsets = offsets
        self.virtual_size = Size(fixed + x, self.total + self.header_lines)

    @property
    def body_height(self) -> int:
        return max(self.scrollable_content_region.height - self.header_lines, 1)

    @property
    def first_visible(self) -> int:
        return round(self.scroll_offset.y)

    def _request_visible(self) -> None:
        if self.total == 0:
            return
        first = self.first_visible
        last = min(first + self.body_height, self.total - 1)
        if not all(self.source.is_fresh(p) for p in (first, last, (first + last) // 2)):
            self.post_message(self.RowsNeeded(first, last))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._request_visible()

    def on_resize(self, event: events.Resize) -> None:
        self._request_visible()

    # -- drawing ---------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        self._parts.clear()  # a new theme (or stylesheet): resolve the colours again
        super().notify_style_update()

    def part_style(self, name: str) -> Style:
        """A component class's own style, its colours resolved for the theme (see
        :mod:`tui.widgets.theme_styles`)."""
        style = self._parts.get(name)
        if style is None:
            style = self._parts[name] = resolved_style(self, name)
        return style

    def _style(self, part: Part) -> Style:
        name = {
            Part.NULL: "row-grid--null",
            Part.NUMBER: "row-grid--number",
            Part.BLOB: "row-grid--blob",
            Part.ESCAPE: "row-grid--escape",
            Part.ELLIPSIS: "row-grid--ellipsis",
            Part.MISSING: "row-grid--missing",
            Part.MARKER: "row-grid--marker",
        }.get(part)
        return self.part_style(name) if name else Style()

    def _cell(self, value: Any, column: GridColumn, base: Style) -> list[Segment]:
        pieces = cell_pieces(value, column.width, quote_numbers=column.quote_numbers)
        used = sum(len(t) if t.isascii() else _cells(t) for t, _ in pieces)
        pad = Segment(" " * (column.width - used), base)
        patterns = self.highlights.get(column.name)
        if patterns:
            hit = self.part_style("row-grid--match")
            segments = [
                Segment(
                    text, base + self._style(part) + hit if matched else base + self._style(part)
                )
                for text, part, matched in mark_matches(pieces, patterns)
            ]
        else:
            segments = [Segment(text, base + self._style(part)) for text, part in pieces]
        right = column.numeric or (value is None and False)
        return [pad, *segments] if right and is_numeric(value) else [*segments, pad]

    def _header_cell(
        self, text: str, column: GridColumn, style: Style, *, name: bool
    ) -> list[Segment]:
        if not name and column.generated:
            # The mark is drawn as a marker, so a declared type named "ƒ" stays told apart.
            mark = GENERATED_MARK + (" " if column.type_name else "")
            rest = cell_pieces(column.type_name.lower(), column.width - len(mark), markers=False)
            pieces = [(mark, Part.MARKER), *rest]
        elif name and column.sort is not None:
            # The arrow always shows: the name is cut first.
            arrow = " " + SORT_MARKS[column.sort]
            pieces = [*cell_pieces(text, column.width - len(arrow)), (arrow, Part.MARKER)]
        else:
            pieces = cell_pieces(text, column.width, markers=name)
        used = sum(_cells(t) for t, _ in pieces)
        segments = [Segment(t, style + self._style(part)) for t, part in pieces]
        return _padded(segments, column.width - used, style, right=column.numeric)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y < self.header_lines:
            header = self.get_component_rich_style("row-grid--header")
            if y == 1:
                header += self.part_style("row-grid--header-type")
            return self._line(-1 - y, header, width)
        position = self.first_visible + y - self.header_lines
        if position >= self.total:
            return Strip.blank(width, base)
        style = base
        if position == self.cursor_row:
            style = self.get_component_rich_style("row-grid--cursor-row")
        return self._line(position, style, width)

    def _line(self, position: int, style: Style, width: int) -> Strip:
        """One line: a row at ``position`` >= 0, or header line ``-1 - position``."""
        header = position < 0
        row = None if header else self.source.row_at(position)
        label = "" if header else self._label(position)
        if row is not None and not self.source.is_fresh(position):
            # Read before the data last changed: it may no longer be at this position, so it
            # is drawn dimmed and without a number until its page is reloaded.
            style = style + self.part_style("row-grid--stale")
            label = STALE_LABEL
        mark = self.marks.mark(position, row) if row is not None and self.marks else None
        gutter_mark = " " if mark is None else mark.gutter
        if mark is not None:
            style = style + self._mark_style(mark)
        gutter_style = style + self.part_style("row-grid--gutter")
        fixed: list[Segment] = [Segment(label.rjust(self.gutter_width) + gutter_mark, gutter_style)]
        scrolling: list[Segment] = []
        # Where each scrolling cell starts, its width and its drawing (for _mark_clipped).
        cells: list[tuple[int, int, list[Segment]]] = []
        sep = Segment(SEPARATOR, gutter_style)
        cursor_style = self.get_component_rich_style("row-grid--cursor")
        for index, column in enumerate(self.columns):
            target = fixed if column.frozen else scrolling
            if header:
                text = column.name if position == -1 else column.type_label
                cell = self._header_cell(text, column, style, name=position == -1)
            elif row is None:
                filler = "·" if index == 0 else ""
                missing = style + self._style(Part.MISSING)
                cell = [Segment(filler.ljust(column.width), missing)]
            else:
                cell_style = style
                value = row[index]
                if mark is not None and index in mark.changed:
                    value = mark.changed[index]
                    changed = self.part_style("row-grid--changed")
                    cell_style = style + changed
                if position == self.cursor_row and index == self.cursor_column and self.has_focus:
                    cell_style = cell_style + cursor_style
                cell = self._cell(value, column, cell_style)
            if not column.frozen:
                cells.append((self._offsets[index], column.width, cell))
            target.extend(cell)
            target.append(sep)
        fixed_strip = Strip(fixed).crop(0, self._fixed_width)
        scroll_x = round(self.scroll_offset.x)
        room = max(width - fixed_strip.cell_length, 0)
        body = Strip(scrolling).crop(scroll_x, scroll_x + room)
        body = self._mark_clipped(body, cells, scroll_x, room)
        return Strip.join([fixed_strip, body]).extend_cell_length(width, style)

    def _mark_clipped(
        self, body: Strip, cells: list[tuple[int, int, list[Segment]]], scroll_x: int, room: int
    ) -> Strip:
        """``body`` with a ``…`` where a cell cut by the edge of the view lost some of its
        text: a number missing its leading digits must never read as another number."""
        marks: list[int] = []
        end = scroll_x + room
        for x, cell_width, cell in cells:
            right = x + cell_width
            if right <= scroll_x or x >= end:
                continue
            whole = Strip(cell)
            if x < scroll_x and whole.crop(0, scroll_x - x).text.strip():
                marks.append(0)
            if right > end and whole.crop(end - x, cell_width).text.strip():
                marks.append(room - 1)
        if not marks:
            return body
        ellipsis = self._style(Part.ELLIPSIS)
        for at in sorted(set(marks)):
            if not 0 <= at < body.cell_length:
                continue
            before, here, after = body.divide([at, at + 1, body.cell_length])
            style = next((seg.style for seg in here if seg.style is not None), None)
            mark = Segment(ELLIPSIS, (style or Style()) + ellipsis)
            body = Strip.join([before, Strip([mark], 1), after])
        return body

    def _mark_style(self, mark: RowMark) -> Style:
        style = Style()
        for flag, name in (
            (mark.selected, "row-grid--selected"),
            (mark.new, "row-grid--new"),
            (mark.deleted, "row-grid--deleted"),
        ):
            if flag:
                style += self.part_style(name)
        return style

    def _label(self, position: int) -> str:
        source = self.source
        label = source.label(position) if isinstance(source, LabelledRows) else None
        return f"{position + 1:,}" if label is None else label

    # -- cursor ----------------------------------------------------------------------------
    def watch_cursor_row(self, old: int, new: int) -> None:
        top = self.first_visible
        if new < top:
            self.jump_to(y=new)
        elif new >= top + self.body_height:
            self.jump_to(y=new - self.body_height + 1)
        self.refresh()
        # Rows a cancelled or failed load left blank are asked for again when the user moves.
        self._request_visible()
        self.post_message(self.CursorMoved(new, self.cursor_column))

    def watch_cursor_column(self, old: int, new: int) -> None:
        if self.columns and not self.columns[new].frozen:
            x = self._offsets[new]
            room = self.scrollable_content_region.width - self._fixed_width
            right = x + self.columns[new].width + len(SEPARATOR)
            # A column wider than the view is shown from its start (its end is cut, marked).
            if x < self.scroll_offset.x or right - x > room:
                self.jump_to(x=x)
            elif right > self.scroll_offset.x + room:
                self.jump_to(x=right - room)
        self.refresh()
        self.post_message(self.CursorMoved(self.cursor_row, new))

    def jump_to(self, *, x: float | None = None, y: float | None = None) -> None:
        """Scroll there now. Forced: Textual allows scrolling only once a layout pass has
        shown the scrollbar, and a grid just refilled (a table opened after an empty one) has
        none yet: End pressed in that frame moved the cursor but left the rows scrolled to
        the top, and the last rows were never loaded."""
        self.scroll_to(x, y, animate=False, immediate=True, force=True)

    def move_to(self, position: int, *, center: bool = True) -> None:
        """Put the cursor on ``position`` and scroll so it is visible (centred on jumps)."""
        position = min(max(position, 0), max(self.total - 1, 0))
        if center:
            top = max(position - self.body_height // 2, 0)
            self.jump_to(y=top)
        self.cursor_row = position

    def action_cursor(self, delta: int) -> None:
        self.move_to(self.cursor_row + delta, center=False)

    def action_column(self, delta: int) -> None:
        if self.columns:
            self.cursor_column = min(max(self.cursor_column + delta, 0), len(self.columns) - 1)

    def action_page(self, delta: int) -> None:
        step = self.body_height * delta
        self.jump_to(y=self.scroll_offset.y + step)
        self.move_to(self.cursor_row + step, center=False)

    def action_first(self) -> None:
        self.move_to(0, center=False)

    def action_last(self) -> None:
        if not self.total_exact:
            self.post_message(self.EndRequested())
            return
        self.move_to(self.total - 1, center=False)

    def action_select_cell(self) -> None:
        row = self.source.row_at(self.cursor_row)
        if row is not None and self.columns:
            column = self.columns[self.cursor_column]
            value = row[self.cursor_column]
            self.post_message(self.CellSelected(self, self.cursor_row, column, value))

    def on_click(self, event: events.Click) -> None:
        index = self.column_at(event.x)
        if event.y < self.header_lines:
            if event.y == 0 and index is not None:
                self.cursor_column = index
                self.post_message(self.HeaderClicked(self, index, self.columns[index]))
            return
        if self.total == 0:
            return
        self.move_to(self.first_visible + event.y - self.header_lines, center=False)
        if index is not None:
            self.cursor_column = index
        if event.chain == 2:
            self.action_select_cell()

    def column_at(self, x: int) -> int | None:
        """The index of the column drawn at ``x`` (frozen or scrolled), None off the columns."""
        sep = len(SEPARATOR)
        if x >= self._fixed_width:
            x = x - self._fixed_width + round(self.scroll_offset.x)
            for index, column in enumerate(self.columns):
                start = self._offsets[index]
                if start >= 0 and start <= x < start + column.width + sep:
                    return index
            return None
        start = self.gutter_width + 1
        for index, column in enumerate(self.columns):
            if column.frozen:
                if start <= x < start + column.width + sep:
                    return index
                start += column.width + sep
        return None

    def region_of_row(self, position: int) -> Region:
        return Region(0, position - self.first_visible + self.header_lines, self.size.width, 1)


def _padded(segments: list[Segment], room: int, style: Style, *, right: bool) -> list[Segment]:
    """Pad a cell to its width; no empty segments (they upset some SVG renderers)."""
    if room <= 0:
        return segments
    pad = Segment(" " * room, style)
    return [pad, *segments] if right else [*segments, pad]


def _cells(text: str) -> int:
    return cell_len(text)
