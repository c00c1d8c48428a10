"""The ``dbbrowse`` command: parse arguments, reject bad input before the UI starts."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from tui.cli_scripts import WAL_HELP, wal_salts

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from tui.db.target import Target
    from tui.settings.model import SavedConnection
    from tui.settings.preferences import Preferences


def _version() -> str:
    try:
        return version("dbbrowse")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _port(text: str) -> int:
    port = int(text) if text.isdigit() else 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port (1-65535): {text!r}")
    return port


def serve_parser() -> argparse.ArgumentParser:
    """The web mode's options: a parser of their own, so the app's arguments are what is left."""
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("web mode")
    group.add_argument(
        "--serve",
        action="store_true",
        help="serve dbbrowse to web browsers (one app process per page) instead of running "
        "in this terminal",
    )
    group.add_argument(
        "--host",
        help="address to listen on with --serve (default 127.0.0.1); any non-loopback "
        "address makes the page require a token, printed at start",
    )
    group.add_argument("--port", type=_port, help="port to listen on with --serve (default 8000)")
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dbbrowse",
        parents=[serve_parser()],
        description=(
            "Browse a database in the terminal. With no argument, browses the application's "
            "database (DATABASE_URL, default ./dbbrowse.db) and creates its schema if needed."
        ),
    )
    parser.add_argument(
        "database",
        nargs="?",
        help="a SQLite file path, a SQLAlchemy URL (postgresql://…, mysql://…), or @NAME of "
        "a connection saved in the config file",
    )
    parser.add_argument(
        "--connection",
        metavar="NAME",
        help="open the connection saved as NAME in the config file (also: dbbrowse @NAME)",
    )
    parser.add_argument(
        "--read-only",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="open SQLite files with mode=ro: nothing can be written (default: the config "
        "file's read_only, false)",
    )
    parser.add_argument(
        "--immutable",
        action="store_true",
        help="open a SQLite file in SQLite's immutable mode: read-only, no locks, no -shm "
        "needed (for read-only media), and changes still in the -wal are NOT seen",
    )
    parser.add_argument(
        "--as-of",
        type=int,
        metavar="K",
        help="browse a SQLite file as it stood right after commit K of its WAL (numbered as "
        "dbbrowse history lists them; 0 is before the first), read-only, while the database "
        "goes on changing",
    )
    parser.add_argument("--wal", type=wal_salts, metavar="SALT1:SALT2", help=WAL_HELP)
    parser.add_argument(
        "--ensure-schema",
        action="store_true",
        help="create the application's tables in DATABASE if they are missing",
    )
    parser.add_argument(
        "--compare-models",
        action="store_true",
        help="mark where DATABASE differs from the application's ORM models (done anyway "
        "for the application's own database and with --ensure-schema)",
    )
    parser.add_argument(
        "--checkpoint-on-close",
        action="store_true",
        help="if dbbrowse wrote to a SQLite WAL database (maintenance actions), checkpoint "
        "it with TRUNCATE on exit so -wal/-shm are not left large",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.epilog = (
        "Also: dbbrowse export DATABASE TABLE_OR_SQL [-o FILE] (see dbbrowse export -h); "
        "dbbrowse history DATABASE [--commit K] (see dbbrowse history -h); "
        "dbbrowse diff DATABASE TABLE --from K [--to M|now] (see dbbrowse diff -h). "
        "Settings: $XDG_CONFIG_HOME/dbbrowse/config.toml (see the README's Configuration)."
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["export"]:
        from tui.cli_export import main as export_main

        return export_main(argv[1:])
    if argv[:1] == ["history"]:
        from tui.cli_history import main as history_main

        return history_main(argv[1:])
    if argv[:1] == ["diff"]:
        from tui.cli_diff import main as diff_main

        return diff_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.serve and (args.host is not None or args.port is not None):
        parser.error("--host and --port go with --serve")
    from tui.settings.paths import config_path

    try:
        settings, connections = _settings(config_path())
    except ValueError as exc:
        return _fail(f"the config file is not right:\n{exc}")
    read_only = settings.read_only if args.read_only is None else args.read_only
    if args.connection is not None:
        if args.database is not None:
            return _fail("give a database or --connection, not both")
        args.database = f"@{args.connection}"
    if args.database is None and not args.serve and _on_a_terminal():
        from tui.picker import database_url_given
        from tui.settings.recent import recent

        # Asked only when nothing names the database: DATABASE_URL does (make run).
        entries = [] if database_url_given() else recent()[: settings.recent_limit]
        if entries:
            from tui.picker import pick_database

            picked = pick_database(entries, settings.theme)
            if picked is None:
                return 0
            args.database = picked or None
    from tui.db.target import TargetError, resolve_target

    target: Target | None = None
    if args.as_of is not None and args.database is None:
        return _fail("--as-of needs a SQLite database file")
    if args.wal is not None and args.as_of is None:
        return _fail("--wal pins the WAL of --as-of K: give --as-of too")
    if args.database is not None:
        try:
            database = args.database
            if database.startswith("@"):
                database = _saved(connections, database[1:])
            # Resolving a file path needs no heavy import, so errors come back instantly.
            target = resolve_target(
                database,
                default_url="",
                read_only=read_only,
                ensure_schema=args.ensure_schema,
                immutable=args.immutable,
                compare_models=args.compare_models,
                as_of=args.as_of,
                as_of_generation=args.wal,
            )
        except TargetError as exc:
            return _fail(str(exc))
    if args.serve:
        from tui.web import serve

        _, app_argv = serve_parser().parse_known_args(argv)
        return serve(
            app_argv,
            host=args.host or "127.0.0.1",
            port=args.port or 8000,
            title=f"dbbrowse · {target.display}" if target else "dbbrowse",
        )
    from tui.app import DbBrowseApp

    app = DbBrowseApp(
        target,
        read_only=read_only or args.immutable or args.as_of is not None,
        checkpoint_on_close=args.checkpoint_on_close,
        settings=settings,
        config_file=config_path(),
        recent_entry=_recent_entry(args.database, target),
    )
    app.run()
    if app.failed:
        return _fail(app.failed, status=1)
    if target is None and app.created and app.target is not None:
        from tui.text.escape import escaped_plain

        created = escaped_plain(app.target.display)
        print(f"dbbrowse: created {created} (the application's database)")
    return app.return_code or 0


def _fail(message: str, status: int = 2) -> int:
    from tui.text.escape import escaped_plain  # a file name's escape codes never reach the tty

    print(f"dbbrowse: error: {escaped_plain(message, keep_newlines=True)}", file=sys.stderr)
    return status


def _on_a_terminal() -> bool:
    """A person at a terminal, who can be asked (not a pipe, a script or a test)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _settings(path: Path) -> tuple[Preferences, Mapping[str, SavedConnection]]:
    """The config file's settings and saved connections; ValueError says what is wrong.

    Without a config file, the defaults: pydantic is not even imported (it costs about as
    much as Textual does, before the first frame).
    """
    from tui.settings.preferences import Preferences

    if not path.exists():
        return Preferences(), {}
    from tui.config_check import problems
    from tui.settings.model import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise ValueError(str(exc)) from None
    found = problems(settings)
    if found:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
        raise ValueError(str(SettingsError(path, found, text)))
    return settings.preferences(), settings.connections


def _saved(connections: Mapping[str, SavedConnection], name: str) -> str:
    """The URL of the connection saved as ``name``, with its password put in."""
    from tui.db.target import TargetError
    from tui.settings.passwords import PasswordError, open_connection
    from tui.settings.paths import config_path, shown

    connection = connections.get(name)
    if connection is None:
        saved = ", ".join(sorted(connections)) or "none"
        raise TargetError(
            f"no connection named {name!r} in {shown(config_path())} (saved: {saved})"
        )
    try:
        return open_connection(name, connection).url
    except PasswordError as exc:
        raise TargetError(str(exc)) from None


def _recent_entry(database: str | None, target: Target | None) -> str | None:
    """What the next start's picker offers for this database (the app remembers it once it is
    open); None for the default, which the picker always offers."""
    if database is None or target is None:
        return None
    if database.startswith("@"):
        return database
    if target.sqlite_path is not None and "://" not in database:
        return str(target.sqlite_path.resolve())
    return database


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
