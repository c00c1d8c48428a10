"""Typed text for a column: affinity-correct on SQLite, typed on the servers, refused with a
sentence when it is not a value of the column; the text form of stored values; choices; the
app's schemas as a check."""

from __future__ import annotations

import datetime as dt
import math
import re
import sqlite3
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.tui.db.edithelpers import async_engine, details, sqlite_file
from tui.db.edit_values import (
    EditorKind,
    blob_from_file,
    choices,
    editor_kind,
    json_repeated_keys,
    parse_for_column,
    validate_insert_with_schema,
    validate_with_schema,
    value_as_text,
)
from tui.db.model import ColumnInfo, ValueKind
from tui.db.typed_values import BadValueError, kind_from_affinity


def sqlite_column(declared: str) -> ColumnInfo:
    return ColumnInfo("c", declared, value_kind=kind_from_affinity(declared))


def stored(declared: str, value: Any) -> tuple[str, Any]:
    """typeof() and the value SQLite keeps for ``value`` in a column declared ``declared``."""
    con = sqlite3.connect(":memory:")
    try:
        con.execute(f"CREATE TABLE t (c {declared})")
        con.execute("INSERT INTO t VALUES (?)", (value,))
        return con.execute("SELECT typeof(c), c FROM t").fetchone()  # type: ignore[no-any-return]
    finally:
        con.close()


@pytest.mark.parametrize(
    ("declared", "typed", "expected"),
    [
        ("INTEGER", "0042", 42),
        ("INT", " -7 ", -7),
        ("INTEGER", "9223372036854775807", 2**63 - 1),
        ("INTEGER", "-9223372036854775808", -(2**63)),
        ("TEXT", "0042", "0042"),
        ("VARCHAR(10)", " a ", " a "),
        ("TEXT", "", ""),
        ("REAL", "1.5", 1.5),
        ("REAL", "9007199254740992", 9007199254740992.0),
        ("REAL", "-inf", -math.inf),
        ("DOUBLE", "1e-5", 1e-5),
        ("NUMERIC", "3.0e5", 300000),
        ("DECIMAL(10,2)", "1.10", 1.1),
        ("DECIMAL(10,2)", "12", 12),
        ("NUMERIC", "9007199254740993", 9007199254740993),
        ("BOOLEAN", "yes", 1),
        ("BOOLEAN", "false", 0),
        ("DATE", "2024-05-01", "2024-05-01"),
        ("DATETIME", "2024-05-01T13:45:00", "2024-05-01 13:45:00"),
        ("TIMESTAMP", "2024-05-01 13:45:00.5", "2024-05-01 13:45:00.500000"),
        ("JSON", '{ "a" : [1, 2.50, null] }', '{ "a" : [1, 2.50, null] }'),
        ("BLOB", "x'00ff'", b"\x00\xff"),
        ("", "7", 7),
        ("", "007", "007"),
        ("", "x'01'", b"\x01"),
        ("STRING", "12", 12),
        ("STRING", "twelve", "twelve"),
    ],
)
def test_sqlite_affinity(declared: str, typed: str, expected: Any) -> None:
    value = parse_for_column(typed, sqlite_column(declared), "sqlite")
    assert value == expected
    assert type(value) is type(expected)
    # What SQLite stores for it is the same value of the same storage class.
    kept = stored(declared, value)[1]
    assert kept == expected
    assert type(kept) is type(expected)


