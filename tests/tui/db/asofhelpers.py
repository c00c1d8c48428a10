"""Helpers of the as-of tests: a writer whose every commit is copied with SQLite's backup API
right after it, and a dump of a database's contents to compare an as-of view with."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tui.db.wal_commits import read_commits

Dump = list[tuple[str, str, list[tuple[Any, ...]]]]
Execute = Callable[[str], Iterable[tuple[Any, ...]]]


def dump(execute: Execute) -> Dump:
    """Every table's schema and rows in key order, indexes' definitions: what must match."""
    out: Dump = []
    schema = list(execute("SELECT type, name, sql FROM sqlite_master ORDER BY name"))
    for kind, name, sql in schema:
        rows: list[tuple[Any, ...]] = []
        if kind == "table" and not name.startswith("sqlite_"):
            quoted = '"' + name.replace('"', '""') + '"'
            order = "1" if "WITHOUT ROWID" in (sql or "").upper() else "rowid"
            rows = list(execute(f"SELECT * FROM {quoted} ORDER BY {order}"))
        out.append((f"{kind} {name}", sql or "", rows))
    return out


def sqlite_execute(con: sqlite3.Connection) -> Execute:
    return lambda sql: con.execute(sql).fetchall()


def reference(con: sqlite3.Connection) -> Dump:
    """A copy of the database taken with the backup API now, dumped."""
    copy = sqlite3.connect(":memory:")
    try:
        con.backup(copy)
        return dump(sqlite_execute(copy))
    finally:
        copy.close()


class RecordingWriter:
    """A writing connection (checkpoints off) that dumps a backup copy after every commit,
    labelled by the WAL's generation and commit number."""

    def __init__(self, db: Path, page_size: int = 4096) -> None:
        self.db = db
        self.con = sqlite3.connect(db, isolation_level=None)
        self.con.execute(f"PRAGMA page_size={page_size}")
        assert self.con.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
        self.con.execute("PRAGMA wal_autocheckpoint=0")
        self.con.execute("PRAGMA synchronous=OFF")  # no fsync: the bytes written are the same
        self.states: dict[tuple[tuple[int, int] | None, int], Dump] = {}

    def run(self, *statements: str | tuple[str, tuple[Any, ...]]) -> None:
        """The statements in one transaction, then the copy of what it committed."""
        self.con.execute("BEGIN")
        for statement in statements:
            if isinstance(statement, tuple):
                self.con.execute(*statement)
            else:
                self.con.execute(statement)
        self.con.execute("COMMIT")
        self.record()

    def alone(self, statement: str) -> None:
        """A statement that runs outside a transaction (VACUUM), then the copy."""
        self.con.execute(statement)
        self.record()

    def record(self) -> None:
        commits = read_commits(f"{self.db}-wal")
        if commits.header is None:  # nothing written since a TRUNCATE: no commit to name
            return
        self.states[(commits.generation, len(commits.commits))] = reference(self.con)

    def checkpoint(self, mode: str = "PASSIVE") -> tuple[int, int, int]:
        busy, log, done = self.con.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        return busy, log, done

    def current(self) -> dict[int, Dump]:
        """The recorded states of the WAL's current generation, by commit number."""
        generation = read_commits(f"{self.db}-wal").generation
        return {k: state for (gen, k), state in self.states.items() if gen == generation}

    def close(self) -> None:
        self.con.close()


_DIGESTS = """
import hashlib, json, os, sys
out = {}
for suffix in ("", "-wal", "-shm"):
    path = sys.argv[1] + suffix
    out[suffix or "db"] = (
        hashlib.sha256(open(path, "rb").read()).hexdigest() if os.path.exists(path) else None
    )
print(json.dumps(out))
"""


def digests(db: Path) -> dict[str, str | None]:
    """sha256 of the database, its -wal and its -shm (None for a missing file).

    Read by another process: closing a descriptor of these files here would drop the POSIX
    locks this process's SQLite connections hold on them.
    """
    done = subprocess.run(
        [sys.executable, "-c", _DIGESTS, str(db)], capture_output=True, text=True, check=True
    )
    result: dict[str, str | None] = json.loads(done.stdout)
    return result
