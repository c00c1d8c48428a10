"""Staged changes in words: the pending-changes panel, the delete question, the conflict table.

Every value and name is data, so each is built as :class:`rich.text.Text` through
:mod:`tui.text.escape`, never as markup; values follow :mod:`tui.text.literal` (text a quoted
literal, numbers bare, so the text ``'1'`` and the integer ``1`` differ; NULL ``∅ NULL``, the
empty text ``⟨empty⟩``). Statements are shown as the dialect compiles them, with
their bound values listed apart: exactly what save runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from tui.db.edits import CellEdit, Change, RowDelete, RowInsert, same_value
from tui.text.difference import difference_pair
from tui.text.escape import append_escaped, append_name
from tui.text.literal import append_value, value_text

if TYPE_CHECKING:
    from tui.db.delete_effects import DeleteEffect
    from tui.db.model import TableRef
    from tui.db.save import Conflict, PlannedStatement
    from tui.db.values import RowKey


def append_key(target: Text, key: RowKey) -> Text:
    """``id=3``, ``a='k1', b=3``, ``rowid=12``."""
    for index, (name, value) in enumerate(zip(key.names, key.values, strict=True)):
        if index:
            target.append(", ")
        append_name(target, name).append("=")
        append_value(target, value, 24)
    return target


def new_row_name(number: int) -> str:
    """A staged new row by its place in the strip under the grid, as its gutter shows it
    (``1+``): the one name for it everywhere (panel, form, notices)."""
    return f"new row {number}+"


def insert_numbers(changes: Sequence[Change]) -> dict[Change, int]:
    """Each staged insert's place among its table's (staging order, as the strip lists them)."""
    counted: dict[TableRef, int] = {}
    numbers: dict[Change, int] = {}
    for change in changes:
        if isinstance(change, RowInsert):
            counted[change.table] = numbers[change] = counted.get(change.table, 0) + 1
    return numbers


def change_line(change: Change, number: int | None = None) -> Text:
    """One staged change: table, row key, column, old -> new (``number``: a new row's place)."""
    text = Text()
    append_name(text, str(change.table), "bold").append("  ")
    if isinstance(change, CellEdit):
        append_key(text, change.key).append("  ")
        append_name(text, change.column, "bold").append(": ")
        append_value(text, change.original).append(" -> ")
        append_value(text, change.new)
    elif isinstance(change, RowInsert):
        text.append(new_row_name(number) if number is not None else "a new row", "bold")
        text.append(": ")
        if not change.values:
            text.append("every column takes its default", "dim")
        for index, (name, value) in enumerate(change.values):
            if index:
                text.append(", ")
            append_name(text, name).append("=")
            append_value(text, value, 24)
    else:
        text.append("delete ", "bold")
        append_key(text, change.key)
    return text


def statement_lines(statement: PlannedStatement) -> list[Text]:
    """The SQL as compiled, its bound values, and the rows it must touch."""
    sql = Text("  ")
    append_escaped(sql, statement.sql, "bold")
    lines = [sql]
    if statement.params:
        bound = Text("    bound: ", "dim")
        for index, (name, value) in enumerate(statement.params):
            if index:
                bound.append(", ")
            append_name(bound, name).append("=")
            append_value(bound, value, 40)
        lines.append(bound)
    rows = statement.expected_rows
    lines.append(Text(f"    must touch {rows} row{'s' if rows != 1 else ''}", "dim"))
    change = statement.change
    if isinstance(change, RowDelete) and change.effects:
        from tui.db.delete_effects import describe_effects

        said = describe_effects(change.effects)
        if said:
            # What the confirmation announced: counted again when the save runs.
            line = Text("    and through foreign keys: ", "dim")
            append_escaped(line, said)
            lines.append(line.append(" (counted again at save: a difference stops it)", "dim"))
    return lines


def pending_text(
    changes: Sequence[Change],
    planned: Sequence[PlannedStatement] | None,
    *,
    plan_error: str | None = None,
    failed: Change | None = None,
    reason: str = "",
    gone: Mapping[int, str] | None = None,
    selected: int | None = None,
) -> Text:
    """The pending-changes panel: each change, then the statements save will run.

    ``gone``: by index in ``changes``, why a change can no longer be saved (its column or
    table was renamed or dropped elsewhere); ``selected``: the line ``x`` discards."""
    out = Text()
    if not changes:
        return out.append("nothing is staged", "dim")
    count = len(changes)
    out.append(f"{count} change{'s' if count != 1 else ''} staged, not saved\n\n", "bold")
    if reason and (failed is None or failed not in changes):
        # The save failed before any one change did (the database was locked).
        out.append("✗ the save failed, nothing was written: ", "bold")
        append_escaped(out, reason)
        out.append("\n\n")
    numbers = insert_numbers(changes)
    gone = gone or {}
    for index, change in enumerate(changes, 1):
        marker = "✗ " if change == failed else "  "
        if selected == index - 1:  # the line x discards
            marker = "▶" + marker.strip().ljust(1)
        out.append(f"{marker}{index:>3}. ", "bold" if change == failed else "dim")
        out.append_text(change_line(change, numbers.get(change)))
        out.append("\n")
        if index - 1 in gone:
            out.append("       column gone: ", "bold")
            append_escaped(out, gone[index - 1])
            out.append("\n")
        if change == failed and reason and gone.get(index - 1) != reason:
            out.append("       failed: ", "bold")
            append_escaped(out, reason)
            out.append("\n")
    rules = compare_rules(changes)
    if rules:
        # Which change by someone else stops the save differs by table: say it where it's seen.
        out.append("\nwhat the save compares with the database:\n", "bold")
        for line in rules:
            out.append_text(line).append("\n")
    out.append("\nctrl+s runs, in one transaction (all or nothing):\n\n", "bold")
    if plan_error is not None:
        out.append("cannot plan the save: ", "bold")
        return append_escaped(out, plan_error)
    for statement in planned or ():
        for line in statement_lines(statement):
            out.append_text(line)
            out.append("\n")
    return out


def delete_question(
    table: TableRef, count: int, effects: Sequence[DeleteEffect] | None
) -> tuple[Text, Text]:
    """The title and body of the confirmation before rows are staged for deletion: how many,
    and what the rows of other tables that refer to them undergo (None: not known)."""
    title = Text(f"Delete {count:,} row{'s' if count != 1 else ''} of ")
    append_name(title, str(table)).append("?")
    body = Text("Staged only: nothing is deleted until ctrl+s saves (ctrl+z undoes).")
    if effects is None:
        body.append("\n\nThe schema is not read yet: what refers to these rows is unknown.")
        return title, body
    for effect in (e for e in effects if e.rows):
        rows = f"{effect.rows:,} row{'s' if effect.rows != 1 else ''} of "
        body.append("\n\n• ")
        if effect.action == "CASCADE":
            body.append("also deletes ", "bold").append(rows)
            append_name(body, effect.table).append(" (ON DELETE CASCADE, and what they cascade to)")
        elif effect.action in ("SET NULL", "SET DEFAULT"):
            body.append("sets ", "bold")
            _append_names(body, effect.columns)
            body.append(f" to {effect.action[4:]} in {rows}")
            append_name(body, effect.table)
        else:
            body.append(rows)
            append_name(body, effect.table)
            from tui.db.delete_effects import refer_phrase

            body.append(f" still {refer_phrase(effect.rows, count)} ({effect.action}): ", "")
            body.append("the save will fail", "bold")
    return title, body


def _append_names(target: Text, names: Sequence[str]) -> None:
    for index, name in enumerate(names):
        if index:
            target.append(", ")
        append_name(target, name)


#: What a save compares, by how the row is named (the pending panel, the conflict dialog).
KEYED_RULE = (
    "an edit compares only the edited columns and the key: someone else's change to another"
    " column is kept beside yours; a deletion compares every column"
)
ROWID_RULE = (
    "no declared key: rows are named by their rowid, which the database may give to another"
    " row, so an edit or a deletion compares every column: a change by someone else to any"
    " column is a conflict"
)


def compare_rules(changes: Sequence[Change]) -> list[Text]:
    """One line per table with an edit or a deletion staged: which rule its save follows."""
    whole: dict[TableRef, bool] = {}
    for change in changes:
        if not isinstance(change, RowInsert):
            whole[change.table] = whole.get(change.table, False) or _whole_row(change)
    lines = []
    for table, rowid in whole.items():
        line = Text("  ")
        append_name(line, str(table), "bold").append(": ")
        lines.append(line.append(ROWID_RULE if rowid else KEYED_RULE, "dim"))
    return lines


def _whole_row(change: CellEdit | RowDelete) -> bool:
    return change.key.rowid or (isinstance(change, CellEdit) and bool(change.row))


def conflict_view(
    conflict: Conflict, columns: Sequence[str], row_edits: Sequence[CellEdit] = ()
) -> tuple[Text, Text, Table, Mapping[str, Any] | None]:
    """Title, summary and a column-by-column table of what I saw / mine / now.

    ``row_edits``: every staged edit of the conflicting row (one UPDATE writes them all).
    Listed: the edited columns, and every column whose value (or storage class) differs
    from what was seen, marked ``≠``.
    """
    change = conflict.change
    current = dict(conflict.current) if conflict.current is not None else None
    title = Text("Someone else changed this row: nothing was written")
    summary = change_line(change)
    if conflict.effects is not None and isinstance(change, RowDelete):
        from tui.db.save import effects_changed

        title = Text("What this deletion takes with it changed: nothing was written")
        summary.append("\n\nsince it was staged, ")
        append_escaped(summary, effects_changed(change.effects or (), conflict.effects), "bold")
        summary.append(
            "\nkeep mine stages it again as it is now (ctrl+s then deletes that);"
            " take theirs drops the deletion"
        )
    elif current is None:
        summary.append("\n\nthe row is gone now: it was deleted, or its key changed", "bold")
    table = Table(box=None, expand=True, show_edge=False, pad_edge=False)
    table.add_column("", width=1, no_wrap=True)
    for header in ("column", "what you saw", "mine", "now in the database"):
        table.add_column(header, overflow="fold")
    saw, mine = _seen_and_mine(change, row_edits)
    names = [*(n for n in columns if n in saw), *(n for n in saw if n not in columns)]
    changed = []
    for name in names:
        now = current.get(name) if current is not None else None
        differs = current is not None and not same_value(saw[name], now)
        if not differs and name not in mine:
            continue
        if differs:
            changed.append(name)
            seen_cell, now_cell = difference_pair(saw[name], now, 30)
        else:
            seen_cell = value_text(saw[name], 30)
            now_cell = value_text(now, 30) if current is not None else Text("(row gone)", "dim")
        table.add_row(
            Text("≠", "bold") if differs else Text(""),
            append_name(Text(), name, "bold" if differs else ""),
            seen_cell,
            mine.get(name, Text("(not edited)", "dim")),
            now_cell,
        )
    if (
        current is not None
        and conflict.effects is None
        and isinstance(change, CellEdit | RowDelete)
    ):
        summary.append("\n\n")
        if changed:
            summary.append("≠ changed since you read it: ", "bold")
            for index, name in enumerate(changed):
                append_name(summary.append(", " if index else ""), name, "bold")
            summary.append("\n")
        summary.append(ROWID_RULE if _whole_row(change) else KEYED_RULE, "dim")
    return title, summary, table, current


def _seen_and_mine(
    change: Change, row_edits: Sequence[CellEdit]
) -> tuple[dict[str, Any], dict[str, Text]]:
    """Each compared column as it was seen, and my value of each edited one."""
    if isinstance(change, RowDelete):
        return dict(change.original), {n: Text("(deleted)", "dim") for n, _ in change.original}
    if not isinstance(change, CellEdit):
        return {}, {}
    edits = list(row_edits or (change,))
    saw: dict[str, Any] = {}
    for edit in edits:
        for name, value in edit.row:
            saw.setdefault(name, value)
    mine: dict[str, Text] = {}
    for edit in reversed(edits):  # a cell's first step starts from what the database held
        saw[edit.column] = edit.original
    for edit in edits:  # its last step is what I want stored
        mine[edit.column] = value_text(edit.new, 30)
    return saw, mine


__all__ = [
    "KEYED_RULE",
    "ROWID_RULE",
    "append_key",
    "append_value",
    "change_line",
    "compare_rules",
    "conflict_view",
    "delete_question",
    "insert_numbers",
    "new_row_name",
    "pending_text",
    "statement_lines",
    "value_text",
]
