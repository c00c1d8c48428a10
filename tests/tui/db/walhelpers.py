"""Shared helpers of the WAL tests: databases SQLite writes, a synthetic WAL writer, a
second process that holds a transaction, and the kernel's list of POSIX locks."""

from __future__ import annotations

import os
import select
import signal
import sqlite3
import struct
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

MARKER = "# dbbrowse-wal-test-holder"

# Begins a transaction (argv[2]) on the database (argv[1]), reads, says "ready", then waits
# for a line on stdin (or its end) before committing.
HOLDER_SCRIPT = f"""{MARKER}
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute(sys.argv[2])
con.execute("SELECT count(*) FROM t").fetchone()
print("ready", flush=True)
sys.stdin.readline()
con.execute("COMMIT")
con.close()
"""


def wal_connection(path: Path) -> sqlite3.Connection:
    """An autocommit connection to ``path`` in WAL mode, with automatic checkpoints off: what
    it commits stays in the ``-wal`` while it is open."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    return con


def open_wal_db(path: Path, page_size: int = 4096) -> sqlite3.Connection:
    """A new WAL database with table ``t`` and no automatic checkpoints (2 transactions)."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute(f"PRAGMA page_size={page_size}")
    assert con.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB)")
    con.execute("INSERT INTO t (payload) VALUES (randomblob(100))")
    return con


@contextmanager
def writer(db: Path) -> Iterator[sqlite3.Connection]:
    """A writing connection with automatic checkpoints off: the tests checkpoint themselves."""
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute("PRAGMA wal_autocheckpoint=0")
    try:
        yield connection
    finally:
        connection.close()


def commit_rows(con: sqlite3.Connection, transactions: int, rows: int = 3, size: int = 700) -> None:
    """``transactions`` separate commits of ``rows`` rows each."""
    for _ in range(transactions):
        con.execute("BEGIN")
        for _ in range(rows):
            con.execute("INSERT INTO t (payload) VALUES (randomblob(?))", (size,))
        con.execute("COMMIT")


def checkpoint(con: sqlite3.Connection, mode: str) -> tuple[int, int, int]:
    """``PRAGMA wal_checkpoint(mode)``: (busy, frames in the log, frames checkpointed)."""
    busy, log, done = con.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
    return busy, log, done


def reference_checksum(data: bytes, big_endian: bool, s0: int = 0, s1: int = 0) -> tuple[int, int]:
    """The WAL checksum written straight from the file-format description, one word at a time."""
    order: Literal["big", "little"] = "big" if big_endian else "little"
    for i in range(0, len(data), 8):
        s0 = (s0 + int.from_bytes(data[i : i + 4], order) + s1) % 2**32
        s1 = (s1 + int.from_bytes(data[i + 4 : i + 8], order) + s0) % 2**32
    return s0, s1


def build_wal(
    frames: list[tuple[int, int, bytes]],
    page_size: int = 512,
    *,
    big_endian: bool = False,
    salts: tuple[int, int] = (0x11111111, 0x22222222),
    version: int = 3007000,
    checkpoint_seq: int = 0,
) -> bytes:
    """A WAL file of ``frames`` (page number, database pages after commit or 0, page data)."""
    magic = 0x377F0683 if big_endian else 0x377F0682
    head = struct.pack(">6I", magic, version, page_size, checkpoint_seq, *salts)
    state = reference_checksum(head, big_endian)
    out = bytearray(head + struct.pack(">2I", *state))
    for pgno, commit, page in frames:
        page = page.ljust(page_size, b"\0")[:page_size]
        start = struct.pack(">2I", pgno, commit)
        state = reference_checksum(start + page, big_endian, *state)
        out += start + struct.pack(">4I", *salts, *state) + page
    return bytes(out)


@contextmanager
def holding(db: Path, begin: str = "BEGIN") -> Iterator[subprocess.Popen[str]]:
    """Another process inside a transaction on ``db`` until the block ends."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER_SCRIPT, str(db), begin],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        readable, _, _ = select.select([proc.stdout], [], [], 60)
        line = proc.stdout.readline() if readable else ""
        if line.strip() != "ready":
            proc.kill()
            _, err = proc.communicate(timeout=30)
            raise AssertionError(f"holder did not get ready: {line!r} {err}")
        yield proc
    finally:
        if proc.poll() is None:
            try:
                proc.communicate("done\n", timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()


def kill_when_ready(script: str, *args: str) -> None:
    """Run ``script`` with ``args`` in another Python process and SIGKILL it as soon as it
    prints "ready": a writer that dies mid-transaction, leaving in the files what it wrote."""
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def finish(proc: subprocess.Popen[str]) -> None:
    """Let a holder commit and exit now, checking it did so cleanly."""
    _, err = proc.communicate("done\n", timeout=30)
    assert proc.returncode == 0, err


def posix_locks(path: Path, pid: int) -> list[tuple[str, int, int]]:
    """(READ/WRITE, start, end) of ``pid``'s POSIX locks on ``path``, from /proc/locks."""
    inode = os.stat(path).st_ino
    found = []
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        # "1: POSIX  ADVISORY  WRITE 4242 fe:00:1234 120 120" ("->" marks blocked waiters)
        if "->" in fields or len(fields) < 8 or fields[1] != "POSIX":
            continue
        if int(fields[4]) == pid and int(fields[5].rsplit(":", 1)[1]) == inode:
            found.append((fields[3], int(fields[6]), int(fields[7])))
    return sorted(found)
