"""The one escaping function: what becomes a visible escape, and what is left alone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.text.escape import (
    ESCAPE_STYLE,
    char_escape,
    escaped,
    escaped_plain,
    name_plain,
    name_text,
    needs_escape,
)


@pytest.mark.parametrize(
    ("char", "shown"),
    [
        ("\x1b", "\\x1b"),
        ("\x07", "\\x07"),
        ("\x00", "\\x00"),
        ("\x7f", "\\x7f"),
        ("\x9b", "\\u009b"),  # C1 CSI: \x9b would be a byte that was not UTF-8
        ("\x85", "\\u0085"),  # C1 NEL
        ("\n", "⏎"),
        ("\r", "␍"),
        ("\t", "⇥"),
        ("\u202a", "\\u202a"),
        ("\u202e", "\\u202e"),  # right-to-left override
        ("\u2066", "\\u2066"),
        ("\u2069", "\\u2069"),
        ("\u200e", "\\u200e"),
        ("\u200f", "\\u200f"),
        ("\u061c", "\\u061c"),
        ("\u200b", "\\u200b"),  # zero-width space
        ("\u200c", "\\u200c"),
        ("\u200d", "\\u200d"),
        ("\u2060", "\\u2060"),
        ("\ufeff", "\\ufeff"),
        ("\u00ad", "\\u00ad"),  # soft hyphen (Cf)
        ("\U000e0001", "\\U000e0001"),  # language tag (Cf, astral)
        ("\u2028", "\\u2028"),  # line separator (Zl)
        ("\u2029", "\\u2029"),  # paragraph separator (Zp)
        ("\u3164", "\\u3164"),  # Hangul filler: a letter that draws as nothing
        ("\udcff", "\\xff"),  # a byte that was not UTF-8
        ("\ud800", "\\ud800"),  # a lone surrogate
    ],
)
def test_control_and_invisible_characters_become_visible_escapes(char: str, shown: str) -> None:
    assert char_escape(char) == shown
    assert needs_escape(f"a{char}b")
    assert escaped_plain(f"a{char}b") == f"a{shown}b"


@pytest.mark.parametrize("char", ["a", " ", "é", "名", "😀", "[", "\u00a0", "\ue000", "\u0301"])
def test_visible_characters_are_left_alone(char: str) -> None:
    assert char_escape(char) is None
    assert escaped_plain(f"x{char}y") == f"x{char}y"


def test_markup_is_never_read() -> None:
    text = escaped("[@click=app.quit]q[/] [bold]x[/]")
    assert text.plain == "[@click=app.quit]q[/] [bold]x[/]"
    assert not text.spans


def test_escapes_carry_the_escape_style() -> None:
    text = escaped("a\x1bb", "bold")
    assert text.plain == "a\\x1bb"
    styled = [(text.plain[s.start : s.end], str(s.style)) for s in text.spans]
    assert ("\\x1b", f"bold {ESCAPE_STYLE}") in styled
    assert ("a", "bold") in styled


def test_newlines_kept_only_when_asked() -> None:
    assert escaped_plain("a\nb") == "a⏎b"
    assert escaped_plain("a\nb\x1b", keep_newlines=True) == "a\nb\\x1b"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("", "⟨empty⟩"),
        (" ", "·"),
        ("  ", "··"),
        ("\t", "⇥"),
        (" \u00a0", "·\\u00a0"),
        ("two\nlines", "two⏎lines"),
        ("people", "people"),
    ],
)
def test_empty_and_blank_names_are_distinct_and_on_one_line(name: str, shown: str) -> None:
    assert name_plain(name) == shown
    assert name_text(name).plain == shown


@given(st.text())
def test_escaped_text_holds_no_control_or_invisible_character(text: str) -> None:
    shown = escaped_plain(text)
    assert not needs_escape(shown)
    assert "\x1b" not in shown and "\n" not in shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("C:\\dir\\file", "C:\\dir\\file"),  # a backslash nothing could misread stays
        ("ends in \\", "ends in \\"),
        ("C:\\Users\\bob", "C:\\Users\\bob"),  # U, x, u without their hex digits
        ("C:\\xfiles\\u1", "C:\\xfiles\\u1"),
        ("\\x1", "\\x1"),
        ("typed \\x1b", "typed \\\\x1b"),  # the four characters, not an ESC
        ("typed \\u202e", "typed \\\\u202e"),
        ("typed \\U0001f600", "typed \\\\U0001f600"),
        ("two \\\\", "two \\\\\\"),  # the first of two backslashes
        ("real \x1b", "real \\x1b"),
        ("slash then \\\x1b", "slash then \\\\\\x1b"),  # a backslash, then an ESC
    ],
)
def test_a_backslash_that_could_read_as_an_escape_is_escaped(text: str, shown: str) -> None:
    assert escaped_plain(text) == shown


def test_every_shown_text_reads_back_to_one_stored_text() -> None:
    """Texts that used to look alike: the typed escape, the real character, and a backslash
    before the real character."""
    texts = ["\\x1b", "\x1b", "\\\x1b", "\\\\x1b", "\\\\\x1b", "x\\", "\\", "\\\\"]
    assert len({escaped_plain(t) for t in texts}) == len(texts)


def read_shown(shown: str) -> str:
    """What a reader of the shown text takes it to hold, by the stated rule: ``\\\\`` is a
    backslash, ``\\xNN`` a control character (below 80) or a byte that was not UTF-8,
    ``\\uNNNN``/``\\UNNNNNNNN`` that character, any other backslash itself."""
    import re

    pattern = re.compile(r"\\(\\|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})")

    def one(match: re.Match[str]) -> str:
        body = match.group(1)
        if body == "\\":
            return "\\"
        code = int(body[1:], 16)
        return chr(code + 0xDC00 if body[0] == "x" and code >= 0x80 else code)

    return pattern.sub(one, shown)


@given(
    st.text(
        alphabet=st.sampled_from(
            [
                "\\",
                "x",
                "u",
                "U",
                "1",
                "b",
                "f",
                "0",
                "a",
                " ",
                "é",
                "\x1b",
                "\x85",
                "\x9b",
                "\udcff",
                "\udc85",
                "\u202e",
                "\u200b",
                "\x00",
                "\x7f",
            ]
        ),
        max_size=14,
    )
)
def test_every_shown_text_reads_back_as_stored(text: str) -> None:
    assert read_shown(escaped_plain(text)) == text
