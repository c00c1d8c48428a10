"""Keys in the order they were typed, each routed only once the one before it is done.

Textual routes a key to the focused widget's queue and goes on to the next key at once. A
key that no widget takes bubbles up, through each parent's queue, back to the app, which
only then runs its binding. A binding that moves the focus or opens a screen (ctrl+t, ctrl+o,
``e``, ``/``) therefore acts after the keys that arrived with it have been routed to the old
focus: the name typed right after ctrl+t ran as grid commands. Keys arrive together whenever
someone types fast, pastes, drives the app through tmux, or uses it in a browser.

:class:`KeyOrder` queues every key and routes the next one only when the one before it is
done (taken by a priority binding, stopped by a widget on its way up, or handled by the app)
and when a screen that has just opened has its focus. Every key goes through the queue, so a
key can never overtake one that waits. A key that is never seen done (a widget removed
meanwhile), or a screen that never takes the focus, lets the next key go after
:data:`KEY_RELEASE` seconds.

An action that opens its screen only after some work (reading a value first) holds the keys
(:meth:`KeyOrder.hold_keys`) until it is open (:meth:`KeyOrder.release_keys`), so that what
is typed meanwhile lands in it.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from textual import events
from textual.app import App, ReturnType
from textual.dom import DOMNode
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.timer import Timer

KEY_RELEASE = 0.5
"""Seconds after which a key never seen done, or a new screen without focus, lets keys go."""

HOLD_RELEASE = 3.0
"""Seconds after which keys held for an opening screen go anyway."""

SETTLE_TURNS = 20
"""Event-loop turns a key waits for the widgets to handle what the key before it started."""

_RETRY = 0.02


class KeyOrder(App[ReturnType]):
    """An app whose keys are routed one at a time (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._keys_waiting: deque[events.Key] = deque()
        self._key_in_flight: events.Key | None = None
        self._key_watched: list[DOMNode] = []
        self._key_timer: Timer | None = None
        self._key_retry: Timer | None = None
        self._key_pumping = False
        self._key_screen: Screen[object] | None = None
        self._key_wait_since: float | None = None
        self._keys_held_until: float | None = None

    # -- holding keys for a screen that opens after some work ---------------------------
    def hold_keys(self) -> None:
        """Keep keys waiting until :meth:`release_keys` (at most HOLD_RELEASE seconds)."""
        self._keys_held_until = time.monotonic() + HOLD_RELEASE

    def release_keys(self) -> None:
        """Route the keys that waited, to whatever has the focus now."""
        self._keys_held_until = None
        self.call_later(self._pump_keys)

    # -- routing -----------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key):
            await super().on_event(event)
            return
        if event.is_forwarded:  # bubbled up to the app: its bindings run here, then done
            await super().on_event(event)
            self._key_done(event)
            return
        self._keys_waiting.append(event)
        # Behind what is already queued on the app: the focus() of the key before it (ctrl+o
        # moves the focus to the console by a call_later) comes first.
        self.call_later(self._pump_keys)

    async def _pump_keys(self) -> None:
        if self._key_pumping:
            return
        self._key_pumping = True
        try:
            while self._key_in_flight is None and self._keys_waiting:
                if not self._ready_for_keys():
                    if self._key_retry is None:
                        self._key_retry = self.set_timer(_RETRY, self._retry_pump)
                    return
                await self._let_widgets_settle()
                if self._key_in_flight is not None or not self._keys_waiting:
                    return
                event = self._keys_waiting.popleft()
                self._key_in_flight = event
                self._key_screen = self.screen
                self._watch_key(event)
                await super().on_event(event)
                if not event.is_forwarded:  # a priority binding took it, here and now
                    self._key_done(event, pump=False)
        finally:
            self._key_pumping = False

    async def _retry_pump(self) -> None:
        self._key_retry = None
        await self._pump_keys()

    def _ready_for_keys(self) -> bool:
        """Not while keys are held, nor while a screen that just opened has no focus yet."""
        now = time.monotonic()
        if self._keys_held_until is not None:
            if now < self._keys_held_until:
                return False
            self._keys_held_until = None
        screen = self.screen
        settled = screen is self._key_screen or (
            screen.is_mounted
            and (screen.focused is not None or not any(w.focusable for w in screen.focus_chain))
        )
        if settled:
            self._key_wait_since = None
            return True
        if self._key_wait_since is None:
            self._key_wait_since = now
        if now - self._key_wait_since >= KEY_RELEASE:
            self._key_wait_since = None
            return True
        return False

    async def _let_widgets_settle(self) -> None:
        """Give what the last key set going a few turns of the event loop to run its course.

        A key's effects travel on as messages between widgets (a Select's pick goes to the
        Select, which then changes its value; Tab blurs one field and focuses the next):
        ctrl+s right after a pick must stage the pick. At most :data:`SETTLE_TURNS` turns,
        since some widget may always have a message waiting.
        """
        screen = self.screen
        for _ in range(SETTLE_TURNS):
            if all(
                node._message_queue.empty() and not node._next_callbacks
                for node in screen.walk_children(with_self=True)
            ):
                return
            await asyncio.sleep(0)

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

    def _key_done(self, event: events.Key, *, pump: bool = True) -> None:
        if event is not self._key_in_flight:
            return
        self._key_in_flight = None
        for node in self._key_watched:
            node.message_signal.unsubscribe(self)
        self._key_watched.clear()
        if self._key_timer is not None:
            self._key_timer.stop()
            self._key_timer = None
        if pump and self._keys_waiting:
            # After what is already queued (a screen opening, a focus moving): then the next.
            self.call_later(self._pump_keys)


__all__ = ["HOLD_RELEASE", "KEY_RELEASE", "KeyOrder"]
