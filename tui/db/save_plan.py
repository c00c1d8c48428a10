"""The statements that apply staged changes (see :mod:`tui.db.save` for the rules).

Built with SQLAlchemy ``insert()``/``update()``/``delete()`` on ``table()``/``column()``
constructs, every value a bound parameter named in order (``v1`` new values, ``k2`` keys,
``o3`` values the user saw), compiled by the dialect for the pending-changes panel.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal_column,
    update,
)
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.dialects.mysql import BINARY, CHAR
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import NullType

from tui.db.edits import CellEdit, Change, RowDelete, RowInsert
from tui.db.key_match import (
    bit_number,
    classes_differ,
    exact_param,
    has_surrogates,
    key_matches,
    sqlite_typeof,
)
from tui.db.model import Preview, TableDetails, TableInfo, TableRef
from tui.db.pg_types import JsonScalar
from tui.db.save_order import parents_first, statement_groups
from tui.db.values import RowKey

__all__ = ["PlannedStatement", "key_condition", "plan_save", "table_of"]

# PostgreSQL types with no equality operator: compared as their text.
_NO_EQUALITY = frozenset({"XML"})
_PG_JSON = frozenset({"JSON", "JSONB"})
_MYSQL = frozenset({"mysql", "mariadb"})


@dataclass(frozen=True)
class PlannedStatement:
    change: Change  # the first change it applies (the one the UI points at on failure)
    sql: str  # the statement as the dialect compiles it, identifiers quoted
    params: tuple[tuple[str, Any], ...]  # bound values, in the order the statement uses them
    expected_rows: int = 1
    #: Every staged change it applies (the cell edits of one row are one UPDATE).
    changes: tuple[Change, ...] = ()
    statement: UpdateBase | None = field(default=None, compare=False, repr=False)
    #: The key naming the row when it runs (an earlier UPDATE may have changed it); None for
    #: an INSERT.
    key: RowKey | None = None


class _Builder:
    """Bound parameters named in order (``k1``, ``o1``, ``v1``...) and dialect-exact values."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.count = 0

    def bind(self, prefix: str, value: Any) -> ColumnElement[Any]:
        if isinstance(value, Preview):
            raise ValueError("only part of a value was read: read it whole before saving")
        self.count += 1
        name = f"{prefix}{self.count}"
        if isinstance(value, str) and self.dialect.name == "sqlite" and has_surrogates(value):
            # Text that is not valid UTF-8 was read with surrogateescape: write back the very
            # bytes as TEXT, never a replacement character.
            exact: ColumnElement[Any] = exact_param("sqlite", value, name)
            return exact
        if isinstance(value, bytes | bytearray | memoryview) and self.dialect.name in _MYSQL:
            # aiomysql cannot escape bytes with PyMySQL >= 1.2 (it imports a placeholder that
            # PyMySQL left in place of escape_bytes_prefixed): send hex, unhexed by the server.
            return func.unhex(bindparam(name, bytes(value).hex(), type_=NullType()))
        # Untyped: the server infers the parameter's type from the column it meets (asyncpg
        # would otherwise cast a Python int to INTEGER and overflow a BIGINT key).
        return bindparam(name, value, type_=NullType())

    def same(
        self, table: TableClause, info: TableInfo, name: str, value: Any
    ) -> ColumnElement[bool]:
        """``column`` holds exactly ``value`` (NULL-safe)."""
        col: ColumnElement[Any] = table.c[name]
        dialect = self.dialect.name
        type_name = _column_type(info, name).upper()
        if dialect == "postgresql" and type_name in _PG_JSON:
            return self._same_json(col, value)
        value = bit_number(dialect, type_name, value)
        bound = self.bind("o", value)
        if dialect == "postgresql" and type_name in _NO_EQUALITY:
            return cast(col, Text).is_not_distinct_from(cast(bound, Text))
        if dialect == "sqlite" and value is not None and classes_differ(info, name):
            # IS finds the integer 1 equal to the real 1.0: where the column keeps either,
            # the other writer's change of storage class would be overwritten.
            same = self._same_sqlite(col, value, bound)
            return and_(same, func.typeof(col) == self.bind("t", sqlite_typeof(value)))
        if dialect == "sqlite":
            return self._same_sqlite(col, value, bound)
        if dialect in ("mysql", "mariadb") and isinstance(value, str):
            # Collations ignore case and trailing spaces: compare the bytes.
            # Compare the bytes, each side as utf8mb4 whatever the column's charset.
            as_utf8 = cast(col, CHAR(charset="utf8mb4"))
            return cast(as_utf8, BINARY()).is_not_distinct_from(cast(bound, BINARY()))
        return col.is_not_distinct_from(bound)

    @staticmethod
    def _same_sqlite(
        col: ColumnElement[Any], value: Any, bound: ColumnElement[Any]
    ) -> ColumnElement[bool]:
        if isinstance(value, str):
            # A column declared COLLATE NOCASE or RTRIM compares 'abc' IS 'ABC' as true: the
            # other writer's change of case would be overwritten. Compare as stored.
            return col.collate("binary").is_not_distinct_from(bound)
        return col.is_not_distinct_from(bound)

    def _same_json(self, col: ColumnElement[Any], value: Any) -> ColumnElement[bool]:
        """PostgreSQL json/jsonb: the drivers read the document decoded, so it is compared as
        a document (jsonb: spacing and key order aside); json has no equality operator."""
        as_jsonb = cast(col, JSONB)
        if value is None:
            # SQL NULL (the document null reads as a JsonScalar: see tui.db.pg_values).
            return col.is_(None)
        document = value.text if isinstance(value, JsonScalar) else json.dumps(value)
        return as_jsonb.is_not_distinct_from(cast(self.bind("o", document), JSONB))

    def key(
        self,
        table: TableClause,
        info: TableInfo,
        key: RowKey,
        prefix: str = "k",
        *,
        exact: bool = True,
    ) -> ColumnElement[bool]:
        """The row ``key`` names and no other (see :mod:`tui.db.key_match`)."""
        if any(value is None for value in key.values):
            raise ValueError("a key holding NULL names no row")
        # The rowid name is one of three fixed keywords (see tui.db.edits), never user text.
        columns = [literal_column(n) if key.rowid else table.c[n] for n in key.names]

        def bind(kind: str, value: Any) -> ColumnElement[Any]:
            return self.bind(prefix if kind == "k" else kind, value)

        return key_matches(self.dialect.name, info, columns, key, bind, exact=exact)


