"""Pilot tests: the config file's settings in the running app, the theme remembered, the
database named at start, and the recent-databases picker."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.widgets import OptionList

from tests.tui.scenes import SIZE, settle
from tui.app import DbBrowseApp
from tui.db.target import resolve_target
from tui.picker import PickerApp, choices
from tui.screens.filter import FilterScreen
from tui.settings.model import UserSettings, load_settings
from tui.settings.paths import config_path
from tui.widgets.row_grid import RowGrid


@pytest.fixture
def nulls_db(tmp_path: Path) -> Path:
    path = tmp_path / "nulls.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.executemany(
        "INSERT INTO t VALUES (?, ?)", [(i, None if i == 1 else "x") for i in range(300)]
    )
    conn.commit()
    conn.close()
    return path


def app_on(path: Path, settings: UserSettings, config_file: Path | None = None) -> DbBrowseApp:
    target = resolve_target(str(path), default_url="")
    return DbBrowseApp(target, settings=settings.preferences(), config_file=config_file)


def grid_text(app: DbBrowseApp) -> str:
    grid = app.screen.query_one(RowGrid)
    return "\n".join(grid.render_line(y).text for y in range(grid.size.height))


async def test_a_rebound_key_runs_the_action_and_the_old_key_does_not(nulls_db: Path) -> None:
    settings = UserSettings.model_validate({"keys": {"browse.filter": "ctrl+f"}})
    app = app_on(nulls_db, settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        assert not isinstance(app.screen, FilterScreen)
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, FilterScreen)


async def _footer(settings: UserSettings, path: Path) -> list[tuple[str, str]]:
    """The browse screen's footer, left to right: (action, key)."""
    from textual.widgets._footer import FooterKey

    app = app_on(path, settings)
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        return [(k.action, k.key) for k in app.screen.query(FooterKey)]


@pytest.mark.parametrize("rebound", [{"browse.export": "ctrl+x"}, {"browse.sort": "o"}])
async def test_a_rebound_action_keeps_its_place_in_the_footer(
    nulls_db: Path, rebound: dict[str, str]
) -> None:
    before = await _footer(UserSettings.model_validate({}), nulls_db)
    after = await _footer(UserSettings.model_validate({"keys": rebound}), nulls_db)
    ((_, key),) = rebound.items()
    assert len(after) == len(before) >= 5
    assert [action for action, _ in after] == [action for action, _ in before]
    assert key in [k for _, k in after]


async def test_without_a_keymap_the_default_key_works(nulls_db: Path) -> None:
    app = app_on(nulls_db, UserSettings.model_validate({}))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FilterScreen)


async def test_null_text_page_size_and_theme_from_the_settings(nulls_db: Path) -> None:
    settings = UserSettings.model_validate(
        {"null_text": "<null>", "page_size": 32, "theme": "nord"}
    )
    app = app_on(nulls_db, settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "nord"
        browse = app.get_screen_browse()
        assert browse is not None and browse.window is not None
        assert browse.window.page_size == 32
        text = grid_text(app)
        assert "<null>" in text
        assert "∅ NULL" not in text
    # The next app in this process draws NULL as the default again.
    app = app_on(nulls_db, UserSettings.model_validate({}))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "∅ NULL" in grid_text(app)


async def test_the_theme_picked_in_the_palette_is_remembered(nulls_db: Path) -> None:
    path = config_path()
    path.parent.mkdir(parents=True)
    path.write_text("# my settings\npage_size = 64\n\n[keys]\n'browse.sort' = 'o'\n")
    app = app_on(nulls_db, load_settings(), config_file=path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"theme")
        await pilot.pause()
        await pilot.press("enter")  # "Change theme": a list of themes
        await pilot.pause()
        await pilot.press(*"gruvbox")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert app.theme == "gruvbox"
    settings = load_settings()
    assert settings.theme == "gruvbox"
    assert settings.page_size == 64
    assert settings.keys == {"browse.sort": "o"}
    assert "# my settings" in path.read_text()


async def test_without_a_config_file_to_write_the_theme_is_not_written(nulls_db: Path) -> None:
    app = app_on(nulls_db, UserSettings.model_validate({}))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.theme = "nord"
        await settle(pilot)
    assert not config_path().exists()


async def test_no_argument_says_which_database_was_opened_and_that_it_was_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.config
    from app.config import Settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setattr(app.config, "settings", Settings(_env_file=None))
    for created in (True, False):
        browser = DbBrowseApp()
        async with browser.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert browser.created is created
            notices = [n.message for n in browser._notifications]
            said = [n for n in notices if "Opened dbbrowse.db" in n]
            assert said, notices
            assert "DATABASE_URL is not set: the default ./dbbrowse.db" in said[0]
            assert ("Created it" in said[0]) is created
        assert (tmp_path / "dbbrowse.db").exists()


async def test_the_picker_offers_the_default_first_then_the_recent_ones(tmp_path: Path) -> None:
    there = tmp_path / "there.db"
    there.touch()
    gone = str(tmp_path / "gone.db")
    offered = choices([str(there), "@shop", gone], "./dbbrowse.db (the application's database)")
    picker = PickerApp(offered)
    async with picker.run_test(size=SIZE) as pilot:
        await pilot.pause()
        options = picker.screen.query_one(OptionList)
        lines = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert lines[0].startswith("./dbbrowse.db")
        assert "the default" in lines[0]
        assert lines[2] == "@shop  saved connection"
        assert lines[3].endswith("missing")
        await pilot.press("down", "enter")
        await pilot.pause()
    assert picker.return_value == str(there)


@pytest.mark.parametrize(("keys", "expected"), [(["enter"], ""), (["escape"], None)])
async def test_the_picker_default_or_nothing(keys: list[str], expected: str | None) -> None:
    picker = PickerApp(choices(["/data/a.db"], "default"))
    async with picker.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
    assert picker.return_value == expected


async def test_a_missing_file_chosen_in_the_picker_is_said_and_the_picker_stays(
    tmp_path: Path,
) -> None:
    there = tmp_path / "there.db"
    there.touch()
    gone = tmp_path / "gone [x].db"
    picker = PickerApp(choices([str(gone), str(there)], "default"))
    async with picker.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down", "enter")  # the missing one
        await pilot.pause()
        assert picker.is_running and picker.return_value is None
        said = [n.message for n in picker._notifications]
        assert said == [f"{gone} is missing (no such file): pick another, or Esc to quit"]
        gone.touch()  # back meanwhile: it opens
        await pilot.press("enter")
        await pilot.pause()
    assert picker.return_value == str(gone)


@pytest.mark.parametrize("exists", [False, True])
def test_the_picker_says_when_the_default_will_be_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exists: bool
) -> None:
    from tui.picker import default_note

    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("DATABASE_URL", raising=False)
    if exists:
        (tmp_path / "dbbrowse.db").touch()
    note = default_note()
    assert note.startswith("the default")
    assert ("will be created" in note) is not exists
