"""Lines that say how a table's rows differ between two states (:mod:`tui.db.row_diff`).

``+`` a row only after, ``-`` a row only before, ``~`` a row whose values differ, with
``column: old → new`` for each column that changed. Names and values are escaped and values
written literally (:mod:`tui.text.literal`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from rich.text import Text

from tui.db.row_diff import RowDifference
from tui.text.escape import append_name
from tui.text.literal import VALUE_WIDTH, append_sized_value

__all__ = ["difference_line", "summary_line", "unreadable_text"]

_MARKS = {"inserted": "+", "deleted": "-", "updated": "~"}


def _key_text(key_columns: Sequence[str], key: Sequence[object]) -> Text:
    text = Text()
    for n, (name, value) in enumerate(zip(key_columns, key, strict=False)):
        if n:
            text.append(", ")
        append_name(text, name)
        text.append(" ")
        append_sized_value(text, value, VALUE_WIDTH)
    return text


def _row_text(columns: Sequence[str], row: Sequence[object]) -> Text:
    text = Text()
    for n, (name, value) in enumerate(zip(columns, row, strict=True)):
        if n:
            text.append(", ")
        append_name(text, name, "bold")
        text.append("=")
        append_sized_value(text, value, VALUE_WIDTH)
    return text


_NO_RENAMES: Mapping[str, str] = MappingProxyType({})
_ABSENT = Text("(no such column)", "dim italic")


def difference_line(
    key_columns: Sequence[str],
    before_columns: Sequence[str],
    after_columns: Sequence[str],
    change: RowDifference,
    renamed: Mapping[str, str] = _NO_RENAMES,
) -> Text:
    """One row's difference on one line: an inserted row under the after names, a deleted
    one under the before names, an updated one's values matched across ``renamed`` columns
    (before name -> after name)."""
    text = Text(f"{_MARKS[change.kind]} ", "bold")
    text.append_text(_key_text(key_columns, change.key)).append(": ")
    if change.kind == "inserted" and change.after is not None:
        return text.append_text(_row_text(after_columns, change.after))
    if change.kind == "deleted" and change.before is not None:
        return text.append_text(_row_text(before_columns, change.before))
    matched = (renamed.get(name, name) for name in before_columns)
    old = dict(zip(matched, change.before or (), strict=False))
    new = dict(zip(after_columns, change.after or (), strict=False))
    for n, name in enumerate(change.changed):
        if n:
            text.append("; ")
        append_name(text, name, "bold")
        text.append(": ")
        _append_cell(text, old, name)
        text.append(" → ")
        _append_cell(text, new, name)
    return text


def _append_cell(text: Text, row: dict[str, object], name: str) -> None:
    if name in row:
        append_sized_value(text, row[name])
    else:
        text.append_text(_ABSENT)


def summary_line(table: str, before: str, after: str, counts: dict[str, int]) -> Text:
    """``3 rows of 't' differ from commit 2 to now: 1 inserted, 1 updated, 1 deleted``."""
    total = sum(counts.values())
    text = Text(f"{total:,} row{'' if total == 1 else 's'} of ")
    append_name(text, table, "bold")
    text.append(f" differ{'s' if total == 1 else ''} from {before} to {after}")
    if total:
        parts = [f"{counts.get(k, 0):,} {k}" for k in ("inserted", "updated", "deleted")]
        text.append(": " + ", ".join(parts))
    return text


def unreadable_text(table: str, before: str, after: str, reason: str) -> str:
    """Why the rows of ``table`` from ``before`` to ``after`` cannot be compared, and what a
    person can still do: ``reason`` is the as-of layer's (``not reconstructable: …``)."""
    why = reason.removeprefix("not reconstructable: ")
    return (
        f"Cannot list how {table} changed from {before} to {after}: the database as it stood"
        f" at {before} can no longer be read. Why: {why}.\n"
        "What you can still do: the past state's grid keeps the rows it read before, though"
        " reading it again may fail the same way. The WAL history (w, then h) lists the"
        " commits the WAL still holds: b on one of them opens it, and N there compares it"
        " with now."
    )
