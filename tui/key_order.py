"""Keys in the order they were typed, each routed only once the one before it is done.

Textual routes a key to the focused widget's queue and goes on to the next key at once. A
key that no widget takes bubbles up, through each parent's queue, back to the app, which
only then runs its binding. A binding that moves the focus or opens a screen (ctrl+t, ctrl+o,
``e``, ``/``) therefore acts after the keys that arrived with it have been routed to the old
focus: the name typed right after ctrl+t ran as grid commands. Keys arrive together whenever
someone types fast, pastes, drives the app through tmux, or uses it in a browser.

:class:`KeyOrder` holds each key until the one before it is done: taken by a priority
binding, stopped by a widget on its way up, or handled by the app. A key that is never seen
again (a widget removed meanwhile) releases the next one after :data:`KEY_RELEASE` seconds.
"""

from __future__ import annotations

from collections import deque

from textual import events
from textual.app import App, ReturnType
from textual.dom import DOMNode
from textual.message_pump import MessagePump
from textual.timer import Timer

KEY_RELEASE = 0.5
"""Seconds after which a key that was never seen done lets the next one go anyway."""


class KeyOrder(App[ReturnType]):
    """An app whose keys are routed one at a time (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._key_in_flight: events.Key | None = None
        self._key_watched: list[DOMNode] = []
        self._key_timer: Timer | None = None
        self._keys_held: deque[events.Key] = deque()

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key):
            await super().on_event(event)
            return
        if event.is_forwarded:  # bubbled up to the app: its bindings run here, then done
            await super().on_event(event)
            self._key_done(event)
            return
        if self._key_in_flight is not None:
            self._keys_held.append(event)
            return
        self._key_in_flight = event
        self._watch_key(event)
        await super().on_event(event)
        if not event.is_forwarded:  # a priority binding took it, here and now
            self._key_done(event)

    def _watch_key(self, event: events.Key) -> None:
        """Notice the key being stopped by any node between the focus and the app."""
        node: MessagePump | None = self.focused or self.screen
        while isinstance(node, DOMNode) and node is not self:
            watched = node

            def handled(message: object, at: DOMNode = watched) -> None:
                if message is event and (event._stop_propagation or not at.is_parent_active):
                    self._key_done(event)

            watched.message_signal.subscribe(self, handled, immediate=True)
            self._key_watched.append(watched)
            node = watched.parent
        self._key_timer = self.set_timer(KEY_RELEASE, lambda: self._key_done(event))

    def _key_done(self, event: events.Key) -> None:
        if event is not self._key_in_flight:
            return
        self._key_in_flight = None
        for node in self._key_watched:
            node.message_signal.unsubscribe(self)
        self._key_watched.clear()
        if self._key_timer is not None:
            self._key_timer.stop()
            self._key_timer = None
        if self._keys_held:
            self.call_next(self.on_event, self._keys_held.popleft())


__all__ = ["KEY_RELEASE", "KeyOrder"]
