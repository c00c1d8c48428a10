"""The config file's contents, validated: ``$XDG_CONFIG_HOME/dbbrowse/config.toml``.

:class:`UserSettings` reads the file through pydantic-settings' TOML source, and nothing else
(no environment variables: what the file says is what applies). :func:`load_settings` turns
every way the file can be wrong (not TOML, an unknown key, a bad value) into one
:class:`SettingsError` whose message names the file, the line and the key, for a person.

A missing file is not an error: every setting has a default.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from tui.settings.paths import config_path, shown
from tui.settings.preferences import DEFAULT_NULL_TEXT, Preferences

_DEFAULT = Preferences()
#: The keyring service every saved connection's password is stored under (user: its name).
KEYRING_SERVICE = "dbbrowse"

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_KEY = re.compile(r"[^\s,]+")


def _join_keys(value: Any) -> Any:
    """``["ctrl+f", "f3"]`` is ``"ctrl+f,f3"``."""
    if isinstance(value, list) and all(isinstance(key, str) for key in value):
        return ",".join(value)
    return value


def _check_keys(value: str) -> str:
    parts = [key.strip() for key in value.split(",")]
    bad = next((key for key in parts if not _KEY.fullmatch(key)), None)
    if bad is not None:
        raise ValueError(f"{bad!r} is not a key (keys look like 'f', 'ctrl+f', 'f3')")
    return ",".join(parts)


#: Keys of one binding: a comma-separated string or a list of strings.
KeySpec = Annotated[str, BeforeValidator(_join_keys), AfterValidator(_check_keys)]


class SavedConnection(BaseModel):
    """A database by name: its URL (never with a password) and where its password comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(description="SQLAlchemy URL without the password")
    password_env: str | None = Field(
        default=None, min_length=1, description="environment variable holding the password"
    )
    password_command: tuple[str, ...] | None = Field(
        default=None,
        min_length=1,
        description="program and arguments (no shell) whose first output line is the password",
    )
    password_keyring: bool = Field(
        default=False,
        description=f"read the password from the system keyring (service {KEYRING_SERVICE!r}, "
        "user: the connection's name)",
    )

    @field_validator("url")
    @classmethod
    def _usable_url(cls, value: str) -> str:
        from sqlalchemy.exc import ArgumentError

        from app.engines import derive_urls, parse_url

        try:
            url = parse_url(value)
            derive_urls(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL the browser can open: {exc}") from None
        if url.password is not None:
            # The message must not repeat the URL: it holds the password.
            raise ValueError(
                "holds a password: passwords are never kept in the config file. Remove it and "
                "set password_env, password_command or password_keyring instead"
            )
        return value

    @model_validator(mode="after")
    def _one_source(self) -> SavedConnection:
        given = [
            name
            for name, value in (
                ("password_env", self.password_env),
                ("password_command", self.password_command),
                ("password_keyring", self.password_keyring or None),
            )
            if value is not None
        ]
        if len(given) > 1:
            raise ValueError(f"give one password source, not {' and '.join(given)}")
        return self


class UserSettings(BaseSettings):
    """What the user chose: ``UserSettings()`` reads the config file (see module)."""

    model_config = SettingsConfigDict(extra="forbid", frozen=True)

    theme: str = Field(default=_DEFAULT.theme, description="Textual theme (ctrl+p → theme)")
    page_size: int = Field(
        default=_DEFAULT.page_size,
        ge=16,
        le=10_000,
        description="rows read from the database at a time",
    )
    refresh_interval: float = Field(
        default=_DEFAULT.refresh_interval,
        ge=0.2,
        le=3600,
        description="seconds between looks for other connections' commits and status",
    )
    read_only: bool = Field(
        default=_DEFAULT.read_only,
        description="open every database read-only unless --no-read-only",
    )
    null_text: str = Field(
        default=DEFAULT_NULL_TEXT, description="what a NULL looks like in the grid"
    )
    recent_limit: int = Field(
        default=_DEFAULT.recent_limit,
        ge=0,
        le=100,
        description="how many recent databases to remember (0: none)",
    )
    keys: dict[str, KeySpec] = Field(
        default_factory=dict, description="binding id → keys, comma-separated or a list"
    )
    connections: dict[str, SavedConnection] = Field(
        default_factory=dict, description="saved connections, opened by dbbrowse @name"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file alone: the application's environment variables (DATABASE_URL…) are
        # app.config's, and a setting that changes with the shell would be a surprise.
        return init_settings, TomlConfigSettingsSource(settings_cls, toml_file=config_path())

    def preferences(self) -> Preferences:
        """The settings the app runs with (everything but the saved connections)."""
        return Preferences(
            theme=self.theme,
            page_size=self.page_size,
            refresh_interval=self.refresh_interval,
            read_only=self.read_only,
            null_text=self.null_text,
            recent_limit=self.recent_limit,
            keys=dict(self.keys),
        )

    @field_validator("null_text")
    @classmethod
    def _visible(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must be visible: a blank NULL would look like the empty text")
        if len(value) > 20:
            raise ValueError("at most 20 characters")
        if not value.isprintable():
            raise ValueError("control characters are not allowed")
        return value

    @field_validator("connections")
    @classmethod
    def _names(cls, value: dict[str, SavedConnection]) -> dict[str, SavedConnection]:
        for name in value:
            if not _NAME.fullmatch(name):
                raise ValueError(f"{name!r}: a name is letters, digits, '_', '.' and '-'")
        return value


def default_settings() -> UserSettings:
    """Every default, without reading any file."""
    return UserSettings.model_construct()


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the config file: where (the key's path) and what."""

    where: tuple[str | int, ...]
    message: str


class SettingsError(Exception):
    """The config file cannot be used; ``str()`` says where and why, one problem a line."""

    def __init__(self, path: Path, problems: list[Problem], text: str = "") -> None:
        self.path = path
        self.problems = problems
        found = [(locate(text, problem.where) if text else None, problem) for problem in problems]
        found.sort(key=lambda pair: pair[0] or 0)  # in the file's order; no line first
        lines = []
        for line, problem in found:
            at = f", line {line}" if line is not None else ""
            key = f" {dotted(problem.where)}:" if problem.where else ""
            lines.append(f"{shown(path)}{at}:{key} {problem.message}")
        super().__init__("\n".join(lines))


def load_settings() -> UserSettings:
    """The user's settings from :func:`config_path` (defaults where it says nothing).

    Raises :class:`SettingsError` for a file that is unreadable, not TOML, or wrong.
    """
    path = config_path()
    try:
        return UserSettings()
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(path, [Problem((), f"not valid TOML: {exc}")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SettingsError(path, [Problem((), f"cannot be read: {reason}")]) from None
    except ValidationError as exc:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
        raise SettingsError(path, [_problem(error) for error in exc.errors()], text) from None


_KNOWN = {
    "": ", ".join(UserSettings.model_fields),
    "connections": ", ".join(SavedConnection.model_fields),
}


def _problem(error: Any) -> Problem:
    where = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        known = _KNOWN["connections" if where[:1] == ("connections",) else ""]
        return Problem(where, f"unknown setting (known: {known})")
    if kind == "missing":
        return Problem(where, "missing")
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    # Never echo anything of a saved connection: a URL may hold the password it refuses.
    if where[:1] != ("connections",) and isinstance(value, str | int | float | bool):
        message += f" (got {value!r})"
    return Problem(where, message[:1].lower() + message[1:])


def dotted(where: tuple[str | int, ...]) -> str:
    """A key path as TOML writes it: ``keys."browse.filter"``, ``connections.prod.url``."""
    parts: list[str] = []
    for part in where:
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1]}[{part}]"] if parts else [f"[{part}]"]
        elif _BARE.fullmatch(part):
            parts.append(part)
        else:
            # A TOML basic string; control and invisible characters as \u escapes, so a
            # key's bytes never reach the terminal as they are.
            parts.append(json.dumps(part, ensure_ascii=not part.isprintable()))
    return ".".join(parts)


_BARE = re.compile(r"[A-Za-z0-9_-]+")
_HEADER = re.compile(r"\s*\[(?!\[)\s*(.+?)\s*\]\s*(#.*)?$")
_KEY_PART = re.compile(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([A-Za-z0-9_-]+)')


def _key_parts(text: str) -> tuple[str, ...]:
    return tuple(q or s or b for q, s, b in _KEY_PART.findall(text))


def locate(text: str, where: tuple[str | int, ...]) -> int | None:
    """The 1-based line where the key at ``where`` (or the nearest table above it) is set.

    A small scan, not a TOML parser: it follows ``[table]`` headers and finds ``key =`` lines,
    dotted keys included. Good enough to point at a line; None when it cannot tell.
    """
    keys = tuple(part for part in where if isinstance(part, str))
    lines = text.splitlines()
    for depth in range(len(keys), 0, -1):
        wanted = keys[:depth]
        table: tuple[str, ...] = ()
        for number, line in enumerate(lines, start=1):
            header = _HEADER.match(line)
            if header:
                table = _key_parts(header.group(1))
                if table == wanted:
                    return number
                continue
            if line.lstrip().startswith("#"):
                continue
            name, equals, _ = line.partition("=")
            if equals and table + _key_parts(name) == wanted:
                return number
    return None
