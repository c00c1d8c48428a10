"""What the ``dbbrowse`` subcommands for scripts (``export``, ``history``, ``diff``) share:
the SQLite file argument of those that read a WAL, checked before any work, and the exit
after the reader of standard output went away.

Each subcommand passes its own error writer, so its messages keep its name and its escaping.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

BROKEN_PIPE = 141  # the shell's status for a process killed by SIGPIPE (128 + 13)


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
