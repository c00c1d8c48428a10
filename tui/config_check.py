"""Checks of the config file that need Textual: binding ids, key names and theme names.

:mod:`tui.settings` validates the file's shape without Textual; this finishes the job before
the UI starts, so that ``[keys]`` naming a binding that does not exist, a key Textual has no
name for, or a theme it does not know is a clear error naming the key, not a silent no-op.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from textual.keys import Keys, _character_to_key, _normalize_key_list, key_to_character

from tui.keymap import SCOPES
from tui.settings.model import Problem, UserSettings

_MODIFIERS = frozenset({"ctrl", "alt", "shift", "super", "meta", "hyper"})
#: Names of keys that are not characters (f5, pageup…) and of printable ASCII characters as
#: Textual spells them (slash, question_mark, left_square_bracket…).
_NAMED = frozenset(
    {key.value for key in Keys if "+" not in key.value and not key.value.startswith("<")}
    | {_character_to_key(chr(code)) for code in range(33, 127)}
)


def problems(settings: UserSettings, themes: set[str] | None = None) -> list[Problem]:
    """What is wrong with the settings' theme and keys; empty when nothing is.

    ``themes``: the names allowed; by default those the app knows (built in or its own).
    """
    if themes is None:
        from tui.app import DbBrowseApp

        themes = set(DbBrowseApp().available_themes)
    found: list[Problem] = []
    if settings.theme not in themes:
        found.append(
            Problem(("theme",), f"no theme {settings.theme!r} (known: {', '.join(sorted(themes))})")
        )
    if settings.keys:
        found += _key_problems(settings.keys)
    return found


def _key_problems(keymap: Mapping[str, str]) -> list[Problem]:
    from tui.keymap import BY_ID

    found: list[Problem] = []
    for binding_id, keys in keymap.items():
        where = ("keys", binding_id)
        action = BY_ID.get(binding_id)
        if action is None:
            near = difflib.get_close_matches(binding_id, sorted(binding_ids()), n=1)
            hint = f"did you mean {near[0]}?" if near else "ids look like browse.filter"
            found.append(
                Problem(where, f"no binding has this id ({hint} The help screen lists them.)")
            )
        elif action.builtin:
            found.append(Problem(where, "bound by Textual itself: it cannot be rebound"))
        elif not action.keys:
            found.append(Problem(where, "has no key to rebind: the command palette offers it"))
        else:
            bad = [key for key in keys.split(",") if not is_key(key)]
            if bad:
                found.append(Problem(where, f"{', '.join(map(repr, bad))}: no such key"))
    return found or _clashes(keymap)


def _clashes(keymap: Mapping[str, str]) -> list[Problem]:
    """A new key that another action has where both are bound: Textual would silently take it
    from that action (its own clash report counts every binding with an id as rebound, so it
    never sees these), so it is an error naming both. Keys of the whole app (scope ``app``)
    are live on every screen, so they clash with every scope's; a widget's keys clash with
    those of the screen it sits in (the grid's Down taking j hides the browse screen's j).
    A key two actions share by default (Esc in the table list and on its screen) is by design,
    not the user's clash."""
    from textual.app import App

    from tui.keymap import ACTIONS
    from tui.keymap.actions import live_together

    wanted = App._normalize_keymap(dict(keymap))
    bound = [a for a in ACTIONS if a.keys and not a.builtin]
    default_keys = {a.id: set(_normalize_key_list(a.keys).split(",")) for a in bound}
    keys_of = {a.id: set(wanted.get(a.id, _normalize_key_list(a.keys)).split(",")) for a in bound}
    found: dict[tuple[str, str], Problem] = {}
    for action in bound:
        if action.id not in wanted:
            continue
        for other in bound:
            shared = set(action.scopes) & set(other.scopes)
            meets = [
                (one, two)
                for one in action.scopes
                for two in other.scopes
                if live_together(one, two)
            ]
            common = keys_of[action.id] & keys_of[other.id]
            common -= default_keys[action.id] & default_keys[other.id]
            if other.id == action.id or not meets or not common:
                continue
            key = sorted(common)[0]
            where = SCOPES[sorted(shared)[0]] if shared else SCOPES[meets[0][1]]
            found.setdefault(
                (action.id, other.id),
                Problem(
                    ("keys", action.id),
                    f"{key!r} is already the key of {other.id} ({other.description}, {where}); "
                    f"give {other.id} another key too, or pick another here",
                ),
            )
    return list(found.values())


def is_key(key: str) -> bool:
    """Whether Textual can bind ``key``: modifiers joined by ``+`` to one key or character."""
    *modifiers, base = key.split("+")
    if not base or any(modifier not in _MODIFIERS for modifier in modifiers):
        return False
    if len(base) == 1:
        return base.isprintable()
    return base in _NAMED or key_to_character(base) is not None


def binding_ids() -> set[str]:
    """The ids a keymap can rebind: every action of the registry that has keys of its own."""
    from tui.keymap import ACTIONS

    return {action.id for action in ACTIONS if action.keys and not action.builtin}
