"""The status bar: database, table, position, query, running jobs and mode, in one line."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


class StatusBar(Static):
    """One line of facts about what is on screen; never interprets data as markup."""

    database: reactive[str] = reactive("")
    table: reactive[str] = reactive("")
    position: reactive[str] = reactive("")
    query_text: reactive[str] = reactive("")
    mode: reactive[str] = reactive("")
    jobs: reactive[str] = reactive("")
    """What the current view's running jobs say (one slot per kind, joined by the screen)."""
    notice: reactive[str] = reactive("")
    """A fact about the current view, or what just happened (cancelled, refreshed)."""
    wal: reactive[str] = reactive("")
    view: reactive[str] = reactive("")

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.mode:
            text.append(f" {self.mode} ", style="reverse bold")
            text.append(" ")
        for label, value in (
            ("db", self.database),
            ("table", self.table),
            ("", self.view),
            ("", self.position),
            ("", self.query_text),
            ("", self.jobs),
            ("", self.notice),
            ("", self.wal),
        ):
            if not value:
                continue
            if label:
                text.append(f"{label} ", style="dim")
            text.append(value)
            text.append("  ")
        return text
