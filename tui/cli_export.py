"""``dbbrowse export DB TABLE_OR_SQL``: rows out of a database, for scripts.

Writes to standard output unless ``-o FILE`` is given; the file appears only when the
export succeeded (see :mod:`tui.db.export`). Exit status: 0 done, 1 the database refused
(its message is printed) or the ``--as-of`` state cannot be rebuilt, 2 bad arguments or a
database that cannot be opened, 130 interrupted, 141 the reader of standard output went away.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, cast

from tui.cli_scripts import WAL_HELP, quiet_stdout, salts_text, wal_salts
from tui.db.export_formats import BlobEncoding, ExportFormat, ExportOptions

_FORMAT_HELP = (
    "csv: text quoted, numbers bare, NULL an empty unquoted field; tsv: PostgreSQL COPY text "
    "format, NULL is \\N; jsonl/json: one object per row, big integers exact, BLOBs as "
    '{"$base64": …} and text that is not UTF-8 as {"$text_base64": …}; parquet needs pyarrow'
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dbbrowse export",
        description=(
            "Export a table or view, or the rows of a query, streamed in constant memory. "
            "The database is opened read-only; a query runs in a read-only transaction."
        ),
    )
    parser.add_argument("database", help="a SQLite file path or a SQLAlchemy URL")
    parser.add_argument(
        "source",
        metavar="TABLE_OR_SQL",
        help="a table or view name (schema.name on servers), or a query such as "
        "'SELECT * FROM t WHERE …'",
    )
    parser.add_argument(
        "--format",
        "-f",
        choices=[f.value for f in ExportFormat],
        help=f"output format (default: from the -o suffix, else csv). {_FORMAT_HELP}",
    )
    parser.add_argument("-o", "--output", help="write here instead of standard output")
    parser.add_argument(
        "--null",
        default="",
        metavar="TEXT",
        help="what CSV writes for NULL, bare (default: an empty field; text is always quoted "
        "so '' stays distinct). Try --null '\\N'",
    )
    parser.add_argument(
        "--blob",
        choices=[b.value for b in BlobEncoding],
        default=BlobEncoding.BASE64.value,
        help="how BLOBs are written (default base64; hex is \\x… in CSV/TSV)",
    )
    parser.add_argument("--no-header", action="store_true", help="CSV/TSV: no header line")
    parser.add_argument(
        "--as-of",
        type=int,
        metavar="K",
        help="a SQLite file as it stood right after commit K of its WAL (see dbbrowse "
        "history); fails, saying why, when that state can no longer be rebuilt",
    )
    parser.add_argument("--wal", type=wal_salts, metavar="SALT1:SALT2", help=WAL_HELP)
    return parser


def _format_of(args: argparse.Namespace) -> ExportFormat:
    if args.format:
        return ExportFormat(args.format)
    if args.output:
        suffix = Path(args.output).suffix.lower().lstrip(".")
        if suffix == "ndjson":
            return ExportFormat.JSONL
        if suffix in {f.value for f in ExportFormat}:
            return ExportFormat(suffix)
    return ExportFormat.CSV


def _error(message: str) -> None:
    from tui.text.escape import escaped_plain  # a file name's escape codes never reach the tty

    print(f"dbbrowse export: error: {escaped_plain(message, keep_newlines=True)}", file=sys.stderr)


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    from tui.db.export import ExportError, destination
    from tui.db.target import TargetError, resolve_target

    options = ExportOptions(
        format=_format_of(args),
        null=args.null,
        blob=BlobEncoding(args.blob),
        header=not args.no_header,
    )
    try:
        if args.wal is not None and args.as_of is None:
            raise TargetError("--wal pins the WAL of --as-of K: give --as-of too")
        target = resolve_target(
            args.database,
            default_url="",
            read_only=True,
            as_of=args.as_of,
            as_of_generation=args.wal,
        )
        path = None
        if args.output:
            path = destination(Path(args.output), target.sqlite_path)
        if options.format is ExportFormat.PARQUET:
            from tui.db.export_parquet import require_pyarrow

            require_pyarrow()
    except (TargetError, ExportError) as exc:
        _error(str(exc))
        return 2
    try:
        return asyncio.run(_run(target, args.source, path, options))
    except KeyboardInterrupt:
        _error("interrupted: nothing was written" if path else "interrupted")
        return 130


async def _run(target: Any, what: str, path: Path | None, options: ExportOptions) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from tui.db.export import Clock, ExportError, staged_file
    from tui.db.source import DataSource
    from tui.db.target import PastStateError, TargetError

    try:
        source = await DataSource.open(target)
    except PastStateError as exc:
        _error(str(exc))
        return 1
    except TargetError as exc:
        _error(str(exc))
        return 2
    clock = Clock()
    try:
        statement, label = await _statement(source, what)
        progress = _Progress() if sys.stderr.isatty() else None
        if path is None:
            terminal = sys.stdout.isatty()
            if terminal and options.format.binary:
                raise ExportError(
                    f"{options.format.value} is binary: not written to a terminal; give"
                    " --output FILE or redirect standard output"
                )
            stream = _stdout(binary=options.format.binary)
            if terminal:
                print(
                    "standard output is a terminal: control characters are shown escaped"
                    " (\\x1b); redirect it or give --output for the exact data",
                    file=sys.stderr,
                )
            try:
                # A text stream like the others (write and flush are all an export uses).
                shown = cast(IO[Any], _TerminalStream(stream)) if terminal else stream
                rows = await _export(source, statement, shown, options, progress)
                stream.flush()
            finally:
                if isinstance(stream, io.TextIOWrapper):
                    stream.detach()  # sys.stdout's buffer stays open
        else:
            with staged_file(path, binary=options.format.binary) as stream:
                rows = await _export(source, statement, stream, options, progress)
        if progress is not None:
            progress.done()
        if path is not None or sys.stderr.isatty():
            where = f" to {path}" if path is not None else ""
            from tui.text.escape import escaped_plain

            said = escaped_plain(f"exported {rows:,} rows of {label}{where}")
            print(f"{said}{_which_wal(source)} in {clock.seconds:.1f} s", file=sys.stderr)
        return 0
    except ExportError as exc:
        _error(str(exc))
        return 2
    except SQLAlchemyError as exc:
        _error(source.explain(exc))
        return 1
    except BrokenPipeError:
        return quiet_stdout()
    except OSError as exc:
        _error(f"cannot write: {exc.strerror or exc}")
        return 1
    finally:
        await source.close()


def _which_wal(source: Any) -> str:
    """For a past state: which WAL its commit number is of, and how to pin it (``--wal``)."""
    generation = source.as_of_generation
    if generation is None:
        return ""
    salts = salts_text(generation)
    return f" as of commit {source.target.as_of} of the WAL with salts {salts} (--wal {salts})"


async def _statement(source: Any, what: str) -> tuple[Any, str]:
    """The statement for a relation named ``what``, or ``what`` itself as SQL."""
    from tui.db.catalog import describe_table, list_tables
    from tui.db.export import ExportError, query_statement, relation_statement
    from tui.db.paging import RowQuery

    catalog = await source.run(lambda conn: list_tables(conn, source.strategy))
    info = _find(catalog.tables, what)
    if info is None:
        if _looks_like_sql(what):
            return query_statement(what), "the query"
        as_of = source.target.as_of
        when = (
            "" if as_of is None else " before commit 1" if as_of == 0 else f" as of commit {as_of}"
        )
        raise ExportError(
            f"no table or view named {what!r}{when}; to export a query, give its SQL "
            "(e.g. 'SELECT * FROM …')"
        )
    described = await source.run(lambda conn: describe_table(conn, source.strategy, info))
    return relation_statement(described, source.strategy, RowQuery()), repr(str(info.ref))


def _find(tables: Sequence[Any], name: str) -> Any:
    exact = [t for t in tables if str(t.ref) == name or t.ref.name == name]
    if len(exact) == 1:
        return exact[0]
    if exact:
        return next((t for t in exact if str(t.ref) == name), None)
    folded = [t for t in tables if str(t.ref).casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None


def _looks_like_sql(text: str) -> bool:
    """Not a name: SQL has words (a relation named with spaces was matched before)."""
    return len(text.split()) > 1


async def _export(
    source: Any, statement: Any, stream: IO[Any], options: ExportOptions, progress: Any
) -> int:
    from tui.db.export import export_rows

    def operation(conn: Any) -> Any:
        return export_rows(conn, statement, stream, options, progress=progress)

    rows: int = await source.run(operation)
    return rows


def _stdout(*, binary: bool) -> IO[Any]:
    if binary:
        return sys.stdout.buffer
    return io.TextIOWrapper(
        sys.stdout.buffer,
        encoding="utf-8",
        errors="surrogateescape",
        newline="",
        write_through=False,
    )


class _TerminalStream(io.TextIOBase):
    """Text bound for a terminal: what a stored value holds is shown, never obeyed (an ESC
    sequence would clear the screen or retitle the window); see
    :func:`tui.text.escape.terminal_text`."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__()
        self._stream = stream

    def write(self, text: str) -> int:
        from tui.text.escape import terminal_text

        self._stream.write(terminal_text(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()


class _Progress:
    """``1,200,000 rows…`` on standard error, at most twice a second."""

    def __init__(self) -> None:
        import time

        self._time = time.monotonic
        self._last = 0.0

    def __call__(self, rows: int) -> None:
        now = self._time()
        if now - self._last >= 0.5:
            self._last = now
            print(f"\r{rows:,} rows…", end="", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self._last:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
