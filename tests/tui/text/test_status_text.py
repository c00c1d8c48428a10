"""The status screen's panels hold long names: no name runs into its value."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from tui.db.status import FileStatus
from tui.text.status import files_text, fit_label

LONG = "dnd5e-2014-rules-reference-with-errata-and-homebrew.sqlite3"


@pytest.mark.parametrize("name", ["dnd5e-2014.sqlite3", LONG, "a.db"])
def test_files_keep_names_and_sizes_apart(name: str) -> None:
    files = FileStatus(Path("/x") / name, 8192, None, 32768, None, hot_journal_suspected=False)
    lines = files_text(files).plain.splitlines()
    assert lines[0] == "Files"
    assert lines[1] == f"  {name}"  # whole, on its own line
    rows = dict(line.split(None, 1) for line in lines[2:6])
    assert rows == {
        "database": "8.0 KB = 8,192 bytes",
        "-wal": "absent",
        "-shm": "32.0 KB = 32,768 bytes",
        "-journal": "absent",
    }
    assert not any("walabsent" in line or "-walabsent" in line for line in lines)


@pytest.mark.parametrize(
    ("label", "shown"),
    [
        ("short", "short" + " " * 15),
        ("x" * 19, "x" * 19 + " "),
        ("wal_autocheckpoint_too_long", "wal_autoc…_too_long "),
        ("領収書領収書領収書領収書", "領収書領 … 書領収書 "),  # wide characters: padded
    ],
)
def test_a_long_label_is_cut_and_a_space_kept(label: str, shown: str) -> None:
    fitted = fit_label(label, 20)
    assert cell_len(fitted) == 20 and fitted.endswith(" ")
    assert fitted == shown


def test_a_wrapped_value_hangs_under_itself_and_numbers_stay_whole() -> None:
    from tui.text.hanging import Hanging

    text = Hanging()
    text.hang_here(22)
    text.append("  " + fit_label("page_count", 20)).append("9 (36.0 KB = 36,864 bytes)\n")
    text.append("  " + LONG + "\n")
    lines = [line.plain for line in text.lines(40)]
    assert lines[:2] == ["  page_count          9 (36.0 KB =", " " * 22 + "36,864 bytes)"]
    assert lines[2:] == [
        "  dnd5e-2014-rules-reference-with-",
        "  errata-and-homebrew.sqlite3",
        "",
    ]
