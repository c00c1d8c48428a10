"""The SQL console's editor: a code editor that asks its screen to run what the user chose.

It knows text and cursor positions only; which statement is under the cursor and how it runs
are the screen's (and :mod:`tui.db.console`'s) business.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import TextArea

RUN_KEYS = "ctrl+j,ctrl+enter"


class SqlEditor(TextArea):
    """A multi-line SQL editor (highlighted where Textual's SQL grammar is installed)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(RUN_KEYS, "run", "Run statement", priority=True, id="console.run"),
        Binding("f5", "run_all", "Run all", priority=True, id="console.run_all"),
        Binding("escape", "leave", "Cancel / leave", show=False, priority=True, id="console.leave"),
        Binding("ctrl+r", "history", "History", priority=True, id="console.history"),
        Binding("alt+e", "explain", "Explain", priority=True, id="console.explain"),
        Binding("ctrl+space,ctrl+@", "complete", "Complete", priority=True, id="console.complete"),
        Binding("alt+s", "save_query", "Save query", priority=True, id="console.save_query"),
    ]

    class RunRequested(Message):
        """Run the statement at ``position`` of ``text``, or ``selection`` when there is one,
        or every statement when ``run_all``."""

        def __init__(self, text: str, position: int, selection: str, run_all: bool) -> None:
            super().__init__()
            self.text = text
            self.position = position
            self.selection = selection
            self.run_all = run_all

    class ExplainRequested(Message):
        """alt+e: show the plan of the statement at ``position`` (or the selection)."""

        def __init__(self, text: str, position: int, selection: str) -> None:
            super().__init__()
            self.text = text
            self.position = position
            self.selection = selection

    class HistoryRequested(Message):
        """ctrl+r: find a statement run before (the screen knows the database)."""

    class SaveRequested(Message):
        """alt+s: keep the statement under the cursor (or the selection) under a name."""

        def __init__(self, sql: str) -> None:
            super().__init__()
            self.sql = sql

    class CompleteRequested(Message):
        """ctrl+space: complete the name before the cursor (``before`` is all text up to it)."""

        def __init__(self, before: str) -> None:
            super().__init__()
            self.before = before

    class Left(Message):
        """Esc: the user is done typing (the screen cancels what runs, or moves focus)."""

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        language = "sql" if "sql" in _languages() else None
        super().__init__(
            text,
            language=language,
            theme="css",
            soft_wrap=False,
            tab_behavior="indent",
            show_line_numbers=True,
            id=id,
        )

    @property
    def cursor_offset(self) -> int:
        from textual.document._document import Document

        document = self.document
        if isinstance(document, Document):
            return document.get_index_from_location(self.cursor_location)
        row, column = self.cursor_location  # pragma: no cover - other document kinds
        lines = self.text.split("\n")
        return sum(len(line) + 1 for line in lines[:row]) + column

    def _request(self, run_all: bool) -> None:
        self.post_message(
            self.RunRequested(self.text, self.cursor_offset, self.selected_text, run_all)
        )

    def action_run(self) -> None:
        self._request(run_all=False)

    def action_run_all(self) -> None:
        self._request(run_all=True)

    def action_explain(self) -> None:
        self.post_message(self.ExplainRequested(self.text, self.cursor_offset, self.selected_text))

    def action_history(self) -> None:
        self.post_message(self.HistoryRequested())

    def action_save_query(self) -> None:
        self.post_message(self.SaveRequested(self.selected_text or self.text))

    def action_complete(self) -> None:
        self.post_message(self.CompleteRequested(self.text[: self.cursor_offset]))

    def replace_before_cursor(self, count: int, text: str) -> None:
        """Replace the ``count`` characters before the cursor with ``text``."""
        from textual.document._document import Document

        document = self.document
        end = self.cursor_location
        if isinstance(document, Document):
            start = document.get_location_from_index(self.cursor_offset - count)
        else:  # pragma: no cover - other document kinds
            start = (end[0], max(end[1] - count, 0))
        self.replace(text, start, end)

    def action_leave(self) -> None:
        self.post_message(self.Left())

    def insert_statement(self, sql: str) -> None:
        """Put ``sql`` at the end, on lines of its own, with the cursor on it."""
        current = self.text
        lead = "" if not current.strip() else ("\n" if current.endswith("\n") else "\n\n")
        self.move_cursor(self.document.end)
        self.insert(lead + sql)


def _languages() -> set[str]:
    try:
        return set(TextArea().available_languages)
    except Exception:  # pragma: no cover - the syntax extra is missing
        return set()
