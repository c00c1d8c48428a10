"""``dbbrowse history`` from a shell: the commits of a WAL SQLite wrote, one commit's row
changes, exit status and messages, and the files left byte for byte as they were."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tui.db.historyhelpers import digest
from tests.tui.db.walhelpers import wal_connection
from tests.tui.shell import dbbrowse_text


def dbbrowse(*args: str) -> subprocess.CompletedProcess[str]:
    return dbbrowse_text("history", *args)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    """A WAL database with four commits; its writer stays open so the WAL stays."""
    path = tmp_path / "h.db"
    con = wal_connection(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")  # commit 1
    con.execute("INSERT INTO t VALUES (1, 'one'), (2, ?)", ("\x1b[2J[red]markup[/]",))  # 2
    con.execute("UPDATE t SET name = 'uno' WHERE id = 1")  # 3
    con.execute("DELETE FROM t WHERE id = 2")  # 4
    yield path
    con.close()


def test_the_commits_are_listed_and_nothing_changes(db: Path) -> None:
    before = digest(db)
    done = dbbrowse(str(db))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("4 commits in the WAL · generation 1")
    assert "checkpointed up to frame 0" in lines[0]
    rows = [line.split() for line in lines[2:]]
    assert [row[0] for row in rows] == ["1", "2", "3", "4"]
    assert all(row[4] == "no" for row in rows)
    assert rows[0][5:] == ["sqlite_schema,", "t"]
    assert rows[2][5:] == ["t"]
    assert digest(db) == before


def test_one_commit_rows_literal_and_escaped(db: Path) -> None:
    before = digest(db)
    inserted = dbbrowse(str(db), "--commit", "2")
    assert inserted.returncode == 0, inserted.stderr
    assert "t (table): 2 inserted, 0 deleted" in inserted.stdout
    assert "+ rowid 1: id=1, name='one'" in inserted.stdout
    # the escape character is shown, not sent to the terminal; markup stays as typed
    assert "+ rowid 2: id=2, name='\\x1b[2J[red]markup[/]'" in inserted.stdout
    assert "\x1b" not in inserted.stdout
    updated = dbbrowse(str(db), "-c", "3")
    assert "~ rowid 1: name: 'one' → 'uno'" in updated.stdout
    deleted = dbbrowse(str(db), "-c", "4")
    assert "- rowid 2: id=2" in deleted.stdout
    assert digest(db) == before


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["{dir}/missing.db"], 2, "no such database file"),
        (["{db}", "--commit", "9"], 2, "the WAL holds no commit 9 (it holds commits 1 to 4)"),
        (["{db}", "--commit", "x"], 2, "invalid int value"),
        (["{db}", "-c", "1", "--limit", "-1"], 2, "--limit must be 0 or more"),
    ],
)
def test_bad_input_gets_a_clear_error(db: Path, args: list[str], status: int, message: str) -> None:
    done = dbbrowse(*(a.format(db=db, dir=db.parent) for a in args))
    assert done.returncode == status
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_database_without_wal(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()
    done = dbbrowse(str(path))
    assert done.returncode == 0
    assert "No usable WAL: there is no commit to show." in done.stdout
