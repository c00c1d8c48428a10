"""Checks of the config file that need Textual: binding ids, key names and theme names.

:mod:`tui.settings` validates the file's shape without Textual; this finishes the job before
the UI starts, so that ``[keys]`` naming a binding that does not exist, a key Textual has no
name for, or a theme it does not know is a clear error naming the key, not a silent no-op.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Iterator, Mapping

from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import Keys, _character_to_key, key_to_character

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
        ids = binding_ids()
        for binding_id, keys in settings.keys.items():
            if binding_id not in ids:
                near = difflib.get_close_matches(binding_id, sorted(ids), n=1)
                hint = f"did you mean {near[0]}?" if near else "ids look like browse.filter"
                found.append(
                    Problem(
                        ("keys", binding_id),
                        f"no binding has this id ({hint} The help screen lists them.)",
                    )
                )
                continue
            bad = [key for key in keys.split(",") if not is_key(key)]
            if bad:
                found.append(
                    Problem(("keys", binding_id), f"{', '.join(map(repr, bad))}: no such key")
                )
        if not found:
            found += _clashes(settings.keys)
    return found


def _clashes(keymap: Mapping[str, str]) -> list[Problem]:
    """A new key that another action keeps where both are bound: Textual would silently take
    it from that action, so it is an error naming both. (Textual's own clash report counts
    every binding with an id as rebound, so it never sees these.)"""
    from textual.app import App

    normalized = App._normalize_keymap(dict(keymap))
    found: dict[tuple[str, str], Problem] = {}
    for cls in _classes():
        merged = cls._merged_bindings
        if merged is None:
            continue
        kept: dict[str, Binding] = {}  # key → a binding that keeps it
        mine: dict[str, str] = {}  # binding id → its description, for those rebound here
        for key, bindings in merged.key_to_bindings.items():
            for binding in bindings:
                if binding.id is not None and binding.id in normalized:
                    mine[binding.id] = binding.description
                else:
                    kept.setdefault(key, binding)
        for binding_id in mine:
            for key in normalized[binding_id].split(","):
                other = kept.get(key)
                if other is None:
                    continue
                name = other.id or other.action
                found.setdefault(
                    (binding_id, name),
                    Problem(
                        ("keys", binding_id),
                        f"{key!r} is already the key of {name} ({other.description or other.action}"
                        f", {cls.__name__}); give {name} another key too, or pick another here",
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
    """The id of every binding of the app, its screens and widgets."""
    return {binding.id for binding in _bindings() if binding.id}


def _bindings() -> Iterator[Binding]:
    for cls in _classes():
        for base in cls.__mro__:
            for binding in vars(base).get("BINDINGS", ()):
                if isinstance(binding, Binding):
                    yield binding


def _classes() -> Iterator[type[DOMNode]]:
    """The app, and every screen and widget class of dbbrowse's modules."""
    import tui.app
    import tui.screens
    import tui.widgets

    modules = [tui.app]
    for package in (tui.screens, tui.widgets):
        for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            modules.append(importlib.import_module(info.name))
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, DOMNode):
                yield value
