"""Export: every value written literally and read back equal, in one read-only snapshot."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.db.catalog import describe_table, list_tables
from tui.db.export import (
    ExportError,
    destination,
    export_rows,
    query_statement,
    relation_statement,
    staged_file,
)
from tui.db.export_formats import BlobEncoding, ExportFormat, ExportOptions, row_writer
from tui.db.model import TableRef
from tui.db.paging import RowQuery, SortSpec
from tui.db.source import DataSource
from tui.db.target import resolve_target

# id, untyped, text, blob, real: the values people trip on.
ODD_ROWS: list[tuple[Any, ...]] = [
    (1, None, "", b"\x00\xff", 1.5),
    (2, "1", 'a,"b"\nc', None, 0.1),
    (3, 1, "[bold]x[/]", b"", float("inf")),
    (4, 2**63 - 1, "\\N", None, 0.30000000000000004),
    (5, -(2**63), "tab\there\r\nand CR", None, float("-inf")),
    (6, 2**53 + 1, "naïve café ✓ 𝄞", None, 1e-300),
    (7, " padded ", "  ", None, None),
    (8, 1.0, "line\\nnot a newline", b"\x01" * 40, -0.5),
]
COLUMNS = ["id", "any value", "text", "data", "real"]


def make_db(path: Path, rows: list[tuple[Any, ...]] = ODD_ROWS) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        'CREATE TABLE "odd ""t"" select" (id INTEGER PRIMARY KEY, "any value", text TEXT, '
        "data BLOB, real REAL)"
    )
    conn.executemany('INSERT INTO "odd ""t"" select" VALUES (?, ?, ?, ?, ?)', rows)
    # Text that is not valid UTF-8, stored as TEXT.
    if rows is ODD_ROWS:
        conn.execute(
            'INSERT INTO "odd ""t"" select" VALUES (9, CAST(x\'41ff42\' AS TEXT), '
            "CAST(x'c328' AS TEXT), NULL, 2.0)"
        )
    conn.commit()
    conn.close()
    return path


def stored_rows(path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    conn.text_factory = lambda raw: raw.decode("utf-8", "surrogateescape")
    rows = conn.execute('SELECT * FROM "odd ""t"" select" ORDER BY id').fetchall()
    conn.close()
    return rows


@pytest.fixture
async def source(tmp_path: Path) -> AsyncIterator[DataSource]:
    db = make_db(tmp_path / "odd.db")
    opened = await DataSource.open(resolve_target(str(db), default_url="", read_only=True))
    try:
        yield opened
    finally:
        await opened.close()


async def export_table(
    source: DataSource, options: ExportOptions, query: RowQuery | None = None
) -> str:
    catalog = await source.run(lambda conn: list_tables(conn, source.strategy))
    listed = catalog.find(TableRef('odd "t" select'))
    assert listed is not None
    info = await source.run(lambda conn: describe_table(conn, source.strategy, listed))
    statement = relation_statement(info, source.strategy, query or RowQuery())
    out = io.StringIO(newline="")
    await source.run(lambda conn: export_rows(conn, statement, out, options, page_rows=3))
    return out.getvalue()


# A CSV field: quoted (quotes inside doubled) or bare.
_CSV_FIELD = re.compile(r'"((?:[^"]|"")*)"|([^,\r\n"]*)')


def typed_csv(text: str) -> list[list[Any]]:
    """Fields of our CSV with what the quoting says: quoted → text, bare → None or number."""
    rows: list[list[Any]] = []
    pos = 0
    while pos < len(text):
        row: list[Any] = []
        while True:
            match = _CSV_FIELD.match(text, pos)
            assert match is not None
            quoted, bare = match.groups()
            if quoted is not None:
                row.append(quoted.replace('""', '"'))
            elif bare == "":
                row.append(None)
            else:
                row.append(float(bare) if re.search(r"[.ein]", bare) else int(bare))
            pos = match.end()
            if text.startswith(",", pos):
                pos += 1
                continue
            assert text.startswith("\r\n", pos), text[pos : pos + 20]
            pos += 2
            break
        rows.append(row)
    return rows


def expected_csv_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


async def test_csv_keeps_null_empty_text_numbers_and_bytes_apart(source: DataSource) -> None:
    text = await export_table(source, ExportOptions(ExportFormat.CSV))
    rows = typed_csv(text)
    assert rows[0] == COLUMNS
    stored = stored_rows(Path(source.target.sqlite_path or ""))
    assert rows[1:] == [[expected_csv_value(v) for v in row] for row in stored]
    # The csv module reads the same text values (it cannot tell NULL from '': our quoting can).
    plain = list(csv.reader(io.StringIO(text, newline="")))
    assert plain[2][2] == 'a,"b"\nc'
    assert plain[5][2] == "tab\there\r\nand CR"
    assert ',,"",' in text.splitlines()[1]  # NULL bare, '' quoted
    assert '2,"1",' in text and "3,1," in text  # text '1' and integer 1


async def test_csv_null_marker_and_hex_blobs(source: DataSource) -> None:
    options = ExportOptions(ExportFormat.CSV, null="\\N", blob=BlobEncoding.HEX, header=False)
    lines = (await export_table(source, options)).split("\r\n")
    assert lines[0] == '1,\\N,"","\\x00ff",1.5'
    assert lines[3] == '4,9223372036854775807,"\\N",\\N,0.30000000000000004'  # text '\N' quoted


async def test_invalid_utf8_bytes_reach_the_csv_file_unchanged(
    source: DataSource, tmp_path: Path
) -> None:
    target = tmp_path / "out.csv"
    text = await export_table(source, ExportOptions(ExportFormat.CSV))
    with staged_file(target, binary=False) as stream:
        stream.write(text)
    assert b'9,"A\xffB","\xc3(",,2.0\r\n' in target.read_bytes()


def tsv_value(field: str) -> Any:
    if field == "\\N":
        return None
    out = re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}[m[1]], field)
    return out


async def test_tsv_escapes_and_reads_back(source: DataSource) -> None:
    text = await export_table(source, ExportOptions(ExportFormat.TSV))
    lines = text.split("\n")
    assert lines[-1] == ""  # every line ends with \n
    rows = [[tsv_value(f) for f in line.split("\t")] for line in lines[1:-1]]
    stored = stored_rows(Path(source.target.sqlite_path or ""))
    assert len(rows) == len(stored)
    for got, row in zip(rows, stored, strict=True):
        assert got[2] == row[2]  # text, tabs/newlines/backslashes included
        assert got[1] == (None if row[1] is None else str(row[1]))
    assert lines[1].split("\t")[1] == "\\N" and lines[1].split("\t")[2] == ""


async def test_tsv_writes_a_nul_as_an_octal_escape(tmp_path: Path) -> None:
    """A raw NUL byte in a text file stops many readers (PostgreSQL's COPY among them)."""
    db = make_db(tmp_path / "nul.db", [(1, None, "cr\x00nul", None, None)])
    opened = await DataSource.open(resolve_target(str(db), default_url="", read_only=True))
    try:
        text = await export_table(opened, ExportOptions(ExportFormat.TSV))
    finally:
        await opened.close()
    assert "\x00" not in text
    assert text.split("\n")[1].split("\t")[2] == "cr\\000nul"


def json_value(value: Any) -> Any:
    if isinstance(value, dict) and "$text_base64" in value:
        # A text that is not UTF-8, as the driver reads it (surrogateescape).
        return base64.b64decode(value["$text_base64"]).decode("utf-8", "surrogateescape")
    if isinstance(value, dict):
        return base64.b64decode(value["$base64"])
    if value in ("Infinity", "-Infinity"):
        return float(value.replace("Infinity", "inf"))
    return value


@pytest.mark.parametrize("fmt", [ExportFormat.JSONL, ExportFormat.JSON])
async def test_json_reads_back_equal_to_the_table(source: DataSource, fmt: ExportFormat) -> None:
    text = await export_table(source, ExportOptions(fmt))
    if fmt is ExportFormat.JSONL:
        objects = [json.loads(line) for line in text.splitlines()]
    else:
        objects = json.loads(text)
    stored = stored_rows(Path(source.target.sqlite_path or ""))
    assert [list(o) for o in objects] == [COLUMNS] * len(stored)
    got = [tuple(json_value(v) for v in o.values()) for o in objects]
    # Invalid UTF-8 came back as its very bytes, in an object that never reads as text.
    assert got == stored
    assert objects[8]["any value"] == {"$text_base64": base64.b64encode(b"A\xffB").decode()}
    assert objects[8]["text"] == {"$text_base64": base64.b64encode(b"\xc3(").decode()}
    # Valid UTF-8 and valid JSON throughout: no lone surrogate, escaped or raw.
    assert "\\udc" not in text
    text.encode("utf-8")
    # Integers beyond 2^53 are exact numbers in the text, not rounded floats.
    assert '"any value": 9007199254740993' in text
    assert isinstance(objects[2]["any value"], int) and isinstance(objects[1]["any value"], str)


async def test_json_hex_blobs_are_objects_never_text(source: DataSource) -> None:
    text = await export_table(source, ExportOptions(ExportFormat.JSONL, blob=BlobEncoding.HEX))
    first = json.loads(text.splitlines()[0])
    assert first["data"] == {"$hex": "00ff"}
    assert json.loads(text.splitlines()[2])["data"] == {"$hex": ""}
    # A text that is not UTF-8 takes the same encoding, under a key that says it is text.
    ninth = json.loads(text.splitlines()[8])
    assert ninth["any value"] == {"$text_hex": "41ff42"} and ninth["text"] == {"$text_hex": "c328"}


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40), st.booleans())
def test_any_stored_text_round_trips_through_json(raw: bytes, hex_blobs: bool) -> None:
    """Whatever bytes a TEXT holds: valid UTF-8 is a JSON string of that text, anything else
    the object with its bytes; the file is strict UTF-8 and strict JSON either way."""
    read = raw.decode("utf-8", "surrogateescape")  # as the driver reads a SQLite TEXT
    out = io.StringIO()
    encoding = BlobEncoding.HEX if hex_blobs else BlobEncoding.BASE64
    writer = row_writer(out, ["t"], ExportOptions(ExportFormat.JSONL, blob=encoding))
    writer.write_rows([[read]])
    writer.finish()
    line = out.getvalue()
    line.encode("utf-8")  # strict: no lone surrogate reaches the file
    value = json.loads(line)["t"]
    if isinstance(value, str):
        assert value.encode("utf-8") == raw  # strict, so only valid UTF-8 is a string
    else:
        (key,) = value
        assert key == ("$text_hex" if hex_blobs else "$text_base64")
        body = value[key]
        got = bytes.fromhex(body) if hex_blobs else base64.b64decode(body, validate=True)
        assert got == raw
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")


