"""The command palette's entries: one per action of the registry, found by its words too.

An action is offered when its key would work on the screen the palette was opened from (the
screen's active bindings, the same chain a key press walks), plus the palette-only actions of
the app (change theme). Each appears once, under its description, with its keys and its one
line of explanation. Typing matches whole words and the starts of words of the description
and of the action's search words (``wal`` finds the SQLite status screen); only when nothing
matches that way does a fuzzy match on the descriptions decide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from tui.keymap import ACTIONS, BY_ID, KeyAction, keys_shown


@dataclass(frozen=True)
class Offer:
    """One palette entry: the action, the keys that run it here, and how to run it."""

    action: KeyAction
    keys: str
    run: Callable[[], Any]

    @property
    def help(self) -> str:
        return f"{self.keys}  ·  {self.action.explanation}"


def offers(screen: Any) -> list[Offer]:
    """What the palette offers over ``screen``, one entry per action, by description."""
    from textual.keys import format_key

    app = screen.app
    found: dict[str, tuple[KeyAction, list[str], DOMNode, str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        action = BY_ID.get(binding.id or "")
        if action is None or not action.palette or not active.enabled:
            continue
        if action.id in found:
            found[action.id][1].append(format_key(key))
        else:
            found[action.id] = (action, [format_key(key)], active.node, binding.action)
    listed = [
        Offer(action, " ".join(keys), partial(app.run_action, name, node))
        for action, keys, node, name in found.values()
    ]
    listed += [
        Offer(a, keys_shown(a), partial(app.run_action, a.action))
        for a in ACTIONS
        if not a.keys and a.palette and "app" in a.scopes
    ]
    return sorted(listed, key=lambda o: o.action.description.lower())


class ActionCommands(Provider):
    """The registry's actions in the command palette (see module)."""

    async def discover(self) -> Hits:
        for offer in offers(self.screen):
            yield DiscoveryHit(
                offer.action.description, offer.run, text=offer.action.description, help=offer.help
            )

    async def search(self, query: str) -> Hits:
        available = offers(self.screen)
        scored = [(offer.action.matches(query), offer) for offer in available]
        by_words = [(score, offer) for score, offer in scored if score > 0]
        matcher = self.matcher(query)
        if not by_words:  # a typo or an abbreviation: fuzzy on the descriptions
            by_words = [(matcher.match(o.action.description) * 0.5, o) for o in available]
        for score, offer in by_words:
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(offer.action.description),
                    offer.run,
                    text=offer.action.description,
                    help=offer.help,
                )


__all__ = ["ActionCommands", "Offer", "offers"]
