"""A table's names, and its columns' names, across the commits of a WAL, by the history's
rename model.

Between two commits a table may have been renamed (``ALTER TABLE … RENAME TO``), maybe more
than once, with columns added or dropped on the way. Comparing the two states' schemas alone
cannot tell a rename from a ``DROP`` and a ``CREATE`` that reused the root page. So the schema
is followed commit by commit, as the history does (:func:`tui.db.schema_changes.schema_changes`
for each commit that changed it): every schema change bumps the schema cookie in page 1's
header, so only commits that wrote page 1 with a new cookie have their schema read.

Reads pages only (:class:`tui.db.page_versions.PageVersions`, strict): never SQLite, never a
lock. A state that cannot be read (a checkpoint overwrote it) follows nothing.

Columns are followed the same way: a column keeps its identity through ``RENAME COLUMN`` (the
table kept its root page and its definition changed only by the new name, see
:mod:`tui.db.schema_changes`); a column dropped, or added later under a name a renamed one
had, is not the same column.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from tui.db.btree import BtreeError, parse_database_header
from tui.db.page_versions import PageVersions
from tui.db.schema_changes import (
    ALTERED,
    DROPPED,
    RECREATED,
    RENAMED,
    SchemaChange,
    declared_columns,
    schema_changes,
)
from tui.db.schema_pages import SchemaObject, read_schema
from tui.db.wal_commits import WalCommitIndex

__all__ = ["Renames", "followed_renames", "renamed_tables"]

_COOKIE = slice(40, 44)  # the schema cookie in the database header


@dataclass(frozen=True)
class Renames:
    """What was renamed from commit ``first`` to commit ``last``, by names as of ``first``."""

    tables: dict[str, str] = field(default_factory=dict)  # old table name -> new
    #: old table name -> ((old column name, new column name), …) in declaration order
    columns: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    #: tables (names as of ``first``) dropped or re-created on the way: a table of the same
    #: name at ``last`` is another table, whose rows match none of these
    ended: frozenset[str] = frozenset()


def renamed_tables(
    db_path: str | os.PathLike[str], first: int, last: int, generation: tuple[int, int]
) -> dict[str, str]:
    """Name as of commit ``first`` -> name as of commit ``last`` (``first`` < ``last``) of
    every table renamed in between and not dropped or re-created; {} when the WAL is not
    ``generation`` any more, or a state on the way cannot be read."""
    return followed_renames(db_path, first, last, generation).tables


def followed_renames(
    db_path: str | os.PathLike[str], first: int, last: int, generation: tuple[int, int]
) -> Renames:
    """The tables and columns renamed from commit ``first`` to commit ``last`` (``first`` <
    ``last``) and not dropped or re-created on the way; nothing when the WAL is not
    ``generation`` any more, or a state on the way cannot be read."""
    path = os.fspath(db_path)
    commits = WalCommitIndex.shared(f"{path}-wal").refresh()
    if commits.header is None or commits.generation != generation:
        return Renames()
    if not 0 <= first < last <= len(commits.commits):
        return Renames()
    names: dict[str, str | None] = {}  # name as of first -> as of now (None: gone)
    columns: dict[str, dict[str, str | None]] = {}  # same, per table as of first
    try:
        with PageVersions(path, commits) as versions:
            header = parse_database_header(versions.read(1, last, strict=True))
            usable, encoding = header.usable_size, header.text_encoding

            def schema(number: int) -> tuple[SchemaObject, ...]:
                return read_schema(versions.getter(number, strict=True), usable, encoding)

            before = schema(first)
            names = {item.name: item.name for item in before if item.type == "table"}
            columns = {
                item.name: {c: c for c in declared_columns(item.sql)}
                for item in before
                if item.type == "table"
            }
            cookie = versions.read(1, first, strict=True)[_COOKIE]
            for number in range(first + 1, last + 1):
                frame = commits.frame_of(1, number)
                if frame is None or frame == commits.frame_of(1, number - 1):
                    continue  # page 1 not written: the schema did not change
                page = versions.read(1, number, strict=True)
                if page[_COOKIE] == cookie:
                    continue
                cookie = page[_COOKIE]
                after = schema(number)
                changes = schema_changes(before, after)
                _step(names, changes, {i.name for i in after})
                _step_columns(names, columns, changes)
                before = after
    except BtreeError:
        return Renames()
    return Renames(
        {old: new for old, new in names.items() if new is not None and new != old},
        {
            table: pairs
            for table, known in columns.items()
            if names.get(table) is not None
            and (pairs := tuple((o, n) for o, n in known.items() if n is not None and n != o))
        },
        frozenset(old for old, new in names.items() if new is None),
    )


def _step_columns(
    names: dict[str, str | None],
    columns: dict[str, dict[str, str | None]],
    changes: tuple[SchemaChange, ...],
) -> None:
    """Advance the column names of the tables still followed (``names``, already advanced)
    past one commit's ALTERs."""
    altered = {c.name: c for c in changes if c.kind == ALTERED}
    for table, current in names.items():
        change = altered.get(current) if current is not None else None
        if change is None or table not in columns:
            continue
        known = columns[table]
        gone = {d.casefold() for d in change.dropped}
        renamed = {o.casefold(): n for o, n in change.renamed}
        for old, now in known.items():
            if now is None:
                continue
            if now.casefold() in gone:
                known[old] = None
            elif now.casefold() in renamed:
                known[old] = renamed[now.casefold()]


def _step(
    names: dict[str, str | None], changes: tuple[SchemaChange, ...], present: set[str]
) -> None:
    """Advance ``names`` past one commit's schema changes."""
    renames = {c.old_name: c.name for c in changes if c.kind == RENAMED}
    ended = {c.name for c in changes if c.kind in (DROPPED, RECREATED)}
    for old, current in names.items():
        if current is None:
            continue
        if current in renames:
            names[old] = renames[current]
        elif current not in present or current in ended:
            names[old] = None  # dropped, or another table under its name
