"""``dbbrowse`` with no argument on a terminal: a small app that asks which database to open.

It runs and ends before the browser starts, so what is picked goes through the command
line's own checks and errors (and a saved connection's password command gets the terminal).
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from tui.screens.recent import Choice, RecentScreen
from tui.settings.paths import shown


class PickerApp(App[str | None]):
    """Returns the chosen database (``""``: the default), or None when nothing was chosen."""

    TITLE = "dbbrowse"
    CSS_PATH = "app.tcss"

    def __init__(self, choices: list[Choice], theme: str | None = None) -> None:
        super().__init__()
        self.choices = choices
        if theme is not None:
            self.theme = theme

    def on_mount(self) -> None:
        self.push_screen(RecentScreen(self.choices), self.exit)


def choices(entries: list[str], default: str, default_note: str = "the default") -> list[Choice]:
    """The default database first, then the recent ones as people read them."""
    found = [Choice("", default, default_note)]
    for entry in entries:
        if entry.startswith("@"):
            found.append(Choice(entry, entry, "saved connection"))
        elif "://" in entry:
            found.append(Choice(entry, entry))
        else:
            path = Path(entry)
            missing = not path.exists()
            found.append(Choice(entry, shown(path), "missing" if missing else "", missing))
    return found


def database_url_given() -> bool:
    """Whether ``DATABASE_URL`` names the database to open (the environment, or ``.env`` as
    :mod:`app.config` reads it): then no argument means that one, and nothing is asked
    (``make run`` opens the demo)."""
    import os

    if "DATABASE_URL" in os.environ:
        return True
    env_file = Path(".env")
    if not env_file.is_file():
        return False
    from dotenv import dotenv_values

    return "DATABASE_URL" in dotenv_values(env_file, encoding="utf-8")


def default_database() -> str:
    """What ``dbbrowse`` opens with no argument, masked: DATABASE_URL or ./dbbrowse.db."""
    from app.config import settings
    from app.engines import mask_url

    if "DATABASE_URL" in settings.model_fields_set:
        return f"{mask_url(settings.DATABASE_URL)} (DATABASE_URL)"
    return "./dbbrowse.db (the application's database)"


def default_note() -> str:
    """What the picker says of the default: that choosing it creates a file, when it will."""
    if not database_url_given() and not Path("dbbrowse.db").exists():
        return "the default · does not exist: will be created, with the application's tables"
    return "the default"


def pick_database(entries: list[str], theme: str | None = None) -> str | None:
    """Ask at the terminal; see :class:`PickerApp`."""
    return PickerApp(choices(entries, default_database(), default_note()), theme).run()
