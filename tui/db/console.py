"""The SQL console's data layer: statements split and classified, results paged or run.

A statement that reads rows (``SELECT``, ``WITH … SELECT``, ``VALUES``, PostgreSQL's
``TABLE``) becomes a *query relation*: a :class:`TableInfo` of kind ``QUERY`` whose rows
the browse grid pages like a view's, by chunked OFFSET, each page its own short statement
(no transaction left open, the WAL never pinned), counted in the background, sortable and
filterable. Its SQL is wrapped, never edited:

    WITH RECURSIVE dbbrowse_result("id", "id:2", …) AS (<the statement>) SELECT … LIMIT …

The column list renames the result's columns by position, so repeated names (``a.id``,
``b.id`` of a join) stay apart; ``RECURSIVE`` is what makes SQLAlchemy write that list (a
non-recursive body is allowed under it on SQLite, PostgreSQL and MariaDB).

Any other statement runs as it is, once, on the console's own connection
(:mod:`tui.db.console_session`): writes in an explicit transaction the user commits or rolls
back, rows it returns (``PRAGMA``, ``EXPLAIN``, ``… RETURNING``) shown up to
:data:`RETURNED_ROWS_CAP`, said so when there were more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlparse
from sqlalchemy import TextClause, text
from sqlalchemy import column as sa_column
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.selectable import CTE

from tui.db.export_formats import unique_names
from tui.db.model import ColumnInfo, KeyKind, TableInfo, TableKind, TableRef

__all__ = [
    "RESULT_NAME",
    "RETURNED_ROWS_CAP",
    "Statement",
    "StatementKind",
    "describe_query",
    "plain_relation",
    "query_relation",
    "split_statements",
    "statement_at",
    "verbatim",
]

RESULT_NAME = "dbbrowse_result"
RETURNED_ROWS_CAP = 10_000

# First words of statements that only read, when they are not a SELECT.
_READ_WORDS = frozenset({"pragma", "explain", "show", "describe", "desc", "analyze"})
_PAGED_WORDS = frozenset({"select", "with", "values", "table"})
_TRANSACTION_WORDS = frozenset(
    {"begin", "commit", "rollback", "end", "savepoint", "release", "start", "abort"}
)


class StatementKind(StrEnum):
    QUERY = "query"  # reads rows: paged in the grid
    READ = "read"  # PRAGMA, EXPLAIN, SHOW…: run once, rows shown up to the cap
    WRITE = "write"  # INSERT/UPDATE/DELETE/DDL: run in the console's transaction
    TRANSACTION = "transaction"  # BEGIN/COMMIT/ROLLBACK typed by the user: use the keys


@dataclass(frozen=True)
class Statement:
    sql: str  # the statement's text, without the trailing semicolon
    start: int  # offset of its first character in the editor's text
    end: int
    kind: StatementKind

    @property
    def first_word(self) -> str:
        return _first_word(self.sql)


def _first_word(sql: str) -> str:
    stripped = sqlparse.format(sql, strip_comments=True).strip()
    match = re.match(r"\(*\s*([A-Za-z_]+)", stripped)
    return match.group(1).casefold() if match else ""


def _kind(sql: str, parsed_type: str) -> StatementKind:
    word = _first_word(sql)
    if word in _TRANSACTION_WORDS:
        return StatementKind.TRANSACTION
    if parsed_type == "SELECT" and word in _PAGED_WORDS:
        # SELECT … INTO writes (PostgreSQL, MariaDB): run it, do not page it.
        if re.search(r"\binto\b", sqlparse.format(sql, strip_comments=True), re.IGNORECASE):
            return StatementKind.WRITE
        return StatementKind.QUERY
    if word in ("values", "table") and parsed_type == "UNKNOWN":
        return StatementKind.QUERY
    if word in _READ_WORDS and not (word == "pragma" and "=" in sql):
        return StatementKind.READ
    return StatementKind.WRITE


def split_statements(text_: str) -> list[Statement]:
    """Every statement of ``text_`` with where it is; empty ones (``;;``, comments) left out."""
    statements = []
    offset = 0
    for parsed in sqlparse.parse(text_):
        raw = str(parsed)
        start = offset
        offset += len(raw)
        body = raw.strip()
        while body.endswith(";"):
            body = body[:-1].rstrip()
        if not sqlparse.format(body, strip_comments=True).strip():
            continue
        lead = len(raw) - len(raw.lstrip())
        parsed_type = str(parsed.get_type())  # type: ignore[no-untyped-call]
        kind = _kind(body, parsed_type)
        statements.append(Statement(body, start + lead, start + lead + len(body), kind))
    return statements


def statement_at(text_: str, position: int) -> Statement | None:
    """The statement under the cursor: the one containing ``position``, else the one before."""
    statements = split_statements(text_)
    before = None
    for statement in statements:
        if statement.start <= position <= statement.end + 1:
            return statement
        if statement.end < position:
            before = statement
    return before or (statements[0] if statements else None)


def verbatim(sql: str) -> TextClause:
    """``sql`` as a statement, every character as typed (colons are not bound parameters)."""
    return text(sql.replace(":", "\\:"))


def query_relation(info: TableInfo) -> CTE:
    """The FROM target of a query relation: its statement, columns renamed by position."""
    # The newline ends a trailing "-- comment" before the closing parenthesis.
    body = verbatim(info.sql + "\n")
    return body.columns(*(sa_column(c.name) for c in info.columns)).cte(RESULT_NAME, recursive=True)


def plain_relation(sql: str) -> tuple[str | None, str, bool] | None:
    """``(schema, name, quoted)`` when ``sql`` is ``SELECT <columns> FROM <one relation>
    [WHERE …]`` and nothing else (no join, aggregate, DISTINCT, ORDER, GROUP, LIMIT,
    compound): its rows are then that relation's, and can be paged by its key."""
    from sqlparse import tokens as T
    from sqlparse.sql import Identifier, IdentifierList, Where

    parsed = sqlparse.parse(sql)
    if len(parsed) != 1:
        return None
    parts = [t for t in parsed[0].tokens if not t.is_whitespace and t.ttype not in T.Comment]
    if len(parts) not in (4, 5) or parts[0].ttype is not T.Keyword.DML:
        return None
    if str(parts[0]).upper() != "SELECT" or str(parts[2]).upper() != "FROM":
        return None
    columns, source = parts[1], parts[3]
    if not (columns.ttype is T.Wildcard or isinstance(columns, Identifier | IdentifierList)):
        return None
    if "(" in str(columns):
        return None  # functions and aggregates: rows are not the relation's
    if len(parts) == 5 and not isinstance(parts[4], Where):
        return None
    if isinstance(source, Identifier):
        real = source.get_real_name()  # type: ignore[no-untyped-call]
        parent = source.get_parent_name()  # type: ignore[no-untyped-call]
        if "(" in str(source) or real is None:
            return None
        return parent, str(real), str(source).lstrip().startswith(('"', "`"))
    if source.ttype in T.Keyword or source.ttype in T.Name:
        return None, str(source), False
    return None


