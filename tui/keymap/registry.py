"""Every user action of dbbrowse, once: its keys, words and one line of explanation.

The bindings themselves stay where they act (each screen's or widget's ``BINDINGS``, each
with its stable ``id``, which the config file's ``[keys]`` rebinds through
``App.set_keymap``); this is their catalogue, in the order of the code, with what the help
screen, the command palette and the README need: the task it belongs to (``group``), the
words people search for, and one line of explanation. ``tests/tui/test_keymap.py`` fails when
a binding has no entry here or differs from it (keys, action, description, footer, priority),
and when an entry is bound nowhere: add the entry with the binding. Ids never change.
"""

from __future__ import annotations

from tui.keymap.actions import KeyAction
from tui.keymap.browse_keys import BROWSE_ACTIONS
from tui.keymap.dialog_keys import DIALOG_ACTIONS
from tui.keymap.status_keys import STATUS_ACTIONS

#: Every action, once: the main screen's, the dialogs', the status screen's.
ACTIONS: tuple[KeyAction, ...] = (*BROWSE_ACTIONS, *DIALOG_ACTIONS, *STATUS_ACTIONS)

__all__ = ["ACTIONS"]
