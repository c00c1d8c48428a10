"""Helpers of the WAL history tests: a writer whose every commit is copied with SQLite's
backup API, and what SQLite itself says each copy holds (rows, page owners)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

from tui.db.row_changes import DELETE, INSERT, UPDATE, CommitChanges
from tui.db.wal_commits import read_commits


def digest(db: Path) -> dict[str, str]:
    """sha256 of the database, its -wal and its -shm (missing files as '')."""
    return {
        suffix: hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else ""
        for suffix in ("", "-wal", "-shm")
        if (p := db.with_name(db.name + suffix))
    }


class Recorder:
    """A writing connection (automatic checkpoints off) that copies the database after each
    commit: ``copies[k]`` is the database right after commit k of the current generation."""

    def __init__(self, db: Path, page_size: int = 4096, *, auto_vacuum: bool = False) -> None:
        self.db = db
        self.con = sqlite3.connect(db, isolation_level=None)
        self.con.execute(f"PRAGMA page_size={page_size}")
        if auto_vacuum:
            self.con.execute("PRAGMA auto_vacuum=FULL")
        assert self.con.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
        self.con.execute("PRAGMA wal_autocheckpoint=0")
        self.copies: dict[int, Path] = {}
        self.generation = 0

    def commits(self) -> int:
        return len(read_commits(self.db.with_name(self.db.name + "-wal")).commits)

    def run(self, sql: str, *params: Any, many: list[Any] | None = None) -> int:
        """Run one statement (or one transaction of ``many``); copy; the commit number."""
        if many is not None:
            self.con.execute("BEGIN")
            self.con.executemany(sql, many)
            self.con.execute("COMMIT")
        else:
            self.con.execute(sql, params)
        return self.copy()

    def copy(self) -> int:
        number = self.commits()
        target = self.db.with_name(f"copy-{self.generation}-{number}.db")
        target.unlink(missing_ok=True)
        dest = sqlite3.connect(target)
        self.con.backup(dest)
        dest.close()
        self.copies[number] = target
        return number

    def new_generation(self) -> None:
        """After a checkpoint that lets the next write reset the WAL."""
        self.generation += 1
        self.copies = {0: self.copies[max(self.copies)]} if self.copies else {}

    def close(self) -> None:
        self.con.close()


def rows(copy: Path, table: str) -> dict[int, tuple[Any, ...]]:
    con = sqlite3.connect(copy)
    try:
        found = con.execute(f'SELECT rowid, * FROM "{table}"').fetchall()
    except sqlite3.OperationalError:
        found = []  # no such table in this copy
    con.close()
    return {row[0]: tuple(row[1:]) for row in found}


def tables(copy: Path) -> list[str]:
    con = sqlite3.connect(copy)
    names = [
        row[0]
        for row in con.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE '%WITHOUT ROWID%'"
        )
    ]
    con.close()
    return names


def real_diff(before: Path | None, after: Path, table: str) -> set[tuple[str, int, Any]]:
    """(kind, rowid, row after or before) of every row that differs between two copies."""
    old = rows(before, table) if before is not None else {}
    new = rows(after, table)
    diff: set[tuple[str, int, Any]] = set()
    for rowid in old.keys() | new.keys():
        if rowid not in old:
            diff.add((INSERT, rowid, new[rowid]))
        elif rowid not in new:
            diff.add((DELETE, rowid, old[rowid]))
        # ADD COLUMN changes no row: compare the columns both copies have
        elif old[rowid] != new[rowid][: len(old[rowid])]:
            diff.add((UPDATE, rowid, new[rowid]))
    return diff


def decoded_diff(changes: CommitChanges, table: str) -> set[tuple[str, int, Any]]:
    found: set[tuple[str, int, Any]] = set()
    for tree in changes.trees:
        if tree.name != table:
            continue
        assert tree.note is None or tree.note.startswith("dropped"), tree.note
        for change in tree.changes:
            row = change.after if change.after is not None else change.before
            key = change.key[0]
            assert isinstance(key, int)
            found.add((change.kind, key, row))
    return found


def page_owners(copy: Path) -> dict[int, str]:
    """Page -> table or index, from dbstat on a copy."""
    con = sqlite3.connect(copy)
    owners = {pageno: name for name, pageno in con.execute("SELECT name, pageno FROM dbstat")}
    con.close()
    return owners