async def test_the_view_exports_filtered_and_sorted(source: DataSource) -> None:
    query = RowQuery(sort=(SortSpec("real", descending=True),))
    text = await export_table(source, ExportOptions(ExportFormat.JSONL), query)
    ids = [json.loads(line)["id"] for line in text.splitlines()]
    assert ids == [3, 9, 1, 4, 2, 6, 8, 5, 7]


async def test_a_query_exports_its_rows_with_repeated_names_told_apart(
    source: DataSource,
) -> None:
    statement = query_statement('SELECT id, id, text AS "x" FROM "odd ""t"" select" WHERE id < 3')
    out = io.StringIO()
    await source.run(
        lambda conn: export_rows(conn, statement, out, ExportOptions(ExportFormat.JSONL))
    )
    assert (
        out.getvalue()
        == '{"id": 1, "id:2": 1, "x": ""}\n{"id": 2, "id:2": 2, "x": "a,\\"b\\"\\nc"}\n'
    )


async def test_a_query_that_would_write_is_refused_by_the_database(tmp_path: Path) -> None:
    """Even on a connection that could write, the export's transaction cannot."""
    db = make_db(tmp_path / "w.db")
    before = db.read_bytes()
    opened = await DataSource.open(resolve_target(str(db), default_url=""))
    try:
        statement = query_statement('DELETE FROM "odd ""t"" select" RETURNING id')
        with pytest.raises(Exception, match=r"readonly|read-only|read only"):
            await opened.run(
                lambda conn: export_rows(conn, statement, io.StringIO(), ExportOptions())
            )
        # The connection is usable again afterwards, and not left read-only.
        assert await opened.run(lambda conn: _query_only(conn)) == 0
    finally:
        await opened.close()
    assert len(stored_rows(db)) == 9
    assert db.read_bytes() == before


