"""What SQLite's catalog does not tell about a table, read from its ``CREATE TABLE`` text.

``PRAGMA index_list`` names a table's unique constraints but not their conflict clause, and a
CHECK failure names the constraint, not its column. Both are in the table's SQL as stored in
``sqlite_schema``: this module tokenizes it (quoted identifiers, strings and comments taken
whole, so nothing inside them is mistaken for syntax) and splits its definitions at the
commas between them. Pure functions; nothing here touches a database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ReplaceConstraint", "check_column", "replace_constraints"]

_TOKEN = re.compile(
    r"""(?P<skip>\s+|--[^\n]*|/\*.*?(?:\*/|\Z))
      |(?P<quoted>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\])
      |(?P<string>'(?:[^']|'')*')
      |(?P<word>[^\W\d]\w*|\d[\w.]*)
      |(?P<other>.)""",
    re.S | re.X,
)
_TABLE_CONSTRAINTS = frozenset({"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"})


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int
    quoted: bool = False

    @property
    def upper(self) -> str:
        return "" if self.quoted else self.text.upper()

    @property
    def name(self) -> str:
        """An identifier without its quotes."""
        if not self.quoted:
            return self.text
        if self.text.startswith("["):
            return self.text[1:-1]
        quote = self.text[0]
        return self.text[1:-1].replace(quote * 2, quote)


@dataclass(frozen=True)
class ReplaceConstraint:
    """A PRIMARY KEY or UNIQUE constraint whose conflicts SQLite resolves by deleting the
    row already holding the value."""

    columns: tuple[str, ...]
    text: str  # "UNIQUE(email) ON CONFLICT REPLACE", for messages


def _tokens(sql: str) -> list[_Token]:
    found = []
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup
        if kind == "skip":
            continue
        found.append(_Token(match.group(), match.start(), match.end(), kind == "quoted"))
    return found


def _split(tokens: list[_Token]) -> list[list[_Token]]:
    """Tokens between one pair of parentheses, split at the commas at their own depth."""
    parts: list[list[_Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.text == "(" and not token.quoted:
            depth += 1
        elif token.text == ")" and not token.quoted:
            depth -= 1
        if token.text == "," and depth == 0 and not token.quoted:
            parts.append([])
        else:
            parts[-1].append(token)
    return [part for part in parts if part]


def _group(tokens: list[_Token], at: int) -> int:
    """The index just past the parenthesized group opening at ``at``."""
    depth = 0
    for index in range(at, len(tokens)):
        if tokens[index].text == "(" and not tokens[index].quoted:
            depth += 1
        elif tokens[index].text == ")" and not tokens[index].quoted:
            depth -= 1
            if depth == 0:
                return index + 1
    return len(tokens)


def _definitions(sql: str) -> list[list[_Token]]:
    """The column and table-constraint definitions of a ``CREATE TABLE``; [] for anything
    else (``CREATE TABLE ... AS SELECT`` has none)."""
    tokens = _tokens(sql)
    opening = next((i for i, t in enumerate(tokens) if t.text == "(" and not t.quoted), None)
    if opening is None or any(t.upper == "AS" for t in tokens[:opening]):
        return []
    closing = _group(tokens, opening)
    return _split(tokens[opening + 1 : closing - 1])


def _resolution(tokens: list[_Token], at: int) -> str | None:
    """The conflict resolution of a ``PRIMARY KEY`` or ``UNIQUE`` whose clause may start at
    ``at`` (after ASC/DESC), or None."""
    while at < len(tokens) and tokens[at].upper in ("ASC", "DESC"):
        at += 1
    if at + 2 < len(tokens) and tokens[at].upper == "ON" and tokens[at + 1].upper == "CONFLICT":
        return tokens[at + 2].upper
    return None


def _constraint_text(kind: str, columns: tuple[str, ...]) -> str:
    return f"{kind}({', '.join(columns)}) ON CONFLICT REPLACE"


def replace_constraints(sql: str) -> tuple[ReplaceConstraint, ...]:
    """The table's PRIMARY KEY and UNIQUE constraints declared ``ON CONFLICT REPLACE``."""
    found: list[ReplaceConstraint] = []
    for definition in _definitions(sql):
        at = 2 if definition[0].upper == "CONSTRAINT" else 0
        first = definition[at].upper if at < len(definition) else ""
        if definition[0].upper in _TABLE_CONSTRAINTS:
            if first not in ("PRIMARY", "UNIQUE"):
                continue
            start = at + (2 if first == "PRIMARY" else 1)
            if start >= len(definition) or definition[start].text != "(":
                continue
            end = _group(definition, start)
            columns = tuple(part[0].name for part in _split(definition[start + 1 : end - 1]))
            if _resolution(definition, end) == "REPLACE":
                what = "PRIMARY KEY" if first == "PRIMARY" else "UNIQUE"
                found.append(ReplaceConstraint(columns, _constraint_text(what, columns)))
            continue
        column = definition[0].name
        index = 1
        while index < len(definition):
            token = definition[index]
            if token.text == "(" and not token.quoted:
                index = _group(definition, index)  # a CHECK, DEFAULT or type argument
                continue
            kind, after = None, index + 1
            if token.upper == "UNIQUE":
                kind = "UNIQUE"
            elif token.upper == "PRIMARY" and index + 1 < len(definition):
                kind, after = "PRIMARY KEY", index + 2
            if kind is not None and _resolution(definition, after) == "REPLACE":
                found.append(ReplaceConstraint((column,), _constraint_text(kind, (column,))))
            index += 1
    return tuple(found)


def check_column(sql: str, failed: str) -> str | None:
    """The column whose own CHECK constraint SQLite reported as ``CHECK constraint failed:
    <failed>`` (its name, or the expression of an unnamed one); None for a table constraint
    or one not found."""
    wanted = failed.strip()
    for definition in _definitions(sql):
        if definition[0].upper in _TABLE_CONSTRAINTS:
            continue
        for index, token in enumerate(definition[1:], 1):
            if token.upper != "CHECK" or index + 1 >= len(definition):
                continue
            named = index >= 2 and definition[index - 2].upper == "CONSTRAINT"
            if named and definition[index - 1].name == wanted:
                return definition[0].name
            end = _group(definition, index + 1)
            expression = sql[definition[index + 1].end : definition[end - 1].start].strip()
            if not named and expression == wanted:
                return definition[0].name
    return None
