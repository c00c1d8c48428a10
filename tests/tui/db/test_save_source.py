"""Saving through the DataSource: the write connection, refusals, `wrote`, and a lock held by
another process (reported with its pid within the busy timeout, then the save succeeds)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tui.db.edithelpers import sqlite_file
from tui.db.catalog import describe_table, list_tables, table_details
from tui.db.edits import CellEdit, RowInsert
from tui.db.model import TableRef
from tui.db.save import SaveOutcome, plan_save, save_changes
from tui.db.source import DataSource, WriteRefusedError
from tui.db.target import resolve_target
from tui.db.values import RowKey

T = TableRef("t")
MARKER = "# dbbrowse-edit-test-holder"
HOLDER = f"""{MARKER}
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
con.execute("INSERT INTO t (v) VALUES ('holder')")
print("ready", flush=True)
sys.stdin.readline()
con.execute("COMMIT")
con.close()
"""


def start_holder(path: Path) -> subprocess.Popen[str]:
    """Another process that holds BEGIN IMMEDIATE on ``path`` until it reads a line."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "ready"
    return holder


async def open_source(path: Path, **options: bool) -> DataSource:
    return await DataSource.open(resolve_target(str(path), default_url="", **options))


async def save_one(source: DataSource, change: CellEdit | RowInsert) -> SaveOutcome:
    async def read(conn):  # type: ignore[no-untyped-def]
        entry = (await list_tables(conn, source.strategy)).find(T)
        assert entry is not None
        info = await describe_table(conn, source.strategy, entry)
        return info, await table_details(conn, source.strategy, info)

    info, detail = await source.run(read)
    planned = plan_save([change], {T: info}, source.engine.dialect, {T: detail})
    return await source.write(lambda conn: save_changes(conn, planned, {T: info}))


@pytest.mark.parametrize("wal", [False, True], ids=["delete-journal", "wal"])
async def test_write_sets_wrote_only_after_a_commit(tmp_path: Path, wal: bool) -> None:
    path = sqlite_file(
        tmp_path / "w.db",
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)", "INSERT INTO t VALUES (1, 'a')"],
        wal=wal,
    )
    source = await open_source(path)
    try:
        assert source.write_refusal() is None
        failed = await save_one(source, RowInsert(T, (("v", "a"),), 1))
        assert not failed.ok
        assert not source.wrote
        done = await save_one(source, CellEdit(T, RowKey(("id",), (1,)), "v", "a", "b"))
        assert done.ok, done.reason
        assert source.wrote
    finally:
        await source.close()
    if wal:  # browsing connections keep the WAL on close (no checkpoint without asking)
        assert Path(f"{path}-wal").exists()


async def test_read_only_targets_refuse_every_write(tmp_path: Path) -> None:
    path = sqlite_file(tmp_path / "r.db", ["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"])
    for options, word in (
        ({"read_only": True}, "--read-only"),
        ({"immutable": True}, "--immutable"),
    ):
        source = await open_source(path, **options)
        try:
            reason = source.write_refusal()
            assert reason is not None
            assert word in reason
            with pytest.raises(WriteRefusedError, match=word):
                await save_one(source, RowInsert(T, (("v", "x"),), 1))
        finally:
            await source.close()


async def test_a_file_or_directory_the_user_may_not_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = sqlite_file(tmp_path / "p.db", ["CREATE TABLE t (id INTEGER PRIMARY KEY)"])
    source = await open_source(path)
    try:
        real_access = os.access
        for denied, word in ((str(path), "p.db is read-only"), (str(tmp_path), "directory")):

            def access(target: object, mode: int, denied: str = denied) -> bool:
                if os.fspath(target) == denied and mode & os.W_OK:  # type: ignore[arg-type]
                    return False
                return real_access(target, mode)  # type: ignore[arg-type]

            monkeypatch.setattr(os, "access", access)
            reason = source.write_refusal()
            assert reason is not None
            assert word in reason
        monkeypatch.setattr(os, "access", real_access)
        assert source.write_refusal() is None
    finally:
        await source.close()


@pytest.mark.parametrize("wal", [False, True], ids=["delete-journal", "wal"])
async def test_a_lock_held_elsewhere(
    tmp_path: Path, wal: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds BEGIN IMMEDIATE: the save says locked, by which pid, within the
    busy timeout, nothing is written and the change is kept; after it commits, the save runs."""
    path = sqlite_file(
        tmp_path / "l.db",
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t VALUES (1, 'a')"],
        wal=wal,
    )
    monkeypatch.setenv("BUSY_TIMEOUT_MS", "300")
    source = await open_source(path)
    holder = start_holder(path)
    try:
        change = CellEdit(T, RowKey(("id",), (1,)), "v", "a", "mine")
        outcome = await save_one(source, change)
        assert not outcome.ok
        assert outcome.failed is None  # no change failed: the save never began
        assert "locked" in outcome.reason
        assert f"pid {holder.pid}" in outcome.reason
        assert MARKER in outcome.reason
        assert not source.wrote
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.wait(timeout=60) == 0
        outcome = await save_one(source, change)
        assert outcome.ok, outcome.reason
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        await source.close()
