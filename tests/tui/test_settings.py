"""The config file read, checked and written back; recent databases; no terminal needed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tui.config_check import binding_ids, is_key, problems
from tui.settings import recent
from tui.settings.model import (
    DEFAULT_NULL_TEXT,
    SettingsError,
    UserSettings,
    default_settings,
    load_settings,
)
from tui.settings.paths import config_path, recent_path
from tui.settings.store import remember


def write_config(text: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(text: str) -> str:
    write_config(text)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    return str(caught.value)


def test_the_config_file_is_under_xdg_config_home(tmp_path: Path) -> None:
    assert config_path() == tmp_path / "xdg-config" / "dbbrowse" / "config.toml"
    assert recent_path() == tmp_path / "xdg-state" / "dbbrowse" / "recent.json"


def test_without_a_file_every_default_applies() -> None:
    assert not config_path().exists()
    settings = load_settings()
    assert settings == default_settings()
    assert settings.theme == "textual-dark"
    assert settings.page_size == 128
    assert settings.refresh_interval == 1.0
    assert settings.read_only is False
    assert settings.null_text == DEFAULT_NULL_TEXT
    assert settings.keys == {}
    assert settings.connections == {}


def test_every_setting_is_read_from_the_file() -> None:
    write_config(
        """
theme = "nord"
page_size = 500
refresh_interval = 2.5
read_only = true
null_text = "<null>"
recent_limit = 3

[keys]
"browse.filter" = "ctrl+f"
"browse.sort" = ["o", "f6"]

[connections.shop]
url = "postgresql://app@db.example/shop"
password_env = "SHOP_PASSWORD"

[connections.local]
url = "mysql://root@127.0.0.1/test"
password_command = ["pass", "show", "db/local"]

