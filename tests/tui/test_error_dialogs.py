"""Errors are shown whole, literally, with a copy key and the log's path; the log is a file in
the XDG state directory."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from textual.app import App
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.logs import log_path, setup_logging
from tui.screens.error import ErrorDialog, ErrorScreen

LONG = "\n".join(f"line {i}: [bold]not markup[/bold] \x1b[31mred\x1b[0m" for i in range(80))


def test_log_path_follows_xdgstate_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert log_path() == tmp_path / "state" / "dbbrowse" / "dbbrowse.log"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/state")  # not absolute: ignored
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert log_path() == tmp_path / "home" / ".local" / "state" / "dbbrowse" / "dbbrowse.log"


def test_records_of_the_dbbrowse_logger_reach_the_file(state_home: Path) -> None:
    path = setup_logging()
    assert path == state_home / "dbbrowse" / "dbbrowse.log"
    logging.getLogger("dbbrowse").warning("a warning with %s", "an argument")
    logging.getLogger("tui.db.example").info("a module's record")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert "a warning with an argument" in text
    assert "a module's record" in text


class _Host(App[None]):
    def __init__(self, dialog: ErrorDialog | ErrorScreen) -> None:
        super().__init__()
        self.dialog = dialog

    def on_mount(self) -> None:
        self.push_screen(self.dialog)


class _StyledHost(_Host):
    CSS_PATH = str(Path(__file__).parents[2] / "tui" / "app.tcss")


@pytest.mark.parametrize("kind", [ErrorDialog, ErrorScreen])
async def test_the_whole_message_is_shown_scrollable_and_copied(
    kind: type[ErrorDialog] | type[ErrorScreen],
) -> None:
    app = _Host(kind("Something failed", LONG))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        shown = app.screen.query_one("#error-message", Static).render()
        plain = str(shown)
        assert plain.count("\n") == LONG.count("\n")  # every line, none cut
        assert "[bold]not markup[/bold]" in plain
        assert "\\x1b[31mred" in plain and "\x1b" not in plain  # escaped, never obeyed
        scroll = app.screen.query_one("#error-scroll", VerticalScroll)
        assert scroll.max_scroll_y > 0  # taller than the dialog: it scrolls
        assert str(log_path()) in str(app.screen.query_one("#error-log", Static).render())
        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard == LONG


@pytest.mark.parametrize("kind", [ErrorDialog, ErrorScreen])
async def test_a_short_message_shows_every_line_of_the_dialog(
    kind: type[ErrorDialog] | type[ErrorScreen],
) -> None:
    app = _StyledHost(kind("Cannot open the database", "one line"))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        dialog = app.screen.query_one("#error-scroll", VerticalScroll)
        log_line = app.screen.query_one("#error-log", Static)
        assert dialog.max_scroll_y == 0
        assert log_line.region.bottom <= dialog.content_region.bottom
