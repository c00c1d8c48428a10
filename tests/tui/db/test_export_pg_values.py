"""PostgreSQL values the driver reads as something else, exported as the database holds
them: ``infinity``/``-infinity`` dates and timestamps (not 9999-12-31 / 0001-01-01), jsonb
and arrays as JSON text in CSV and TSV (not Python's reprs)."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from app.engines import derive_urls
from tui.db.export import export_rows, query_statement
from tui.db.export_formats import ExportFormat, ExportOptions
from tui.db.source import DataSource
from tui.db.target import resolve_target

pytestmark = pytest.mark.postgres


@pytest.fixture
def odd_table(postgres_url: str) -> Iterator[str]:
    engine = create_engine(derive_urls(postgres_url)[0])
    name = f"pgodd_{uuid.uuid4().hex[:6]}"
    with engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, ts TIMESTAMPTZ, t TIMESTAMP,"
                " d DATE, j JSONB, arr INTEGER[])"
            )
        )
        conn.execute(
            text(
                f"INSERT INTO {name} VALUES"
                " (1, 'infinity', '-infinity', 'infinity',"
                " '{\"a\": [1, 2, {\"b\": null}]}', '{1,2,NULL}'),"
                " (2, '-infinity', 'infinity', '-infinity', '[\"x\", 1.5]', '{}'),"
                " (3, '2024-01-02 03:04:05+00', '9999-12-31 23:59:59.999999', '0001-01-01',"
                " NULL, NULL)"
            )
        )
    try:
        yield name
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {name}"))
        engine.dispose()


async def _export(url: str, name: str, fmt: ExportFormat) -> str:
    source = await DataSource.open(resolve_target(url, default_url="", read_only=True))
    try:
        statement = query_statement(f"SELECT * FROM {name} ORDER BY id")
        out = io.StringIO()
        await source.run(lambda conn: export_rows(conn, statement, out, ExportOptions(fmt)))
        return out.getvalue()
    finally:
        await source.close()


async def test_infinite_timestamps_export_as_infinity(postgres_url: str, odd_table: str) -> None:
    tsv = (await _export(postgres_url, odd_table, ExportFormat.TSV)).splitlines()
    assert [line.split("\t")[1:4] for line in tsv[1:]] == [
        ["infinity", "-infinity", "infinity"],
        ["-infinity", "infinity", "-infinity"],
        # Real extreme values stay what they are.
        ["2024-01-02T03:04:05+00:00", "9999-12-31T23:59:59.999999", "0001-01-01"],
    ]
    lines = (await _export(postgres_url, odd_table, ExportFormat.JSONL)).splitlines()
    first = json.loads(lines[0])
    assert (first["ts"], first["t"], first["d"]) == ("infinity", "-infinity", "infinity")


async def test_jsonb_and_arrays_export_as_json_text(postgres_url: str, odd_table: str) -> None:
    tsv = (await _export(postgres_url, odd_table, ExportFormat.TSV)).splitlines()
    assert [line.split("\t")[4:6] for line in tsv[1:]] == [
        ['{"a": [1, 2, {"b": null}]}', "[1, 2, null]"],
        ['["x", 1.5]', "[]"],
        ["\\N", "\\N"],
    ]
    csv_text = await _export(postgres_url, odd_table, ExportFormat.CSV)
    assert '"{""a"": [1, 2, {""b"": null}]}","[1, 2, null]"' in csv_text
    assert "None" not in csv_text and "'" not in csv_text


async def test_arrays_of_other_types_export(postgres_url: str) -> None:
    """Arrays of what JSON has no type for: numbers as their digits, bytes as ``\\x…``."""
    engine = create_engine(derive_urls(postgres_url)[0])
    name = f"pgarr_{uuid.uuid4().hex[:6]}"
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, n NUMERIC[], b BYTEA[])"))
        conn.execute(
            text(f"INSERT INTO {name} VALUES (1, '{{1.50,NaN}}', ARRAY[:b])"), {"b": b"\x00\xff"}
        )
    try:
        row = json.loads(await _export(postgres_url, name, ExportFormat.JSONL))
        assert (row["n"], row["b"]) == (["1.50", "NaN"], ["\\x00ff"])
        tsv = (await _export(postgres_url, name, ExportFormat.TSV)).splitlines()[1]
        assert tsv.split("\t")[1:] == ['["1.50", "NaN"]', '["\\\\\\\\x00ff"]']
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {name}"))
        engine.dispose()


async def test_jsonb_null_and_strings_stay_apart_from_sql_null(postgres_url: str) -> None:
    """The document null is not SQL's NULL, the document "str" not the text str."""
    engine = create_engine(derive_urls(postgres_url)[0])
    name = f"pgnull_{uuid.uuid4().hex[:6]}"
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, j JSONB, s JSON)"))
        conn.execute(
            text(
                f"INSERT INTO {name} VALUES (1, 'null', 'null'), (2, '\"str\"', '\"s\"'),"
                " (3, NULL, NULL), (4, '1.5', 'true')"
            )
        )
    try:
        tsv = (await _export(postgres_url, name, ExportFormat.TSV)).splitlines()[1:]
        assert [line.split("\t")[1:] for line in tsv] == [
            ["null", "null"],
            ['"str"', '"s"'],
            ["\\N", "\\N"],
            ["1.5", "true"],
        ]
        csv_rows = (await _export(postgres_url, name, ExportFormat.CSV)).splitlines()[1:]
        assert csv_rows == ['1,"null","null"', '2,"""str""","""s"""', "3,,", "4,1.5,true"]
        jsonl = (await _export(postgres_url, name, ExportFormat.JSONL)).splitlines()
        assert [json.loads(line) for line in jsonl] == [
            {"id": 1, "j": {"$json": None}, "s": {"$json": None}},
            {"id": 2, "j": "str", "s": "s"},
            {"id": 3, "j": None, "s": None},
            {"id": 4, "j": 1.5, "s": True},
        ]
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {name}"))
        engine.dispose()


async def test_arrays_of_infinities_and_documents(postgres_url: str) -> None:
    engine = create_engine(derive_urls(postgres_url)[0])
    name = f"pgarr_{uuid.uuid4().hex[:6]}"
    with engine.begin() as conn:
        conn.execute(
            text(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, t TIMESTAMPTZ[], j JSONB[])")
        )
        conn.execute(
            text(
                f"INSERT INTO {name} VALUES (1, ARRAY['-infinity'::timestamptz, 'infinity'],"
                " ARRAY['null'::jsonb, '\"s\"', '{\"a\": null}'])"
            )
        )
    try:
        tsv = (await _export(postgres_url, name, ExportFormat.TSV)).splitlines()[1]
        assert tsv.split("\t")[1:] == [
            '["-infinity", "infinity"]',
            '[null, "s", {"a": null}]',
        ]
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {name}"))
        engine.dispose()
