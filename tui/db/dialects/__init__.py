"""One strategy per database family; everything engine-specific in the data layer lives here."""

from __future__ import annotations

from tui.db.dialects.base import DialectStrategy


def strategy_for(dialect_name: str) -> DialectStrategy:
    """The strategy for a SQLAlchemy dialect name (``sqlite``, ``postgresql``, ``mysql``...)."""
    if dialect_name == "sqlite":
        from tui.db.dialects.sqlite import SQLiteStrategy

        return SQLiteStrategy()
    if dialect_name == "postgresql":
        from tui.db.dialects.postgresql import PostgreSQLStrategy

        return PostgreSQLStrategy()
    if dialect_name in ("mysql", "mariadb"):
        from tui.db.dialects.mysql import MySQLStrategy

        return MySQLStrategy()
    return DialectStrategy()


__all__ = ["DialectStrategy", "strategy_for"]