async def _query_only(conn: Any) -> int:
    value = (await conn.exec_driver_sql("PRAGMA query_only")).scalar_one()
    await conn.rollback()
    return int(value)


async def test_a_statement_without_rows_is_a_clear_error(source: DataSource) -> None:
    with pytest.raises(ExportError, match="returns no rows"):
        await source.run(
            lambda conn: export_rows(
                conn, query_statement("PRAGMA cache_size = 100"), io.StringIO(), ExportOptions()
            )
        )


async def test_the_export_is_one_snapshot_while_another_process_writes(tmp_path: Path) -> None:
    db = make_db(tmp_path / "snap.db", [(i, i, str(i), None, 0.0) for i in range(1, 1001)])
    opened = await DataSource.open(resolve_target(str(db), default_url="", read_only=True))
    writer = sqlite3.connect(db, isolation_level=None)
    pages: list[int] = []

    def progress(rows: int) -> None:
        if not pages:  # after the first page: another user deletes and appends rows
            writer.execute('DELETE FROM "odd ""t"" select" WHERE id > 500')
            writer.execute('INSERT INTO "odd ""t"" select" (id) VALUES (5000)')
        pages.append(rows)

    try:
        statement = query_statement('SELECT id FROM "odd ""t"" select" ORDER BY id')
        out = io.StringIO()
        await opened.run(
            lambda conn: export_rows(
                conn, statement, out, ExportOptions(header=False), progress=progress, page_rows=100
            )
        )
    finally:
        writer.close()
        await opened.close()
    assert len(pages) > 1
    ids = [int(line) for line in out.getvalue().split()]
    assert ids == list(range(1, 1001))  # as it stood when the export began


