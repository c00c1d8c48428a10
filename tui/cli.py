"""The ``dbbrowse`` command: parse arguments, reject bad input before the UI starts."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version


def _version() -> str:
    try:
        return version("dbbrowse")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dbbrowse",
        description=(
            "Browse a database in the terminal. With no argument, browses the application's "
            "database (DATABASE_URL, default ./dbbrowse.db) and creates its schema if needed."
        ),
    )
    parser.add_argument(
        "database",
        nargs="?",
        help="a SQLite file path or a SQLAlchemy URL (postgresql://…, mysql://…)",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="open SQLite files with mode=ro: nothing can be written",
    )
    parser.add_argument(
        "--immutable",
        action="store_true",
        help="open a SQLite file in SQLite's immutable mode: read-only, no locks, no -shm "
        "needed (for read-only media), and changes still in the -wal are NOT seen",
    )
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
        "dbbrowse history DATABASE [--commit K] (see dbbrowse history -h)."
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
    args = build_parser().parse_args(argv)
    from tui.db.target import Target, TargetError, resolve_target

    target: Target | None = None
    if args.database is not None:
        try:
            # Resolving a file path needs no heavy import, so errors come back instantly.
            target = resolve_target(
                args.database,
                default_url="",
                read_only=args.read_only,
                ensure_schema=args.ensure_schema,
                immutable=args.immutable,
                compare_models=args.compare_models,
            )
        except TargetError as exc:
            print(f"dbbrowse: error: {exc}", file=sys.stderr)
            return 2
    from tui.app import DbBrowseApp

    app = DbBrowseApp(
        target,
        read_only=args.read_only or args.immutable,
        checkpoint_on_close=args.checkpoint_on_close,
    )
    app.run()
    if app.failed:
        print(f"dbbrowse: error: {app.failed}", file=sys.stderr)
        return 1
    return app.return_code or 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
