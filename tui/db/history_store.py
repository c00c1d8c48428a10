"""What the WAL history keeps of each commit, in arrays, and the commits made from them on demand.

A WAL of 100,000 small commits held, per commit, a :class:`HistoryCommit` with its tuples of
:class:`Touched` and a dictionary of page owners before and after it: hundreds of megabytes
for a list a person sees forty lines of. :class:`HistoryStore` keeps, per page a commit wrote,
three small integers (its owner before, its owner after, and the label it is listed under:
a table, an index, or the freelist…), each an index into a table of the few distinct values;
the rarer facts (pages that changed owner without being written, a problem, schema changes)
are kept only for the commits that have them. :class:`HistoryList` and :class:`PageChanges`
make a commit's values when they are asked for, equal to those the builder computed.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar, overload

from tui.db.lazy_sequence import LazySequence
from tui.db.page_owners import Owner
from tui.db.wal_commits import Commit, CommitList

__all__ = [
    "FREELIST",
    "POINTER_MAP",
    "UNUSED",
    "HistoryCommit",
    "HistoryList",
    "HistoryStore",
    "PageChanges",
    "Touched",
]

FREELIST = "freelist"
POINTER_MAP = "pointer map"
UNUSED = "unused"
_LOOSE = (FREELIST, POINTER_MAP, UNUSED)

T = TypeVar("T")
#: The pages of a commit and their owner before and after it.
Changes = dict[int, tuple[Owner, Owner]]


@dataclass(frozen=True)
class Touched:
    """One thing a commit wrote pages of: a b-tree (table, index, sqlite_schema) or not."""

    name: str  # the table or index; for pages in no b-tree, the kind again
    kind: str  # table, index, sqlite_schema, freelist, pointer map, unused
    pages: tuple[int, ...]


@dataclass(frozen=True)
class HistoryCommit:
    """One commit still in the WAL."""

    number: int
    first_frame: int
    last_frame: int
    db_pages: int  # database size in pages after the commit
    pages: tuple[int, ...]  # pages written, ascending
    touched: tuple[Touched, ...]
    approximate: bool  # some pages read for it may hold later, checkpointed versions
    problem: str | None = None  # why its pages could not be attributed
    #: What it did to the schema, in words (``table t renamed to u``; see schema_changes).
    schema_words: tuple[str, ...] = ()

    @property
    def frame_count(self) -> int:
        return self.last_frame - self.first_frame + 1

    @property
    def names(self) -> tuple[str, ...]:
        """The tables and indexes it wrote, then what else it wrote (freelist, …)."""
        return tuple(t.name for t in self.touched)


class _Interned(Generic[T]):
    """Small integers for the few distinct values of many entries (0 is the first value)."""

    __slots__ = ("ids", "values")

    def __init__(self, first: T) -> None:
        self.values: list[T] = [first]
        self.ids: dict[T, int] = {first: 0}

    def id(self, value: T) -> int:
        found = self.ids.get(value)
        if found is None:
            found = self.ids[value] = len(self.values)
            self.values.append(value)
        return found


class HistoryStore:
    """Every attributed commit of one generation; append-only (a new generation, a new store)."""

    def __init__(self) -> None:
        self._owners: _Interned[Owner] = _Interned(None)
        self._labels: _Interned[tuple[str, str]] = _Interned(("", ""))  # listed under
        self._spans = array("I", [0])  # commit i's pages are entries spans[i]..spans[i+1]
        self._pages = array("I")
        self._before = array("I")
        self._after = array("I")
        self._label = array("I")
        self._approximate = bytearray()
        self._extra: dict[int, Changes] = {}  # pages that changed owner without being written
        self._problems: dict[int, str] = {}
        self._schema_words: dict[int, tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self._approximate)

    def append(
        self,
        changes: Changes,
        written: Sequence[int],
        labels: dict[int, tuple[str, str]],
        *,
        approximate: bool,
        problem: str | None = None,
        schema_words: tuple[str, ...] = (),
    ) -> None:
        """Record the next commit: ``changes`` holds its written pages and those that
        changed owner; ``labels`` what each written page is listed under (none when the
        commit has a problem)."""
        index = len(self._approximate)
        owner_id, label_id = self._owners.id, self._labels.id
        for page in sorted(written):
            before, after = changes.get(page, (None, None))
            self._pages.append(page)
            self._before.append(owner_id(before))
            self._after.append(owner_id(after))
            self._label.append(label_id(labels.get(page, ("", ""))))
        self._spans.append(len(self._pages))
        pages = set(written)
        extra = {page: pair for page, pair in changes.items() if page not in pages}
        if extra:
            self._extra[index] = extra
        self._approximate.append(approximate)
        if problem is not None:
            self._problems[index] = problem
        if schema_words:
            self._schema_words[index] = schema_words

    def changes(self, index: int) -> Changes:
        """Commit ``index``'s (0-based) pages: owner before and after, as the builder found."""
        owners = self._owners.values
        start, end = self._spans[index], self._spans[index + 1]
        found: Changes = {
            self._pages[i]: (owners[self._before[i]], owners[self._after[i]])
            for i in range(start, end)
        }
        found.update(self._extra.get(index, {}))
        return found

    def commit(self, index: int, commit: Commit) -> HistoryCommit:
        """Commit ``index`` (0-based) as a value; ``commit`` is the WAL's same commit."""
        start, end = self._spans[index], self._spans[index + 1]
        pages = tuple(self._pages[start:end])
        problem = self._problems.get(index)
        touched: tuple[Touched, ...] = ()
        if problem is None:
            groups: dict[int, list[int]] = {}
            for i in range(start, end):
                groups.setdefault(self._label[i], []).append(self._pages[i])
            labels = self._labels.values
            keyed = [(labels[label], found) for label, found in groups.items()]
            keyed.sort(key=lambda item: (item[0][1] in _LOOSE, item[0]))
            touched = tuple(Touched(name, kind, tuple(found)) for (name, kind), found in keyed)
        return HistoryCommit(
            number=commit.number,
            first_frame=commit.first_frame,
            last_frame=commit.last_frame,
            db_pages=commit.db_pages,
            pages=pages,
            touched=touched,
            approximate=bool(self._approximate[index]),
            problem=problem,
            schema_words=self._schema_words.get(index, ()),
        )


class HistoryList(LazySequence[HistoryCommit]):
    """The first ``count`` commits of a store, each made when it is asked for (and equal to
    any sequence of the same commits, see :class:`~tui.db.lazy_sequence.LazySequence`)."""

    __slots__ = ("_commits", "_store")
    noun = "commits"

    def __init__(
        self, store: HistoryStore | None = None, commits: CommitList | None = None, count: int = 0
    ) -> None:
        super().__init__(count)
        self._store = store or HistoryStore()
        self._commits = commits or CommitList()

    def _make(self, index: int) -> HistoryCommit:
        return self._store.commit(index, self._commits[index])


class PageChanges(Sequence[Changes]):
    """Per commit (index number - 1): page -> (owner before, owner after), for the pages it
    wrote or that changed owner; made when asked for."""

    __slots__ = ("_store",)

    def __init__(self, store: HistoryStore) -> None:
        self._store = store

    def __len__(self) -> int:
        return len(self._store)

    @overload
    def __getitem__(self, index: int) -> Changes: ...
    @overload
    def __getitem__(self, index: slice) -> list[Changes]: ...
    def __getitem__(self, index: int | slice) -> Changes | list[Changes]:
        if isinstance(index, slice):
            return [self._store.changes(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("commit index out of range")
        return self._store.changes(index)
