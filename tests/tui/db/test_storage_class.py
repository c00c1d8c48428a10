"""Storage classes on SQLite: which a column can keep, the class an editor starts in, and text
typed in a chosen class staged exactly as SQLite then stores it (checked with ``typeof()`` on
real files)."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.tui.db.edithelpers import describe_file, sqlite_file
from tui.db.model import ColumnInfo, ValueKind
from tui.db.storage_class import (
    StorageClass,
    mixes_text_and_numbers,
    parse_in_class,
    starting_class,
    storage_class_of,
    storage_classes,
    stored_by_sqlite,
)
from tui.db.typed_values import BadValueError, kind_from_affinity

# N for iNteger: a lone I reads like 1 or l.
A, N, R, T, B = (
    StorageClass.AUTO,
    StorageClass.INTEGER,
    StorageClass.REAL,
    StorageClass.TEXT,
    StorageClass.BLOB,
)


def column(declared: str) -> ColumnInfo:
    return ColumnInfo("c", declared, value_kind=kind_from_affinity(declared))


def stored_in_file(
    path: Path, declared: str, value: Any, *, strict: bool = False
) -> tuple[str, Any]:
    """typeof() and the value a real file keeps for ``value`` in a column ``declared``."""
    con = sqlite3.connect(path)
    try:
        con.execute("DROP TABLE IF EXISTS t")
        con.execute(f"CREATE TABLE t (c {declared}){' STRICT' if strict else ''}")
        con.execute("INSERT INTO t VALUES (?)", (value,))
        con.commit()
        return con.execute("SELECT typeof(c), c FROM t").fetchone()  # type: ignore[no-any-return]
    finally:
        con.close()


async def test_strict_tables_and_their_any_columns_are_known(tmp_path: Path) -> None:
    path = sqlite_file(
        tmp_path / "s.db",
        [
            "CREATE TABLE s (id INTEGER PRIMARY KEY, a ANY, n INT) STRICT",
            "CREATE TABLE w (k TEXT PRIMARY KEY, a ANY) WITHOUT ROWID, STRICT",
            "CREATE TABLE loose (id INTEGER PRIMARY KEY, a ANY, strict TEXT)",
            'CREATE TABLE "strict" (x)',
        ],
    )
    s, w = await describe_file(path, "s"), await describe_file(path, "w")
    loose, named = await describe_file(path, "loose"), await describe_file(path, "strict")
    assert (s.strict, w.strict, loose.strict, named.strict) == (True, True, False, False)
    assert w.without_rowid
    kinds = {t.name: {c.name: c.value_kind for c in t.columns} for t in (s, loose)}
    # ANY has no affinity in a STRICT table; elsewhere it is an ordinary NUMERIC type.
    assert kinds["s"]["a"] is ValueKind.ANY
    assert kinds["s"]["n"] is ValueKind.INTEGER
    assert kinds["loose"]["a"] is ValueKind.NUMERIC


@pytest.mark.parametrize(
    ("declared", "strict", "expected"),
    [
        ("", False, (A, N, R, T, B)),
        ("BLOB", False, (A, N, R, T, B)),
        ("ANY", True, (A, N, R, T, B)),
        ("ANY", False, (A, N, R, T, B)),  # NUMERIC affinity: it keeps all five, differently
        ("INTEGER", False, (A, N, R, T, B)),
        ("DATETIME", False, (A, N, R, T, B)),
        ("REAL", False, (A, R, T, B)),
        ("VARCHAR(20)", False, (A, T, B)),
        ("INTEGER", True, ()),
        ("TEXT", True, ()),
    ],
)
def test_classes_a_column_can_keep(declared: str, strict: bool, expected: tuple[Any]) -> None:
    assert storage_classes(column(declared), "sqlite", strict=strict) == expected


def test_servers_generated_columns_and_rowid_aliases_offer_no_class() -> None:
    assert storage_classes(column(""), "postgresql") == ()
    generated = ColumnInfo("g", "", generated=True)
    assert storage_classes(generated, "sqlite") == ()


async def test_a_rowid_alias_offers_no_class(tmp_path: Path) -> None:
    path = sqlite_file(tmp_path / "r.db", ["CREATE TABLE r (id INTEGER PRIMARY KEY, v INT)"])
    info = await describe_file(path, "r")
    by_name = {c.name: c for c in info.columns}
    assert storage_classes(by_name["id"], "sqlite") == ()  # SQLite refuses text there
    assert storage_classes(by_name["v"], "sqlite") == (A, N, R, T, B)
    with pytest.raises(sqlite3.IntegrityError, match="datatype mismatch"):
        stored_in_file(path, "INTEGER PRIMARY KEY", "abc")


@pytest.mark.parametrize(
    ("declared", "strict", "storage", "typed", "expected"),
    [
        ("", False, T, "2", "2"),
        ("", False, N, "2", 2),
        ("", False, N, " 0042 ", 42),
        ("", False, R, "2", 2.0),
        ("", False, T, "0042", "0042"),
        ("", False, B, "x'00ff'", b"\x00\xff"),
        ("", False, B, "00 ff", b"\x00\xff"),
        ("BLOB", False, T, "1", "1"),
        ("ANY", True, T, "1", "1"),
        ("ANY", True, N, "1", 1),
        ("ANY", True, R, "1.5", 1.5),
        ("DATETIME", False, N, "1700000000", 1700000000),
        ("DATE", False, R, "2460000.5", 2460000.5),
        ("BOOLEAN", False, N, "2", 2),
        ("DECIMAL(10,2)", False, T, "12,50", "12,50"),
        ("INTEGER", False, T, "abc", "abc"),
        ("INTEGER", False, R, "2.5", 2.5),
        ("INTEGER", False, A, "0042", 42),  # the declared type still decides in auto
        ("TEXT", False, A, "0042", "0042"),
        ("REAL", False, T, "n/a", "n/a"),
        ("TEXT", False, B, "01", b"\x01"),
    ],
)
def test_typed_text_is_stored_in_the_chosen_class(
    tmp_path: Path, declared: str, strict: bool, storage: StorageClass, typed: str, expected: Any
) -> None:
    value = parse_in_class(typed, storage, column(declared), strict=strict)
    assert value == expected and type(value) is type(expected)
    # ... and it is what a real file keeps, class and all.
    kind, kept = stored_in_file(tmp_path / "t.db", declared or "", value, strict=strict)
    assert kind == storage_class_of(expected)
    assert kept == expected and type(kept) is type(expected)


@pytest.mark.parametrize(
    ("declared", "storage", "typed", "says"),
    [
        ("NUMERIC", T, "2", "stores the text '2' as the integer 2"),
        ("DATETIME", T, " 17 ", "as the integer 17"),
        ("INTEGER", R, "2.0", "stores the real 2.0 as the integer 2"),
        ("REAL", T, "1e3", "as the real 1000.0"),
        ("", N, "abc", "not an integer"),
        ("", N, "2.5", "not an integer"),
        ("", N, "9223372036854775808", "out of range"),
        ("", R, "nan", "cannot store 'nan'"),
        ("", R, "9007199254740993", "cannot be stored exactly"),
        ("", B, "abc", "hex digits"),
        ("", B, "x'0'", "hex digits"),
    ],
)
def test_a_value_that_would_not_stay_in_its_class_is_refused(
    declared: str, storage: StorageClass, typed: str, says: str
) -> None:
    with pytest.raises(BadValueError, match=says.replace("(", r"\(").replace(".", r"\.")):
        parse_in_class(typed, storage, column(declared))


def test_infinity_is_a_real_and_keeps_its_class() -> None:
    assert parse_in_class("-inf", R, column("")) == -math.inf
    assert stored_by_sqlite(math.inf, "INTEGER") == math.inf


def test_text_that_is_not_utf8_is_kept_as_it_is() -> None:
    odd = b"\xff1".decode("utf-8", "surrogateescape")
    assert parse_in_class(odd, T, column("INTEGER")) == odd


@pytest.mark.parametrize(
    ("declared", "strict", "value", "expected"),
    [
        ("", False, "1", T),
        ("", False, 1, N),  # no affinity: always the value's own class
        ("", False, 1.0, R),
        ("", False, b"\x01", B),
        ("BLOB", False, b"\x01", A),  # the BLOB editor: a file replaces it
        ("BLOB", False, "1", T),
        ("", False, None, A),
        ("ANY", True, "1", T),
        ("INTEGER", False, 5, A),  # the column's own editor gives it back unchanged
        ("INTEGER", False, "abc", T),
        ("BOOLEAN", False, 1, A),  # the choice 'true' stores 1 again
        ("BOOLEAN", False, 2, N),
        ("DATETIME", False, 1700000000, N),
        ("DATETIME", False, 2460000.5, R),
        ("DATETIME", False, "2024-05-01 13:45:00", A),
        ("DECIMAL(10,2)", False, "12,50", T),
        ("DECIMAL(10,2)", False, 5, A),
        ("JSON", False, '{"a":1}', A),  # edited as a document
        ("TEXT", False, b"\x00", B),
        ("VARCHAR(5)", False, "0042", A),
    ],
)
def test_an_editor_starts_in_the_class_of_the_value(
    declared: str, strict: bool, value: Any, expected: StorageClass
) -> None:
    col = column(declared)
    classes = storage_classes(col, "sqlite", strict=strict)
    assert starting_class(value, col, classes, strict=strict) is expected


@pytest.mark.parametrize(
    ("declared", "strict", "mixes"),
    [
        ("", False, True),
        ("ANY", True, True),
        ("NUMERIC", False, True),
        ("REAL", False, True),
        ("TEXT", False, False),
        ("INTEGER", True, False),
    ],
)
def test_columns_that_may_hold_text_beside_numbers(
    declared: str, strict: bool, mixes: bool
) -> None:
    assert mixes_text_and_numbers(column(declared), "sqlite", strict) is mixes
    assert not mixes_text_and_numbers(column(declared), "postgresql")
