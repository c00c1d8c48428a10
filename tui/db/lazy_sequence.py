"""A sequence whose items are made when they are asked for, from compact storage.

A WAL of 100,000 commits kept as one object per commit held hundreds of megabytes; kept as
arrays, each commit is made on demand (:class:`~tui.db.wal_commits.CommitList`,
:class:`~tui.db.history_store.HistoryList`). Such a sequence is equal to any sequence of
the same items (a tuple included), so values read at different times compare as they did
when they were tuples.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar, overload

T = TypeVar("T")


class LazySequence(Sequence[T]):
    """The first ``count`` items, item ``i`` made by :meth:`_make` each time it is read."""

    __slots__ = ("_count",)

    #: What the items are, for ``repr``: "commits".
    noun = "items"

    def __init__(self, count: int = 0) -> None:
        self._count = count

    def _make(self, index: int) -> T:
        raise NotImplementedError

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            return tuple(self._make(i) for i in range(*index.indices(self._count)))
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(f"{self.noun} index out of range")
        return self._make(index)

    def __iter__(self) -> Iterator[T]:
        return (self._make(i) for i in range(self._count))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or len(other) != self._count:
            return False
        return all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._count} {self.noun})"


__all__ = ["LazySequence"]
