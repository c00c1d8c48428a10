"""Which b-tree owns each page of a database, kept up to date commit by commit.

Walking every b-tree after every commit would cost the whole database per commit. A commit
changes a b-tree's shape only through pages it writes: a page joins or leaves a b-tree when
its parent (or the previous page of an overflow chain) is rewritten. So :meth:`PageOwners.apply`
marks each written page and its ancestors (by the parent links of the previous state) dirty,
walks each b-tree from its root through dirty pages only, keeps every clean subtree as it was,
and drops the pages that dirty parents no longer reach (freed pages need not be written).
When the schema's root pages change (CREATE, DROP, VACUUM, auto-vacuum moving roots), the
b-trees concerned are walked whole. The sqlite_schema b-tree itself (rooted at page 1) is
tracked like any other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tui.db.btree import (
    ROLE_INTERIOR,
    ROLE_LEAF,
    ROLE_OVERFLOW,
    BtreeError,
    PageSource,
    child_pages,
    overflow_chain,
    parse_page,
    spilled_cells,
)
from tui.db.schema_pages import SCHEMA_NAME, SCHEMA_ROOT, SchemaObject, read_schema

__all__ = ["Owner", "PageOwners"]

#: (b-tree name, role of the page in it), or None for a page in no b-tree.
Owner = tuple[str, str] | None


@dataclass
class _Walk:
    """One b-tree's pages reached by a (partial) walk."""

    reached: set[int] = field(default_factory=set)
    entries: dict[int, tuple[str, int | None, tuple[int, ...]]] = field(default_factory=dict)
    moved: dict[int, int | None] = field(default_factory=dict)  # clean page -> new parent
    revisited: set[int] = field(default_factory=set)  # pages read again (their children too)


