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