@pytest.mark.parametrize(
    ("declared", "typed", "message"),
    [
        ("INTEGER", "4.5", "not an integer"),
        ("INTEGER", "abc", "not an integer"),
        ("INTEGER", "9223372036854775808", "out of range"),
        ("INTEGER", "", "not an integer"),
        ("INTEGER", "٣", "not an integer"),  # Python's int() takes other scripts' digits
        ("INTEGER", "１２", "not an integer"),
        ("REAL", "１.5", "not a number"),
        ("REAL", "nan", "cannot store"),
        ("REAL", "9007199254740993", "cannot be stored exactly"),
        ("DECIMAL(30,2)", "12345678901234567.25", "only approximately"),
        ("BOOLEAN", "maybe", "not true or false"),
        ("DATE", "2024-02-30", "not a date"),
        ("JSON", "{'a': 1}", "not valid JSON"),
        ("JSON", "NaN", "not standard JSON"),
        ("BLOB", "hello", "BLOB"),
    ],
)
def test_refused_on_sqlite(declared: str, typed: str, message: str) -> None:
    with pytest.raises(BadValueError, match=message):
        parse_for_column(typed, sqlite_column(declared), "sqlite")


@pytest.mark.parametrize(
    ("kind", "declared", "dialect", "typed", "expected"),
    [
        (ValueKind.INTEGER, "BIGINT", "postgresql", "0042", 42),
        (ValueKind.TEXT, "VARCHAR(10)", "postgresql", "0042", "0042"),
        (ValueKind.DECIMAL, "NUMERIC(10, 2)", "postgresql", "1.10", Decimal("1.10")),
        (ValueKind.DECIMAL, "NUMERIC", "postgresql", "NaN", Decimal("NaN")),
        (ValueKind.REAL, "DOUBLE PRECISION", "postgresql", "Infinity", math.inf),
        (ValueKind.BOOLEAN, "BOOLEAN", "postgresql", "t", True),
        (ValueKind.DATE, "DATE", "mariadb", "2024-05-01", dt.date(2024, 5, 1)),
        (ValueKind.TIME, "TIME", "postgresql", "13:45", dt.time(13, 45)),
        (
            ValueKind.UUID,
            "UUID",
            "postgresql",
            "12345678-1234-5678-1234-567812345678",
            uuid.UUID("12345678-1234-5678-1234-567812345678"),
        ),
        (
            ValueKind.UUID,
            "CHAR(32)",
            "mariadb",
            "12345678-1234-5678-1234-567812345678",
            "12345678123456781234567812345678",
        ),
        (ValueKind.INTEGER, "TINYINT(1)", "mariadb", "true", 1),
        (ValueKind.TEXT, "JSON", "postgresql", "[1,2]", "[1,2]"),
    ],
)
def test_servers(kind: ValueKind, declared: str, dialect: str, typed: str, expected: Any) -> None:
    value = parse_for_column(typed, ColumnInfo("c", declared, value_kind=kind), dialect)
    if isinstance(expected, Decimal) and expected.is_nan():
        assert isinstance(value, Decimal)
        assert value.is_nan()
        return
    assert value == expected
    assert type(value) is type(expected)


def test_nan_only_where_the_engine_stores_it() -> None:
    real = ColumnInfo("c", "DOUBLE", value_kind=ValueKind.REAL)
    assert math.isnan(parse_for_column("NaN", real, "postgresql"))
    for dialect in ("mariadb", "mysql", "sqlite"):
        with pytest.raises(BadValueError, match="cannot store"):
            parse_for_column("nan", real, dialect)
    with pytest.raises(BadValueError, match="cannot store"):
        parse_for_column("inf", real, "mariadb")


