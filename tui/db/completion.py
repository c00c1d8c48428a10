"""Completion for the SQL console: keywords, relations and columns of the live catalog.

Names are offered as they must be typed: quoted by the dialect when they need it (spaces,
quotes, keywords, unicode, mixed case where the engine folds case), so a completed name is
always one the database understands. After ``name.`` the columns of that relation are
offered; elsewhere relations, then columns of the relations already described, then keywords.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Dialect

from tui.db.model import TableInfo

__all__ = ["Completion", "complete", "word_before"]

# What the user is typing: a possibly quoted, possibly qualified identifier at the cursor.
_WORD = re.compile(r'(?:(?:"[^"]*(?:""[^"]*)*"|`[^`]*`|[\w$]+)\.)?(?:"[^"]*|`[^`]*|[\w$]*)$')

_KEYWORDS = [
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP",
    "BY",
    "HAVING",
    "ORDER",
    "LIMIT",
    "OFFSET",
    "JOIN",
    "LEFT",
    "RIGHT",
    "INNER",
    "OUTER",
    "CROSS",
    "ON",
    "USING",
    "AS",
    "AND",
    "OR",
    "NOT",
    "NULL",
    "IS",
    "IN",
    "BETWEEN",
    "LIKE",
    "GLOB",
    "EXISTS",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "DISTINCT",
    "ALL",
    "UNION",
    "INTERSECT",
    "EXCEPT",
    "WITH",
    "RECURSIVE",
    "INSERT",
    "INTO",
    "VALUES",
    "UPDATE",
    "SET",
    "DELETE",
    "CREATE",
    "TABLE",
    "VIEW",
    "INDEX",
    "TRIGGER",
    "DROP",
    "ALTER",
    "ADD",
    "COLUMN",
    "RENAME",
    "TO",
    "PRIMARY",
    "KEY",
    "FOREIGN",
    "REFERENCES",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "ASC",
    "DESC",
    "COUNT",
    "SUM",
    "AVG",
    "MIN",
    "MAX",
    "COALESCE",
    "CAST",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "EXPLAIN",
    "PRAGMA",
    "RETURNING",
    "ANALYZE",
    "VACUUM",
]


@dataclass(frozen=True)
class Completion:
    text: str  # what replaces the word at the cursor
    kind: str  # "table", "view", "column", "keyword"

    @property
    def label(self) -> str:
        return f"{self.text}  ({self.kind})"


def word_before(text: str) -> str:
    """The identifier (maybe ``qualifier.`` and an opening quote) just before the cursor."""
    match = _WORD.search(text)
    return match.group(0) if match else ""


def _unquote(name: str) -> str:
    if len(name) >= 1 and name[0] in '"`':
        body = name[1:-1] if len(name) >= 2 and name[-1] == name[0] else name[1:]
        return body.replace(name[0] * 2, name[0])
    return name


def complete(
    word: str, tables: Sequence[TableInfo], dialect: Dialect, *, limit: int = 50
) -> list[Completion]:
    """What may replace ``word`` (see :func:`word_before`), best first."""
    quote = dialect.identifier_preparer.quote
    if ("." in word and not word.startswith(('"', "`"))) or _qualified(word):
        qualifier, _, partial = _split_qualified(word)
        owner = _unquote(qualifier)
        wanted = _unquote(partial).casefold()
        found = []
        for info in tables:
            if info.name == owner or info.name.casefold() == owner.casefold():
                found += [
                    Completion(f"{qualifier}.{quote(c.name)}", "column")
                    for c in info.columns
                    if c.name.casefold().startswith(wanted)
                ]
        return found[:limit]
    wanted = _unquote(word).casefold()
    relations = [
        Completion(quote(t.name), str(t.kind.value))
        for t in tables
        if t.name.casefold().startswith(wanted)
    ]
    seen: set[str] = set()
    columns = []
    for info in tables:
        for c in info.columns:
            if c.name.casefold().startswith(wanted) and c.name not in seen:
                seen.add(c.name)
                columns.append(Completion(quote(c.name), "column"))
    keywords = (
        [Completion(k, "keyword") for k in _KEYWORDS if k.casefold().startswith(wanted)]
        if word and not word.startswith(('"', "`"))
        else []
    )
    ordered = relations + columns + keywords
    # An exact match first: Enter on it then changes nothing but the quoting.
    ordered.sort(key=lambda c: _unquote(c.text).casefold() != wanted)
    return ordered[:limit]


def _qualified(word: str) -> bool:
    return bool(re.match(r'^(?:"[^"]*(?:""[^"]*)*"|`[^`]*`)\.', word))


def _split_qualified(word: str) -> tuple[str, str, str]:
    match = re.match(r'^("[^"]*(?:""[^"]*)*"|`[^`]*`|[\w$]+)\.(.*)$', word)
    if match is None:
        return word, "", ""
    return match.group(1), ".", match.group(2)
