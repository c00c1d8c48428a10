"""Which b-trees owned the pages of one commit, before and after it, checked for its detail.

The history attributes pages commit by commit (:class:`tui.db.wal_history.HistoryBuilder`),
reading pages no frame holds from the database file. After a checkpoint that copied later
frames into the file, those reads may be later versions: the history marks such a commit
*approximate* (or could not attribute it at all), and its owners may be wrong in any way,
for instance every page of a table "new" because the state before was unreadable. A
commit's row changes decoded from such owners would be invented.

So for such a commit the owners are found again here, from the states just before and just
after it, read strictly (:class:`tui.db.page_versions.PageUnknown` for any page that may be a
later version). Either both states are known, and the owners are exact; or one is not, and
only the b-trees of the pages the commit wrote are named, with the reason their rows cannot be
known. Never a table the commit did not write, never rows from a later commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.db.btree import BtreeError
from tui.db.history_store import Changes, HistoryCommit
from tui.db.page_owners import PageOwners
from tui.db.page_versions import PageVersions
from tui.db.schema_pages import table_layout

__all__ = ["CommitOwners", "commit_owners"]

#: Above this many pages, a commit's owners are not walked again for its detail (two whole
#: walks of the database): an approximate commit's rows are then said to be unknown.
VERIFY_PAGES = 50_000


@dataclass(frozen=True)
class CommitOwners:
    """The owners of a commit's pages, and why its rows cannot be known (None: they can)."""

    owners: Changes
    unknown: str | None = None
    #: The kind of each b-tree named (table, index…) as far as a known state tells it.
    kinds: dict[str, str] | None = None


def commit_owners(
    entry: HistoryCommit,
    history_owners: Changes,
    versions: PageVersions,
    previous: HistoryCommit | None,
    usable: int,
    encoding: str,
) -> CommitOwners:
    """The owners of commit ``entry``'s pages: the history's own when it attributed the
    commit from exact states, else found again from the strict states around it."""
    suspect = entry.approximate or entry.problem is not None
    suspect = suspect or (previous is not None and previous.problem is not None)
    if not suspect:
        return CommitOwners(history_owners)
    written = set(entry.pages)
    if entry.db_pages > VERIFY_PAGES:
        return CommitOwners(
            _written_only(history_owners, written),
            f"the pages it was attributed from may hold later, checkpointed versions, and the"
            f" database ({entry.db_pages:,} pages) is too big to walk again to check",
        )
    states: list[PageOwners | None] = []
    reasons: list[str] = []
    for number in (entry.number - 1, entry.number):
        owners = PageOwners(usable, encoding)
        try:
            owners.rebuild(versions.getter(number, strict=True))
        except BtreeError as exc:
            if number == 0 and _no_database_before(versions):
                owners = PageOwners(usable, encoding)  # a new database: nothing before
            else:
                reasons.append(str(exc))
                states.append(None)
                continue
        states.append(owners)
    before, after = states
    if before is not None and after is not None:
        pages = written | {
            page
            for page in set(before.owner) | set(after.owner)
            if before.of(page) != after.of(page)
        }
        return CommitOwners({page: (before.of(page), after.of(page)) for page in pages})
    known = after if after is not None else before
    kinds: dict[str, str] = {}
    if known is not None:
        found: Changes = {}
        for page in written:
            owner = known.of(page)
            found[page] = (None, owner)
            if owner is not None:
                kinds[owner[0]] = _kind(known, owner[0])
    else:
        found = _written_only(history_owners, written)
        kinds = {t.name: t.kind for t in (previous.touched if previous else ()) if t.name}
        kinds.update({t.name: t.kind for t in entry.touched})
    return CommitOwners(found, reasons[0], kinds)


def _kind(owners: PageOwners, name: str) -> str:
    """table, without rowid, index or sqlite_schema, as the history's details name them."""
    kind = owners.kind_of(name)
    item = next((item for item in owners.schema if item.name == name), None)
    if kind == "table" and item is not None and item.sql:
        layout = table_layout(item.sql)
        if layout is not None and layout.without_rowid:
            return "without rowid"
    return kind


def _written_only(owners: Changes, written: set[int]) -> Changes:
    """The history's owners of the written pages only, each under its owner after (or before)
    the commit: pages it did not write tell nothing when the states are not known."""
    return {
        page: (None, pair[1] if pair[1] is not None else pair[0])
        for page, pair in owners.items()
        if page in written
    }


def _no_database_before(versions: PageVersions) -> bool:
    """Whether the state before the first commit had no database at all (an empty file)."""
    try:
        versions.read(1, 0, strict=True)
    except BtreeError as exc:
        return "past the end" in str(exc)
    return False
