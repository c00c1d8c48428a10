"""Optimistic concurrency for the HTTP API: a row's entity tag and the "unchanged" condition.

The rule is the one dbbrowse's editor follows: a write that depends on what a client read is
conditional on the values it read, in the same statement (``UPDATE … WHERE id = :id AND
col IS NOT DISTINCT FROM :seen …``), so a change committed by someone else between the read
and the write is never overwritten: the statement touches no row and the caller says so.
The HTTP form of "the values I read" is the row's entity tag: a client sends back the
``ETag`` of a GET as ``If-Match`` with its PATCH or DELETE.

The tag digests every column's value and Python type in column order, so two rows that
print alike but are stored differently (``1`` and ``'1'``, ``''`` and NULL) differ.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    String,
    Text,
    and_,
    bindparam,
    cast,
    or_,
)
from sqlalchemy.dialects.mysql import BINARY, CHAR
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapper
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


def row_values(mapper: Mapper[Any], row: object) -> dict[str, Any]:
    """The row's column values by attribute key, as loaded from the database."""
    return {attr.key: getattr(row, attr.key) for attr in mapper.column_attrs}


def _canonical(value: Any) -> bytes:
    if value is None:
        return b"N"
    if isinstance(value, bytes | bytearray | memoryview):
        return b"B" + bytes(value).hex().encode()
    if isinstance(value, float):
        return b"F" + value.hex().encode()
    # repr keeps the type apart from its text: 1 vs '1', Decimal('1.0') vs 1.0, dates.
    return type(value).__name__.encode() + b":" + repr(value).encode("utf-8", "surrogatepass")


def entity_tag(values: Mapping[str, Any]) -> str:
    """A strong entity tag (quoted, as sent in an ``ETag`` header) for these column values."""
    digest = hashlib.sha256()
    for name, value in values.items():
        for part in (name.encode(), _canonical(value)):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
    return f'"{digest.hexdigest()[:32]}"'


def tag_matches(if_match: str, current: str) -> bool:
    """Whether an ``If-Match`` header admits the current tag (``*`` admits any row).

    Strong comparison (RFC 9110 §13.1.1): a weak tag never matches.
    """
    tags = [tag.strip() for tag in if_match.split(",")]
    return "*" in tags or current in tags


def unchanged_since(mapper: Mapper[Any], seen: Mapping[str, Any]) -> ColumnElement[bool]:
    """True for the row only while every column still holds the value that was read.

    NULL-safe on every engine: ``IS`` on SQLite, ``IS NOT DISTINCT FROM`` on PostgreSQL,
    ``<=>`` on MariaDB/MySQL, as SQLAlchemy renders ``is_not_distinct_from``.
    """
    columns = {attr.key: attr.columns[0] for attr in mapper.column_attrs}
    return and_(*(_same(columns[key], value) for key, value in seen.items()))


def _same(column: ColumnElement[Any], value: Any) -> ColumnElement[bool]:
    if isinstance(column.type, JSON):
        # PostgreSQL's json has no equality: compare the text (a document stored with other
        # spacing than ours then reads as changed, which refuses the write, never loses one).
        bound = bindparam(None, value, type_=column.type)
        same_text = cast(column, Text).is_not_distinct_from(cast(bound, Text))
        # None reads back from SQL NULL and from the JSON document null alike.
        return or_(column.is_(None), same_text) if value is None else same_text
    if isinstance(column.type, String) and value is not None:
        return _SameText(column, bindparam(None, value, type_=column.type))
    return column.is_not_distinct_from(value)


class _SameText(FunctionElement[bool]):
    """Text equal character for character: case and trailing spaces count.

    MariaDB/MySQL collations find 'Lamp' = 'LAMP ', which would let a change of case slip
    past the condition and be overwritten; there the bytes are compared (as utf8mb4, the
    column's charset aside). Elsewhere ``=`` on text already compares exactly.
    """

    type = Boolean()
    inherit_cache = True
    name = "same_text"


@compiles(_SameText)
def _same_text(element: _SameText, compiler: SQLCompiler, **kw: Any) -> str:
    column, value = list(element.clauses)
    return compiler.process(column.is_not_distinct_from(value), **kw)


@compiles(_SameText, "mysql")
@compiles(_SameText, "mariadb")
def _same_text_bytes(element: _SameText, compiler: SQLCompiler, **kw: Any) -> str:
    column, value = list(element.clauses)
    as_bytes = cast(cast(column, CHAR(charset="utf8mb4")), BINARY())
    return compiler.process(as_bytes.is_not_distinct_from(cast(value, BINARY())), **kw)


__all__ = ["entity_tag", "row_values", "tag_matches", "unchanged_since"]
