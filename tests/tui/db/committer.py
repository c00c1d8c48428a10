"""Another process that keeps a SQLite file open for writing and commits when told.

It is the other user of a browsed database: its connection stays open between commits (so
the wal-index stays shared and live), and its automatic checkpoints are off, so the WAL keeps
every frame and only dbbrowse could change the files between two of its commits.
"""

from __future__ import annotations

import hashlib
import json
import select
import subprocess
import sys
from pathlib import Path
from types import TracebackType

_CHILD = """
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
conn.execute("PRAGMA wal_autocheckpoint=0")
conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
print("ready", flush=True)
for line in sys.stdin:
    sql, params = json.loads(line)
    try:
        conn.execute(sql, params)
        print("ok", flush=True)
    except sqlite3.Error as exc:
        print(f"error {exc}", flush=True)
"""
_TIMEOUT_S = 60


def digests(path: Path) -> dict[str, str | None]:
    """sha256 of the database, its -wal and its -shm (None for a file that is not there)."""
    found: dict[str, str | None] = {}
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        found[suffix or "db"] = (
            hashlib.sha256(part.read_bytes()).hexdigest() if part.exists() else None
        )
    return found


class Committer:
    """``with Committer(path) as other: other.run("INSERT …", 1)``: one statement, committed
    (autocommit), in another process; returns once it is done."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> Committer:
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(self.path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._reply() == "ready"
        return self

    def run(self, sql: str, *params: object) -> None:
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        proc.stdin.write(json.dumps([sql, list(params)]) + "\n")
        proc.stdin.flush()
        reply = self._reply()
        assert reply == "ok", reply

    def _reply(self) -> str:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        readable, _, _ = select.select([proc.stdout], [], [], _TIMEOUT_S)
        assert readable, "the other process did not answer"
        return proc.stdout.readline().strip()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()  # as it is: its close would checkpoint and delete the WAL
            proc.wait()
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.close()
            proc.stdout.close()
