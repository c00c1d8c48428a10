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
    rows = [line.split() for line in lines[2:-1]]
    assert [row[0] for row in rows] == ["1", "2", "3", "4"]
    assert all(row[4] == "no" for row in rows)
    assert rows[0][5:] == ["sqlite_schema,", "t", "·", "table", "t", "created"]
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
        (["{db}", "--commit", "9"], 1, "the WAL holds no commit 9 (it holds commits 1 to 4)"),
        (["{db}", "--commit", "x"], 2, "invalid int value"),
        (["{db}", "--commit", "-1"], 2, "--commit takes a commit number (1 or more), not -1"),
        (["{db}", "--commit", "0"], 2, "0 is the state before the first commit, not a commit"),
        (["{db}", "-c", "1", "--limit", "-1"], 2, "--limit must be 0 or more"),
    ],
)
def test_bad_input_gets_a_clear_error(db: Path, args: list[str], status: int, message: str) -> None:
    done = dbbrowse(*(a.format(db=db, dir=db.parent) for a in args))
    assert done.returncode == status
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def plain_db(tmp_path: Path) -> Path:
    """A database in the default rollback-journal mode (DELETE): no WAL, no history."""
    path = tmp_path / "plain.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()
    return path


def test_a_database_without_wal_says_why_and_how_to_get_one(tmp_path: Path) -> None:
    path = plain_db(tmp_path)
    before = digest(path)
    done = dbbrowse(str(path))
    assert done.returncode == 1
    assert done.stdout == ""
    assert "plain.db is not in WAL mode" in done.stderr
    assert "there is no write-ahead log, so there is no history" in done.stderr
    assert "PRAGMA journal_mode=WAL" in done.stderr
    assert "Traceback" not in done.stderr
    assert digest(path) == before


def test_a_wal_database_whose_wal_is_gone_has_no_commit_but_no_error(tmp_path: Path) -> None:
    path = tmp_path / "closed.db"
    con = wal_connection(path)
    con.execute("CREATE TABLE t (a)")
    con.close()  # the last connection checkpoints and deletes the -wal
    done = dbbrowse(str(path))
    assert done.returncode == 0, done.stderr
    assert "No usable WAL: there is no commit to show." in done.stdout


def test_limit_without_commit_lists_the_last_commits(db: Path) -> None:
    done = dbbrowse(str(db), "--limit", "2")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("4 commits in the WAL")
    assert lines[1] == "the last 2 commits (--limit 2); 2 earlier ones not shown"
    assert [line.split()[0] for line in lines[3:-1]] == ["3", "4"]
    everything = dbbrowse(str(db), "--limit", "10").stdout.splitlines()
    assert [line.split()[0] for line in everything[2:-1]] == ["1", "2", "3", "4"]


def test_long_values_say_their_full_length_and_blobs_their_exact_size(tmp_path: Path) -> None:
    path = tmp_path / "big.db"
    con = wal_connection(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")  # commit 1
    con.execute("INSERT INTO t VALUES (1, 'short'), (2, x'0001')")  # 2
    con.execute("UPDATE t SET v = ? WHERE id = 1", ("abc" * 4115,))  # 3: 12,345 chars
    con.execute("UPDATE t SET v = ? WHERE id = 2", (b"\x07" * 123_456,))  # 4
    try:
        text = dbbrowse(str(path), "--commit", "3")
        assert text.returncode == 0, text.stderr
        assert "v: 'short' → 'abcabc" in text.stdout
        assert "…' (12,345 chars)" in text.stdout
        blob = dbbrowse(str(path), "--commit", "4")
        assert blob.returncode == 0, blob.stderr
        assert "v: <blob 2 bytes> 00 01 → <blob 123,456 bytes> 07 07 07 07 …" in blob.stdout
    finally:
        con.close()


def test_without_rowid_key_ranges_hold_only_the_key(tmp_path: Path) -> None:
    path = tmp_path / "wr.db"
    con = wal_connection(path)
    con.execute("CREATE TABLE w (a, b, c, PRIMARY KEY (a, b)) WITHOUT ROWID")  # commit 1
    con.execute("INSERT INTO w VALUES (1, 2, 'not a key'), (3, 4, 'nor this')")  # 2
    try:
        done = dbbrowse(str(path), "--commit", "2")
        assert done.returncode == 0, done.stderr
        assert "keys 1, 2 … 3, 4\n" in done.stdout
        assert "not a key' …" not in done.stdout and "keys 1, 2, 'not a key'" not in done.stdout
    finally:
        con.close()


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("missing", 2),
        ("not sqlite", 2),
        ("negative commit", 2),
        ("rollback journal", 1),
        ("no such commit", 1),
    ],
)
def test_history_export_and_diff_exit_alike(
    db: Path, tmp_path: Path, case: str, status: int
) -> None:
    """The same failure gets the same exit status from all three: 2 bad arguments, 1 a state
    the database does not hold (export's documented scheme)."""
    commit = "1"
    if case == "missing":
        path = tmp_path / "missing.db"
    elif case == "not sqlite":
        path = tmp_path / "notes.db"
        path.write_text("hello")
    elif case == "rollback journal":
        path = plain_db(tmp_path)
    elif case == "negative commit":
        path, commit = db, "-1"
    else:
        path, commit = db, "99"
    runs = {
        "history": dbbrowse_text("history", str(path), "--commit", commit),
        "export": dbbrowse_text("export", str(path), "t", "--as-of", commit),
        "diff": dbbrowse_text("diff", str(path), "t", "--from", commit),
    }
    for name, done in runs.items():
        assert done.returncode == status, (name, done.stderr)
        assert "Traceback" not in done.stderr, name
        assert done.stderr.startswith(f"dbbrowse {name}: error: "), name


def test_the_generation_is_the_wal_header_s_so_every_reader_agrees(db: Path) -> None:
    """After a WAL reset a fresh reader (this CLI) says generation 2, as the history view that
    was open across the reset does: both count the WAL header's resets, not their own."""
    from tui.db.wal_history import HistoryBuilder

    con = sqlite3.connect(db, isolation_level=None)
    try:
        assert "· generation 1 " in dbbrowse(str(db)).stdout
        con.execute("PRAGMA wal_checkpoint(RESTART)")
        con.execute("INSERT INTO t VALUES (7, 'after the reset')")
        done = dbbrowse(str(db))
        assert done.stdout.startswith("1 commit in the WAL · generation 2 "), done.stdout
        history = HistoryBuilder(db).refresh()
        assert history.generation_number == 2 and history.resets_seen == 0
    finally:
        con.close()
