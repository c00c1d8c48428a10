"""The type line of a console query's header: the values' storage classes, marked as seen."""

from __future__ import annotations

from decimal import Decimal

from tui.db.model import ColumnInfo, KeyKind, Preview, TableInfo, TableKind, TableRef
from tui.text.result_types import column_types


def _query(*names: str) -> tuple[TableInfo, tuple[ColumnInfo, ...]]:
    columns = tuple(ColumnInfo(n, "") for n in names)
    return TableInfo(TableRef("q"), TableKind.QUERY, columns, (), KeyKind.NONE), columns


def test_each_untyped_column_shows_the_class_its_values_are_stored_in() -> None:
    table, columns = _query("i", "b", "r", "t", "x", "pt", "pb", "n", "m", "d")
    rows = [
        (1, True, 1.5, "a", b"\0", Preview("long", 9), Preview(b"\0", 9), None, 1, Decimal(1)),
        (2, False, 2.5, "", bytearray(b"1"), Preview("x", 2), Preview(b"", 2), None, "1", None),
    ]
    assert column_types(table, columns, rows) == [
        "~integer",  # bool is an int, as sqlite3 binds it
        "~integer",
        "~real",
        "~text",
        "~blob",
        "~text",  # a text too long to carry: still text
        "~blob",
        "",  # NULL only: nothing known
        "~mixed",
        "~text",  # what SQLite never returns counts as text
    ]


def test_declared_types_and_tables_are_shown_as_declared() -> None:
    table, columns = _query("a")
    typed = (ColumnInfo("a", "INTEGER"),)
    assert column_types(table, typed, [("text",)]) == ["INTEGER"]
    listed = TableInfo(TableRef("t"), TableKind.TABLE, columns, (), KeyKind.NONE)
    assert column_types(listed, columns, [(1,)]) == [""]
