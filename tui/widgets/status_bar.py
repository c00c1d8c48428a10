"""The status bar: database, table, position, query, running jobs and mode, in one line."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from tui.text.escape import append_escaped, append_name
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
        text = Text(no_wrap=True, overflow="ellipsis")
        label = resolved_style(self, "status-bar--label")
        if self.mode:
            text.append(f" {self.mode} ", style="reverse bold")
            text.append(" ")
        if self.highlighted is not None:
            # First: a long name is what the list could not show, it must not be cut here.
            text.append("▸ ", style=label)
            append_name(text, self.highlighted).append("  ")
        if self.database:
            text.append("db ", style=label)
            append_escaped(text, self.database).append("  ")
        if self.pending:
            noun = "change" if self.pending == 1 else "changes"
            text.append(f" {self.pending:,} {noun} pending ", style="reverse")
            text.append("  ")
        if self.transaction:
            text.append(f" {self.transaction} ", style="reverse bold")
            text.append("  ")
        if self.table is not None:
            text.append("table ", style=label)
            append_name(text, self.table).append("  ")
        for value in (
            self.view,
            self.position,
            self.query_text,
            self.jobs,
            self.notice,
            self.wal,
        ):
            if value:
                append_escaped(text, value).append("  ")
        return text
