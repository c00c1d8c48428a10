"""The actions of the dialogs and smaller screens: cell detail and editor, row form, pending
changes, conflicts, copy menu, SQL history, filter, export, errors, help, referenced-by.

Part of the registry of actions (:mod:`tui.keymap.registry`): in the order of the code.
"""

from __future__ import annotations

from tui.keymap.actions import Group, KeyAction

_M, _F, _R, _E = Group.MOVING, Group.FINDING, Group.READING, Group.EDITING
_C, _X, _S, _A = Group.CONSOLE, Group.EXPORT, Group.STATUS, Group.APP

DIALOG_ACTIONS: tuple[KeyAction, ...] = (
    KeyAction("cell.close", "escape,q", "dismiss_screen", "Close", "Back to the grid", _R),
    KeyAction("cell.edit", "e,f2", "edit", "Edit value", "Edit this value", _E, ("edit",)),
    KeyAction(
        "cell.copy",
        "c",
        "copy",
        "Copy value",
        "The whole value to the clipboard",
        _R,
        ("clipboard",),
    ),
    KeyAction(
        "cell.save",
        "s",
        "save",
        "Save to file",
        "Write the value to a file, byte for byte",
        _R,
        ("write", "file", "blob", "download", "export"),
    ),
    KeyAction(
        "completion.cancel", "escape", "cancel", "Cancel", "Close the dialog, changing nothing", _A
    ),
    KeyAction("confirm.yes", "y", "answer(True)", "Yes", "Go ahead", _A),
    KeyAction("confirm.no", "n,escape", "answer(False)", "No", "Do not", _A),
    KeyAction(
        "conflict.keep",
        "k",
        "choose('keep')",
        "Keep mine",
        "Write my value over the other connection's",
        _E,
    ),
    KeyAction(
        "conflict.theirs",
        "t",
        "choose('theirs')",
        "Take theirs",
        "Drop my change, keep what the other connection wrote",
        _E,
    ),
    KeyAction("conflict.edit", "e", "choose('edit')", "Edit again", "Edit my value again", _E),
    KeyAction(
        "conflict.later",
        "escape",
        "later",
        "Decide later",
        "Leave the change staged and decide later",
        _E,
    ),
    KeyAction(
        "copy.cancel", "escape", "cancel", "Cancel", "Close the dialog, changing nothing", _A
    ),
    KeyAction(
        "copy.cell",
        "c",
        "choose('cell')",
        "the cell's value, whole (read again by the row's key)",
        "The cell's value, whole (read again by the row's key)",
        _X,
        show=False,
    ),
    KeyAction(
        "copy.row-tsv",
        "r",
        "choose('row-tsv')",
        "the row, tab-separated (TSV conventions of the export)",
        "The row, tab-separated (the export's TSV conventions)",
        _X,
        show=False,
    ),
    KeyAction(
        "copy.row-json",
        "j",
        "choose('row-json')",
        "the row as a JSON object",
        "The row as a JSON object",
        _X,
        show=False,
    ),
    KeyAction(
        "copy.column",
        "n",
        "choose('column')",
        "the column's name",
        "The column's name",
        _X,
        show=False,
    ),
    KeyAction(
        "copy.sql",
        "s",
        "choose('sql')",
        "the SQL of this view (sort, filter and search included)",
        "The SQL of this view (sort, filter and search included)",
        _X,
        show=False,
    ),
    KeyAction(
        "edit_cell.cancel", "escape", "cancel", "Cancel", "Close the dialog, changing nothing", _A
    ),
    KeyAction(
        "edit_cell.stage",
        "ctrl+s",
        "stage",
        "Stage the edit",
        "Keep the new value as a staged change",
        _E,
        priority=True,
    ),
    KeyAction(
        "edit_cell.set_null",
        "ctrl+n",
        "set_null",
        "Set NULL",
        "The value becomes NULL",
        _E,
        priority=True,
    ),
    KeyAction(
        "edit_cell.multiline",
        "ctrl+o",
        "multiline",
        "Multi-line",
        "Edit in a multi-line editor",
        _E,
        priority=True,
    ),
    KeyAction(
        "edit_cell.set_empty",
        "ctrl+e",
        "set_empty",
        "Empty text",
        "The value becomes empty text (not NULL)",
        _E,
        priority=True,
    ),
    KeyAction(
        "edit_cell.next_class",
        "ctrl+t",
        "next_class",
        "Storage class",
        "Store as the next SQLite storage class (text, integer, real, blob)",
        _E,
        priority=True,
    ),
    KeyAction("error_dialog.close", "escape,q,enter", "close", "Close", "Close the message", _A),
    KeyAction(
        "error_dialog.copy",
        "c",
        "copy",
        "Copy message",
        "The error message to the clipboard",
        _A,
        ("clipboard",),
    ),
    KeyAction(
        "error.quit",
        "q,escape",
        "app.quit",
        "Quit",
        "Leave dbbrowse (the database could not be opened)",
        _A,
    ),
    KeyAction(
        "error.retry",
        "r",
        "retry",
        "Try again",
        "Open the database again: a lock another program held, or a server not up yet,"
        " may be gone by now",
        _A,
        ("retry", "again", "reopen", "locked"),
    ),
    KeyAction(
        "error.copy",
        "c",
        "copy",
        "Copy message",
        "The error message to the clipboard",
        _A,
        ("clipboard",),
    ),
    KeyAction(
        "export.cancel", "escape", "cancel", "Cancel", "Close the dialog, changing nothing", _A
    ),
    KeyAction(
        "filter.cancel", "escape", "cancel", "Cancel", "Close the dialog, changing nothing", _A
    ),
    KeyAction(
        "filter.remove",
        "delete,backspace",
        "remove",
        "Remove condition",
        "Remove the highlighted condition from the filter",
        _F,
        ("delete", "condition"),
    ),
    KeyAction("help.close", "escape,q,question_mark", "close", "Close", "Close the help", _A),
    KeyAction(
        "history.cancel", "escape", "cancel", "Cancel", "Close the dialog, changing nothing", _A
    ),
    KeyAction("history.down", "down", "down", "Next", "Next statement", _C, show=False),
    KeyAction("history.up", "up", "up", "Previous", "Previous statement", _C, show=False),
    KeyAction("pending.close", "escape,p,q", "close", "Close", "Back, changes still staged", _E),
    KeyAction(
        "pending.save",
        "ctrl+s",
        "answer('save')",
        "Save all",
        "Save every staged change",
        _E,
        priority=True,
    ),
    KeyAction(
        "pending.discard_one",
        "x,delete",
        "discard_one",
        "Discard this one",
        "Forget the selected staged change (up/down select it)",
        _E,
    ),
    KeyAction(
        "pending.discard", "X", "answer('discard')", "Discard all", "Forget every staged change", _E
    ),
    KeyAction(
        "pending.down",
        "down",
        "select(1)",
        "Next",
        "Select the next change",
        _E,
        show=False,
        priority=True,
    ),
    KeyAction(
        "pending.up",
        "up",
        "select(-1)",
        "Previous",
        "Select the previous change",
        _E,
        show=False,
        priority=True,
    ),
    KeyAction("plan.close", "escape,q", "close", "Close", "Close the query plan", _C),
    KeyAction(
        "prompt.cancel", "escape", "cancel", "Cancel", "Close the dialog, changing nothing", _A
    ),
    KeyAction(
        "recent.cancel", "escape,q", "cancel", "Quit", "Leave without opening a database", _A
    ),
    KeyAction(
        "references.cancel", "escape", "cancel", "Cancel", "Close the list, opening nothing", _A
    ),
    KeyAction(
        "row_form.cancel", "escape", "cancel", "Cancel", "Close the dialog, changing nothing", _A
    ),
    KeyAction(
        "row_form.stage",
        "ctrl+s",
        "stage",
        "Stage the row",
        "Keep the row as staged",
        _E,
        priority=True,
    ),
    KeyAction(
        "row_form.set_null",
        "ctrl+n",
        "set_null",
        "Field: NULL",
        "This field becomes NULL",
        _E,
        priority=True,
    ),
    KeyAction(
        "row_form.set_default",
        "ctrl+r",
        "set_default",
        "Field: default",
        "This field is left to the column's default",
        _E,
        priority=True,
    ),
    KeyAction(
        "row_form.next_class",
        "ctrl+t",
        "next_class",
        "Field: storage class",
        "Store this field as the next SQLite storage class",
        _E,
        priority=True,
    ),
    KeyAction("value.first", "home", "first", "Start", "The start of the value", _R),
    KeyAction("value.last", "end", "last", "End", "The end of the value (read if not yet)", _R),
)

__all__ = ["DIALOG_ACTIONS"]