def key_condition(
    dialect: Dialect,
    table: TableClause,
    info: TableInfo,
    key: RowKey,
    prefix: str = "k",
    *,
    exact: bool = True,
) -> ColumnElement[bool]:
    """``key`` names the row and no other (see :mod:`tui.db.key_match`; ``exact=False``:
    the rows ``=`` finds), every value bound (as parameters named ``<prefix>1``..., distinct
    per condition of one statement)."""
    return _Builder(dialect).key(table, info, key, prefix, exact=exact)


def _column_type(info: TableInfo, name: str) -> str:
    return next((c.type_name for c in info.columns if c.name == name), "")


def table_of(info: TableInfo, names: Sequence[str]) -> TableClause:
    known = set(info.column_names)
    for name in names:
        if name not in known:
            raise ValueError(f"no column {name!r} in {info.ref}")
    return sa_table(
        info.ref.name, *(sa_column(n) for n in dict.fromkeys(names)), schema=info.ref.schema
    )


def _update(
    edits: Sequence[CellEdit],
    info: TableInfo,
    builder: _Builder,
    key: RowKey,
    written: Mapping[str, Any],
) -> UpdateBase:
    """One row's UPDATE where ``key`` names it now; ``written``: what earlier UPDATEs of this
    save stored in it."""
    key_names = [] if key.rowid else list(key.names)
    edited = {e.column for e in edits}
    # A rowid names the row only with the rest of the row (see CellEdit.row), as it is after
    # the earlier UPDATEs of this save.
    context = {
        name: written.get(name, value)
        for e in edits
        for name, value in e.row
        if name not in edited and not _generated(info, name)
    }
    table = table_of(info, [*key_names, *(e.column for e in edits), *context])
    values = {e.column: builder.bind("v", e.new) for e in edits}
    where = [builder.key(table, info, key)]
    where.extend(builder.same(table, info, e.column, e.original) for e in edits)
    where.extend(builder.same(table, info, name, value) for name, value in context.items())
    return update(table).where(*where).values(values)


