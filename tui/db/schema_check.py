"""The application's own Pydantic schemas (app/schemas.py) as a check on edited values.

Only for the tables the demo application maps: a value its PATCH schema (a new row: its
create schema) refuses is refused before it is staged, with the schema's own sentence. Other
tables and columns the schemas do not let a client write (ids, timestamps) pass unchecked;
the database's constraints still apply to everything at save.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["validate_insert_with_schema", "validate_with_schema"]


def _schemas(create: bool) -> Mapping[str, Any]:
    from app import models, schemas

    pairs = [
        (models.Customer, schemas.CustomerCreate, schemas.CustomerUpdate),
        (models.Product, schemas.ProductCreate, schemas.ProductUpdate),
        (models.Order, schemas.OrderCreate, schemas.OrderUpdate),
        (models.OrderItem, schemas.OrderItemCreate, schemas.OrderItemUpdate),
        (models.Event, schemas.EventCreate, schemas.EventUpdate),
        (models.Attachment, schemas.AttachmentCreate, schemas.AttachmentUpdate),
    ]
    return {
        model.__tablename__: create_schema if create else update
        for model, create_schema, update in pairs
    }


def _for_schema(table_name: str, column: str, value: Any) -> Any:
    """Stored JSON text as the document the schema expects."""
    from sqlalchemy import JSON

    from app.database import Base

    table = Base.metadata.tables.get(table_name)
    model_column = None if table is None else table.columns.get(column)
    if isinstance(value, str) and model_column is not None and isinstance(model_column.type, JSON):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _error_sentence(exc: Any) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        parts.append(f"{where}: {error['msg']}" if where else str(error["msg"]))
    return "; ".join(parts)


def validate_with_schema(table_name: str, column: str, value: Any) -> str | None:
    """An error sentence when the app's schema refuses ``value`` for ``column``; else None.

    Only the application's own tables have schemas; columns its schemas do not let a client
    write (ids, timestamps) are not checked here.
    """
    from pydantic import ValidationError

    schema = _schemas(create=False).get(table_name)
    if schema is None or column not in schema.model_fields:
        return None
    try:
        schema.model_validate({column: _for_schema(table_name, column, value)})
    except ValidationError as exc:
        return _error_sentence(exc)
    return None


def validate_insert_with_schema(table_name: str, values: Mapping[str, Any]) -> str | None:
    """As :func:`validate_with_schema`, for a new row's values (columns left out take the
    schema's defaults, or the database's)."""
    from pydantic import ValidationError

    schema = _schemas(create=True).get(table_name)
    if schema is None:
        return None
    known = {
        name: _for_schema(table_name, name, value)
        for name, value in values.items()
        if name in schema.model_fields
    }
    try:
        schema.model_validate(known)
    except ValidationError as exc:
        return _error_sentence(exc)
    return None
