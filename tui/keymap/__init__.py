"""The one registry of user actions, and what is derived from it.

:data:`ACTIONS` lists every action once (:mod:`tui.keymap.registry`). Screens and widgets
take their ``BINDINGS`` from :func:`bindings`; each binding carries its action's stable id
(``browse.filter``), so ``App.set_keymap`` can rebind it. The help screen, the command
palette and the README's key table (``python -m tui.keymap --markdown``) read the same list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual.binding import Binding, BindingType

from tui.keymap.actions import SCOPES, Group, KeyAction
from tui.keymap.registry import ACTIONS

BY_ID: dict[str, KeyAction] = {a.id: a for a in ACTIONS}


def bindings(scope: str) -> list[BindingType]:
    """The ``BINDINGS`` of the screen or widget the registry calls ``scope``."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    return [
        Binding(
            a.keys,
            a.action,
            a.description,
            show=a.show,
            priority=a.priority,
            tooltip=a.explanation,
            id=a.id,
        )
        for a in ACTIONS
        if scope in a.scopes and a.keys and not a.builtin
    ]


def by_group(actions: Iterable[KeyAction] = ACTIONS) -> dict[Group, list[KeyAction]]:
    """``actions`` by task, groups in the order of :class:`Group`."""
    grouped: dict[Group, list[KeyAction]] = {group: [] for group in Group}
    for action in actions:
        grouped[action.group].append(action)
    return {group: listed for group, listed in grouped.items() if listed}


#: Key names that are another name of a key bound beside them: shown once, as the latter.
_SAME_KEY = {"ctrl+@": "ctrl+space"}


def keys_shown(action: KeyAction, keymap: Mapping[str, str] | None = None) -> str:
    """The action's keys as a person reads them (``ctrl+s``, ``?``), after any rebinding."""
    from textual.keys import format_key

    keys = (keymap or {}).get(action.id, action.keys)
    names = [k.strip() for k in keys.split(",") if k.strip()]
    # Bound under both names (terminals send ctrl+space as NUL, which Textual names ctrl+@),
    # but one key to a person.
    names = [k for k in names if not (k in _SAME_KEY and _SAME_KEY[k] in names)]
    return " ".join(format_key(k) for k in names) if names else "(palette)"


def key_of(action_id: str, keymap: Mapping[str, str] | None = None) -> str:
    """The keys of the action ``action_id`` as a person reads them, after any rebinding: for
    a sentence that tells which key does it (never a key name written into the sentence)."""
    return keys_shown(BY_ID[action_id], keymap)


def where(action: KeyAction) -> str:
    """Where an action works, when that needs saying: ``cell editor``, ``status screen``…
    ("" on the browse screen, its grid and table list, and anywhere)."""
    return ", ".join(SCOPES[s] for s in action.scopes if s not in OBVIOUS)


def markdown_table(actions: Iterable[KeyAction] = ACTIONS) -> str:
    """The README's key table: one row per action, by task, with its id for ``[keys]``."""
    lines: list[str] = []
    for group, listed in by_group(sorted(actions, key=reading_order)).items():
        if lines:
            lines.append("")
        lines += [f"**{group}**", "", "| Keys | Action | Id |", "|---|---|---|"]
        for action in listed:
            keys = " ".join(f"`{k}`" for k in keys_shown(action).split(" "))
            text = f"**{action.description}**: {action.explanation}"
            if place := where(action):
                text += f" ({place})"
            text = text.replace("|", "\\|")
            lines.append(f"| {keys} | {text} | `{action.id}` |")
    return "\n".join(lines) + "\n"


#: Where an action works when it needs no saying: the main screen and anywhere.
OBVIOUS = frozenset({"app", "browse", "grid", "tables"})
#: Within a task: the app's keys, then the grid's (arrows first), the screen's, the rest.
_FIRST = ("app", "grid", "browse", "tables")


def reading_order(action: KeyAction) -> int:
    """Sort key for reading the actions of one task: the app's, the grid's, the screen's…"""
    scope = action.scopes[0]
    return _FIRST.index(scope) if scope in _FIRST else len(_FIRST) + list(SCOPES).index(scope)


__all__ = [
    "ACTIONS",
    "BY_ID",
    "SCOPES",
    "Group",
    "KeyAction",
    "bindings",
    "by_group",
    "key_of",
    "keys_shown",
    "markdown_table",
    "reading_order",
    "where",
]
