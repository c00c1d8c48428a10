"""``dbbrowse export`` from a shell: output, exit status and messages, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tui.db.test_export import make_db
from tests.tui.shell import dbbrowse_bytes


def dbbrowse(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return dbbrowse_bytes("export", *args, cwd=cwd)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_db(tmp_path / "odd.db")


def test_a_table_to_standard_output_as_csv(db: Path) -> None:
    done = dbbrowse(str(db), 'odd "t" select')
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split(b"\r\n")
    assert lines[0] == b'"id","any value","text","data","real"'
    assert lines[1] == b'1,,"","AP8=",1.5'
    assert b'9,"A\xffB","\xc3(",,2.0' in done.stdout  # the stored bytes, unchanged
    assert b"Traceback" not in done.stderr


def test_a_query_to_a_file_in_the_format_its_suffix_names(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "rows.jsonl"
    done = dbbrowse(
        str(db), 'SELECT id, text FROM "odd ""t"" select" WHERE id <= 2', "-o", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [1, 2]
    assert b"exported 2 rows of the query to" in done.stderr


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["missing.db", "t"], 2, b"no such"),
        (["{db}", "nope"], 2, b"no table or view named 'nope'"),
        (["{db}", "SELECT * FROM nowhere"], 1, b"no such table: nowhere"),
        (["{db}", 'odd "t" select', "-o", "{db}"], 2, b"database's own file"),
        (["{db}", 'odd "t" select', "-o", "{dir}/no/such/dir/x.csv"], 2, b"no such directory"),
        (["{db}", 'DELETE FROM "odd ""t"" select" RETURNING id'], 1, b"readonly"),
    ],
)
def test_errors_exit_non_zero_with_a_clear_message(
    db: Path, tmp_path: Path, args: list[str], status: int, message: bytes
) -> None:
    before = db.read_bytes()
    filled = [a.format(db=db, dir=tmp_path) for a in args]
    done = dbbrowse(*filled, cwd=tmp_path)
    assert done.returncode == status, done.stderr
    assert message in done.stderr.lower() or message in done.stderr
    assert done.stderr.startswith(b"dbbrowse export: error: ")
    assert b"Traceback" not in done.stderr
    assert not (tmp_path / "missing.db").exists()  # never created
    assert db.read_bytes() == before


def test_a_failed_export_leaves_no_file(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    done = dbbrowse(str(db), "SELECT * FROM nowhere", "-o", str(out))
    assert done.returncode == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("x", ".x"))) == []


def test_a_reader_that_stops_early_is_no_error_worth_a_traceback(tmp_path: Path) -> None:
    from tests.tui.db.test_export import make_db as build

    db = build(tmp_path / "big.db", [(i, i, "x" * 50, None, 0.0) for i in range(1, 200_001)])
    shell = subprocess.run(
        f"set -o pipefail; {sys.executable} -m tui export {db} 'odd \"t\" select' | head -n 2",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shell.stdout.count(b"\n") == 2
    assert shell.returncode == 141
    assert b"Traceback" not in shell.stderr and shell.stderr == b""
