"""What a commit did to the schema, per table, index, view and trigger, told from the
``sqlite_schema`` rows before and after it.

The WAL holds pages, not statements, so each change is inferred, by this model:

- A table's **identity** is its root page (and its row in ``sqlite_schema``): a table that
  keeps its root page under a new name was **renamed**, as ``ALTER TABLE … RENAME TO`` does
  (it rewrites the ``sqlite_schema`` row in place and keeps the columns).
- A table that keeps its name and root page but whose columns changed the way one
  ``ALTER TABLE`` changes them (columns added at the end, columns dropped, columns renamed,
  the rest of its ``CREATE TABLE`` text as SQLite's ALTER leaves it) was **altered**.
- Any other change of a table's definition under the same name (a new ``sqlite_schema`` row,
  another root page with another definition, or a definition no single ALTER writes) is a
  **re-creation** (``DROP TABLE`` then ``CREATE TABLE`` in one commit): its rows are new rows,
  counted, not matched with the old ones.
- The same definition on another root page was **moved** (``VACUUM``, or auto-vacuum filling
  the hole a dropped table left): the same table, its rows compared as usual.

The limit of the model: a ``DROP`` and ``CREATE`` in one commit that reuses the root page and
the ``sqlite_schema`` row and writes the definition one ALTER would have written is reported as
that ALTER (nothing in the files tells them apart).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from functools import lru_cache

from tui.db.column_changes import column_words
from tui.db.schema_pages import SchemaObject, table_layout

__all__ = [
    "ALTERED",
    "CHANGED",
    "CREATED",
    "DROPPED",
    "MOVED",
    "RECREATED",
    "RENAMED",
    "SchemaChange",
    "declared_columns",
    "schema_changes",
]

CREATED, DROPPED, RENAMED, ALTERED, RECREATED, MOVED, CHANGED = (
    "created",
    "dropped",
    "renamed",
    "altered",
    "re-created",
    "moved",
    "changed",
)
_QUOTES = re.compile(r"[\"`\[\]]")


@dataclass(frozen=True)
class SchemaChange:
    """One table, index, view or trigger that a commit created, dropped or changed."""

    kind: str  # created, dropped, renamed, altered, re-created, moved, changed
    type: str  # table, index, view, trigger
    name: str  # its name after the commit (before it, when dropped)
    before: SchemaObject | None
    after: SchemaObject | None
    added: tuple[str, ...] = ()  # columns
    dropped: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()  # (old, new) column names

    @property
    def old_name(self) -> str:
        return self.before.name if self.before is not None else self.name

    @property
    def columns_changed(self) -> bool:
        return bool(self.added or self.dropped or self.renamed)

    def column_words(self) -> str:
        """``added c; dropped b; renamed a to z``."""
        return column_words(self.added, self.dropped, self.renamed)

    def words(self) -> str:
        """The change in words, for a person: ``table t renamed to u``."""
        head = f"{self.type} {self.name}"
        if self.kind == RENAMED:
            text = f"{self.type} {self.old_name} renamed to {self.name}"
            return (
                f"{text}; columns changed: {self.column_words()}" if self.columns_changed else text
            )
        if self.kind == ALTERED:
            if self.columns_changed:
                return f"{head}: columns changed: {self.column_words()}"
            return f"{head}: definition changed"
        if self.kind == RECREATED:
            return f"{head} re-created (dropped and created again)"
        if self.kind == MOVED:
            assert self.before is not None and self.after is not None
            return f"{head} moved from root page {self.before.root} to {self.after.root}"
        if self.kind == CHANGED:
            return f"{head}: definition changed"
        return f"{head} {self.kind}"


def schema_changes(
    before: tuple[SchemaObject, ...], after: tuple[SchemaObject, ...]
) -> tuple[SchemaChange, ...]:
    """Every object of ``after`` that differs from ``before``, and every one dropped."""
    old = {item.name: item for item in before}
    new = {item.name: item for item in after}
    changes: list[SchemaChange] = []
    renamed_from: dict[str, str] = {}
    gone = [item for name, item in old.items() if name not in new]
    for item in after:
        if item.name in old:
            continue
        twin = next(
            (
                g
                for g in gone
                if g.type == item.type == "table"
                and g.root == item.root > 0
                and g.rowid == item.rowid
                and _declared(g.sql) == _declared(item.sql)
            ),
            None,
        )
        if twin is not None:
            gone.remove(twin)
            renamed_from[twin.name] = item.name
            changes.append(SchemaChange(RENAMED, "table", item.name, twin, item))
        else:
            changes.append(SchemaChange(CREATED, item.type, item.name, None, item))
    for item in gone:
        changes.append(SchemaChange(DROPPED, item.type, item.name, item, None))
    # Tables first: an index or trigger that only follows its table's renamed column is not
    # a change of its own.
    follows: set[str] = set()
    for item in sorted(after, key=lambda i: i.type != "table"):
        was = old.get(item.name)
        if was is None or (was.sql, was.root, was.type) == (item.sql, item.root, item.type):
            continue  # unchanged (a schema row renumbered by VACUUM is the same object)
        if item.type == "table" and was.type == "table":
            change = _table_change(was, item)
            changes.append(change)
            if change.renamed:
                follows.add(item.name)
        elif was.root == item.root and (
            renamed_from.get(was.table) == item.table or item.table in follows
        ):
            continue  # an index or trigger following its table's new name or column names
        elif was.type != item.type:
            changes.append(SchemaChange(DROPPED, was.type, was.name, was, None))
            changes.append(SchemaChange(CREATED, item.type, item.name, None, item))
        elif was.sql == item.sql:
            changes.append(SchemaChange(MOVED, item.type, item.name, was, item))
        else:
            changes.append(SchemaChange(CHANGED, item.type, item.name, was, item))
    order = {CREATED: 1, DROPPED: 0}
    changes.sort(key=lambda c: (c.type != "table", order.get(c.kind, 2), c.name))
    return tuple(changes)


@lru_cache(maxsize=512)
def _declared(sql: str | None) -> tuple[str, ...]:
    """The columns ``sql`` creates, in declaration order; () when SQLite cannot create it
    alone (run in a private in-memory database, never the inspected one)."""
    if not sql or table_layout(sql) is None:
        return ()
    con = sqlite3.connect(":memory:")
    try:
        con.execute(sql)
        (name,) = con.execute("SELECT name FROM sqlite_schema WHERE type = 'table'").fetchone()
        rows = con.execute("SELECT name FROM pragma_table_xinfo(?) ORDER BY cid", (name,))
        return tuple(str(row[0]) for row in rows)
    except sqlite3.Error:
        return ()
    finally:
        con.close()


def declared_columns(sql: str | None) -> tuple[str, ...]:
    """The columns the ``CREATE TABLE`` text ``sql`` creates, in order; () when unknown."""
    return _declared(sql)


def _table_change(was: SchemaObject, item: SchemaObject) -> SchemaChange:
    """Same name: altered, moved or re-created (see the module's model)."""
    if was.sql == item.sql:
        # The same definition is the same table (its schema row may be renumbered by VACUUM).
        return SchemaChange(MOVED, "table", item.name, was, item)
    if was.rowid != item.rowid or was.root != item.root:
        return SchemaChange(RECREATED, "table", item.name, was, item)
    old, new = _declared(was.sql), _declared(item.sql)
    if not old or not new:
        return SchemaChange(ALTERED, "table", item.name, was, item)
    altered = _one_alter(was.sql or "", item.sql or "", old, new)
    if altered is None:
        return SchemaChange(RECREATED, "table", item.name, was, item)
    added, dropped, renamed = altered
    return SchemaChange(ALTERED, "table", item.name, was, item, added, dropped, renamed)


def _one_alter(
    old_sql: str, new_sql: str, old: tuple[str, ...], new: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, str], ...]] | None:
    """(added, dropped, renamed) when ``new_sql`` is what ALTER TABLE writes from
    ``old_sql``: text added before the end (ADD COLUMN), text cut out (DROP COLUMN), or names
    replaced (RENAME COLUMN); None when no such ALTER writes it."""
    folded_old = [c.casefold() for c in old]
    folded_new = [c.casefold() for c in new]
    added = tuple(c for c in new if c.casefold() not in folded_old)
    dropped = tuple(c for c in old if c.casefold() not in folded_new)
    a, b = _QUOTES.sub("", old_sql), _QUOTES.sub("", new_sql)
    prefix = 0
    while prefix < min(len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(a), len(b)) - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    cut, put = a[prefix : len(a) - suffix], b[prefix : len(b) - suffix]
    if added and not dropped and not cut and list(new[: len(old)]) == list(old):
        return added, (), ()  # ADD COLUMN: text inserted, old columns unchanged
    if dropped and not added and not put and [c for c in old if c not in dropped] == list(new):
        return (), dropped, ()  # DROP COLUMN: text cut out
    if len(old) == len(new) and added and len(added) == len(dropped):
        pairs = tuple((o, n) for o, n in zip(old, new, strict=True) if o != n)
        renamed = a
        for o, n in pairs:
            renamed = re.sub(rf"(?<![\w$]){re.escape(o)}(?![\w$])", n, renamed, flags=re.I)
        if renamed == b:
            return (), (), pairs  # RENAME COLUMN: every mention renamed, nothing else
    return None
