"""What the help screen says about dbbrowse itself: its version and where a file is, briefly."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path


def version() -> str:
    """dbbrowse's installed version, or "unknown" when run from a bare source tree."""
    try:
        return package_version("dbbrowse")
    except PackageNotFoundError:  # pragma: no cover - not installed
        return "unknown"


def home_relative(path: Path) -> str:
    """``path`` with the home directory written ``~`` (shorter, and the same on every machine
    whose layout is the same)."""
    home = Path.home()
    try:
        return "~/" + path.relative_to(home).as_posix()
    except ValueError:
        return str(path)


__all__ = ["home_relative", "version"]