[connections.vault]
url = "postgresql://app@db.example/vault"
password_keyring = true
"""
    )
    settings = load_settings()
    assert (settings.theme, settings.page_size, settings.refresh_interval) == ("nord", 500, 2.5)
    assert settings.read_only is True
    assert settings.null_text == "<null>"
    assert settings.recent_limit == 3
    assert settings.keys == {"browse.filter": "ctrl+f", "browse.sort": "o,f6"}
    assert settings.connections["shop"].password_env == "SHOP_PASSWORD"
    assert settings.connections["local"].password_command == ("pass", "show", "db/local")
    assert settings.connections["vault"].password_keyring is True


def test_environment_variables_do_not_change_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("page_size", "20")
    monkeypatch.setenv("PAGE_SIZE", "20")
    assert load_settings().page_size == 128


def test_a_bad_value_names_the_file_the_line_and_the_key() -> None:
    message = error_of('theme = "nord"\n\npage_size = 5\n')
    assert str(config_path()) in message
    assert "line 3: page_size: input should be greater than or equal to 16 (got 5)" in message


def test_a_value_of_the_wrong_type_is_explained() -> None:
    message = error_of('read_only = "sometimes"\n')
    assert "line 1: read_only:" in message
    assert "'sometimes'" in message


def test_an_unknown_key_is_named_with_the_known_ones() -> None:
    message = error_of("page_size = 100\ncolour = 'red'\n")
    assert "line 2: colour: unknown setting (known: theme, page_size," in message


def test_every_problem_is_reported_in_the_files_order() -> None:
    message = error_of("page_size = 1\n[keys]\n'browse.filter' = 'f 3'\n[connections.x]\n")
    lines = message.splitlines()
    assert len(lines) == 3
    assert "line 1: page_size:" in lines[0]
    assert "line 3: keys.\"browse.filter\": 'f 3' is not a key" in lines[1]
    assert "line 4: connections.x.url: missing" in lines[2]


def test_a_key_with_control_characters_is_named_with_escapes() -> None:
    message = error_of('"\\u001b[2J\\u202e" = 1\n')
    assert "\x1b" not in message and "\u202e" not in message
    assert '"\\u001b[2J\\u202e": unknown setting' in message


def test_a_file_that_is_not_toml_is_explained() -> None:
    message = error_of("theme = nord\n")
    assert str(config_path()) in message
    assert "not valid TOML" in message
    assert "line 1" in message


def test_a_null_text_that_would_look_blank_is_refused() -> None:
    assert "null_text: must be visible" in error_of('null_text = "  "\n')
    assert "null_text: control characters" in error_of('null_text = "a\\u001b[2J"\n')


def test_a_password_in_a_saved_url_is_refused_without_showing_it() -> None:
    message = error_of('[connections.shop]\nurl = "postgresql://app:hunter2@db/shop"\n')
    assert "line 2: connections.shop.url: holds a password" in message
    assert "hunter2" not in message


def test_a_saved_connection_has_one_password_source() -> None:
    message = error_of(
        '[connections.shop]\nurl = "postgresql://app@db/shop"\n'
        'password_env = "P"\npassword_keyring = true\n'
    )
    assert "line 1: connections.shop: give one password source" in message


def test_a_saved_url_that_cannot_be_opened_is_refused() -> None:
    message = error_of('[connections.old]\nurl = "oracle://scott@db/x"\n')
    assert "connections.old.url: not a database URL the browser can open" in message


def test_an_unknown_binding_id_is_named() -> None:
    settings = UserSettings.model_validate({"keys": {"browse.fliter": "ctrl+f"}})
    found = problems(settings)
    assert [problem.where for problem in found] == [("keys", "browse.fliter")]
    assert "no binding has this id (did you mean browse.filter?" in found[0].message


def test_a_key_textual_has_no_name_for_is_named() -> None:
    settings = UserSettings.model_validate({"keys": {"browse.filter": "ctrl+f,florp"}})
    found = problems(settings)
    assert [(p.where, p.message) for p in found] == [
        (("keys", "browse.filter"), "'florp': no such key")
    ]


def test_a_key_taken_from_another_action_is_named_with_it() -> None:
    settings = UserSettings.model_validate({"keys": {"browse.filter": "s"}})
    found = problems(settings)
    assert [problem.where for problem in found] == [("keys", "browse.filter")]
    assert found[0].message.startswith(
        "'s' is already the key of browse.sort (Sort, browse screen)"
    )
    # Swapped: each takes the other's key, and neither is left without one.
    swapped = {"browse.filter": "s", "browse.sort": "f"}
    assert problems(UserSettings.model_validate({"keys": swapped})) == []


def test_a_key_the_whole_app_has_is_taken_on_no_screen() -> None:
    found = problems(UserSettings.model_validate({"keys": {"browse.filter": "q"}}))
    assert [problem.where for problem in found] == [("keys", "browse.filter")]
    assert found[0].message.startswith("'q' is already the key of app.quit (Quit, anywhere)")
    found = problems(UserSettings.model_validate({"keys": {"app.quit": "s"}}))
    assert "'s' is already the key of browse.sort" in " ".join(p.message for p in found)


def test_two_rebound_actions_of_one_screen_cannot_share_a_key() -> None:
    keys = {"browse.filter": "ctrl+f", "browse.sort": "ctrl+f"}
    found = problems(UserSettings.model_validate({"keys": keys}))
    assert {problem.where for problem in found} == {
        ("keys", "browse.filter"),
        ("keys", "browse.sort"),
    }


def test_actions_textual_binds_or_only_the_palette_offers_cannot_be_rebound() -> None:
    keys = {"app.palette": "ctrl+k", "app.theme": "ctrl+y"}
    found = problems(UserSettings.model_validate({"keys": keys}))
    assert [(p.where[1], p.message) for p in found] == [
        ("app.palette", "bound by Textual itself: it cannot be rebound"),
        ("app.theme", "has no key to rebind: the command palette offers it"),
    ]


def test_an_unknown_theme_is_named_with_the_known_ones() -> None:
    found = problems(UserSettings.model_validate({"theme": "neon"}))
    assert found[0].where == ("theme",)
    assert "no theme 'neon'" in found[0].message
    assert "nord" in found[0].message


def test_key_names() -> None:
    for key in ("f", "I", "ctrl+f", "f3", "slash", "question_mark", "ctrl+shift+up", "space"):
        assert is_key(key), key
    for key in ("florp", "ctrl+", "hyperx+a", "control+f"):
        assert not is_key(key), key


def test_every_binding_of_dbbrowse_has_an_id() -> None:
    import importlib
    import pkgutil

    import tui.screens
    import tui.widgets
    from tui.app import DbBrowseApp

    classes: list[type] = [DbBrowseApp]
    for package in (tui.screens, tui.widgets):
        for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(info.name)
            classes += [v for v in vars(module).values() if isinstance(v, type)]
    missing = [
        (cls.__name__, binding.key)
        for cls in classes
        if cls.__module__.startswith("tui.")
        for binding in vars(cls).get("BINDINGS", ())
        if getattr(binding, "id", "") is None
    ]
    assert missing == []
    assert {"browse.filter", "status.checkpoint_passive", "grid.down", "app.quit"} <= (
        binding_ids()
    )


def test_remembering_keeps_the_users_other_settings_and_comments() -> None:
    path = write_config('# mine\npage_size = 200  # big tables\n\n[keys]\n"browse.sort" = "o"\n')
    remember("theme", "gruvbox")
    text = path.read_text()
    assert "# mine" in text
    assert "page_size = 200  # big tables" in text
    settings = load_settings()
    assert settings.theme == "gruvbox"
    assert settings.page_size == 200
    assert settings.keys == {"browse.sort": "o"}
    remember("theme", "nord")
    assert load_settings().theme == "nord"
    assert path.read_text().count("theme") == 1


def test_remembering_creates_a_private_file_and_leaves_no_temporary_file() -> None:
    remember("theme", "nord")
    path = config_path()
    assert load_settings().theme == "nord"
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    assert os.listdir(path.parent) == ["config.toml"]


def test_a_file_that_is_not_toml_is_not_overwritten() -> None:
    from tui.settings.store import StoreError

    path = write_config("theme = nord\n")
    with pytest.raises(StoreError, match="not valid TOML"):
        remember("theme", "gruvbox")
    assert path.read_text() == "theme = nord\n"


def test_recent_databases_newest_first_once_each_within_the_limit() -> None:
    recent.remember("/data/a.db", 3)
    recent.remember("/data/b.db", 3)
    recent.remember("/data/a.db", 3)
    recent.remember("@shop", 3)
    recent.remember("/data/c.db", 3)
    assert recent.recent() == ["/data/c.db", "@shop", "/data/a.db"]
    recent.remember("/data/d.db", 0)
    assert recent.recent() == []


def test_a_url_with_a_password_is_never_remembered() -> None:
    recent.remember("postgresql://app:hunter2@db/shop", 10)
    recent.remember("postgresql://app@db/shop", 10)
    assert recent.recent() == ["postgresql://app@db/shop"]
    assert "hunter2" not in recent_path().read_text()


def test_an_unreadable_recent_file_counts_as_none() -> None:
    recent_path().parent.mkdir(parents=True)
    recent_path().write_text("{not json")
    assert recent.recent() == []
    recent.remember("/data/a.db", 10)
    assert json.loads(recent_path().read_text()) == {"recent": ["/data/a.db"]}


def test_the_apps_preferences_are_the_files_values_and_the_same_defaults() -> None:
    from tui.settings.preferences import Preferences

    assert default_settings().preferences() == Preferences()
    write_config('theme = "nord"\nnull_text = "-"\n[keys]\n"browse.sort" = ["o", "f6"]\n')
    preferences = load_settings().preferences()
    assert (preferences.theme, preferences.null_text) == ("nord", "-")
    assert preferences.keys == {"browse.sort": "o,f6"}
    assert preferences.page_size == Preferences().page_size


def test_without_a_config_file_the_command_line_imports_no_pydantic(tmp_path: Path) -> None:
    import subprocess
    import sys

    db = tmp_path / "x.db"
    sqlite3_connect = __import__("sqlite3").connect(db)
    sqlite3_connect.execute("CREATE TABLE t (x)")
    sqlite3_connect.close()
    program = (
        "import sys, tui.app\n"
        "tui.app.DbBrowseApp.run = lambda self, *a, **k: None\n"
        "from tui.cli import main\n"
        f"main([{str(db)!r}])\n"
        "print('pydantic' in sys.modules, 'tomlkit' in sys.modules)\n"
    )
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "none")}
    out = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert out.split() == ["False", "False"]


def test_a_widget_key_that_hides_its_screens_action_is_a_clash() -> None:
    """The grid's keys and the browse screen's are live at once (the grid is in the screen):
    "grid.down" = "j" would hide Follow foreign key."""
    found = problems(UserSettings.model_validate({"keys": {"grid.down": "j"}}))
    assert [problem.where for problem in found] == [("keys", "grid.down")]
    assert found[0].message.startswith("'j' is already the key of browse.follow_key")
    found = problems(UserSettings.model_validate({"keys": {"browse.follow_key": "down"}}))
    assert "'down' is already the key of grid.down" in " ".join(p.message for p in found)
    # A screen's key shared by default with a widget in it (Esc) is no clash of the user's.
    assert problems(UserSettings.model_validate({"keys": {"tables.clear_filter": "escape"}})) == []
