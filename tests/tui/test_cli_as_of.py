"""``dbbrowse export DB TABLE --as-of K`` from a shell: a table as it stood after commit K, or
exit status 1 and one line saying why that state is gone; the files left as they were."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tui.db.asofhelpers import digests
from tests.tui.db.walhelpers import wal_connection
from tests.tui.shell import dbbrowse_text as dbbrowse


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """Five commits on ``h.db``; the writer stays open so the WAL stays."""
    con = wal_connection(tmp_path / "h.db")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")  # commit 1
    con.execute("INSERT INTO t VALUES (1, 'one'), (2, 'two')")  # 2
    con.execute("UPDATE t SET name = 'uno' WHERE id = 1")  # 3
    con.execute("DELETE FROM t WHERE id = 2")  # 4
    con.execute("INSERT INTO t VALUES (3, 'three')")  # 5
    yield con
    con.close()


def test_a_table_as_of_each_commit(tmp_path: Path, writer: sqlite3.Connection) -> None:
    db = tmp_path / "h.db"
    before = digests(db)
    expected = {
        2: "id,name\n1,one\n2,two\n",
        3: "id,name\n1,uno\n2,two\n",
        4: "id,name\n1,uno\n",
        5: "id,name\n1,uno\n3,three\n",
    }
    for commit, csv in expected.items():
        done = dbbrowse("export", str(db), "t", "--as-of", str(commit))
        assert done.returncode == 0, done.stderr
        assert done.stdout.replace("\r\n", "\n").replace('"', "") == csv
    # A query works too, against the past state.
    done = dbbrowse("export", str(db), "SELECT count(*) AS n FROM t", "--as-of", "2", "-f", "tsv")
    assert done.stdout.split() == ["n", "2"]
    assert digests(db) == before


def test_a_state_no_longer_in_the_wal_fails_with_the_reason(
    tmp_path: Path, writer: sqlite3.Connection
) -> None:
    db = tmp_path / "h.db"
    done = dbbrowse("export", str(db), "t", "--as-of", "9")
    assert done.returncode == 1
    assert done.stderr == (
        "dbbrowse export: error: h.db as of commit 9: no commit 9 in the WAL:"
        " it holds commits 1 to 5\n"
    )
    # Commit 6 updates t in place (t's page only); a checkpoint copies it into the file;
    # a reader at commit 6 keeps the WAL from being reset by the next write.
    writer.execute("UPDATE t SET name = 'eins' WHERE id = 1")
    reader = sqlite3.connect(db, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()
    try:
        assert writer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[0] == 0
        writer.execute("INSERT INTO t VALUES (4, 'four')")
    finally:
        reader.close()
    done = dbbrowse("export", str(db), "t", "--as-of", "5")
    assert done.returncode == 0, done.stderr  # every page of t as of 5 is still in the WAL
    # Commit 0 (before the WAL) needs page 1 from the file: it holds commit 1's and later.
    done = dbbrowse("export", str(db), "t", "--as-of", "0")
    assert done.returncode == 1
    assert done.stderr == (
        "dbbrowse export: error: h.db as of commit 0: not reconstructable: page 1 was"
        " checkpointed after commit 0 (the database file holds its version from commit 1"
        " or later)\n"
    )
    assert "Traceback" not in done.stderr


def test_as_of_needs_a_sqlite_file(tmp_path: Path) -> None:
    done = dbbrowse("--as-of", "3")
    assert done.returncode == 2
    assert "--as-of needs a SQLite database file" in done.stderr
    done = dbbrowse("export", "postgresql://u@127.0.0.1:1/x", "t", "--as-of", "3")
    assert done.returncode == 2
    assert "--as-of needs a SQLite database file" in done.stderr


def test_a_page_lost_while_reading_fails_with_the_reason(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    con = wal_connection(db)
    try:
        con.execute("CREATE TABLE a (x)")
        con.execute("CREATE TABLE t (y)")
        con.execute("INSERT INTO a VALUES (1)")
        con.execute("INSERT INTO t VALUES (1)")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all of it in the file
        con.execute("UPDATE t SET y = 2")  # commit 1: t's page only
        reader = sqlite3.connect(db, isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM t").fetchone()
        con.execute("UPDATE a SET x = 2")  # commit 2, after the reader
        assert con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[0] == 0  # commit 1
        reader.close()
        # Before commit 1, a is exact (its page was not copied), t is not any more.
        done = dbbrowse("export", str(db), "a", "--as-of", "0")
        assert (done.returncode, done.stdout.split()) == (0, ['"x"', "1"]), done.stderr
        done = dbbrowse("export", str(db), "t", "--as-of", "0")
        assert done.returncode == 1
        assert done.stderr.startswith(
            "dbbrowse export: error: m.db before commit 1 (of 2): not reconstructable: page 3"
            " was checkpointed after commit 0"
        )
        assert len(done.stderr.splitlines()) == 1
    finally:
        con.close()


def test_diff_between_commits_and_now(tmp_path: Path, writer: sqlite3.Connection) -> None:
    db = tmp_path / "h.db"
    before = digests(db)
    done = dbbrowse("diff", str(db), "t", "--from", "2", "--to", "5")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "~ rowid 1: name: 'one' → 'uno'",
        "- rowid 2: id=2, name='two'",
        "+ rowid 3: id=3, name='three'",
        "3 rows of t differ from commit 2 to commit 5: 1 inserted, 1 updated, 1 deleted",
    ]
    writer.execute("UPDATE t SET name = ? WHERE id = 3", ("\x1b[2J[red]x[/]",))
    done = dbbrowse("diff", str(db), "t", "--from", "5")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "~ rowid 3: name: 'three' → '\\x1b[2J[red]x[/]'",  # escaped, never sent to the terminal
        "1 row of t differs from commit 5 to now: 0 inserted, 1 updated, 0 deleted",
    ]
    done = dbbrowse("diff", str(db), "t", "--from", "5", "--to", "5")
    assert done.stdout == "0 rows of t differ from commit 5 to commit 5\n"
    assert digests(db)["db"] == before["db"]


def test_diff_of_a_table_that_did_not_exist_says_so(
    tmp_path: Path, writer: sqlite3.Connection
) -> None:
    db = tmp_path / "h.db"
    done = dbbrowse("diff", str(db), "t", "--from", "0", "--to", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "table t did not exist after commit 0: each of its rows is listed as inserted",
        "+ rowid 1: id=1, name='one'",
        "+ rowid 2: id=2, name='two'",
        "2 rows of t differ from commit 0 to commit 2: 2 inserted, 0 updated, 0 deleted",
    ]
    writer.execute("ALTER TABLE t RENAME TO renamed")  # commit 6: followed, not deleted
    done = dbbrowse("diff", str(db), "t", "--from", "5")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "table t renamed to renamed between commit 5 and now: its rows are matched across"
        " the rename",
        "0 rows of t differ from commit 5 to now",
    ]
    writer.execute("DROP TABLE renamed")  # commit 7: no t now
    done = dbbrowse("diff", str(db), "t", "--from", "5")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        "table t does not exist now: each of its rows is listed as deleted"
    )


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["--from", "9"], 1, "no commit 9 in the WAL: it holds commits 1 to 5"),
        (["--from", "1", "--to", "later"], 2, "--to takes a commit number or now, not 'later'"),
        (["--from", "-1"], 2, "commit numbers are 0 or more"),
    ],
)
def test_diff_errors_are_one_line(
    tmp_path: Path, writer: sqlite3.Connection, args: list[str], status: int, message: str
) -> None:
    done = dbbrowse("diff", str(tmp_path / "h.db"), "t", *args)
    assert done.returncode == status
    assert done.stderr == f"dbbrowse diff: error: {message}\n"
    done = dbbrowse("diff", str(tmp_path / "h.db"), "nope", "--from", "1")
    assert (done.returncode, done.stderr) == (
        2,
        "dbbrowse diff: error: table nope did not exist after commit 1, and does not exist now\n",
    )


def test_a_past_state_exports_every_value_as_the_live_one(tmp_path: Path) -> None:
    from tests.tui.db.test_export import ODD_ROWS

    db = tmp_path / "odd.db"
    writer = sqlite3.connect(db, isolation_level=None)  # open throughout: the WAL stays
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute(
            'CREATE TABLE "odd ""t"" select" (id INTEGER PRIMARY KEY, "any value", text TEXT,'
            " data BLOB, real REAL)"
        )  # commit 1
        writer.execute("BEGIN")
        writer.executemany('INSERT INTO "odd ""t"" select" VALUES (?, ?, ?, ?, ?)', ODD_ROWS)
        writer.execute(  # text that is not valid UTF-8, stored as TEXT
            'INSERT INTO "odd ""t"" select" VALUES (9, CAST(x\'41ff42\' AS TEXT),'
            " CAST(x'c328' AS TEXT), NULL, 2.0)"
        )
        writer.execute("COMMIT")  # commit 2
        export = [sys.executable, "-m", "tui", "export", str(db), 'odd "t" select', "-f", "csv"]
        live = subprocess.run(export, capture_output=True, check=True)
        done = subprocess.run([*export, "--as-of", "2"], capture_output=True, check=False)
        assert done.returncode == 0, done.stderr
        assert b'9,"A\xffB","\xc3(",,2.0' in live.stdout  # the stored bytes, unchanged
        assert done.stdout == live.stdout
    finally:
        writer.close()


# Writes four commits to a new WAL database and exits without closing it: its -wal and -shm
# stay as a crashed or killed writer leaves them, and no process has the database open.
_LEFT_BEHIND = """
import os, sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA journal_mode=WAL")
con.execute("PRAGMA wal_autocheckpoint=0")
con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
con.execute("INSERT INTO t VALUES (1, 'one'), (2, 'two')")
con.execute("UPDATE t SET name = 'uno' WHERE id = 1")
con.execute("DELETE FROM t WHERE id = 2")
os._exit(0)
"""


def test_diff_to_now_leaves_every_file_as_it_was(tmp_path: Path) -> None:
    """Nobody has the database open: a SQLite connection to it would rebuild its -shm."""
    db = tmp_path / "left.db"
    subprocess.run([sys.executable, "-c", _LEFT_BEHIND, str(db)], check=True)
    before = digests(db)
    assert before["-shm"] is not None and before["-wal"] is not None
    done = dbbrowse("diff", str(db), "t", "--from", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "~ rowid 1: name: 'one' → 'uno'",
        "- rowid 2: id=2, name='two'",
        "2 rows of t differ from commit 2 to now: 0 inserted, 1 updated, 1 deleted",
    ]
    assert digests(db) == before


def test_a_state_a_checkpoint_overwrote_fails_with_status_1_however_found(
    tmp_path: Path,
) -> None:
    """Whether opening the state or its first read finds page 1 overwritten, the refusal is
    the same exit status 1 (2 is for bad arguments); a table that did not exist then is named
    with the commit (hostile 13-12, F5 and F16)."""
    from tests.tui.db.test_history_partial_checkpoint import WRITER

    db = tmp_path / "ckpt.db"
    copies = tmp_path / "copies"
    copies.mkdir()
    subprocess.run([sys.executable, "-c", WRITER, str(db), str(copies)], check=True)
    before = digests(db)
    for commit in ("0", "1"):
        done = dbbrowse("export", str(db), "h", "--as-of", commit)
        assert done.returncode == 1, (commit, done.stderr)
        assert "not reconstructable" in done.stderr and len(done.stderr.splitlines()) == 1
    done = dbbrowse("export", str(db), "h", "--as-of", "2")
    assert done.returncode == 0, done.stderr
    done = dbbrowse("export", str(db), "nope", "--as-of", "3")
    assert done.returncode == 2
    assert "no table or view named 'nope' as of commit 3;" in done.stderr
    assert digests(db) == before


def test_a_commit_pinned_to_its_wal_is_refused_after_a_reset(
    tmp_path: Path, writer: sqlite3.Connection
) -> None:
    """Commit 2 after a WAL reset is another state: with --wal (the salts history prints)
    the export is refused instead of silently reading the new WAL's commit 2; the history
    and an export to a file say which WAL the number is of (hostile report, 20)."""
    import re

    db = tmp_path / "h.db"
    listed = dbbrowse("history", str(db))
    pin = re.search(r"--wal ([0-9a-f]{8}:[0-9a-f]{8}) pins them", listed.stdout)
    assert pin is not None, listed.stdout
    out = tmp_path / "t.csv"
    done = dbbrowse("export", str(db), "t", "--as-of", "2", "--wal", pin[1], "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert f"as of commit 2 of the WAL with salts {pin[1]} (--wal {pin[1]})" in done.stderr
    assert writer.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    writer.execute("UPDATE t SET name = 'NEW' WHERE id = 1")
    writer.execute("INSERT INTO t VALUES (9, 'nine')")  # commit 2 of the new WAL
    done = dbbrowse("export", str(db), "t", "--as-of", "2", "--wal", pin[1])
    assert done.returncode == 1, done.stdout
    assert "a new generation began" in done.stderr and done.stdout == ""
    done = dbbrowse("diff", str(db), "t", "--from", "1", "--wal", pin[1])
    assert done.returncode != 0 and "a new generation began" in done.stderr
    done = dbbrowse("export", str(db), "t", "--as-of", "2", "--wal", "xyz")
    assert done.returncode == 2 and "SALT1:SALT2" in done.stderr
    done = dbbrowse("export", str(db), "t", "--wal", pin[1])
    assert done.returncode == 2 and "give --as-of too" in done.stderr


def test_a_past_state_of_a_table_as_wide_as_sqlite_allows_exports_as_the_live_one(
    tmp_path: Path,
) -> None:
    """1,999 columns and a TEXT that is not UTF-8: the second, lossless read of the past
    state stays within SQLite's 2,000-column limit (hostile report, 13)."""
    db = tmp_path / "wide.db"
    writer = sqlite3.connect(db, isolation_level=None)  # open throughout: the WAL stays
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")
        names = ", ".join(f"c{i}" for i in range(1998))
        writer.execute(f"CREATE TABLE wide (id INTEGER PRIMARY KEY, {names})")  # commit 1
        writer.execute(
            "INSERT INTO wide (id, c0, c1, c2, c1997) VALUES"
            " (1, CAST(x'41ff42' AS TEXT), x'00ff', '', 7)"
        )  # commit 2
        export = [sys.executable, "-m", "tui", "export", str(db), "wide", "-f", "csv"]
        live = subprocess.run(export, capture_output=True, check=True)
        done = subprocess.run([*export, "--as-of", "2"], capture_output=True, check=False)
        assert done.returncode == 0, done.stderr
        assert b'1,"A\xffB",' in live.stdout
        assert done.stdout == live.stdout
    finally:
        writer.close()
