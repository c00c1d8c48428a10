"""Cell formatting: values that look alike are told apart, numbers are exact, nothing acts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tui.text.cells import ELLIPSIS, Part, cell_pieces, natural_width, value_text


def shown(value: object, width: int = 40) -> str:
    return "".join(text for text, _ in cell_pieces(value, width))


def parts(value: object, width: int = 40) -> set[Part]:
    return {part for _, part in cell_pieces(value, width)}


def test_null_empty_blank_and_the_text_null_all_differ() -> None:
    looks = {
        "NULL value": shown(None),
        "text NULL": shown("NULL"),
        "empty": shown(""),
        "one space": shown(" "),
        "two spaces": shown("  "),
        "tab": shown("\t"),
        "newline": shown("\n"),
    }
    assert len(set(looks.values())) == len(looks), looks
    assert looks["NULL value"] == "∅ NULL"
    assert looks["text NULL"] == "NULL"
    assert looks["empty"] == "⟨empty⟩"
    assert looks["one space"] == "·"
    assert looks["two spaces"] == "··"
    assert looks["tab"] == "⇥"
    assert parts(None) == {Part.NULL}
    assert parts("NULL") == {Part.TEXT}
    assert parts("") == {Part.MARKER}
    assert parts(" ") == {Part.MARKER}


def test_markers_are_cut_to_the_width() -> None:
    assert shown("", 4) == "⟨em" + ELLIPSIS
    assert shown(" " * 100, 4) == "···" + ELLIPSIS


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2**63 - 1, "9223372036854775807"),
        (2**63, "9223372036854775808"),  # beyond BIGINT (PostgreSQL NUMERIC, MySQL UNSIGNED)
        (2**53 + 1, "9007199254740993"),  # not a float
        (-(2**70), "-1180591620717411303424"),
        (Decimal("12345678901234567890.000000001"), "12345678901234567890.000000001"),
        (float("nan"), "NaN"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (-0.0, "-0.0"),
        (0.1, "0.1"),
        (1e300, "1e+300"),
        (True, "true"),
    ],
)
def test_numbers_are_exact(value: object, text: str) -> None:
    assert shown(value) == text
    assert value_text(value) == (text, Part.NUMBER)


def test_control_characters_are_escaped() -> None:
    pieces = cell_pieces("a\x1b[2Jb\u202ec\u200bd\x9b", 40)
    assert "".join(t for t, _ in pieces) == "a\\x1b[2Jb\\u202ec\\u200bd\\u009b"
    assert ("\\x1b", Part.ESCAPE) in pieces
    assert ("\\u202e", Part.ESCAPE) in pieces
    assert shown("line1\nline2\ttab") == "line1⏎line2⇥tab"


def test_markup_like_text_stays_text() -> None:
    assert shown("[bold]x[/]") == "[bold]x[/]"
    assert shown("[@click=app.quit]q[/]") == "[@click=app.quit]q[/]"
    assert parts("[bold]x[/]") == {Part.TEXT}


def test_invalid_utf8_bytes_are_shown_as_hex() -> None:
    value = b"a\xffb".decode("utf-8", "surrogateescape")
    assert shown(value) == "a\\xffb"


def test_blobs_show_size_and_first_bytes() -> None:
    assert shown(b"\x89PNG\r\n\x1a\n") == "<blob 8 B> 89 50 4e 47"
    assert shown(b"") == "<blob 0 B>"
    assert shown(bytes(2048)) == "<blob 2.0 KB> 00 00 00 00"
    assert parts(b"x") == {Part.BLOB}


def test_long_text_is_cut_with_an_ellipsis_and_never_scanned_whole() -> None:
    value = "x" * 10_000_000 + "\x1b"
    assert shown(value, 10) == "x" * 9 + ELLIPSIS
    assert natural_width(value, 40) == 40


def test_wide_characters_and_escapes_fit_the_width() -> None:
    assert shown("日本語テキスト", 6) == "日本" + ELLIPSIS
    assert shown("ab\x1bcd", 5) == "ab" + ELLIPSIS  # the escape does not fit whole


def test_leading_and_trailing_whitespace_is_marked() -> None:
    """Keys 'x', 'x ' and ' x' are three rows: they must not look alike."""
    looks = {v: shown(v) for v in ("x", "x ", "x  ", " x", "x\t", "x\n")}
    assert len(set(looks.values())) == len(looks), looks
    assert looks["x "] == "x·" and looks[" x"] == "·x" and looks["x\n"] == "x⏎"
    assert cell_pieces("x ", 10) == [("x", Part.TEXT), ("·", Part.MARKER)]
    assert shown("a b") == "a b"  # inner spaces are plain text
    assert shown("value with a space at the end ", width=8).endswith(ELLIPSIS)