def _insert(change: RowInsert, info: TableInfo, builder: _Builder) -> UpdateBase:
    names = [name for name, _ in change.values]
    table = table_of(info, names)
    if not names:
        return insert(table).values({})  # every column takes its default
    return insert(table).values({name: builder.bind("v", value) for name, value in change.values})


def _delete(change: RowDelete, info: TableInfo, builder: _Builder) -> UpdateBase:
    key_names = [] if change.key.rowid else list(change.key.names)
    compared = [(n, v) for n, v in change.original if not _generated(info, n)]
    table = table_of(info, [*key_names, *(n for n, _ in compared)])
    where = [builder.key(table, info, change.key)]
    where.extend(builder.same(table, info, name, value) for name, value in compared)
    return delete(table).where(*where)


def _generated(info: TableInfo, name: str) -> bool:
    return any(c.name == name and c.generated for c in info.columns)


def _compiled(statement: UpdateBase, dialect: Dialect) -> tuple[str, tuple[tuple[str, Any], ...]]:
    compiled = statement.compile(dialect=dialect)
    params = compiled.params
    order = compiled.positiontup or list(params)
    return str(compiled), tuple((name, params[name]) for name in order)


def _moved(key: RowKey, edits: Sequence[CellEdit]) -> RowKey:
    """``key`` after ``edits`` ran (an edit of a key column re-identifies the row)."""
    if key.rowid:
        return key
    new = {e.column: e.new for e in edits}
    return RowKey(
        key.names, tuple(new.get(n, v) for n, v in zip(key.names, key.values, strict=True))
    )


def plan_save(
    changes: Sequence[Change],
    tables: Mapping[TableRef, TableInfo],
    dialect: Dialect,
    details: Mapping[TableRef, TableDetails] | None = None,
) -> tuple[PlannedStatement, ...]:
    """The statements that apply ``changes``, in the order they run (see :mod:`tui.db.save`).

    ``details`` (the tables' foreign keys) lets an engine that checks foreign keys at each
    statement get a parent's insert before its child's (:func:`parents_first`).
    """
    builder = _Builder(dialect)
    groups = statement_groups(changes)
    if dialect.name != "sqlite" and details:
        groups = parents_first(groups, details)
    # Where a row is now, and what its earlier UPDATEs of this save wrote.
    keys: dict[tuple[TableRef, RowKey], RowKey] = {}
    written: dict[tuple[TableRef, RowKey], dict[str, Any]] = {}
    planned: list[PlannedStatement] = []
    for group in groups:
        first = group[0]
        info = tables[first.table]
        key: RowKey | None = None
        if isinstance(first, CellEdit):
            edits = [c for c in group if isinstance(c, CellEdit)]
            row = (first.table, first.key)
            key = keys.get(row, first.key)
            statement = _update(edits, info, builder, key, written.get(row, {}))
            keys[row] = _moved(key, edits)
            written.setdefault(row, {}).update((e.column, e.new) for e in edits)
        elif isinstance(first, RowInsert):
            statement = _insert(first, info, builder)
        else:
            key = first.key
            statement = _delete(first, info, builder)
        sql, params = _compiled(statement, dialect)
        planned.append(PlannedStatement(first, sql, params, 1, group, statement, key))
    return tuple(planned)
