"""An empty database argument (``dbbrowse ''``) is refused in words, before anything opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.cli import main


@pytest.mark.parametrize(
    "argv",
    [[""], ["history", ""], ["export", "", "t", "-o", "out.csv"], ["diff", "", "t", "--from", "1"]],
    ids=["browse", "history", "export", "diff"],
)
def test_an_empty_database_path_is_named_as_such(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2
    assert "empty database path" in err, err
    assert "Traceback" not in err
    assert "directory" not in err, err
    assert list(tmp_path.iterdir()) == []
