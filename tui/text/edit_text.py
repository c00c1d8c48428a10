"""Text in an editor field that is safe to draw and gives back exactly what was stored.

An editor widget draws its text as it is: a stored ESC, bidi override or zero-width space
would act on the terminal or hide itself. A value holding any character that
:mod:`tui.text.escape` shows as an escape is therefore edited in *escaped form*: each such
character is written ``\\xNN``, ``\\uNNNN`` or ``\\UNNNNNNNN`` as the grid shows it (``\\xNN``
is a control character below 80, and from 80 to ff a byte that was not UTF-8, kept by
``surrogateescape``; a C1 control is ``\\u0085``; a tab, line break and carriage return as
``\\t``, ``\\n`` and ``\\r``, which may be typed too) and a backslash as ``\\\\``, so the
form is reversible character for character. Text without such characters is edited as it
is, and backslashes in it stay single (paths, regular expressions).
"""

from __future__ import annotations

import re

from tui.text.escape import char_escape, needs_escape

_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[\\tnr])")
#: The characters with a letter escape, as C and Python write them.
_LETTERS = {"\t": "t", "\n": "n", "\r": "r"}
_LETTERED = {letter: char for char, letter in _LETTERS.items()}


class BadEscapeError(ValueError):
    """Escaped text with a backslash that starts no escape."""


def needs_escaped_form(text: str, *, multiline: bool) -> bool:
    """Whether ``text`` must be edited in escaped form (a newline is fine when multiline)."""
    if multiline:
        return any(c != "\n" and char_escape(c) is not None for c in text)
    return needs_escape(text)


def encode(text: str, *, multiline: bool, backslashes: bool = True) -> str:
    """``text`` in escaped form; newlines stay newlines when ``multiline``.

    Without ``backslashes``, ``text`` is already in escaped form apart from some raw
    characters (pasted into it): only those are escaped.
    """
    out: list[str] = []
    for char in text:
        if char == "\\":
            out.append("\\\\" if backslashes else char)
        elif (multiline and char == "\n") or char_escape(char) is None:
            out.append(char)
        elif char in _LETTERS:
            out.append("\\" + _LETTERS[char])
        else:
            code = ord(char)
            if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, as the grid shows it
                out.append(f"\\x{code - 0xDC00:02x}")
            elif code < 0x80:
                out.append(f"\\x{code:02x}")
            elif code <= 0xFFFF:
                out.append(f"\\u{code:04x}")
            else:
                out.append(f"\\U{code:08x}")
    return "".join(out)


def decode(text: str) -> str:
    """The text an escaped form stands for; raises :class:`BadEscapeError` for a lone ``\\``."""
    out: list[str] = []
    position = 0
    while True:
        found = text.find("\\", position)
        if found < 0:
            out.append(text[position:])
            return "".join(out)
        out.append(text[position:found])
        match = _ESCAPE.match(text, found)
        if match is None:
            raise BadEscapeError(
                f"a backslash at character {found + 1} starts no escape: type \\\\ for a "
                "backslash, \\t a tab, \\n a line break, \\uNNNN or \\UNNNNNNNN for a"
                " character, \\x00-\\x7f for a control character and \\x80-\\xff for a byte"
                " that is not UTF-8"
            )
        body = match.group(1)
        if body == "\\":
            out.append("\\")
        elif body in _LETTERED:
            out.append(_LETTERED[body])
        else:
            code = int(body[1:], 16)
            if code > 0x10FFFF:
                raise BadEscapeError(f"\\{body} is not a character")
            if body[0] == "x" and code >= 0x80:
                code += 0xDC00  # \x80-\xff: a byte that is not UTF-8 (surrogateescape)
            out.append(chr(code))
        position = match.end()


__all__ = ["BadEscapeError", "decode", "encode", "needs_escaped_form"]
