"""The help screen (``?``): keys by task from the registry, the log file and the version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Label, Static

from tests.tui.scenes import SIZE, browse_app, running
from tests.tui.test_snapshots import settle
from tui.keymap import BY_ID, Group
from tui.screens.browse import BrowseScreen
from tui.screens.help import HelpScreen

SnapCompare = Callable[..., bool]


@pytest.fixture
def fixed_about(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same version and log file on every machine: ``~/.local/state/...``, 9.9.9."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setattr("tui.text.about.version", lambda: "9.9.9")


#: The actions the snapshot shows: a fixed choice, so that a binding added elsewhere (which
#: lengthens the list and so changes the scrollbar) does not change the picture.
SHOWN = (
    "app.help",
    "app.quit",
    "grid.up",
    "grid.down",
    "grid.last",
    "browse.tables",
    "browse.follow_key",
    "browse.referrers",
    "browse.back",
    "browse.forward",
    "browse.sort",
    "browse.filter",
    "grid.cell_detail",
    "cell.copy",
    "browse.edit_cell",
    "edit_cell.set_null",
    "browse.console",
    "console.run",
    "browse.export",
    "browse.copy",
    "browse.status",
    "status.checkpoint_truncate",
)


def test_help_screen(
    snap_compare: SnapCompare, odd_db: Path, fixed_about: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the browse screen: "dbbrowse 9.9.9: keys by task", the log file as
    ~/.local/state/dbbrowse/dbbrowse.log, then the tasks (Moving: arrows, end, ctrl+t, j, J…)
    with one line of explanation each and, dim and italic, the binding id (grid.up…);
    a fixed choice of actions (SHOWN)."""

    monkeypatch.setattr("tui.screens.help.ACTIONS", tuple(BY_ID[i] for i in SHOWN))

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(browse_app(odd_db), terminal_size=SIZE, run_before=run_before)


async def test_help_groups_every_task_shows_rebound_keys_and_closes(
    odd_db: Path, fixed_about: None
) -> None:
    async with running(odd_db) as (app, pilot, _screen, _grid, _status):
        app.set_keymap({"browse.filter": "ctrl+f"})
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        groups = [str(label.content) for label in help_screen.query(".help-group")]
        assert groups == [str(g) for g in Group]
        about = str(help_screen.query_one("#help-about", Static).content)
        assert "~/.local/state/dbbrowse/dbbrowse.log" in about
        assert str(help_screen.query_one("#help-title", Label).content).startswith("dbbrowse 9.9.9")
        rendered = "\n".join(
            " ".join(str(part.content) for part in row.query(Static))
            for row in help_screen.query(".help-row")
        )
        assert "ctrl+f Filter Keep the rows" in rendered and "browse.filter" in rendered
        assert "\nf Filter" not in rendered
        assert (
            "ctrl+n Set NULL The value becomes NULL  (cell editor)  edit_cell.set_null" in rendered
        )
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)
        await pilot.press("question_mark", "escape")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)


async def test_help_columns_keep_apart_and_one_key_is_named_once(
    odd_db: Path, fixed_about: None
) -> None:
    """A name that wraps (the copy menu's) ends before its explanation begins, and
    ctrl+space is not listed again as ctrl+@ (the same key, as some terminals send it)."""
    async with running(odd_db) as (app, pilot, _screen, _grid, _status):
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        for row in help_screen.query(".help-row"):
            keys, name, text = row.query(Static)
            assert keys.content_region.right < name.content_region.x, str(name.content)
            assert name.content_region.right < text.content_region.x, str(name.content)
        complete = next(
            row
            for row in help_screen.query(".help-row")
            if "console.complete" in str(row.query(Static).last().content)
        )
        assert str(complete.query(Static).first().content) == "ctrl+space"
