"""The one escaping function for text bound for the screen: data is shown, never obeyed.

A stored value or a name reaches a terminal. Written as-is, its control characters would
act: ESC sequences clear the screen, retitle the window or set the clipboard (OSC 52), a
right-to-left override reorders what follows it, a zero-width character hides a difference
between two names. Every such character is shown instead as a visible escape (``\\x1b``,
``\\u202e``), and text is always built as :class:`rich.text.Text`, never parsed as markup, so
``[@click=app.quit]x[/]`` stays those characters.

``\\xNN`` is a C0 control or DEL below 80, and above it always a byte that was not UTF-8;
a C1 control character is ``\\u0085``, so the two never look alike.

Escaped: C0 and C1 control characters and DEL (category Cc), format characters (Cf: bidi
embeddings, overrides and isolates, marks such as U+200E/U+200F/U+061C, zero-width spaces and
joiners, U+2060, U+FEFF), line and paragraph separators (Zl, Zp), lone surrogates, bytes that
were not UTF-8 (kept by ``surrogateescape``), and a few letters that draw as nothing (the
Hangul fillers, U+034F). Spaces and visible characters are left alone.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from rich.text import Text

#: How an escape looks wherever no widget style applies (a style, not a colour: themes differ).
ESCAPE_STYLE = "reverse"
#: How a marker (an empty or blank name, see :func:`name_text`) looks.
MARKER_STYLE = "dim italic"

ONE_LINE = {"\n": "⏎", "\r": "␍", "\t": "⇥"}
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Letters (not format characters) that render as blank space and so can fake a name.
_BLANK_LETTERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")
# After a backslash, a letter and this many hex digits read as one of the escapes above.
_ESCAPE_DIGITS = {"x": 2, "u": 4, "U": 8}
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def char_escape(char: str, *, keep_newlines: bool = False) -> str | None:
    """The visible escape for one character, or None when it is shown as it is."""
    if char.isprintable() and char not in _BLANK_LETTERS:
        return None
    if keep_newlines and char == "\n":
        return None
    if char in ONE_LINE:
        return ONE_LINE[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    category = unicodedata.category(char)
    if category == "Cc" and code < 0x80:  # C0 and DEL; C1 controls are \u0080-\u009f
        return f"\\x{code:02x}"
    if category in _ESCAPED_CATEGORIES or char in _BLANK_LETTERS:
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return None  # spaces other than U+0020, private use, unassigned: visible or harmless


def needs_escape(text: str) -> bool:
    """Whether any character of ``text`` would be shown as an escape."""
    if text.isprintable() and _BLANK_LETTERS.isdisjoint(text):
        return False
    return any(char_escape(c) is not None for c in text)


def _backslash_escape(text: str, index: int, keep_newlines: bool) -> str | None:
    r"""How the backslash at ``text[index]`` is shown: ``\\`` when what follows could make
    it read as the start of an escape (``x`` and two hex digits, ``u`` and four, ``U`` and
    eight, another backslash, or a character shown as an escape), else as it is. So the four
    characters ``\x1b`` typed as text never look like an ESC character, not even in plain
    text, while ``C:\Users\bob`` stays as typed."""
    after = text[index + 1 : index + 2]
    if not after:
        return None
    if after == "\\" or char_escape(after, keep_newlines=keep_newlines) is not None:
        return "\\\\"  # what follows is shown starting with a backslash
    digits = _ESCAPE_DIGITS.get(after)
    if digits is not None and _is_hex(text[index + 2 : index + 2 + digits], digits):
        return "\\\\"  # \x1b, \u202e, \U0001f600 typed as text
    return None


def _is_hex(text: str, length: int) -> bool:
    return len(text) == length and all(c in _HEX_DIGITS for c in text)


def escape_runs(text: str, *, keep_newlines: bool = False) -> Iterator[tuple[str, bool]]:
    """``text`` as runs of ``(shown, is_escape)``: plain runs kept whole, one run per escape.

    A backslash that would make what follows read as an escape is itself escaped
    (see :func:`_backslash_escape`): every shown text reads back to one stored text.
    """
    if text.isprintable() and _BLANK_LETTERS.isdisjoint(text) and "\\" not in text:
        if text:
            yield text, False
        return
    start = 0
    for index, char in enumerate(text):
        if char == "\\":
            shown = _backslash_escape(text, index, keep_newlines)
        else:
            shown = char_escape(char, keep_newlines=keep_newlines)
        if shown is None:
            continue
        if index > start:
            yield text[start:index], False
        yield shown, True
        start = index + 1
    if start < len(text):
        yield text[start:], False


def terminal_text(text: str) -> str:
    """``text`` bound for a terminal as a stream of lines (an export written to one): every
    character :func:`escape_runs` escapes is escaped, but tabs, newlines and CR LF line
    ends are kept, so columns and lines still lay out while nothing stored can act."""
    runs = list(escape_runs(text, keep_newlines=True))
    shown: list[str] = []
    for index, (run, escape) in enumerate(runs):
        if escape and run == ONE_LINE["\t"]:
            run = "\t"
        elif escape and run == ONE_LINE["\r"]:
            following = runs[index + 1][0] if index + 1 < len(runs) else ""
            run = "\r" if following.startswith("\n") else run
        shown.append(run)
    return "".join(shown)


def escaped(
    text: str,
    style: str = "",
    *,
    escape_style: str = ESCAPE_STYLE,
    keep_newlines: bool = False,
) -> Text:
    """``text`` as Rich Text, escapes styled apart; on one line unless ``keep_newlines``."""
    result = Text()
    append_escaped(result, text, style, escape_style=escape_style, keep_newlines=keep_newlines)
    return result


def append_escaped(
    target: Text,
    text: str,
    style: str = "",
    *,
    escape_style: str = ESCAPE_STYLE,
    keep_newlines: bool = False,
) -> Text:
    """Append ``text`` to ``target`` escaped (see :func:`escaped`); returns ``target``."""
    for run, is_escape in escape_runs(text, keep_newlines=keep_newlines):
        target.append(run, f"{style} {escape_style}".strip() if is_escape else style)
    return target


def escaped_plain(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with its escapes, as a plain string (for APIs that take no Text, and logs)."""
    return "".join(run for run, _ in escape_runs(text, keep_newlines=keep_newlines))


