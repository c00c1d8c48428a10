"""The status bar: database, table, position, query, running jobs and mode, in one line."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from tui.text.escape import append_escaped, append_name
from tui.text.fit import Piece, fit_line
from tui.widgets.theme_styles import resolved_style


class StatusBar(Static):
    """One line of facts about what is on screen; data is escaped, never read as markup."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"status-bar--label"}
    """The labels before a value: faint by the theme's muted colour (``dim`` does not read on
    the panel the bar is drawn on in every theme)."""

    database: reactive[str] = reactive("")
    table: reactive[str | None] = reactive(None)
    """The open table's name (None when none is open: a table may be named "")."""
    position: reactive[str] = reactive("")
    query_text: reactive[str] = reactive("")
    mode: reactive[str] = reactive("")
    jobs: reactive[str] = reactive("")
    """What the current view's running jobs say (one slot per kind, joined by the screen)."""
    notice: reactive[str] = reactive("")
    """A fact about the current view, or what just happened (cancelled, refreshed)."""
    wal: reactive[str] = reactive("")
    pending: reactive[int] = reactive(0)
    """How many changes are staged and not saved."""
    view: reactive[str] = reactive("")
    transaction: reactive[str] = reactive("")
    """The SQL console's open transaction, in words ("" when none is open)."""
    highlighted: reactive[str | None] = reactive(None)
    """The whole name of the table highlighted in the table list, while the list has focus
    (the list cuts long names with an ellipsis)."""

    def render(self) -> Text:
        # What is worth most is cut last: the names (a narrow terminal keeps them), then the
        # mode and the unsaved changes (short, and never cut); the rest goes first, last first.
        pieces: list[Piece] = []
        label = resolved_style(self, "status-bar--label")
        if self.mode:
            mode = Text(f" {self.mode} ", style="reverse bold")
            pieces.append(Piece(mode, keep=_ALWAYS, gap=" "))
        if self.highlighted is not None:
            # A long name is what the list could not show: worth as much as the table's.
            pieces.append(_name("▸ ", self.highlighted, _TABLE, label))
        if self.database:
            pieces.append(
                _name("db ", self.database, _DATABASE, label, least=8, escape=append_escaped)
            )
        if self.pending:
            noun = "change" if self.pending == 1 else "changes"
            pieces.append(
                Piece(Text(f" {self.pending:,} {noun} pending ", style="reverse"), keep=_ALWAYS)
            )
        if self.transaction:
            pieces.append(Piece(Text(f" {self.transaction} ", style="reverse bold"), keep=_ALWAYS))
        if self.table is not None:
            pieces.append(_name("table ", self.table, _TABLE, label))
        rest = (self.view, self.position, self.query_text, self.jobs, self.notice, self.wal)
        for worth, value in enumerate(rest):
            if value:
                pieces.append(Piece(append_escaped(Text(), value), keep=len(rest) - worth))
        return fit_line(pieces, self.content_size.width)


_ALWAYS = 100
_TABLE = 50
_DATABASE = 40


def _name(
    label: str,
    name: str,
    keep: int,
    style: Style | str,
    *,
    least: int = 12,
    escape: Callable[[Text, str], Text] = append_name,
) -> Piece:
    body = escape(Text(), name)
    return Piece(
        body,
        keep=keep,
        label=Text(label, style=style),
        least=min(least, body.cell_len),
        middle=True,
    )
