"""What one user action is: its keys, its words, the task it belongs to, where it is bound.

The registry (:mod:`tui.keymap.registry`) is a tuple of these; screens and widgets take
their ``BINDINGS`` from it, and the help screen, the command palette and the README's key
table are drawn from it, so that none of them can say something the keys do not do.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Group(StrEnum):
    """The tasks the help screen and the README group the keys by, in this order."""

    MOVING = "Moving"
    FINDING = "Finding"
    READING = "Reading a value"
    EDITING = "Editing"
    CONSOLE = "SQL console"
    EXPORT = "Export and copy"
    STATUS = "Status screen and WAL"
    APP = "App and dialogs"


#: Where a binding lives, by the name the registry uses, and what a person calls it.
SCOPES: dict[str, str] = {
    "app": "anywhere",
    "browse": "browse screen",
    "grid": "row grid",
    "tables": "table list",
    "console": "SQL editor",
    "cell": "cell detail",
    "value": "cell detail value",
    "edit_cell": "cell editor",
    "row_form": "row form",
    "pending": "pending changes",
    "conflict": "save conflict",
    "confirm": "confirmation",
    "copy": "copy menu",
    "history": "SQL history",
    "prompt": "prompt",
    "filter": "filter dialog",
    "export": "export dialog",
    "completion": "completion list",
    "plan": "query plan",
    "error": "error screen",
    "error_dialog": "error message",
    "status": "status screen",
    "wal_history": "WAL history",
    "lines": "commit list",
    "past": "past state",
    "diff": "row changes",
    "recent": "recent databases",
    "help": "help screen",
    "references": "referenced-by list",
}


#: Scopes whose keys are live at the same time: a widget's with those of the screens it sits
#: in (the grid, table list and SQL editor are in the browse screen; the past state is a
#: browse screen too; the value view is in the cell detail).
LIVE_TOGETHER: frozenset[frozenset[str]] = frozenset(
    frozenset(pair)
    for pair in (
        ("grid", "browse"),
        ("tables", "browse"),
        ("console", "browse"),
        ("past", "browse"),
        ("grid", "past"),
        ("tables", "past"),
        ("console", "past"),
        ("value", "cell"),
        ("lines", "wal_history"),
    )
)


def live_together(one: str, other: str) -> bool:
    """Whether keys of scope ``one`` and of scope ``other`` can be pressed in one place."""
    return one == other or "app" in (one, other) or frozenset((one, other)) in LIVE_TOGETHER


@dataclass(frozen=True)
class KeyAction:
    """One user action, listed once.

    ``id`` is the stable name of its binding (``browse.filter``): :meth:`App.set_keymap`
    rebinds by it, so it never changes once published. ``keys`` are Textual key names,
    comma-separated; empty for an action only the command palette offers. ``scopes`` are
    where it is bound (see :data:`SCOPES`): by default the part of ``id`` before the dot.
    """

    id: str
    keys: str
    action: str
    description: str
    explanation: str
    group: Group
    words: tuple[str, ...] = ()
    show: bool = True  #: in the footer
    priority: bool = False
    #: Offered by the command palette (where it is bound on the screen it was opened from).
    palette: bool = True
    #: Bound by Textual itself (the palette, focus moves): listed, not bound again.
    builtin: bool = False
    scopes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.scopes:
            object.__setattr__(self, "scopes", (self.id.partition(".")[0],))
        unknown = [s for s in self.scopes if s not in SCOPES]
        if unknown:
            raise ValueError(f"{self.id}: unknown scope {unknown[0]!r}")

    @property
    def key_list(self) -> tuple[str, ...]:
        return tuple(k.strip() for k in self.keys.split(",") if k.strip())

    def matches(self, text: str) -> float:
        """How well typed ``text`` names this action, 0 when not at all (see module palette).

        The description, one of the words or the description's first word: 1; another word
        of the description: 0.9; the start of a word: 0.8; part of the description or of a
        word: 0.6. Case does not matter.
        """
        query = " ".join(text.lower().split())
        if not query:
            return 0.0
        description = self.description.lower()
        words = [w.lower() for w in self.words]
        tokens = description.replace("/", " ").split()
        if query == description or query in words or query == tokens[0]:
            return 1.0
        if query in tokens:
            return 0.9
        if any(t.startswith(query) for t in (*words, *tokens)) or description.startswith(query):
            return 0.8
        if query in description or any(query in w for w in words):
            return 0.6
        return 0.0
        description = self.description.lower()
        words = [w.lower() for w in self.words]
        tokens = [*words, *description.replace("/", " ").split()]
        if query == description or query in words or query in tokens:
            return 1.0
        if any(t.startswith(query) for t in tokens) or description.startswith(query):
            return 0.8
        if query in description or any(query in w for w in words):
            return 0.6
        return 0.0


__all__ = ["SCOPES", "Group", "KeyAction"]