def test_the_destination_is_never_the_database_itself(tmp_path: Path) -> None:
    db = make_db(tmp_path / "self.db")
    for name in ("self.db", "self.db-wal", "self.db-shm", "self.db-journal"):
        with pytest.raises(ExportError, match="database's own file"):
            destination(tmp_path / name, db)
    with pytest.raises(ExportError, match="directory"):
        destination(tmp_path, db)
    with pytest.raises(ExportError, match="no such directory"):
        destination(tmp_path / "nope" / "x.csv", db)
    assert destination(tmp_path / "x.csv", db) == (tmp_path / "x.csv").resolve()


def test_a_failed_export_leaves_an_earlier_file_untouched(tmp_path: Path) -> None:
    target = tmp_path / "keep.csv"
    target.write_text("earlier\n")
    target.chmod(0o640)

    def fail_half_way() -> None:
        with staged_file(target, binary=False) as stream:
            stream.write("half")
            raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        fail_half_way()
    assert target.read_text() == "earlier\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.csv"]
    with staged_file(target, binary=False) as stream:
        stream.write("new\n")
    assert target.read_text() == "new\n"
    assert target.stat().st_mode & 0o777 == 0o640


async def test_parquet_holds_one_type_per_column_or_says_which_column_cannot(
    tmp_path: Path,
) -> None:
    import pyarrow.parquet as pq

    db = make_db(tmp_path / "pq.db", [(i, i * 2, f"t{i}", bytes([i]), i / 2) for i in range(1, 8)])
    opened = await DataSource.open(resolve_target(str(db), default_url="", read_only=True))
    try:
        out = io.BytesIO()
        options = ExportOptions(ExportFormat.PARQUET)
        statement = query_statement('SELECT * FROM "odd ""t"" select" ORDER BY id')
        await opened.run(lambda conn: export_rows(conn, statement, out, options, page_rows=3))
        table = pq.read_table(io.BytesIO(out.getvalue()))
        assert table.column_names == COLUMNS
        assert table.to_pylist()[6] == {
            "id": 7,
            "any value": 14,
            "text": "t7",
            "data": b"\x07",
            "real": 3.5,
        }
        mixed = query_statement("SELECT 1 AS v UNION ALL SELECT 'one' ORDER BY 1")
        with pytest.raises(ExportError, match="column 'v' holds values of several types"):
            await opened.run(lambda conn: export_rows(conn, mixed, io.BytesIO(), options))
    finally:
        await opened.close()


