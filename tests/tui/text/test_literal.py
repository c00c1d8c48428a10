"""Values of different storage classes never read alike: text is a quoted literal and numbers
are bare (pending panel, conflict dialog, editor), and in a grid column that may hold both, text
that reads as a number is quoted."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest
from rich.console import Console

from tui.db.edits import CellEdit
from tui.db.model import TableRef
from tui.db.save import Conflict
from tui.db.values import RowKey
from tui.text.cells import Part, cell_pieces, looks_like_number, natural_width
from tui.text.literal import class_name, value_text
from tui.text.pending import change_line, conflict_view


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("1", "'1'"),
        (1, "1"),
        (1.0, "1.0"),
        (True, "true"),
        ("true", "'true'"),
        (math.inf, "inf"),
        ("inf", "'inf'"),
        (Decimal("1.50"), "1.50"),
        ("O'Brien", "'O''Brien'"),  # a quote inside is doubled, as in SQL
        ("'1'", "'''1'''"),
        ("", "⟨empty⟩"),
        (None, "∅ NULL"),
        ("NULL", "'NULL'"),
        (b"\x01", "<blob 1 B> 01"),
    ],
)
def test_one_value_on_one_line(value: Any, shown: str) -> None:
    assert value_text(value).plain == shown


def test_every_pair_of_classes_differs() -> None:
    values = ["1", 1, 1.0, b"1", True, "1.0", Decimal("1.0")]
    lines = {value_text(v).plain for v in values}
    assert len(lines) == len(values) - 1  # only Decimal('1.0') and the real 1.0 read alike


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("1", "text"),
        (1, "integer"),
        (1.0, "real"),
        (b"", "blob"),
        (None, "NULL"),
        (True, "boolean"),
    ],
)
def test_class_names(value: Any, name: str) -> None:
    assert class_name(value) == name


def test_pending_line_tells_text_from_integer() -> None:
    key = RowKey(("id",), (1,))
    text = CellEdit(TableRef("t"), key, "v", "1", "2")
    number = CellEdit(TableRef("t"), key, "v", 1, 2)
    klass = CellEdit(TableRef("t"), key, "v", 1, "1")
    assert change_line(text).plain == "t  id=1  v: '1' -> '2'"
    assert change_line(number).plain == "t  id=1  v: 1 -> 2"
    assert change_line(klass).plain == "t  id=1  v: 1 -> '1'"


def test_conflict_dialog_tells_text_from_integer() -> None:
    edit = CellEdit(TableRef("t"), RowKey(("id",), (1,)), "v", "1", 2)
    conflict = Conflict(edit, 2, "1", (("id", 1), ("v", 1)))
    _title, _summary, table, _current = conflict_view(conflict, ["id", "v"])
    console = Console(width=100, color_system=None)
    with console.capture() as captured:
        console.print(table)
    lines = captured.get().splitlines()
    # Saw the text '1'; the database now holds the integer 1: marked, and the class named.
    assert lines[-2].split() == ["≠", "v", "'1'", "2", "1"]
    assert lines[-1].split() == ["(integer;", "you", "saw", "text)"]


@pytest.mark.parametrize(
    ("text", "numeric"),
    [
        ("1", True),
        ("-2.5e3", True),
        (".5", True),
        ("NaN", True),
        ("-inf", True),
        ("false", True),
        ("1 ", False),  # marked by its trailing space already
        ("0x10", False),
        ("abc", False),
        ("", False),
    ],
)
def test_text_that_reads_as_a_number(text: str, numeric: bool) -> None:
    assert looks_like_number(text) is numeric


def test_grid_quotes_number_like_text_only_where_asked() -> None:
    assert cell_pieces("1", 10, quote_numbers=True) == [
        ("'", Part.MARKER),
        ("1", Part.TEXT),
        ("'", Part.MARKER),
    ]
    assert cell_pieces(1, 10, quote_numbers=True) == [("1", Part.NUMBER)]
    assert cell_pieces("1", 10) == [("1", Part.TEXT)]
    assert cell_pieces("abc", 10, quote_numbers=True) == [("abc", Part.TEXT)]
    assert natural_width("12", 40, quote_numbers=True) == 4
    # Cut to fit, the opening quote still says it is text.
    pieces = cell_pieces("123456", 5, quote_numbers=True)
    assert pieces[0] == ("'", Part.MARKER)
    assert "".join(t for t, _ in pieces) == "'123…"
