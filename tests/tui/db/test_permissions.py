"""Read-only files and directories, run as an unprivileged user (root ignores permissions, so
a test run as root would prove nothing): healthy files open, the rest are explained."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tui.db.walhelpers import wal_connection
from tui.db.no_checkpoint import disable_checkpoint_on_close

REPO = Path(__file__).resolve().parents[3]

# Opens argv[1] the way dbbrowse does and prints one line: OK <rows> or ERROR <message>;
# with argv[2] == "switch", also switches the journal mode to DELETE and prints the outcome.
_OPEN = """
import asyncio, sys
from sqlalchemy import text
from tui.db.maintenance import JournalMode, MaintenanceError, set_journal_mode
from tui.db.source import DataSource
from tui.db.target import TargetError, resolve_target

async def main():
    flag = sys.argv[2]
    try:
        target = resolve_target(
            sys.argv[1], default_url="", read_only=flag == "ro", immutable=flag == "immutable"
        )
        source = await DataSource.open(target)
    except TargetError as exc:
        print("ERROR", exc)
        return
    try:
        if flag == "switch":
            try:
                result = await source.run_alone(
                    lambda conn: set_journal_mode(conn, JournalMode.DELETE)
                )
                print("SWITCHED", result.summary)
            except MaintenanceError as exc:
                print("REFUSED", exc)
            return
        rows = await source.run(lambda conn: conn.scalar(text("SELECT count(*) FROM t")))
        print("OK", rows)
    finally:
        await source.close()

asyncio.run(main())
"""


def _interpreter() -> list[str] | None:
    """A Python the user nobody may run, with this project importable; None if there is none."""
    if shutil.which("setpriv") is None:
        return None
    site = sysconfig.get_paths()["purelib"]
    env_path = f"{REPO}{os.pathsep}{site}"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (sys.executable, shutil.which(version) or "", f"/usr/bin/{version}"):
        if not candidate:
            continue
        probe = subprocess.run(
            [*_as_nobody(), candidate, "-c", "import sqlalchemy, tui.db.source"],
            env={**os.environ, "PYTHONPATH": env_path},
            capture_output=True,
            cwd="/",
        )
        if probe.returncode == 0:
            return [candidate]
    return None


def _as_nobody() -> list[str]:
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


@pytest.fixture(scope="module")
def python_as_nobody() -> list[str]:
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to the user nobody (setpriv --reuid)")
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv is missing: cannot run as a user that permissions apply to")
    found = _interpreter()
    if found is None:
        pytest.skip("no Python interpreter that the user nobody may run has this project")
    return found


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory nobody can reach (pytest's tmp_path is under a root-only 0700 folder)."""
    path = Path(tempfile.mkdtemp(prefix="dbbrowse-perm-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        for root, dirs, _ in os.walk(path):
            for name in dirs:
                os.chmod(os.path.join(root, name), 0o755)
        shutil.rmtree(path, ignore_errors=True)


def run_as_nobody(python: list[str], db: Path, flag: str = "") -> str:
    site = sysconfig.get_paths()["purelib"]
    done = subprocess.run(
        [*_as_nobody(), *python, "-c", _OPEN, str(db), flag],
        env={**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{site}", "HOME": "/nonexistent"},
        capture_output=True,
        text=True,
        cwd="/",
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def wal_db(directory: Path, *, keep_wal: bool) -> Path:
    db = directory / "w.db"
    con = wal_connection(db)
    con.execute("CREATE TABLE t (x)")
    con.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(7)])
    if keep_wal:
        assert disable_checkpoint_on_close(con)
    con.close()
    return db


def read_only(directory: Path) -> None:
    for path in directory.iterdir():
        path.chmod(0o444)
    directory.chmod(0o555)


def test_wal_database_in_a_read_only_directory_without_shm_is_explained(
    python_as_nobody: list[str], shared_dir: Path
) -> None:
    db = wal_db(shared_dir, keep_wal=False)
    read_only(shared_dir)
    out = run_as_nobody(python_as_nobody, db)
    assert out.startswith("ERROR")
    assert "-shm" in out and "read-only" in out and str(shared_dir) in out
    assert "--immutable" in out
    # What the message offers works: immutable mode reads it (no WAL content to miss here).
    assert run_as_nobody(python_as_nobody, db, "immutable") == "OK 7"
    assert sorted(p.name for p in shared_dir.iterdir()) == ["w.db"]


def test_wal_database_in_a_read_only_directory_with_its_wal_and_shm_opens(
    python_as_nobody: list[str], shared_dir: Path
) -> None:
    db = wal_db(shared_dir, keep_wal=True)
    read_only(shared_dir)
    assert run_as_nobody(python_as_nobody, db) == "OK 7"
    assert run_as_nobody(python_as_nobody, db, "ro") == "OK 7"


def test_read_only_rollback_database_opens(python_as_nobody: list[str], shared_dir: Path) -> None:
    db = shared_dir / "plain.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (x)")
    con.execute("INSERT INTO t VALUES (1)")
    con.commit()
    con.close()
    read_only(shared_dir)
    assert run_as_nobody(python_as_nobody, db) == "OK 1"


def test_switching_journal_mode_with_a_read_only_wal_names_the_file(
    python_as_nobody: list[str], shared_dir: Path
) -> None:
    db = wal_db(shared_dir, keep_wal=True)
    shared_dir.chmod(0o777)
    db.chmod(0o666)
    db.with_name("w.db-shm").chmod(0o666)
    db.with_name("w.db-wal").chmod(0o444)
    out = run_as_nobody(python_as_nobody, db, "switch")
    assert out.startswith("REFUSED"), out
    assert "w.db-wal is read-only" in out


def test_hot_journal_in_a_read_only_directory_is_explained(
    python_as_nobody: list[str], shared_dir: Path
) -> None:
    from tests.tui.db.test_recovery import kill_writer_mid_transaction, make_table

    db = shared_dir / "hot.db"
    make_table(db, 2000, wal=False)
    kill_writer_mid_transaction(db)
    assert db.with_name("hot.db-journal").stat().st_size > 0
    read_only(shared_dir)
    out = run_as_nobody(python_as_nobody, db)
    assert out.startswith("ERROR"), out
    assert "hot journal" in out
    assert f"the directory {shared_dir} is read-only for this user" in out
    assert "hot.db-journal" in out
