"""The inspector reads nothing while nothing changes, waits for a rollback-journal writer to
pause, stops saying "growing" when the WAL stops, and alarms when a -wal with committed
frames is gone."""

from __future__ import annotations

import select
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.tui.db.walhelpers import commit_rows, open_wal_db, writer
from tui.db.inspector import Inspector
from tui.db.source import DataSource
from tui.db.target import resolve_target

T = TypeVar("T")

# Commits argv[2] transactions in WAL mode, says "ready", and keeps the database open.
_KEEPER = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA wal_autocheckpoint=0")
for i in range(int(sys.argv[2])):
    con.execute("INSERT INTO t (payload) VALUES (randomblob(200))")
print("ready", flush=True)
sys.stdin.readline()
"""


class Counting:
    """``DataSource.run`` that counts the operations it runs."""

    def __init__(self, source: DataSource) -> None:
        self.source = source
        self.calls = 0

    def __call__(self, operation: Callable[[AsyncConnection], Awaitable[T]]) -> Awaitable[T]:
        self.calls += 1
        return self.source.run(operation)


@pytest.fixture(params=["wal", "delete"])
def db(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    path = tmp_path / f"{request.param}.db"
    con = open_wal_db(path)
    if request.param == "delete":
        con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    return path


@pytest.fixture
def con(db: Path) -> Iterator[sqlite3.Connection]:
    with writer(db) as connection:
        yield connection


@pytest.fixture
async def source(db: Path, con: sqlite3.Connection) -> AsyncIterator[DataSource]:
    opened = await DataSource.open(resolve_target(str(db), default_url=""))
    try:
        yield opened
    finally:
        await opened.close()


async def test_nothing_is_read_while_nothing_changes(
    db: Path, con: sqlite3.Connection, source: DataSource
) -> None:
    inspector = Inspector(db)
    run = Counting(source)
    first = await inspector.refresh(run)
    assert run.calls == 1
    for _ in range(5):
        assert await inspector.refresh(run) is first
    assert run.calls == 1  # no SQLite read, no lock
    commit_rows(con, 1)
    # A rollback-journal database waits one quiet poll for the writer to pause.
    for _ in range(2):
        snap = await inspector.refresh(run)
    assert snap is not first
    assert run.calls == 2
    inspector.invalidate()
    await inspector.refresh(run)
    assert run.calls == 3


async def test_a_busy_rollback_journal_writer_is_not_met_with_reads(
    db: Path, con: sqlite3.Connection, source: DataSource
) -> None:
    inspector = Inspector(db)
    run = Counting(source)
    first = await inspector.refresh(run)
    wal = db.name == "wal.db"
    for _ in range(4):  # a commit between every poll: a writer at work
        commit_rows(con, 1)
        await inspector.refresh(run)
    if wal:
        assert run.calls == 5  # WAL readers never block writers: read every change
        return
    assert run.calls == 1 and inspector.settling
    assert "refresh waits for a pause" in inspector.compact()
    assert await inspector.refresh(run) is not first  # the writer paused: read now
    assert run.calls == 2 and not inspector.settling


async def test_growing_ends_when_the_wal_stops_growing(
    db: Path, con: sqlite3.Connection, source: DataSource
) -> None:
    if db.name != "wal.db":
        pytest.skip("growth is about the WAL")
    now = [1000.0]
    inspector = Inspector(db, growth_samples=3, warn_frames=1, clock=lambda: now[0])
    await inspector.refresh(source.run)
    for _ in range(3):
        commit_rows(con, 1)
        now[0] += 1
        await inspector.refresh(source.run)
    assert "growing" in inspector.compact()
    now[0] += 1  # nothing new, 1 s later: still "growing" for now
    await inspector.refresh(source.run)
    assert "growing" in inspector.compact()
    now[0] += 3  # the WAL has not grown for 4 s
    snap = await inspector.refresh(source.run)
    assert "growing" not in inspector.compact()
    assert not any("grew" in w for w in snap.warnings)


@pytest.fixture
def keeper(db: Path) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _KEEPER, str(db), "40"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        readable, _, _ = select.select([proc.stdout], [], [], 60)
        assert readable and proc.stdout.readline().strip() == "ready"
        yield proc
    finally:
        proc.kill()
        proc.wait()


async def test_a_deleted_wal_with_committed_frames_is_an_alert(
    db: Path, source: DataSource, keeper: subprocess.Popen[str]
) -> None:
    if db.name != "wal.db":
        pytest.skip("a WAL case")
    inspector = Inspector(db)
    snap = await inspector.refresh(source.run)
    assert snap.alerts == ()
    db.with_name("wal.db-wal").unlink()
    snap = await inspector.refresh(source.run)
    assert len(snap.alerts) == 1
    alert = snap.alerts[0]
    assert "wal.db-wal is gone" in alert
    assert "committed frames" in alert
    assert f"process {keeper.pid}" in alert
