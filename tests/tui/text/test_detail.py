"""The detail view's lines (:mod:`tui.text.detail`): values that would look blank are marked."""

from __future__ import annotations

import pytest

from tui.text.detail import text_lines, value_body
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


def _shown(value: str) -> list[tuple[str, bool]]:
    from tui.text.escape import ESCAPE_STYLE

    body = value_body(value)
    assert isinstance(body, str)
    (line,) = text_lines(body, 80, whole=True)
    return [(line.plain[s.start : s.end], s.style == ESCAPE_STYLE) for s in line.spans]


def test_a_byte_that_is_not_utf8_reads_as_the_grid_shows_it_not_as_typed_text() -> None:
    """Hostile #10: the detail view showed the byte 0xff as \\\\xff, like the typed text."""
    from tui.text.escape import escape_runs

    bad = b"\xffAZ".decode("utf-8", "surrogateescape")
    typed = "\\xffAZ"
    assert _shown(bad) == [("\\xff", True)]
    assert _shown(typed) == [("\\\\", True)]
    # The grid's escaping, run for run.
    for value in (bad, typed, "\\x1b", "\x1b[31mRED"):
        (line,) = text_lines(value_body(value), 80, whole=True)  # type: ignore[arg-type]
        assert line.plain == "".join(run for run, _ in escape_runs(value))
