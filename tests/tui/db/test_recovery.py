"""What SQLite repairs on open is reported with sizes, and what it cannot open is explained:
real second processes killed with SIGKILL mid-write, in both journal modes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.tui.db.walhelpers import holding, kill_when_ready
from tui.db.source import DataSource
from tui.db.target import TargetError, resolve_target

# Writes in a transaction that spills to the database file (tiny cache), then waits to be
# killed: in rollback mode the -journal is hot; in WAL mode frames follow the last commit.
_KILLED_WRITER = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA cache_size=5")
con.execute("PRAGMA wal_autocheckpoint=0")
for i in range(int(sys.argv[2])):
    con.execute("INSERT INTO t (v) VALUES (randomblob(500))")
con.execute("BEGIN")
con.execute("UPDATE t SET v = randomblob(600)")
print("ready", flush=True)
sys.stdin.readline()
"""


def make_table(db: Path, rows: int, *, wal: bool) -> None:
    con = sqlite3.connect(db, isolation_level=None)
    if wal:
        con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)")
    con.execute("BEGIN")
    con.executemany("INSERT INTO t (v) VALUES (randomblob(500))", [()] * rows)
    con.execute("COMMIT")
    con.close()


def kill_writer_mid_transaction(db: Path, commits: int = 0) -> None:
    kill_when_ready(_KILLED_WRITER, str(db), str(commits))


async def count(source: DataSource) -> int:
    async def run(conn: AsyncConnection) -> int:
        return int(await conn.scalar(text("SELECT count(*) FROM t")) or 0)

    return await source.run(run)


async def test_a_hot_journal_is_rolled_back_and_reported(tmp_path: Path) -> None:
    db = tmp_path / "hot.db"
    make_table(db, 2000, wal=False)
    kill_writer_mid_transaction(db)
    journal = db.with_name("hot.db-journal")
    assert journal.stat().st_size > 0
    source = await DataSource.open(resolve_target(str(db), default_url=""))
    try:
        assert await count(source) == 2000
    finally:
        await source.close()
    assert len(source.recovered) == 1
    report = source.recovered[0]
    assert "rolled back an interrupted write" in report
    assert f"{journal.name}" in report and " bytes" in report
    assert not journal.exists() or journal.stat().st_size == 0


async def test_a_hot_journal_with_read_only_is_explained(tmp_path: Path) -> None:
    db = tmp_path / "hot.db"
    make_table(db, 2000, wal=False)
    kill_writer_mid_transaction(db)
    before = db.read_bytes()
    with pytest.raises(TargetError) as caught:
        await DataSource.open(resolve_target(str(db), default_url="", read_only=True))
    message = str(caught.value)
    assert "hot journal" in message
    assert "--read-only" in message
    assert "without --read-only" in message
    assert db.read_bytes() == before  # read-only really wrote nothing


async def test_wal_recovery_after_a_killed_writer_is_reported(tmp_path: Path) -> None:
    db = tmp_path / "crashed.db"
    make_table(db, 10, wal=True)
    kill_writer_mid_transaction(db, commits=30)
    source = await DataSource.open(resolve_target(str(db), default_url=""))
    try:
        assert await count(source) == 40  # every commit, not the killed transaction
    finally:
        await source.close()
    assert len(source.recovered) == 1
    assert "recovered the WAL" in source.recovered[0]
    assert "crashed.db-wal" in source.recovered[0]


async def test_no_recovery_is_reported_while_another_process_has_the_wal_open(
    tmp_path: Path,
) -> None:
    db = tmp_path / "shared.db"
    make_table(db, 10, wal=True)
    with holding(db):
        source = await DataSource.open(resolve_target(str(db), default_url=""))
        try:
            assert await count(source) == 10
        finally:
            await source.close()
    assert source.recovered == ()


async def test_a_database_deleted_while_open_is_never_recreated(tmp_path: Path) -> None:
    db = tmp_path / "gone.db"
    make_table(db, 5, wal=False)
    source = await DataSource.open(resolve_target(str(db), default_url=""))
    try:
        await source.engine.dispose()  # the next read needs a new connection
        db.unlink()
        with pytest.raises(Exception, match="unable to open"):
            await count(source)
    finally:
        await source.close()
    assert not db.exists()


@pytest.mark.parametrize("name", ["q?x.db", "h#x.db", "p%41.db", "a b&=.db"])
async def test_odd_file_names_open_the_file_they_name(tmp_path: Path, name: str) -> None:
    db = tmp_path / name
    make_table(db, 3, wal=False)
    source = await DataSource.open(resolve_target(str(db), default_url=""))
    try:
        assert await count(source) == 3
    finally:
        await source.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def kept_wal(tmp_path: Path, *, with_shm: bool = True) -> Path:
    """A WAL database as a clean close that keeps the WAL leaves it (dbbrowse does): its
    -wal with committed frames and a complete -shm, nobody connected (copied from a live
    connection's files)."""
    import shutil

    live = tmp_path / "live.db"
    make_table(live, 10, wal=True)
    con = sqlite3.connect(live, isolation_level=None)
    con.execute("PRAGMA wal_autocheckpoint=0")
    for _ in range(3):
        con.execute("INSERT INTO t (v) VALUES (randomblob(500))")
    kept = tmp_path / "kept.db"
    for suffix in ("", "-wal", "-shm") if with_shm else ("", "-wal"):
        shutil.copyfile(f"{live}{suffix}", f"{kept}{suffix}")
    con.close()
    return kept


async def test_a_wal_kept_by_a_clean_close_is_not_called_recovered(tmp_path: Path) -> None:
    db = kept_wal(tmp_path)
    for _ in range(2):  # and again after dbbrowse itself kept it
        source = await DataSource.open(resolve_target(str(db), default_url=""))
        try:
            assert await count(source) == 13
        finally:
            await source.close()
        assert source.recovered == ()
        assert Path(f"{db}-wal").stat().st_size > 0  # the WAL was kept, with its frames


async def test_a_wal_without_its_index_is_reported_recovered(tmp_path: Path) -> None:
    db = kept_wal(tmp_path, with_shm=False)
    source = await DataSource.open(resolve_target(str(db), default_url=""))
    try:
        assert await count(source) == 13
    finally:
        await source.close()
    assert len(source.recovered) == 1 and "recovered the WAL" in source.recovered[0]
