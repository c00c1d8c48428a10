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


def _keyed_columns(relation: TableInfo, names: list[str]) -> tuple[str, ...]:
    """The relation's primary key, when the result carries every key column by name."""
    if relation.rowid_alias is not None:
        key: tuple[str, ...] = (relation.rowid_alias,)
    elif relation.key_kind is KeyKind.PRIMARY_KEY:
        key = relation.key_columns
    else:
        return ()  # a hidden rowid is not in the result
    return key if key and all(names.count(k) == 1 for k in key) else ()


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
    key = _keyed_columns(relation, unique) if relation is not None else ()
    declared = {c.name: c for c in relation.columns} if relation is not None else {}
    columns = tuple(
        ColumnInfo(
            name=name,
            type_name=types[i] if i < len(types) and types[i] else _declared(declared, name),
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


def _declared(columns: dict[str, ColumnInfo], name: str) -> str:
    column = columns.get(name)
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
