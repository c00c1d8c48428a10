"""The footer's keys in the order the code declares them, rebound or not.

Textual applies the keymap (``[keys]`` in config.toml, :meth:`App.set_keymap`) by taking a
rebound binding out of its place and adding it again under its new key, last: rebinding export
moved it to the end of the footer. :class:`DeclaredKeyOrder` puts the screen's active bindings
back in declared order: the focused widget's first, then its ancestors' up to the app (as
Textual lists them), each node's in the order of its ``BINDINGS``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.binding import ActiveBinding, Binding
from textual.dom import DOMNode

if TYPE_CHECKING:
    from textual.screen import Screen

    _Mixin = Screen[Any]
else:
    # Not a DOMNode: Textual takes a screen's CSS from its first DOMNode base, which must stay
    # ModalScreen for the dialogs.
    _Mixin = object


class DeclaredKeyOrder(_Mixin):
    """Mixed in first (``class S(DeclaredKeyOrder, ModalScreen[T])``): the screen's active
    bindings (the footer, the palette) keep their declared order."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        active = super().active_bindings
        chain = [node for node, _ in self._modal_binding_chain]
        places: dict[int, dict[str, int]] = {}

        def place(item: tuple[str, ActiveBinding]) -> tuple[int, int]:
            node = item[1].node
            depth = chain.index(node) if node in chain else len(chain)
            order = places.get(id(node))
            if order is None:
                order = places[id(node)] = _declared(node)
            return depth, order.get(_name(item[1].binding), len(order))

        return dict(sorted(active.items(), key=place))


def _declared(node: DOMNode) -> dict[str, int]:
    """Where each of ``node``'s bindings is declared (before the keymap moved any)."""
    order: dict[str, int] = {}
    for bindings in node._bindings.key_to_bindings.values():
        for binding in bindings:
            order.setdefault(_name(binding), len(order))
    return order


def _name(binding: Binding) -> str:
    return binding.id or binding.action
