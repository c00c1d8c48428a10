"""The command line with a config file: errors before the UI, saved connections, recent picker.

Saved connections' passwords are checked against the real PostgreSQL server (trust
authentication: any password is accepted, so the test sees what reached the engine).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.core
import pytest
from keyring.backend import KeyringBackend
from textual.pilot import Pilot

from tests.tui.headless import make_small_database, run_headless
from tui.app import DbBrowseApp
from tui.cli import main
from tui.settings import recent
from tui.settings.paths import config_path


class MemoryKeyring(KeyringBackend):
    """A keyring in a dict: the tests never touch the system's."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.core._keyring_backend
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.core._keyring_backend = before


def write_config(text: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    """Make ``main()`` run the app headless; record what it opened, as the app saw it."""
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    seen: list[dict[str, Any]] = []

    async def look(app: DbBrowseApp, pilot: Pilot[Any]) -> None:
        await pilot.pause()
        browse = app.get_screen_browse()
        seen.append(
            {
                "target": app.target,
                "password": app.source.engine.url.password if app.source else None,
                "status": browse.status.database if browse else None,
                "notices": [n.message for n in app._notifications],
                "failed": app.failed,
                "keymap": dict(app._keymap),
                "page_size": browse.window.page_size if browse and browse.window else None,
                "theme": app.theme,
            }
        )

    run_headless(monkeypatch, look)
    return seen


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    return make_small_database(tmp_path / "small.db")


def test_a_bad_config_file_stops_before_the_ui_with_the_file_and_line(
    opened: list[dict[str, Any]], small_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config("theme = 'nord'\npage_size = 'big'\n")
    assert main([str(small_db)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dbbrowse: error: the config file is not right:\n")
    assert f"{config_path()}, line 2: page_size:" in err
    assert "Traceback" not in err
    assert opened == []  # the UI never started


def test_an_unknown_binding_id_stops_before_the_ui(
    opened: list[dict[str, Any]], small_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config('[keys]\n"browse.flter" = "ctrl+f"\n')
    assert main([str(small_db)]) == 2
    err = capsys.readouterr().err
    assert f'{config_path()}, line 2: keys."browse.flter": no binding has this id' in err
    assert opened == []


def test_an_unknown_theme_stops_before_the_ui(
    opened: list[dict[str, Any]], small_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config('\ntheme = "neon"\n')
    assert main([str(small_db)]) == 2
    assert f"{config_path()}, line 2: theme: no theme 'neon'" in capsys.readouterr().err


def test_the_config_files_settings_reach_the_app(
    opened: list[dict[str, Any]], small_db: Path
) -> None:
    write_config('theme = "nord"\npage_size = 40\n[keys]\n"browse.filter" = ["ctrl+f", "f3"]\n')
    assert main([str(small_db)]) == 0
    seen = opened[-1]
    assert seen["keymap"] == {"browse.filter": "ctrl+f,f3"}
    assert seen["page_size"] == 40
    assert seen["theme"] == "nord"


def test_read_only_from_the_config_file_and_overridden_on_the_command_line(
    opened: list[dict[str, Any]], small_db: Path
) -> None:
    write_config("read_only = true\n")
    assert main([str(small_db)]) == 0
    assert opened[-1]["target"].read_only is True
    assert main(["--no-read-only", str(small_db)]) == 0
    assert opened[-1]["target"].read_only is False


def test_an_unknown_saved_connection_is_named_with_the_saved_ones(
    opened: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    write_config('[connections.shop]\nurl = "postgresql://app@db/shop"\n')
    assert main(["@shops"]) == 2
    assert "no connection named 'shops'" in capsys.readouterr().err
    assert main(["--connection", "nope"]) == 2
    assert "(saved: shop)" in capsys.readouterr().err
    assert opened == []


def test_a_password_variable_that_is_not_set_is_named(
    opened: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(
        '[connections.shop]\nurl = "postgresql://app@db/shop"\npassword_env = "NO_SUCH_VAR_X"\n'
    )
    assert main(["@shop"]) == 2
    err = capsys.readouterr().err
    assert "connection 'shop'" in err
    assert "NO_SUCH_VAR_X, which is not set" in err


def test_a_failing_password_command_is_explained(
    opened: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(
        "[connections.shop]\n"
        'url = "postgresql://app@db/shop"\n'
        f'password_command = ["{sys.executable}", "-c", "raise SystemExit(3)"]\n'
    )
    assert main(["@shop"]) == 2
    assert "failed (exit status 3)" in capsys.readouterr().err
    write_config(
        '[connections.shop]\nurl = "postgresql://app@db/shop"\n'
        'password_command = ["no-such-program-dbbrowse"]\n'
    )
    assert main(["@shop"]) == 2
    assert "'no-such-program-dbbrowse' not found" in capsys.readouterr().err


def test_a_password_missing_from_the_keyring_says_how_to_store_it(
    opened: list[dict[str, Any]],
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_config('[connections.shop]\nurl = "postgresql://app@db/shop"\npassword_keyring = true\n')
    assert main(["@shop"]) == 2
    assert "keyring set dbbrowse shop" in capsys.readouterr().err


def _saved(postgres_url: str, source: str) -> None:
    write_config(f'[connections.pg]\nurl = "{postgres_url}"\n{source}\n')


def _check_opened_with(seen: dict[str, Any], password: str) -> None:
    assert seen["failed"] is None
    assert seen["password"] == password  # what the engine connected with
    assert password in seen["target"].url
    for shown in (seen["target"].display, seen["status"]):
        assert password not in shown
        assert "***" in shown


@pytest.mark.postgres
def test_a_saved_connection_with_its_password_from_the_environment(
    opened: list[dict[str, Any]], postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBBROWSE_TEST_PW", "from-the-env")
    _saved(postgres_url, 'password_env = "DBBROWSE_TEST_PW"')
    assert main(["@pg"]) == 0
    _check_opened_with(opened[-1], "from-the-env")
    assert recent.recent() == ["@pg"]  # remembered by name, never with the password


@pytest.mark.postgres
def test_a_saved_connection_with_its_password_from_a_command(
    opened: list[dict[str, Any]], postgres_url: str
) -> None:
    program = "print('from-a-command'); print('second line, not the password')"
    _saved(postgres_url, f'password_command = ["{sys.executable}", "-c", "{program}"]')
    assert main(["--connection", "pg"]) == 0
    _check_opened_with(opened[-1], "from-a-command")


@pytest.mark.postgres
def test_a_saved_connection_with_its_password_from_the_keyring(
    opened: list[dict[str, Any]], postgres_url: str, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.set_password("dbbrowse", "pg", "from-the-keyring")
    _saved(postgres_url, "password_keyring = true")
    assert main(["@pg"]) == 0
    _check_opened_with(opened[-1], "from-the-keyring")


def test_no_picker_when_not_on_a_terminal(
    opened: list[dict[str, Any]], small_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui.picker

    recent.remember(str(small_db), 10)

    def never(*args: Any) -> str:
        raise AssertionError("the picker was offered")

    monkeypatch.setattr(tui.picker, "pick_database", never)
    assert main([]) == 0
    assert opened[-1]["target"].app_database is True


def test_on_a_terminal_the_picked_recent_database_opens(
    opened: list[dict[str, Any]], small_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui.cli
    import tui.picker

    monkeypatch.delenv("DATABASE_URL")  # the tests' own: nothing names the database
    recent.remember(str(small_db), 10)
    offered: list[list[str]] = []

    def pick(entries: list[str], theme: str | None = None) -> str:
        offered.append(entries)
        return entries[0]

    monkeypatch.setattr(tui.cli, "_on_a_terminal", lambda: True)
    monkeypatch.setattr(tui.picker, "pick_database", pick)
    assert main([]) == 0
    assert offered == [[str(small_db)]]
    assert opened[-1]["target"].sqlite_path == small_db


def test_on_a_terminal_nothing_picked_opens_nothing(
    opened: list[dict[str, Any]], small_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui.cli
    import tui.picker

    monkeypatch.delenv("DATABASE_URL")  # the tests' own: nothing names the database
    recent.remember(str(small_db), 10)
    monkeypatch.setattr(tui.cli, "_on_a_terminal", lambda: True)
    monkeypatch.setattr(tui.picker, "pick_database", lambda entries, theme=None: None)
    assert main([]) == 0
    assert opened == []


def test_an_opened_file_is_remembered(opened: list[dict[str, Any]], small_db: Path) -> None:
    assert main([str(small_db)]) == 0
    assert recent.recent() == [str(small_db.resolve())]


def test_no_picker_when_database_url_names_the_database(
    opened: list[dict[str, Any]], small_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``make run`` sets DATABASE_URL to the demo: it opens, nothing is asked."""
    import tui.cli
    import tui.picker

    recent.remember(str(small_db), 10)

    def never(*args: Any) -> str:
        raise AssertionError("the picker was offered")

    monkeypatch.setattr(tui.cli, "_on_a_terminal", lambda: True)
    monkeypatch.setattr(tui.picker, "pick_database", never)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{small_db}")
    assert main([]) == 0
    assert opened[-1]["target"].app_database is True
