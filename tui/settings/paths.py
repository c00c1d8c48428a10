"""Where the user's files are, as the XDG base directory specification says.

A variable that is unset, empty or not an absolute path is ignored (the specification's rule),
so the defaults are ``~/.config/dbbrowse`` and ``~/.local/state/dbbrowse``.
"""

from __future__ import annotations

import os
from pathlib import Path


def _xdg(variable: str, default: str) -> Path:
    base = os.environ.get(variable, "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / default
    return root / "dbbrowse"


def config_path() -> Path:
    """``$XDG_CONFIG_HOME/dbbrowse/config.toml``."""
    return _xdg("XDG_CONFIG_HOME", ".config") / "config.toml"


def recent_path() -> Path:
    """``$XDG_STATE_HOME/dbbrowse/recent.json``: recently opened databases."""
    return _xdg("XDG_STATE_HOME", ".local/state") / "recent.json"


def shown(path: Path) -> str:
    """A path as a person reads it: ``~/…`` under the home directory."""
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)
