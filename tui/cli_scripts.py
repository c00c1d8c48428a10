"""What the ``dbbrowse`` subcommands for scripts (``export``, ``history``, ``diff``) share:
the SQLite file argument of those that read a WAL, checked before any work, and the exit
after the reader of standard output went away.

Each subcommand passes its own error writer, so its messages keep its name and its escaping.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

BROKEN_PIPE = 141  # the shell's status for a process killed by SIGPIPE (128 + 13)
WAL_HELP = (
    "the WAL the commit numbers are of, by its salts as dbbrowse history prints them "
    "(SALT1:SALT2, hex): refused once the WAL was reset, where commit K would mean another "
    "state; without it, the WAL as it is now"
)


def wal_salts(text: str) -> tuple[int, int]:
    """``--wal SALT1:SALT2`` (8 hex digits each, as ``dbbrowse history`` prints them)."""
    import argparse

    parts = text.replace(" ", ":").split(":")
    try:
        if len(parts) != 2 or any(len(p) != 8 for p in parts):
            raise ValueError
        return int(parts[0], 16), int(parts[1], 16)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a WAL's salts: SALT1:SALT2, 8 hex digits each "
            "(dbbrowse history prints them)"
        ) from None


def salts_text(generation: tuple[int, int]) -> str:
    """How ``--wal`` takes ``generation``'s salts."""
    return f"{generation[0]:08x}:{generation[1]:08x}"


def sqlite_file(database: str, what: str, error: Callable[[str], None]) -> str | None:
    """The path of the SQLite file ``database`` names, opened read-only; None after saying
    why through ``error`` (a missing or unreadable file, or a server URL). ``what`` names
    what is read from the ``-wal``, as the start of a sentence."""
    from tui.db.target import TargetError, resolve_target

    try:
        target = resolve_target(database, default_url="", read_only=True)
    except TargetError as exc:
        error(str(exc))
        return None
    if target.sqlite_path is None:
        error(f"{what} read from a SQLite file's -wal: give a file path")
        return None
    return str(target.sqlite_path)


def quiet_stdout() -> int:
    """After a broken pipe: let Python's exit flush nothing more into it; the exit status."""
    import os

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return BROKEN_PIPE
