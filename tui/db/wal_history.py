"""The history of a WAL database: every commit still in the ``-wal``, and what each touched.

One :class:`HistoryCommit` per commit of the WAL's current generation, oldest first: its
frames, the database size after it, the pages it wrote, and which tables and indexes those
pages belong to *as of that commit* (a page changes owner when a table is dropped and another
created, or on VACUUM), found by :class:`tui.db.page_owners.PageOwners`. Pages in no b-tree
are named for what they are: the freelist, a pointer-map page, or unused. Whether a commit is
checkpointed comes from the ``-shm`` file's ``nBackfill``; frames after the last commit are
the uncommitted tail and are never counted as a commit.

:class:`HistoryBuilder` follows the live files: a refresh reads only the frames appended since
the last one and advances the page owners commit by commit; a WAL reset (new salts) starts a
new generation, and the history says how many it has seen. What each commit did to the rows
of a table is :mod:`tui.db.row_changes`'s job, from what this module keeps.

Everything is read with plain read-only descriptors (see :mod:`tui.db.page_versions`): the
database, its ``-wal`` and its ``-shm`` are never written, and no lock is taken.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tui.db.btree import (
    BtreeError,
    PageSource,
    freelist_pages,
    parse_database_header,
    pointer_map_pages,
)
from tui.db.history_store import (
    FREELIST,
    POINTER_MAP,
    UNUSED,
    HistoryCommit,
    HistoryList,
    HistoryStore,
    PageChanges,
    Touched,
)
from tui.db.page_owners import PageOwners
from tui.db.page_versions import GenerationChanged, PageVersions
from tui.db.schema_changes import schema_changes
from tui.db.schema_pages import SCHEMA_NAME
from tui.db.wal_commits import Commit, WalCommitIndex, WalCommits, checkpointed
from tui.db.wal_mode import no_wal_reason

__all__ = ["HistoryBuilder", "HistoryCommit", "Touched", "WalHistory"]

# While page owners may be wrong (a checkpoint overwrote pages of an earlier state), they are
# found again by walking the whole database after each commit, up to this size.
_REBUILD_PAGES = 5000


@dataclass(frozen=True)
class WalHistory:
    """The history at one moment."""

    db_path: str
    page_size: int
    generation: tuple[int, int] | None  # the WAL header's salts; None without a usable WAL
    #: The WAL header's checkpoint sequence number + 1: 1 for a WAL just created, +1 at each
    #: reset, the same for every reader of the file (CLI and TUI alike); 0 without a WAL.
    generation_number: int
    commits: Sequence[HistoryCommit]  # a HistoryList: each commit made when asked for
    uncommitted_frames: int = 0
    uncommitted_pages: int = 0
    torn_tail_bytes: int = 0
    backfilled: int | None = None  # nBackfill; None when unknown
    backfill_unsure: int = 0  # frames up to this may be copied too (WalCommits.backfill_unsure)
    problems: tuple[str, ...] = ()
    unread_commits: int = 0  # commits in the WAL not attributed yet (a refresh with a limit)
    resets_seen: int = 0  # WAL resets (new salts) this builder saw after its first read
    no_wal: str | None = None  # the database is in a rollback-journal mode: why no history
    #: Every commit of the WAL, attributed or not (``commits`` is the first of them): a view
    #: lists them all at once while the rest are attributed.
    wal_commits: Sequence[Commit] = ()
    unscanned_frames: int = 0  # -wal frames not read yet (a refresh with ``scan``)

    def is_checkpointed(self, commit: HistoryCommit) -> bool | None:
        """Copied into the database file (frame ≤ nBackfill); None when unknown."""
        return checkpointed(commit.last_frame, self.backfilled, self.backfill_unsure)

    def commit(self, number: int) -> HistoryCommit:
        """Commit ``number``; :class:`LookupError` with a message when the WAL lacks it."""
        if not 1 <= number <= len(self.commits):
            held = f"commits 1 to {len(self.commits)}" if self.commits else "no commit"
            raise LookupError(f"the WAL holds no commit {number} (it holds {held})")
        return self.commits[number - 1]


class HistoryBuilder:
    """Follows one WAL database's history; :meth:`refresh` as often as wanted."""

    def __init__(self, db_path: str | os.PathLike[str]) -> None:
        self.db_path = os.fspath(db_path)
        self.index = WalCommitIndex(f"{self.db_path}-wal")
        self.resets_seen = -1  # the first generation read is not a reset
        self.commits_read = 0  # commits processed by the last refresh
        self._generation: tuple[int, int] | None = None
        self._start_generation()

    def _start_generation(self) -> None:
        self._owners: PageOwners | None = None
        self._store = HistoryStore()
        #: per commit (index number-1): page -> (owner before, owner after), for the pages
        #: it wrote or that changed owner.
        self.page_changes = PageChanges(self._store)
        self._tainted = False  # owners may derive from pages a checkpoint overwrote
        self.last: WalCommits | None = None

    def refresh(self, limit: int | None = None, *, scan: int | None = None) -> WalHistory:
        """Read what is new; a reset under the read starts over once.

        With ``limit``, at most that many new commits are attributed, so a caller can show
        a long first build as it goes (``unread_commits`` says how many remain); with
        ``scan``, about that many new frames of the ``-wal`` are read
        (``unscanned_frames`` says how many remain).
        """
        for attempt in (1, 2):
            try:
                return self._refresh(limit, scan)
            except GenerationChanged:
                if attempt == 2:
                    raise
                self.index = WalCommitIndex(f"{self.db_path}-wal")
                self._generation = None
                self._start_generation()
        raise AssertionError("unreachable")

    def _refresh(self, limit: int | None, scan: int | None = None) -> WalHistory:
        commits = self.index.refresh(max_frames=scan)
        self.last = commits
        self.commits_read = 0
        problems = list(commits.problems)
        if commits.generation != self._generation:
            if commits.generation is not None:
                self.resets_seen += 1
            self._generation = commits.generation
            self._start_generation()
            self.last = commits
        if commits.header is not None and len(commits.commits) > len(self._store):
            with PageVersions(self.db_path, commits) as versions:
                self._advance(commits, versions, limit)
        return WalHistory(
            db_path=self.db_path,
            page_size=commits.page_size,
            generation=commits.generation,
            generation_number=0 if commits.header is None else commits.header.checkpoint_seq + 1,
            commits=HistoryList(self._store, commits.commits, len(self._store)),
            uncommitted_frames=commits.uncommitted_frames,
            uncommitted_pages=len(commits.uncommitted_pages),
            torn_tail_bytes=commits.torn_tail_bytes,
            backfilled=commits.backfilled,
            backfill_unsure=commits.backfill_unsure,
            problems=tuple(problems),
            unread_commits=len(commits.commits) - len(self._store),
            resets_seen=max(self.resets_seen, 0),
            no_wal=no_wal_reason(self.db_path) if commits.header is None else None,
            wal_commits=commits.commits,
            unscanned_frames=commits.unscanned_frames,
        )

    def _advance(self, commits: WalCommits, versions: PageVersions, limit: int | None) -> None:
        rebuild = False
        if self._owners is None:
            first = commits.commits[len(self._store)].number
            try:
                header = parse_database_header(versions.read(1, first))
            except BtreeError:
                header = None
            if header is None:
                # Not a database yet (or unreadable): attribute nothing.
                for commit in commits.commits[len(self._store) :]:
                    self._store.append(
                        {}, tuple(commit.pages), {}, approximate=False,
                        problem="page 1 is not a SQLite header",
                    )  # fmt: skip
                return
            self._owners = PageOwners(header.usable_size, header.text_encoding)
            before = versions.inexact
            try:
                self._owners.rebuild(versions.getter(first - 1))
            except BtreeError:
                rebuild = True  # the state before the first commit is not readable
            self._tainted = versions.inexact > before
        owners = self._owners
        start = len(self._store)
        stop = len(commits.commits) if limit is None else min(start + limit, len(commits.commits))
        for index in range(start, stop):  # one commit made at a time, not a step's worth
            commit = commits.commits[index]
            self.commits_read += 1
            get = versions.getter(commit.number)
            before = versions.inexact
            exact_state = commits.backfilled is None or commit.last_frame >= max(
                commits.backfilled, commits.backfill_unsure
            )
            problem = None
            schema_before = owners.schema
            # Owners that may derive from overwritten pages are found again from scratch,
            # while that is cheap or once the state is exact again.
            full = rebuild or (self._tainted and (exact_state or commit.db_pages <= _REBUILD_PAGES))
            try:
                if full:
                    previous = {p: owners.of(p) for p in commit.pages}
                    changes = owners.rebuild(get)
                    for page in commit.pages:
                        changes.setdefault(page, (previous[page], owners.of(page)))
                    rebuild = False
                else:
                    changes = owners.apply(get, commit.pages)
            except GenerationChanged:
                raise
            except BtreeError as exc:
                # A page read from the file that a checkpoint overwrote makes the walk fail
                # somewhere else (a root past the end…): name the page, not the symptom.
                why = versions.last_unknown if versions.inexact > before else None
                problem = f"its pages could not be attributed: {why or exc}"
                changes = {p: (None, None) for p in commit.pages}
                rebuild = True
            inexact = versions.inexact > before
            self._tainted = (inexact or (self._tainted and not full)) and not exact_state
            labels = {} if problem else self._labels(commit.pages, commit.db_pages, get)
            words: tuple[str, ...] = ()
            if not problem and owners.schema != schema_before:
                words = tuple(c.words() for c in schema_changes(schema_before, owners.schema))
            self._store.append(
                changes,
                tuple(commit.pages),
                labels,
                approximate=inexact or self._tainted,
                problem=problem,
                schema_words=words,
            )

    def _labels(
        self, pages: Iterable[int], db_pages: int, get: PageSource
    ) -> dict[int, tuple[str, str]]:
        """What each page is listed under: (b-tree name, its kind), or its loose kind twice."""
        assert self._owners is not None
        owners = self._owners
        groups: dict[tuple[str, str], list[int]] = {}
        loose: list[int] = []
        for page in sorted(pages):
            name = owners.owner.get(page)
            if name is None:
                loose.append(page)
            else:
                groups.setdefault((name, owners.kind_of(name)), []).append(page)
        if loose:
            for kind, found in _loose_pages(loose, db_pages, get).items():
                groups[(kind, kind)] = found
        return {page: label for label, found in groups.items() for page in found}


def _loose_pages(pages: list[int], db_pages: int, get: PageSource) -> dict[str, list[int]]:
    """Pages in no b-tree: freelist trunks and leaves, pointer-map pages, or unused."""
    found: dict[str, list[int]] = {}
    try:
        header = parse_database_header(get(1))
        trunks, leaves = freelist_pages(get, header)
        maps = set(pointer_map_pages(header, db_pages))
    except BtreeError:
        trunks, leaves, maps = [], [], set()
    free = set(trunks) | set(leaves)
    for page in pages:
        kind = FREELIST if page in free else POINTER_MAP if page in maps else UNUSED
        found.setdefault(kind, []).append(page)
    return found


__all__ += ["FREELIST", "POINTER_MAP", "SCHEMA_NAME", "UNUSED"]
