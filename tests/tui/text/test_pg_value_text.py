"""PostgreSQL values Python has no type for, drawn as the database prints them: the
infinities, the json documents null and strings (alone and inside arrays)."""

from __future__ import annotations

from tui.db.pg_types import INFINITY, NEG_INFINITY, JsonScalar
from tui.text.cells import Part, value_text
from tui.text.literal import class_name


def test_infinities_and_json_scalars_read_as_psql_prints_them() -> None:
    assert value_text(INFINITY) == ("infinity", Part.TEXT)
    assert value_text(NEG_INFINITY) == ("-infinity", Part.TEXT)
    assert value_text(JsonScalar("null")) == ("null", Part.TEXT)  # not NULL's own part
    assert value_text(JsonScalar('"str"')) == ('"str"', Part.TEXT)
    assert value_text([JsonScalar("null"), JsonScalar('"s"'), INFINITY])[0] == (
        '[null, "s", "infinity"]'
    )
    assert class_name(JsonScalar("null")) == "json"
    assert class_name(INFINITY) == "infinite date/time"


def test_filter_conditions_name_them_as_sql_literals() -> None:
    from tui.db.filter_spec import literal

    assert literal(NEG_INFINITY) == "'-infinity'"
    assert literal(JsonScalar("null")) == "'null'"
    assert literal(JsonScalar('"it\'s"')) == "'\"it''s\"'"


def test_infinity_is_typed_in_a_filter_where_the_engine_has_it() -> None:
    import pytest

    from tui.db.filter_input import filter_value
    from tui.db.filter_spec import FilterOp
    from tui.db.model import ValueKind
    from tui.db.typed_values import BadValueError

    assert filter_value(FilterOp.LT, " -Infinity", ValueKind.DATE, infinities=True) == (
        NEG_INFINITY
    )
    between = filter_value(
        FilterOp.BETWEEN, "2024-01-01, infinity", ValueKind.DATETIME, infinities=True
    )
    assert between[1] == INFINITY
    with pytest.raises(BadValueError):
        filter_value(FilterOp.EQ, "infinity", ValueKind.DATETIME)  # not on this engine
    assert filter_value(FilterOp.EQ, "infinity", ValueKind.TEXT, infinities=True) == "infinity"


def test_detail_and_copy_of_documents_and_infinities() -> None:
    from tui.text.detail import copy_text, full_text, python_type_label

    doc = {"a": [1, None, JsonScalar("null")]}
    assert copy_text(doc) == '{"a": [1, null, null]}'  # not {'a': [1, None, ...]}
    assert copy_text([1, None]) == "[1, null]"
    assert copy_text(JsonScalar('"s"')) == '"s"'
    assert copy_text(INFINITY) == "infinity"
    assert full_text(JsonScalar("null")) == "null"
    assert python_type_label(JsonScalar("null")) == "JSON"
    assert python_type_label(NEG_INFINITY) == "infinite date/time"


def test_messages_name_them_as_sql_literals() -> None:
    from tui.db.values import RowKey
    from tui.text.pending import change_line

    assert repr(INFINITY) == "'infinity'" and repr(JsonScalar('"it\'s"')) == "'\"it''s\"'"
    from tui.db.edits import RowDelete
    from tui.db.model import TableRef

    key = RowKey(("ts",), (NEG_INFINITY,))
    line = change_line(RowDelete(TableRef("t"), key, (("ts", NEG_INFINITY),))).plain
    assert "Infinite" not in line and "-infinity" in line
