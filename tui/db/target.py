"""What the user asked to browse, checked before anything connects.

Kept free of SQLAlchemy imports on the happy path for files, so the CLI can reject a bad
argument instantly and the UI can paint before the heavy imports run.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote, unquote


class TargetError(Exception):
    """The database to browse cannot be used; the message says why, for a person."""


class PastStateError(TargetError):
    """The past state asked for (``--as-of``) cannot be rebuilt from the WAL any more."""


@dataclass(frozen=True)
class Target:
    """A database to browse.

    ``url`` is the SQLAlchemy URL to connect with (for a read-only file, a ``mode=ro`` URI);
    ``display`` is what the UI shows (password masked, no absolute paths added).
    """

    url: str
    display: str
    app_database: bool  # the application's own DATABASE_URL (its schema, its pragmas)
    read_only: bool = False
    ensure_schema: bool = False
    sqlite_path: Path | None = None
    immutable: bool = False  # SQLite's immutable=1: no locks, and the WAL is ignored
    #: Mark drift from the application's ORM models: on its own database, with
    #: --ensure-schema, or when asked (--compare-models). A foreign file is shown as it is.
    compare_models: bool = False
    #: Browse the SQLite file as it stood right after this commit of its WAL (read-only,
    #: see tui.db.as_of); None for the database as it is.
    as_of: int | None = None
    #: The WAL generation (salts) ``as_of`` was picked in (the history view's list): a WAL
    #: reset since makes that commit another state, refused; None takes the current one.
    as_of_generation: tuple[int, int] | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def read_only_flag(self) -> str:
        """The command-line flag that made this target read-only."""
        if self.as_of is not None:
            return f"--as-of {self.as_of}"
        return "--immutable" if self.immutable else "--read-only"

    @property
    def as_of_words(self) -> str:
        """``as of commit 3`` (``before commit 1`` for 0); '' for the database as it is."""
        if self.as_of is None:
            return ""
        return "before commit 1" if self.as_of == 0 else f"as of commit {self.as_of}"

    @property
    def read_only_reason(self) -> str | None:
        """Why nothing may be changed, naming the flag in effect; None when not read-only."""
        if self.as_of is not None:
            # Not "--as-of": the state may have been entered from the history view (b).
            return f"a past state of the database ({self.as_of_words}): nothing can be changed"
        if self.immutable:
            return "opened with --immutable: nothing can be changed"
        if self.read_only:
            return "opened read-only (--read-only): nothing can be changed"
        return None


def _looks_like_url(arg: str) -> bool:
    return "://" in arg


def _check_sqlite_file(path: Path) -> None:
    if not path.exists():
        raise TargetError(f"no such database file: {path}")
    if path.is_dir():
        raise TargetError(f"{path} is a directory, not a database file")
    if not os.access(path, os.R_OK):
        raise TargetError(
            f"cannot read {path}: permission denied. Ask its owner for read access, or run"
            " dbbrowse as a user who may read it."
        )
    # Read the header through SQLite itself, never with open()/close(): closing any file
    # descriptor of a database drops every POSIX lock this process holds on it, and SQLite
    # is the one that knows to defer such a close while its connections hold locks.
    # immutable=1: no locks, no -wal/-shm, nothing created.
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            conn.execute("PRAGMA schema_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        # Only a header that is not SQLite's is final. The database file read alone, without
        # its WAL, may look damaged while SQLite reads it fine through the WAL (after a
        # partial checkpoint, pages of the file point at pages still in the WAL), and a hot
        # journal is rolled back only by a real open: those are for the real open to judge.
        if _primary_code(exc) == _SQLITE_NOTADB:
            raise TargetError(f"{path} is not a SQLite database ({exc})") from exc


_SQLITE_NOTADB = 26


def _primary_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _sqlite_file_url(path: Path, read_only: bool, immutable: bool = False) -> str:
    """A SQLite URI filename: ``mode=rw`` never creates a file (a database deleted while it
    is browsed stays deleted), ``mode=ro`` refuses every write, ``immutable=1`` also ignores
    the WAL and takes no lock.

    Quoted twice: SQLAlchemy's URL parser decodes %XX once, SQLite's URI parser once more,
    so ``?``, ``#`` and ``%`` in a file name reach the file system as they are.
    """
    quoted = quote(quote(path.as_posix(), safe="/"), safe="/")
    mode = "ro&immutable=1" if immutable else "ro" if read_only else "rw"
    return f"sqlite:///file:{quoted}?mode={mode}&uri=true"


def sqlite_path_of(url: str) -> Path | None:
    """The file a SQLite URL names; None for other engines and in-memory databases."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        # A SQLite URI filename: %XX escapes are SQLite's to decode.
        database = unquote(database[len("file:") :])
    return Path(database)


