"""A saved connection's password, fetched when it is opened, from where the config file says.

Three sources, one per connection: an environment variable, a command (run without a shell
from an argument list; its first output line), or the system keyring (``keyring`` package,
service ``dbbrowse``, user: the connection's name). The password only ever goes into the URL
handed to the engine in this process: it is not written anywhere, not passed to any other
program, and every URL shown is masked.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

from tui.settings.model import KEYRING_SERVICE, SavedConnection

#: A password command that has not answered by then is stopped (seconds).
COMMAND_TIMEOUT = 60


class PasswordError(Exception):
    """The password of a saved connection cannot be had; the message says why, for a person."""


@dataclass(frozen=True)
class OpenedConnection:
    """A saved connection made ready: ``url`` has the password, ``display`` never does."""

    name: str
    url: str
    display: str


def open_connection(name: str, connection: SavedConnection) -> OpenedConnection:
    """The connection's URL with its password put in (if it has a password source)."""
    from app.engines import mask_url, parse_url

    url = parse_url(connection.url)
    password = password_of(name, connection)
    if password is not None:
        url = url.set(password=password)
    return OpenedConnection(
        name=name, url=url.render_as_string(hide_password=False), display=mask_url(url)
    )


def password_of(name: str, connection: SavedConnection) -> str | None:
    """The password from the connection's source; None when it has no source."""
    if connection.password_env is not None:
        return _from_environment(name, connection.password_env)
    if connection.password_command is not None:
        return _from_command(name, list(connection.password_command))
    if connection.password_keyring:
        return _from_keyring(name)
    return None


def _from_environment(name: str, variable: str) -> str:
    value = os.environ.get(variable)
    if value is None:
        raise PasswordError(
            f"connection {name!r}: its password comes from the environment variable "
            f"{variable}, which is not set"
        )
    return value


def _from_command(name: str, argv: list[str]) -> str:
    program = argv[0]
    try:
        # No shell, an argument list: nothing is interpreted. Its standard input and error
        # stay the terminal's, so a command that asks (a GPG passphrase) can ask.
        done = subprocess.run(
            argv,
            stdout=subprocess.PIPE,
            check=False,
            timeout=COMMAND_TIMEOUT,
        )
    except FileNotFoundError:
        raise PasswordError(
            f"connection {name!r}: password command {program!r} not found"
        ) from None
    except PermissionError:
        raise PasswordError(
            f"connection {name!r}: password command {program!r} cannot be run (permission denied)"
        ) from None
    except subprocess.TimeoutExpired:
        raise PasswordError(
            f"connection {name!r}: password command {program!r} gave no answer in "
            f"{COMMAND_TIMEOUT} s"
        ) from None
    except OSError as exc:
        raise PasswordError(
            f"connection {name!r}: password command {program!r} cannot be run: {exc.strerror}"
        ) from None
    if done.returncode != 0:
        raise PasswordError(
            f"connection {name!r}: password command {program!r} failed (exit status "
            f"{done.returncode})"
        )
    lines = done.stdout.decode("utf-8", errors="replace").splitlines()
    if not lines or not lines[0]:
        raise PasswordError(
            f"connection {name!r}: password command {program!r} printed no password"
        )
    return lines[0]


def _from_keyring(name: str) -> str:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # pragma: no cover - a dependency; only a broken install lacks it
        raise PasswordError(
            f"connection {name!r}: its password is in the keyring, but the keyring package "
            "is not installed"
        ) from None
    try:
        value = keyring.get_password(KEYRING_SERVICE, name)
    except KeyringError as exc:
        raise PasswordError(
            f"connection {name!r}: the system keyring cannot be read: {exc}"
        ) from None
    if value is None:
        raise PasswordError(
            f"connection {name!r}: no password in the keyring (service {KEYRING_SERVICE!r}, "
            f"user {name!r}). Store one with: keyring set {KEYRING_SERVICE} {name}"
        )
    return value