def name_text(name: str, style: str = "") -> Text:
    """A table or column name on one line: escaped, and an empty or blank name made visible.

    ``""`` shows as ``⟨empty⟩``; a name of only spaces shows each space as ``·``, so ``" "``
    and ``"  "`` are told apart from each other and from the empty name.
    """
    text = Text()
    return append_name(text, name, style)


def append_name(target: Text, name: str, style: str = "") -> Text:
    """Append ``name`` to ``target`` as :func:`name_text` shows it; returns ``target``."""
    if not name:
        target.append("⟨empty⟩", f"{style} {MARKER_STYLE}".strip())
    elif name.isspace():
        target.append(_blank_marks(name), f"{style} {MARKER_STYLE}".strip())
    else:
        append_escaped(target, name, style)
    return target


def name_plain(name: str) -> str:
    """A name as :func:`name_text` shows it, as a plain string."""
    if not name:
        return "⟨empty⟩"
    if name.isspace():
        return _blank_marks(name)
    return escaped_plain(name)


def _blank_marks(text: str) -> str:
    """Whitespace made visible: ``·`` for a space, ⏎ ␍ ⇥ for line breaks and tabs."""
    return "".join(
        "·" if c == " " else ONE_LINE.get(c) or char_escape(c) or f"\\u{ord(c):04x}" for c in text
    )


__all__ = [
    "ESCAPE_STYLE",
    "MARKER_STYLE",
    "append_escaped",
    "append_name",
    "char_escape",
    "escape_runs",
    "escaped",
    "escaped_plain",
    "name_plain",
    "name_text",
    "needs_escape",
]
