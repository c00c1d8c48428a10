"""A table's names across the commits of a WAL, by the history's rename model.

Between two commits a table may have been renamed (``ALTER TABLE … RENAME TO``), maybe more
than once, with columns added or dropped on the way. Comparing the two states' schemas alone
cannot tell a rename from a ``DROP`` and a ``CREATE`` that reused the root page. So the schema
is followed commit by commit, as the history does (:func:`tui.db.schema_changes.schema_changes`
for each commit that changed it): every schema change bumps the schema cookie in page 1's
header, so only commits that wrote page 1 with a new cookie have their schema read.

Reads pages only (:class:`tui.db.page_versions.PageVersions`, strict): never SQLite, never a
lock. A state that cannot be read (a checkpoint overwrote it) follows nothing.
"""

from __future__ import annotations

import os

from tui.db.btree import BtreeError, parse_database_header
from tui.db.page_versions import PageVersions
from tui.db.schema_changes import DROPPED, RECREATED, RENAMED, SchemaChange, schema_changes
from tui.db.schema_pages import SchemaObject, read_schema
from tui.db.wal_commits import WalCommitIndex

__all__ = ["renamed_tables"]

_COOKIE = slice(40, 44)  # the schema cookie in the database header


def renamed_tables(
    db_path: str | os.PathLike[str], first: int, last: int, generation: tuple[int, int]
) -> dict[str, str]:
    """Name as of commit ``first`` -> name as of commit ``last`` (``first`` < ``last``) of
    every table renamed in between and not dropped or re-created; {} when the WAL is not
    ``generation`` any more, or a state on the way cannot be read."""
    path = os.fspath(db_path)
    commits = WalCommitIndex.shared(f"{path}-wal").refresh()
    if commits.header is None or commits.generation != generation:
        return {}
    if not 0 <= first < last <= len(commits.commits):
        return {}
    names: dict[str, str | None] = {}  # name as of first -> as of now (None: gone)
    try:
        with PageVersions(path, commits) as versions:
            header = parse_database_header(versions.read(1, last, strict=True))
            usable, encoding = header.usable_size, header.text_encoding

            def schema(number: int) -> tuple[SchemaObject, ...]:
                return read_schema(versions.getter(number, strict=True), usable, encoding)

            before = schema(first)
            names = {item.name: item.name for item in before if item.type == "table"}
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
                _step(names, schema_changes(before, after), {i.name for i in after})
                before = after
    except BtreeError:
        return {}
    return {old: new for old, new in names.items() if new is not None and new != old}


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
