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