# A result column that is a table's column as it is: ``col``, ``t.col``, ``s.t.col``, ``*``,
# ``t.*``, each with or without an alias. Anything else (an operator, COLLATE, CASE, a literal)
# is an expression: its values are not the column's, whatever its name.
_IDENT = r'(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\])'
_PLAIN_ITEM = re.compile(
    rf"\s*(?:{_IDENT}\s*\.\s*){{0,2}}(?P<column>{_IDENT}|\*)(?:\s+(?:AS\s+)?{_IDENT})?\s*",
    re.IGNORECASE,
)
# Bare words that are values, not columns.
_VALUE_WORDS = frozenset(
    {
        "null",
        "true",
        "false",
        "default",
        "user",
        "current_date",
        "current_time",
        "current_timestamp",
        "current_user",
        "current_role",
        "current_schema",
        "current_catalog",
        "session_user",
        "localtime",
        "localtimestamp",
    }
)


def _select_items(sql: str) -> list[str | None] | None:
    """The select list of a plain select, item by item: the column an item reads as written
    (``"id"``, ``id``), ``*`` for a wildcard, None for an expression; None when the list
    cannot be read for sure (a comment in it, an odd quote)."""
    from sqlparse import tokens as T

    parsed = sqlparse.parse(sql)
    if len(parsed) != 1:
        return None
    parts = [t for t in parsed[0].tokens if not t.is_whitespace and t.ttype not in T.Comment]
    if len(parts) < 2 or str(parts[0]).upper() != "SELECT":
        return None
    text_ = str(parts[1])
    items: list[str] = []
    start = 0
    closing = {"'": "'", '"': '"', "`": "`", "[": "]"}
    index = 0
    while index < len(text_):
        char = text_[index]
        if char in closing:
            end = text_.find(closing[char], index + 1)
            if end < 0:
                return None
            index = end + 1
            continue
        if text_.startswith(("--", "/*"), index):
            return None
        if char == ",":
            items.append(text_[start:index])
            start = index + 1
        index += 1
    items.append(text_[start:])
    read: list[str | None] = []
    for item in items:
        match = _PLAIN_ITEM.fullmatch(item)
        column = match.group("column") if match else None
        read.append(None if column is None or column.casefold() in _VALUE_WORDS else column)
    return read


def _table_column(relation: TableInfo, written: str, dialect: str) -> ColumnInfo | None:
    """The relation's column a name written in the select list reads (quoted: exactly)."""
    if written[0] in '"`[':
        name = written[1:-1]
        if written[0] != "[":
            name = name.replace(written[0] * 2, written[0])
        found = [c for c in relation.columns if c.name == name]
    elif dialect == "postgresql":
        found = [c for c in relation.columns if c.name == written.lower()]
    else:
        found = [c for c in relation.columns if c.name.casefold() == written.casefold()]
    return found[0] if len(found) == 1 else None