@pytest.mark.parametrize(
    ("column", "dialect", "kind"),
    [
        (sqlite_column("INTEGER"), "sqlite", EditorKind.INTEGER),
        (sqlite_column("BOOLEAN"), "sqlite", EditorKind.BOOLEAN),
        (sqlite_column("VARCHAR(120)"), "sqlite", EditorKind.TEXT),
        (sqlite_column("TEXT"), "sqlite", EditorKind.LONG_TEXT),
        (sqlite_column("NUMERIC(10, 2)"), "sqlite", EditorKind.DECIMAL),
        (sqlite_column("DATETIME"), "sqlite", EditorKind.DATETIME),
        (sqlite_column("DATE"), "sqlite", EditorKind.DATE),
        (sqlite_column("JSON"), "sqlite", EditorKind.JSON),
        (sqlite_column("BLOB"), "sqlite", EditorKind.BLOB),
        (sqlite_column(""), "sqlite", EditorKind.TEXT),
        (ColumnInfo("c", "BYTEA", value_kind=ValueKind.BINARY), "postgresql", EditorKind.BLOB),
        (ColumnInfo("c", "UUID", value_kind=ValueKind.UUID), "postgresql", EditorKind.UUID),
        (ColumnInfo("c", "TEXT", value_kind=ValueKind.TEXT), "postgresql", EditorKind.LONG_TEXT),
        (ColumnInfo("c", "x", choices=("a", "b")), "postgresql", EditorKind.CHOICE),
    ],
)
def test_editor_kind(column: ColumnInfo, dialect: str, kind: EditorKind) -> None:
    assert editor_kind(column, dialect) is kind


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("", ""),
        (42, "42"),
        (0.1, "0.1"),
        (1e16, "1e+16"),
        (True, "true"),
        (b"\x00\xff", "x'00ff'"),
        (Decimal("1.10"), "1.10"),
        (dt.datetime(2024, 5, 1, 13, 45), "2024-05-01 13:45:00"),
        (dt.date(2024, 5, 1), "2024-05-01"),
        ({"a": [1]}, '{\n  "a": [\n    1\n  ]\n}'),
    ],
)
def test_value_as_text(value: Any, text: str) -> None:
    assert value_as_text(value) == text


def test_json_is_pretty_for_editing_and_stored_exactly_as_typed() -> None:
    column = sqlite_column("JSON")
    stored_text = '{"b": 1, "a": [true, null, "\\u00e9"]}'
    shown = value_as_text(stored_text, column, "sqlite")
    assert shown.startswith("{\n")
    # Staged unchanged, the editor stages nothing; typed, the text is what is stored.
    assert parse_for_column(shown, column, "sqlite") == shown
    # A TEXT column holding JSON-looking text is never reformatted.
    assert value_as_text('{"a":1}', sqlite_column("TEXT"), "sqlite") == '{"a":1}'


@pytest.mark.parametrize(
    "typed",
    [
        '{"p": 2.50}',
        '{"p": 1e2}',
        '{"s": "ü"}',
        '{"a": 1, "a": 2}',
        '{"p": 0.1000000000000000055511151231257827, "big": 123456789012345678901234567890.5}',
        "  [1,2]  ",
    ],
)
def test_json_is_stored_exactly_as_typed_and_sqlite_finds_it_valid(typed: str) -> None:
    value = parse_for_column(typed, sqlite_column("JSON"), "sqlite")
    assert value == typed
    conn = sqlite3.connect(":memory:")
    try:
        assert conn.execute("SELECT json_valid(?)", (value,)).fetchone() == (1,)
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ('{"x": 1e400}', "too large for a double: 1e400"),
        ("[-1e999]", "too large for a double"),
        ('{"x": NaN}', "not standard JSON: NaN"),
        ("Infinity", "not standard JSON: Infinity"),
        ("[-Infinity]", "not standard JSON: -Infinity"),
    ],
)
def test_json_that_is_not_standard_or_overflows_is_refused(typed: str, said: str) -> None:
    with pytest.raises(BadValueError, match=re.escape(said)):
        parse_for_column(typed, sqlite_column("JSON"), "sqlite")


def test_a_key_written_twice_is_named() -> None:
    assert json_repeated_keys('{"a": 1, "b": {"c": 1, "c": 2}, "a": 3}') == ["c", "a"]
    assert json_repeated_keys('{"a": 1, "b": 2}') == []
    assert json_repeated_keys("not json") == []


ints = st.integers(-(2**63), 2**63 - 1)
floats = st.floats(allow_nan=False, allow_infinity=False)
texts = st.text(st.characters(exclude_categories=["Cs"]))


