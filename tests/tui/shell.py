"""``dbbrowse`` run as a shell runs it: ``python -m tui`` in a child process, its output
captured, with a ``DATABASE_URL`` no test may ever reach (a default database would hide a
missing argument)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TIMEOUT = 120  # seconds; a hung child fails its test instead of the run


def _command(args: tuple[str, ...]) -> list[str]:
    return [sys.executable, "-m", "tui", *args]


def _env() -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": "sqlite:///never-created.db"}


def dbbrowse_text(*args: str) -> subprocess.CompletedProcess[str]:
    """``dbbrowse ARGS``, its output decoded as text."""
    return subprocess.run(
        _command(args), capture_output=True, text=True, timeout=TIMEOUT, env=_env(), check=False
    )


def dbbrowse_bytes(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    """``dbbrowse ARGS`` run in ``cwd``, its output the bytes it wrote."""
    return subprocess.run(
        _command(args), capture_output=True, cwd=cwd, timeout=TIMEOUT, env=_env(), check=False
    )
