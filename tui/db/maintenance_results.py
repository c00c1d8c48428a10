"""What the maintenance actions of :mod:`tui.db.maintenance` take and give back.

The modes they accept (Enums whose values are SQL keywords), the frozen results they return
(each with a ``summary`` for a person) and the errors they raise.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class CheckpointMode(Enum):
    """How hard ``PRAGMA wal_checkpoint`` tries; the value is the SQL keyword."""

    PASSIVE = "PASSIVE"  # copy what no reader needs; never waits
    FULL = "FULL"  # also wait for the writer, then copy everything
    RESTART = "RESTART"  # FULL, then wait for readers so the next writer restarts the WAL
    TRUNCATE = "TRUNCATE"  # RESTART, then truncate the WAL file to 0 bytes


class JournalMode(Enum):
    """Journal modes the browser switches between; the value is the SQL keyword."""

    WAL = "WAL"
    DELETE = "DELETE"


class MaintenanceError(Exception):
    """An action failed; the message says why, for a person."""


class DatabaseBusyError(MaintenanceError):
    """Another connection held a lock the action needed for longer than the busy timeout."""


class ReadOnlyError(MaintenanceError):
    """The action would change the database, and the connection may only read."""


class OperationCancelled(MaintenanceError):
    """The action was interrupted (see :func:`interrupt`) before it finished."""


@dataclass(frozen=True)
class CheckpointResult:
    """SQLite's (busy, log, checkpointed) triple: log and checkpointed count WAL frames."""

    mode: CheckpointMode
    busy: bool
    log: int  # frames in the WAL; -1 when the database is not in WAL mode
    checkpointed: int  # frames copied back into the database; -1 when not in WAL mode
    summary: str

    @property
    def in_wal_mode(self) -> bool:
        return self.log >= 0


@dataclass(frozen=True)
class CheckResult:
    """The outcome of ``integrity_check`` or ``quick_check``."""

    check: str  # "integrity_check" or "quick_check"
    ok: bool
    problems: tuple[str, ...]
    truncated: bool  # stopped at max_errors: there may be more
    summary: str


@dataclass(frozen=True)
class ForeignKeyViolation:
    """One row of ``PRAGMA foreign_key_check``."""

    table: str
    rowid: int | None  # None for a WITHOUT ROWID table
    parent: str
    fkid: int  # the foreign key's id in pragma_foreign_key_list(table)


@dataclass(frozen=True)
class ForeignKeyCheckResult:
    violations: tuple[ForeignKeyViolation, ...]
    summary: str

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class OptimizeResult:
    summary: str


@dataclass(frozen=True)
class VacuumResult:
    bytes_before: int  # page count times page size
    bytes_after: int
    summary: str


@dataclass(frozen=True)
class JournalModeResult:
    requested: JournalMode
    previous: str  # as SQLite reports it, lower case
    current: str
    summary: str

    @property
    def changed(self) -> bool:
        return self.previous != self.current


@dataclass(frozen=True)
class SettingResult:
    """A per-connection pragma set to a value; ``value`` is what SQLite reports back."""

    pragma: str
    value: int
    summary: str
