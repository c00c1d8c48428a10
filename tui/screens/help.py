"""The help screen (``?``): every key by task, one line each, the log file and the version,
then the focused widget's own help (the grid's: how values are shown).

Drawn from the registry (:mod:`tui.keymap`), with the keys as rebound by the user's keymap,
so it says what the keys do now.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Markdown, Static

from tui.keymap import ACTIONS, KeyAction, bindings, by_group, keys_shown, reading_order, where
from tui.text import about


def action_row(action: KeyAction, keymap: Mapping[str, str]) -> Horizontal:
    """One line of help: keys, what they do, where when it is a dialog of its own, the id.

    Three widgets side by side, each wrapping within its own width (a long explanation
    continues under itself, not under the keys).
    """
    explanation = Text(action.explanation)
    if place := where(action):
        explanation.append(f"  ({place})", style="dim")
    # The id names the binding in the config file's [keys] (its errors point here).
    explanation.append(f"  {action.id}", style="dim italic")
    return Horizontal(
        Static(keys_shown(action, keymap), classes="help-keys", markup=False),
        Static(action.description, classes="help-name", markup=False),
        Static(explanation, classes="help-text", markup=False),
        classes="help-row",
    )


class HelpScreen(ModalScreen[None]):
    """Keys by task; Esc, q or ? closes it."""

    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = bindings("help")

    def __init__(
        self, log_file: Path, keymap: Mapping[str, str] | None = None, notes: str = ""
    ) -> None:
        """``notes``: the focused widget's own help (its ``HELP`` markdown), shown last."""
        super().__init__()
        self._log_file = log_file
        self._keymap = dict(keymap or {})
        self._notes = inspect.cleandoc(notes) if notes else ""

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Label(f"dbbrowse {about.version()}: keys by task", id="help-title")
            yield Static(
                Text.assemble(
                    "Log file: ",
                    (about.home_relative(self._log_file), "bold"),
                    "   ·   ctrl+p: find an action by a word for it   ·   Esc: close",
                ),
                id="help-about",
                markup=False,
            )
            with VerticalScroll(id="help-keys"):
                for group, actions in by_group(sorted(ACTIONS, key=reading_order)).items():
                    yield Label(str(group), classes="help-group")
                    for action in actions:
                        yield action_row(action, self._keymap)
                if self._notes:
                    yield Markdown(self._notes, id="help-notes")

    def on_mount(self) -> None:
        self.query_one("#help-keys").focus()

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["HelpScreen", "action_row"]