def resolve_target(
    arg: str | None,
    *,
    default_url: str,
    read_only: bool = False,
    ensure_schema: bool = False,
    immutable: bool = False,
    compare_models: bool = False,
    as_of: int | None = None,
    as_of_generation: tuple[int, int] | None = None,
) -> Target:
    """Turn the command-line argument (a SQLite path, a URL, or nothing) into a Target.

    Raises :class:`TargetError` for a missing or non-SQLite file, or an unusable URL.
    """
    if arg == "":
        # Path("") is ".", the current directory: say what was given instead (a name of
        # spaces stays a file name, as SQLite takes it).
        raise TargetError(
            "empty database path: give a SQLite file, a URL, or no argument for the "
            "application's database"
        )
    if as_of is not None:
        target = resolve_target(arg, default_url=default_url, read_only=True)
        return as_of_target(target, as_of, as_of_generation)
    if arg is None:
        return _url_target(default_url, app_database=True, read_only=read_only, ensure=True)
    # The application's schema was asked for: compare with its models too.
    compare_models = compare_models or ensure_schema
    if not _looks_like_url(arg):
        path = Path(arg).expanduser()
        _check_sqlite_file(path)
        return Target(
            url=_sqlite_file_url(path, read_only, immutable),
            display=path.name,
            app_database=False,
            read_only=read_only or immutable,
            immutable=immutable,
            ensure_schema=ensure_schema,
            sqlite_path=path,
            compare_models=compare_models,
        )
    target = _url_target(arg, app_database=False, read_only=read_only, ensure=ensure_schema)
    return replace(target, compare_models=compare_models)


def as_of_target(target: Target, commit: int, generation: tuple[int, int] | None = None) -> Target:
    """``target`` as it stood right after ``commit`` of its WAL (of ``generation``, when
    given): read-only, a SQLite file only."""
    if target.sqlite_path is None:
        raise TargetError("--as-of needs a SQLite database file (it reads the file's WAL)")
    if commit < 0:
        raise TargetError(f"--as-of takes a commit number (0 or more), not {commit}")
    return replace(
        target, read_only=True, ensure_schema=False, as_of=commit, as_of_generation=generation
    )


def _url_target(url: str, *, app_database: bool, read_only: bool, ensure: bool) -> Target:
    from sqlalchemy.exc import ArgumentError

    from app.engines import derive_urls, mask_url

    try:
        derive_urls(url)
        path = sqlite_path_of(url)
    except ArgumentError as exc:
        raise TargetError(f"cannot use {mask_url(url)}: {exc}") from exc
    if path is not None and not app_database:
        _check_sqlite_file(path)
    if path is not None and read_only:
        if not path.exists():
            raise TargetError(f"no such database file: {path}")
        url = _sqlite_file_url(path, read_only=True)
    return Target(
        url=url,
        display=mask_url(url) if path is None else path.name,
        app_database=app_database,
        read_only=read_only,
        ensure_schema=ensure and not read_only,
        sqlite_path=path,
        compare_models=app_database,
    )