@settings(max_examples=300, deadline=None)
@given(st.one_of(ints, floats, texts, st.binary(max_size=20)))
def test_the_text_of_a_value_parses_back_to_it(value: Any) -> None:
    """value -> text -> value is the identity, storage class included, for the column that
    holds that storage class (INTEGER, REAL, TEXT, BLOB)."""
    declared = {int: "INTEGER", float: "REAL", str: "TEXT", bytes: "BLOB"}[type(value)]
    column = sqlite_column(declared)
    back = parse_for_column(value_as_text(value), column, "sqlite")
    assert type(back) is type(value)
    if isinstance(value, float):
        assert math.copysign(1, back) == math.copysign(1, value)
    assert back == value


def test_unicode_is_kept_as_typed() -> None:
    nfc, nfd = "\u00e9", "e\u0301"
    for text in (nfc, nfd, "a\u200bb", "trailing  "):
        assert parse_for_column(text, sqlite_column("TEXT"), "sqlite") == text


async def test_choices_from_check_in(tmp_path: Path) -> None:
    path = sqlite_file(
        tmp_path / "c.db",
        [
            "CREATE TABLE t (id INTEGER PRIMARY KEY,"
            " status TEXT NOT NULL CHECK (status IN ('new', 'it''s done', 'x')),"
            ' "size" INT CHECK ("size" in (1, 2, 3)), other TEXT CHECK (length(other) > 1))'
        ],
    )
    engine = async_engine(f"sqlite:///{path}")
    try:
        detail = await details(engine, "t")
    finally:
        await engine.dispose()
    by_name = {c.name: c for c in detail.info.columns}
    assert choices(by_name["status"], detail) == ("new", "it's done", "x")
    assert choices(by_name["size"], detail) == ("1", "2", "3")
    assert choices(by_name["other"], detail) == ()
    assert editor_kind(by_name["status"], "sqlite", detail) is EditorKind.CHOICE


def test_choices_from_the_models() -> None:
    from app.database import Base
    from tui.db.model import KeyKind, TableDetails, TableInfo, TableKind, TableRef

    column = ColumnInfo("tier", "VARCHAR(8)", value_kind=ValueKind.TEXT)
    info = TableInfo(TableRef("customers"), TableKind.TABLE, (column,), (), KeyKind.NONE)
    import app.models  # noqa: F401

    assert choices(column, TableDetails(info), Base.metadata) == ("free", "standard", "gold")


def test_validate_with_schema() -> None:
    assert validate_with_schema("customers", "name", "Ada") is None
    message = validate_with_schema("customers", "name", "")
    assert message is not None
    assert message.startswith("name: ")
    assert validate_with_schema("customers", "email", "not an email") is not None
    assert validate_with_schema("customers", "tier", "platinum") is not None
    assert validate_with_schema("customers", "tier", "gold") is None
    assert validate_with_schema("customers", "country", None) is None
    assert "null" in (validate_with_schema("customers", "name", None) or "")
    assert validate_with_schema("products", "price", 1.5) is None
    assert validate_with_schema("products", "price", -1) is not None
    assert validate_with_schema("products", "attributes", '{"color": "red"}') is None
    assert validate_with_schema("products", "attributes", "[1]") is not None
    assert validate_with_schema("customers", "id", -5) is None  # not the client's to write
    assert validate_with_schema("not_a_model_table", "x", 1) is None
    assert validate_insert_with_schema("customers", {"name": "A", "email": "a@b.cd"}) is None
    missing = validate_insert_with_schema("customers", {"name": "A", "id": 3})
    assert missing is not None
    assert "email" in missing


def test_blob_from_file(tmp_path: Path) -> None:
    data = bytes(range(256)) * 5
    (tmp_path / "f.bin").write_bytes(data)
    assert blob_from_file(tmp_path / "f.bin") == data
    with pytest.raises(BadValueError, match="cannot read"):
        blob_from_file(tmp_path / "missing.bin")
