"""Which columns another connection added, dropped or renamed, told from a table's columns
as described before and after, and said in words.

Every engine's catalog gives names, declared types and order, none a column's identity, so a
rename is inferred: a name that is gone, at the same position as a new name of the same
declared type, was renamed (``ALTER TABLE … RENAME COLUMN`` keeps both); anything else is a
drop and an add. A drop and an add at the same place in one go read as a rename, the safe side
for a staged change on that column: it is refused either way (:mod:`tui.db.column_follow`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tui.db.model import TableInfo

__all__ = ["ColumnChanges", "column_changes", "column_words"]


def column_words(
    added: Sequence[str], dropped: Sequence[str], renamed: Sequence[tuple[str, str]]
) -> str:
    """``added c; dropped b; renamed a to z`` ("" for no change)."""
    parts = []
    if added:
        parts.append("added " + ", ".join(added))
    if dropped:
        parts.append("dropped " + ", ".join(dropped))
    parts.extend(f"renamed {old} to {new}" for old, new in renamed)
    return "; ".join(parts)


@dataclass(frozen=True)
class ColumnChanges:
    """How a table's column names changed (see the module for how renames are told)."""

    added: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()  # (old, new)

    def __bool__(self) -> bool:
        return bool(self.added or self.dropped or self.renamed)

    @property
    def new_names(self) -> dict[str, str]:
        """Each renamed column's new name, by its old one."""
        return dict(self.renamed)

    def words(self) -> str:
        return column_words(self.added, self.dropped, self.renamed)


def column_changes(before: TableInfo, now: TableInfo) -> ColumnChanges:
    """The columns of ``now`` added, dropped or renamed since ``before``."""
    old = [c.name for c in before.columns]
    new = [c.name for c in now.columns]
    old_types = {c.name: c.type_name.upper() for c in before.columns}
    new_types = {c.name: c.type_name.upper() for c in now.columns}
    added = [n for n in new if n not in old_types]
    dropped = [n for n in old if n not in new_types]
    renamed = []
    for name in list(dropped):
        at = old.index(name)
        there = new[at] if at < len(new) else None
        if there is not None and there in added and new_types[there] == old_types[name]:
            renamed.append((name, there))
            dropped.remove(name)
            added.remove(there)
    return ColumnChanges(tuple(added), tuple(dropped), tuple(renamed))
