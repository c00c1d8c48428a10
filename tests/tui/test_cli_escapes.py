"""Every command's messages: a file or table name's escape codes are shown, never sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.cli import main

ODD = "a\x1b[2Jb\x07.db"


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["history"],
        ["export", "--format", "csv", "-o", "out.csv"],
        ["diff", "--from", "1"],
    ],
    ids=["browse", "history", "export", "diff"],
)
def test_a_missing_file_with_escape_codes_is_named_escaped(
    command: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    missing = str(tmp_path / ODD)
    argv = [*command[:1], missing, *(["t"] if command[:1] in (["export"], ["diff"]) else [])]
    argv += command[1:]
    status = main(argv)
    err = capsys.readouterr().err
    assert status != 0
    assert "\x1b" not in err and "\x07" not in err, err
    assert "a\\x1b[2Jb" in err or "a\\e[2Jb" in err or "a␛[2Jb" in err, err
    assert not (tmp_path / ODD).exists()


def _export_to_a_terminal(db: Path, *options: str) -> tuple[int, bytes]:
    """``dbbrowse export`` run with its standard output a pseudo-terminal: status, output."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "tui", "export", str(db), "t", *options],
            stdout=follower,
            stderr=subprocess.PIPE,
        )
        os.close(follower)
        out = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the follower side closed: all is read
                break
            if not chunk:
                break
            out += chunk
        process.wait(timeout=60)
    finally:
        os.close(leader)
    return process.returncode, out


def test_an_export_to_a_terminal_shows_control_characters_escaped(tmp_path: Path) -> None:
    """A stored ESC sequence exported to a terminal retitled the window and cleared it; to a
    file or a pipe the bytes stay exact (tests/tui/test_cli_export.py)."""
    import sqlite3

    db = tmp_path / "x.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.execute("INSERT INTO t VALUES (1, ?), (2, ?)", ("\x1b]0;PWNED\x07\x1b[2J", "tab\tok"))
    conn.commit()
    conn.close()
    status, out = _export_to_a_terminal(db, "--format", "tsv")
    assert status == 0
    assert b"\x1b" not in out and b"\x07" not in out, out
    assert b"\\x1b]0;PWNED\\x07\\x1b[2J" in out
    status, out = _export_to_a_terminal(db, "--format", "parquet")
    assert status == 2 and out == b""