def _result_sources(
    relation: TableInfo, sql: str, names: list[str], dialect: str
) -> list[ColumnInfo | None]:
    """For each result column, the relation's column it provably is (same column, not just
    the same name), or None."""
    unknown: list[ColumnInfo | None] = [None] * len(names)
    items = _select_items(sql)
    if items is None or items.count("*") > 1:
        return unknown
    width = len(names) - (len(items) - 1)  # columns of the wildcard, if there is one
    if ("*" in items and width < 0) or ("*" not in items and len(items) != len(names)):
        return unknown
    sources: list[ColumnInfo | None] = []
    for item in items:
        if item == "*":
            # A wildcard gives the relation's columns in order: check it gave just those.
            shown = names[len(sources) : len(sources) + width]
            if shown != [c.name for c in relation.columns]:
                return unknown
            sources.extend(relation.columns)
        else:
            sources.append(None if item is None else _table_column(relation, item, dialect))
    return sources


def _keyed_columns(
    relation: TableInfo, names: list[str], sources: list[ColumnInfo | None]
) -> tuple[str, ...]:
    """The relation's primary key, when the result carries every key column, each under its
    own name and provably that column: an alias that only borrows a key's name (``n AS id``)
    would page by values that are not unique, and rows would be skipped."""
    if relation.rowid_alias is not None:
        key: tuple[str, ...] = (relation.rowid_alias,)
    elif relation.key_kind is KeyKind.PRIMARY_KEY:
        key = relation.key_columns
    else:
        return ()  # a hidden rowid is not in the result
    for name in key:
        if names.count(name) != 1:
            return ()
        source = sources[names.index(name)]
        if source is None or source.name != name:
            return ()
    return key


async def describe_query(
    conn: AsyncConnection,
    sql: str,
    number: int,
    relation: TableInfo | None = None,
) -> TableInfo:
    """The query relation for ``sql``: its columns read with no row (LIMIT 0).

    With ``relation``, the one relation a plain select reads (:func:`plain_relation`), the
    result is paged by that relation's key (keyset) when it carries the key columns.
    """
    dialect = conn.dialect.name
    if dialect in ("mysql", "mariadb"):
        # MariaDB refuses repeated names in a derived table; a parenthesised query is fine.
        probe = verbatim(f"(\n{sql}\n) LIMIT 0")
    else:
        probe = verbatim(f"SELECT * FROM (\n{sql}\n) AS dbbrowse_probe LIMIT 0")
    result = await conn.execute(probe)
    names = list(result.keys())
    description = result.cursor.description if result.cursor else None
    result.close()
    types = _driver_types(description, dialect)
    if dialect == "postgresql" and description:
        types = await _postgres_types(conn, [d[1] for d in description])
    await conn.rollback()
    unique = unique_names(names)
    sources: list[ColumnInfo | None] = [None] * len(names)
    if relation is not None:
        sources = _result_sources(relation, sql, names, dialect)
    key = _keyed_columns(relation, names, sources) if relation is not None else ()
    columns = tuple(
        ColumnInfo(
            name=name,
            type_name=types[i] if i < len(types) and types[i] else _declared(sources[i]),
            nullable=name not in key,
            primary_key=key.index(name) + 1 if name in key else 0,
        )
        for i, name in enumerate(unique)
    )
    return TableInfo(
        ref=TableRef(f"query {number}"),
        kind=TableKind.QUERY,
        columns=columns,
        key_columns=key,
        key_kind=KeyKind.PRIMARY_KEY if key else KeyKind.NONE,
        sql=sql,
    )


def _declared(column: ColumnInfo | None) -> str:
    """The declared type of the table column a result column is; "" when it is not one."""
    return column.type_name if column is not None else ""


async def _postgres_types(conn: AsyncConnection, oids: list[Any]) -> list[str]:
    """PostgreSQL's names of the result's type OIDs (``integer``, ``character varying``…)."""
    from sqlalchemy import bindparam

    wanted = sorted({int(o) for o in oids if isinstance(o, int)})
    if not wanted:
        return []
    rows = await conn.execute(
        text(
            "SELECT oid, format_type(oid, NULL) FROM pg_catalog.pg_type WHERE oid IN :oids"
        ).bindparams(bindparam("oids", expanding=True)),
        {"oids": wanted},
    )
    names = {int(oid): str(name) for oid, name in rows}
    return [names.get(o, "") if isinstance(o, int) else "" for o in oids]


def _driver_types(description: Any, dialect: str) -> list[str]:
    """Column types as the driver reports them (MariaDB's field types); "" where unknown."""
    if not description or dialect not in ("mysql", "mariadb"):
        return []
    try:
        from pymysql.constants import FIELD_TYPE
    except ImportError:  # pragma: no cover - installed with aiomysql
        return []
    names = {v: k.lower() for k, v in vars(FIELD_TYPE).items() if k.isupper()}
    return [names.get(d[1], "") for d in description]