class PageOwners:
    """Page -> (b-tree name, role) for one database state; advanced one commit at a time."""

    def __init__(self, usable_size: int, encoding: str) -> None:
        self.usable_size = usable_size
        self.encoding = encoding
        self.owner: dict[int, str] = {}
        self.role: dict[int, str] = {}
        self.parent: dict[int, int | None] = {}
        self.children: dict[int, tuple[int, ...]] = {}
        self.pages_of: dict[str, set[int]] = {}
        self.roots: dict[str, int] = {}
        self.schema: tuple[SchemaObject, ...] = ()

    def of(self, page: int) -> Owner:
        name = self.owner.get(page)
        return None if name is None else (name, self.role[page])

    def kind_of(self, name: str) -> str:
        """table, index or sqlite_schema."""
        if name == SCHEMA_NAME:
            return SCHEMA_NAME
        for item in self.schema:
            if item.name == name:
                return item.type
        return "unknown"

    def rebuild(self, get_page: PageSource) -> dict[int, tuple[Owner, Owner]]:
        """Walk every b-tree whole; the changes from the state held before."""
        before = {page: self.of(page) for page in self.owner}
        for store in (self.owner, self.role, self.parent, self.children, self.pages_of):
            store.clear()
        self.roots = {}
        self._schema_changed(get_page, force=True)
        return {
            page: (old, new)
            for page in set(before) | set(self.owner)
            if (old := before.get(page)) != (new := self.of(page))
        }

    def apply(self, get_page: PageSource, written: Iterable[int]) -> dict[int, tuple[Owner, Owner]]:
        """Advance past a commit that wrote ``written`` (``get_page`` serves its pages); the
        owner of every page that was written or changed owner, before and after."""
        written = set(written)
        dirty = set(written)
        for page in written:
            up = self.parent.get(page)
            while up is not None and up not in dirty:
                dirty.add(up)
                up = self.parent.get(up)
        touched = {self.owner[p] for p in dirty if p in self.owner}
        before: dict[int, Owner] = {p: self.of(p) for p in written}
        changes = self._advance(get_page, dirty, touched, before)
        for page in written:
            changes.setdefault(page, (before[page], self.of(page)))
        return changes

    def _advance(
        self,
        get_page: PageSource,
        dirty: set[int],
        touched: set[str],
        before: dict[int, Owner],
    ) -> dict[int, tuple[Owner, Owner]]:
        walks: dict[str, _Walk] = {}
        if SCHEMA_NAME in touched or SCHEMA_ROOT in dirty:
            walks[SCHEMA_NAME] = self._walk(get_page, SCHEMA_NAME, SCHEMA_ROOT, dirty)
            self._store(walks)
            walks = {}
            gone, new = self._schema_changed(get_page, force=False, before=before)
        else:
            gone, new = set(), set()
        for name in touched - {SCHEMA_NAME} - gone - new:
            if name in self.roots:
                walks[name] = self._walk(get_page, name, self.roots[name], dirty)
        for name in new:
            walks[name] = self._walk(get_page, name, self.roots[name], None)
        self._store(walks, before)
        return {page: (old, self.of(page)) for page, old in before.items() if old != self.of(page)}

    def _schema_changed(
        self,
        get_page: PageSource,
        *,
        force: bool,
        before: dict[int, Owner] | None = None,
    ) -> tuple[set[str], set[str]]:
        """Read the schema again; drop b-trees that are gone or moved, walk new ones."""
        if force:
            walks = {SCHEMA_NAME: self._walk(get_page, SCHEMA_NAME, SCHEMA_ROOT, None)}
            self._store(walks)
        self.schema = read_schema(get_page, self.usable_size, self.encoding)
        roots = {SCHEMA_NAME: SCHEMA_ROOT}
        roots.update({item.name: item.root for item in self.schema if item.root > 0})
        gone = {name for name, root in self.roots.items() if roots.get(name) != root}
        gone.discard(SCHEMA_NAME)
        for name in gone:
            for page in self.pages_of.pop(name, set()):
                if before is not None:
                    before.setdefault(page, self.of(page))
                self._forget(page)
        new = {name for name, root in roots.items() if self.roots.get(name) != root}
        new.discard(SCHEMA_NAME)
        self.roots = roots
        if force:
            self._store({name: self._walk(get_page, name, roots[name], None) for name in new})
        return gone, new

    def _walk(self, get_page: PageSource, name: str, root: int, dirty: set[int] | None) -> _Walk:
        """Walk ``name`` from ``root``, reading only dirty pages (all when ``dirty`` is None)."""
        walk = _Walk()
        owner, role, parents = self.owner, self.role, self.parent
        reached = walk.reached
        stack: list[tuple[int, int | None]] = [(root, None)]
        while stack:
            number, parent = stack.pop()
            if number in reached:
                raise BtreeError(f"page {number} is reached twice in the b-tree {name}")
            reached.add(number)
            walk.revisited.add(number)
            data = get_page(number)
            page = parse_page(data, number)
            kids = child_pages(data, page)
            first_overflows: list[int] = []
            for first, remaining in spilled_cells(data, page, self.usable_size):
                chain = [n for n, _ in overflow_chain(first, remaining, get_page, self.usable_size)]
                previous = number
                for index, overflow in enumerate(chain):
                    if overflow in walk.reached:
                        raise BtreeError(f"overflow page {overflow} is reached twice in {name}")
                    walk.reached.add(overflow)
                    walk.revisited.add(overflow)
                    following = tuple(chain[index + 1 : index + 2])
                    walk.entries[overflow] = (ROLE_OVERFLOW, previous, following)
                    previous = overflow
                first_overflows.extend(chain[:1])
            kind = ROLE_LEAF if page.is_leaf else ROLE_INTERIOR
            links = (*kids, *first_overflows)
            old = self.children.get(number)
            walk.entries[number] = (kind, parent, links)
            if dirty is not None and old == links and owner.get(number) == name:
                # The same children as before: those not dirty are clean subtrees, under the
                # same parent; only the dirty ones are walked (the common case, by far).
                clean = set(kids) - dirty
                if not reached.isdisjoint(clean):
                    raise BtreeError(f"a page under {number} is reached twice in {name}")
                reached |= clean
                stack.extend((child, number) for child in reversed(kids) if child in dirty)
                continue
            for child in reversed(kids):
                # A clean child (not written, nor above a written page) keeps its subtree as
                # it was: only its parent may have changed.
                if (
                    dirty is not None
                    and child not in dirty
                    and owner.get(child) == name
                    and role.get(child) != ROLE_OVERFLOW
                ):
                    if child in reached:
                        raise BtreeError(f"page {child} is reached twice in the b-tree {name}")
                    reached.add(child)
                    if parents.get(child) != number:
                        walk.moved[child] = number
                else:
                    stack.append((child, number))
        return walk

    def _store(self, walks: dict[str, _Walk], before: dict[int, Owner] | None = None) -> None:
        """Apply walks: first every page the walks no longer reach is dropped, then the pages
        they reached are recorded (a page freed by one b-tree and reused by another in the
        same commit ends up with the second)."""
        for name, walk in walks.items():
            pending = [c for page in walk.revisited for c in self.children.get(page, ())]
            while pending:
                page = pending.pop()
                if page in walk.reached or self.owner.get(page) != name:
                    continue
                if before is not None:
                    before.setdefault(page, self.of(page))
                pending.extend(self.children.get(page, ()))
                self._forget(page)
        for name, walk in walks.items():
            pages = self.pages_of.setdefault(name, set())
            for page, (role, parent, kids) in walk.entries.items():
                if before is not None:
                    before.setdefault(page, self.of(page))
                old = self.owner.get(page)
                if old is not None and old != name:
                    self.pages_of[old].discard(page)
                self.owner[page] = name
                self.role[page] = role
                self.parent[page] = parent
                self.children[page] = kids
                pages.add(page)
            for page, parent in walk.moved.items():
                self.parent[page] = parent

    def _forget(self, page: int) -> None:
        name = self.owner.pop(page, None)
        if name is not None and name in self.pages_of:
            self.pages_of[name].discard(page)
        self.role.pop(page, None)
        self.parent.pop(page, None)
        self.children.pop(page, None)
