"""The detail view's lines (:mod:`tui.text.detail`): values that would look blank are marked."""

from __future__ import annotations

import pytest

from tui.text.detail import text_lines
from tui.text.escape import MARKER_STYLE


@pytest.mark.parametrize(
    ("value", "shown"),
    [("", "⟨empty⟩"), (" ", "·"), ("  ", "··"), ("\t", "⇥"), (" \n ", "·⏎·"), ("\r\n", "␍⏎")],
)
def test_a_whole_value_that_would_look_blank_is_marked(value: str, shown: str) -> None:
    lines = text_lines(value, 40, whole=True)
    assert [line.plain for line in lines] == [shown]
    assert all(span.style == MARKER_STYLE for span in lines[0].spans)
    assert lines[0].spans  # the marks are styled, unlike a stored '·'


def test_a_part_of_a_long_value_and_ordinary_text_are_shown_as_they_are() -> None:
    assert [line.plain for line in text_lines("   ", 40)] == ["   "]  # a part: not the value
    assert [line.plain for line in text_lines(" a ", 40, whole=True)] == [" a "]
    assert [line.plain for line in text_lines("·", 40, whole=True)] == ["·"]
    assert not text_lines("·", 40, whole=True)[0].spans


def test_a_long_blank_value_wraps_like_any_text() -> None:
    lines = text_lines(" " * 25, 10, whole=True)
    assert [line.plain for line in lines] == ["·" * 10, "·" * 10, "·" * 5]
