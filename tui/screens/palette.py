"""The command palette's entries: one per action of the registry, found by its words too.

An action is offered when its key would work on the screen the palette was opened from (the
screen's active bindings, the same chain a key press walks), plus the palette-only actions of
the app (change theme). Where the key that opens the SQLite status screen works, that
screen's actions are offered too, marked "(status screen)" and with both keys (``w then V``):
chosen, the screen opens and the action starts there, with its own confirmation. The WAL
history view's "Browse as of commit" is offered there too ("(WAL history)", ``w then h then
b``): chosen, the history view opens to pick the commit. Each
appears once, under its description, with its keys and its one line of explanation. Typing
matches whole words and the starts of words of the description and of the action's search
words (``wal`` finds the SQLite status screen); only when nothing matches that way does a
fuzzy match on the descriptions decide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from tui.keymap import ACTIONS, BY_ID, SCOPES, KeyAction, keys_shown


@dataclass(frozen=True)
class Offer:
    """One palette entry: the action, the keys that run it here, and how to run it."""

    action: KeyAction
    keys: str
    run: Callable[[], Any]
    elsewhere: str = ""
    """The screen the action runs on, when it is not this one (its keys say how to get there)."""

    @property
    def title(self) -> str:
        where = f" ({self.elsewhere})" if self.elsewhere else ""
        return self.action.description + where

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
    status = found.get(_STATUS)
    if status is not None and getattr(app, "has_status_screen", False):
        listed += _status_offers(app, " ".join(status[1]))
        listed += _history_offers(app, " ".join(status[1]))
    return sorted(listed, key=lambda o: o.title.lower())


#: The action that opens the status screen, whose own actions are offered where it is.
_STATUS = "browse.status"
#: The status screen's actions that mean something from elsewhere (not its Escape).
_ON_STATUS = tuple(
    a for a in ACTIONS if a.scopes == ("status",) and a.palette and a.id != "status.back"
)


def _status_offers(app: Any, opener: str) -> list[Offer]:
    """The status screen's actions, offered where the key that opens it works: chosen, the
    screen opens and the action starts there (with its own confirmation)."""
    keymap: dict[str, str] = getattr(app, "_keymap", {})
    return [
        Offer(
            a,
            f"{opener} then {keys_shown(a, keymap)}",
            partial(app.run_on_status_screen, a.action),
            elsewhere=SCOPES["status"],
        )
        for a in _ON_STATUS
    ]


#: The WAL history view's actions offered where the status screen opens (time travel):
#: chosen, the history view opens, where the key acts on the highlighted commit.
_ON_HISTORY = ("history.browse_as_of",)
_HISTORY = "status.history"


def _history_offers(app: Any, opener: str) -> list[Offer]:
    """The WAL history view's actions (browse as of a commit), offered where the status
    screen opens: chosen, the history view opens on the status screen to pick the commit."""
    keymap: dict[str, str] = getattr(app, "_keymap", {})
    history = BY_ID[_HISTORY]
    reach = f"{opener} then {keys_shown(history, keymap)}"
    return [
        Offer(
            BY_ID[name],
            f"{reach} then {keys_shown(BY_ID[name], keymap)}",
            partial(app.run_on_status_screen, history.action),
            elsewhere=SCOPES["wal_history"],
        )
        for name in _ON_HISTORY
    ]


class ActionCommands(Provider):
    """The registry's actions in the command palette (see module)."""

    async def discover(self) -> Hits:
        for offer in offers(self.screen):
            yield DiscoveryHit(offer.title, offer.run, text=offer.title, help=offer.help)

    async def search(self, query: str) -> Hits:
        available = offers(self.screen)
        # The status screen's own actions, offered from elsewhere, rank just under what
        # matches as well here (the status screen itself first for "wal" or "checkpoint").
        scored = [(o.action.matches(query) - (0.01 if o.elsewhere else 0.0), o) for o in available]
        by_words = [(score, offer) for score, offer in scored if score > 0]
        matcher = self.matcher(query)
        if not by_words:  # a typo or an abbreviation: fuzzy on the descriptions
            by_words = [(matcher.match(o.title) * 0.5, o) for o in available]
        for score, offer in by_words:
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(offer.title),
                    offer.run,
                    text=offer.title,
                    help=offer.help,
                )


__all__ = ["ActionCommands", "Offer", "offers"]
