"""Settings: read from the environment and a `.env` file, with defaults and validation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

import app.config
from app.config import DEFAULT_DATABASE_URL, Settings, settings

VARIABLES = ("DATABASE_URL", "BUSY_TIMEOUT_MS", "SQL_ECHO")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No settings variable in the environment, and an empty working directory."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _write_env(path: Path, **values: str) -> Path:
    lines = ["# settings for a test", *(f"{key}={value}" for key, value in values.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_process_settings_come_from_the_environment() -> None:
    # tests/conftest.py sets DATABASE_URL before anything imports app.
    assert os.environ["DATABASE_URL"] == settings.DATABASE_URL
    assert settings is app.config.settings


@pytest.mark.usefixtures("clean_env")
def test_defaults() -> None:
    defaults = Settings(_env_file=None)

    assert defaults.DATABASE_URL == DEFAULT_DATABASE_URL == "sqlite:///./dbbrowse.db"
    assert defaults.BUSY_TIMEOUT_MS == 5000
    assert defaults.SQL_ECHO is False


def test_defaults_when_the_working_directory_has_no_env_file(clean_env: Path) -> None:
    assert not (clean_env / ".env").exists()

    assert Settings().DATABASE_URL == DEFAULT_DATABASE_URL


@pytest.mark.usefixtures("clean_env")
def test_values_from_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://reader@db.example/shop")
    monkeypatch.setenv("BUSY_TIMEOUT_MS", "250")
    monkeypatch.setenv("SQL_ECHO", "true")

    loaded = Settings(_env_file=None)

    assert loaded.DATABASE_URL == "postgresql://reader@db.example/shop"
    assert loaded.BUSY_TIMEOUT_MS == 250
    assert loaded.SQL_ECHO is True


def test_values_from_an_env_file(clean_env: Path) -> None:
    env_file = _write_env(
        clean_env / "custom.env",
        DATABASE_URL="mysql://shop@127.0.0.1/shop",
        BUSY_TIMEOUT_MS="1234",
        SQL_ECHO="1",
    )

    loaded = Settings(_env_file=env_file)

    assert loaded.DATABASE_URL == "mysql://shop@127.0.0.1/shop"
    assert loaded.BUSY_TIMEOUT_MS == 1234
    assert loaded.SQL_ECHO is True


def test_dot_env_in_the_working_directory_is_read_by_default(clean_env: Path) -> None:
    _write_env(clean_env / ".env", DATABASE_URL="sqlite:///from-dotenv.db")

    assert Settings().DATABASE_URL == "sqlite:///from-dotenv.db"


def test_environment_wins_over_the_env_file(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = _write_env(
        clean_env / "custom.env", DATABASE_URL="sqlite:///file.db", BUSY_TIMEOUT_MS="10"
    )
    monkeypatch.setenv("DATABASE_URL", "sqlite:///environment.db")

    loaded = Settings(_env_file=env_file)

    assert loaded.DATABASE_URL == "sqlite:///environment.db"
    assert loaded.BUSY_TIMEOUT_MS == 10


@pytest.mark.parametrize("source", ["environment", "env file"])
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BUSY_TIMEOUT_MS", "abc"),
        ("BUSY_TIMEOUT_MS", "-1"),
        ("BUSY_TIMEOUT_MS", "3600001"),
        ("DATABASE_URL", "garbage"),
        ("DATABASE_URL", ""),
        ("SQL_ECHO", "maybe"),
    ],
)
def test_invalid_values_are_rejected_naming_the_variable(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, source: str, name: str, value: str
) -> None:
    env_file: Path | None = None
    if source == "environment":
        monkeypatch.setenv(name, value)
    else:
        env_file = _write_env(clean_env / "custom.env", **{name: value})

    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=env_file)

    assert [error["loc"] for error in caught.value.errors()] == [(name,)]
    assert name in str(caught.value)


@pytest.mark.usefixtures("clean_env")
def test_unparseable_url_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "garbage")

    with pytest.raises(ValidationError, match="not a database URL"):
        Settings(_env_file=None)


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize("value", ["0", "3600000"])
def test_busy_timeout_bounds_are_inclusive(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("BUSY_TIMEOUT_MS", value)

    assert Settings(_env_file=None).BUSY_TIMEOUT_MS == int(value)  # noqa: SIM300