async def test_servers_export_exact_values_and_refuse_writes(server_url: str) -> None:
    import uuid

    from sqlalchemy import create_engine, text

    from app.engines import derive_urls

    sync_url = derive_urls(server_url)[0]
    engine = create_engine(sync_url)
    name = f"export_{uuid.uuid4().hex[:6]}"
    blob = "BYTEA" if engine.dialect.name == "postgresql" else "LONGBLOB"
    with engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, big BIGINT, amount NUMERIC(30, 10),"
                f" label VARCHAR(50), note TEXT, data {blob}, ratio DOUBLE PRECISION)"
            )
        )
        conn.execute(
            text(f"INSERT INTO {name} VALUES (:i, :b, :a, :l, :n, :d, :r)"),
            [
                {
                    "i": 1,
                    "b": 2**63 - 1,
                    "a": "12345678901234567890.0123456789",
                    "l": "",
                    "n": 'a,"b"\nc',
                    "d": b"\x00\xff",
                    "r": 0.30000000000000004,
                },
                {"i": 2, "b": None, "a": None, "l": None, "n": "naïve ✓", "d": None, "r": None},
            ],
        )
    source = await DataSource.open(resolve_target(server_url, default_url="", read_only=True))
    try:
        statement = query_statement(f"SELECT * FROM {name} ORDER BY id")
        out = io.StringIO()
        await source.run(
            lambda conn: export_rows(conn, statement, out, ExportOptions(ExportFormat.JSONL))
        )
        first, second = (json.loads(line) for line in out.getvalue().splitlines())
        assert first["big"] == 2**63 - 1
        assert '"amount": 12345678901234567890.0123456789' in out.getvalue()
        assert (first["label"], second["label"]) == ("", None)
        assert first["note"] == 'a,"b"\nc' and second["note"] == "naïve ✓"
        assert base64.b64decode(first["data"]["$base64"]) == b"\x00\xff"
        assert first["ratio"] == 0.30000000000000004
        deleting = query_statement(f"DELETE FROM {name} WHERE id = 1 RETURNING id")
        with pytest.raises(Exception, match=r"(?i)read.only"):
            await source.run(
                lambda conn: export_rows(conn, deleting, io.StringIO(), ExportOptions())
            )
        # The pooled connection does not stay read-only for the next transaction.
        assert await source.run(lambda conn: _can_write_temp(conn))
    finally:
        await source.close()
        with engine.begin() as conn:
            assert conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one() == 2
            conn.execute(text(f"DROP TABLE {name}"))
        engine.dispose()


async def _can_write_temp(conn: Any) -> bool:
    await conn.exec_driver_sql("CREATE TEMPORARY TABLE export_probe (x INTEGER)")
    await conn.exec_driver_sql("INSERT INTO export_probe VALUES (1)")
    await conn.rollback()
    return True
