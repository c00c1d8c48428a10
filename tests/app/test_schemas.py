"""The API schemas stay a mirror of the ORM models: same columns, same limits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy import Enum, Float, Numeric, String
from sqlalchemy import inspect as sa_inspect

from app.database import Base
from app.models import Attachment, Customer, Event, Order, OrderItem, Product
from app.schemas import (
    AttachmentCreate,
    AttachmentRead,
    AttachmentUpdate,
    CreateSchema,
    CustomerCreate,
    CustomerRead,
    CustomerUpdate,
    EventCreate,
    EventRead,
    EventUpdate,
    OrderCreate,
    OrderItemCreate,
    OrderItemRead,
    OrderItemUpdate,
    OrderRead,
    OrderUpdate,
    PatchSchema,
    ProductCreate,
    ProductRead,
    ProductUpdate,
)

MIRRORS: list[tuple[type[Base], type[CreateSchema], type[PatchSchema], type[BaseModel]]] = [
    (Customer, CustomerCreate, CustomerUpdate, CustomerRead),
    (Product, ProductCreate, ProductUpdate, ProductRead),
    (Order, OrderCreate, OrderUpdate, OrderRead),
    (OrderItem, OrderItemCreate, OrderItemUpdate, OrderItemRead),
    (Event, EventCreate, EventUpdate, EventRead),
    (Attachment, AttachmentCreate, AttachmentUpdate, AttachmentRead),
]
ids = [mirror[0].__name__ for mirror in MIRRORS]


def _max_length(schema: dict[str, Any]) -> int | None:
    """maxLength of a property's JSON schema, looking inside ``anyOf`` for optional ones."""
    if "maxLength" in schema:
        return int(schema["maxLength"])
    for option in schema.get("anyOf", []):
        if "maxLength" in option:
            return int(option["maxLength"])
    return None


@pytest.mark.parametrize(("model", "create", "update", "read"), MIRRORS, ids=ids)
def test_schemas_cover_the_columns(
    model: type[Base], create: type[CreateSchema], update: type[PatchSchema], read: type[BaseModel]
) -> None:
    columns = set(sa_inspect(model).columns.keys())
    assert set(create.model_fields) <= columns
    assert set(update.model_fields) == set(create.model_fields)
    assert columns <= set(read.model_fields)


@pytest.mark.parametrize(("model", "create", "update", "read"), MIRRORS, ids=ids)
def test_string_limits_are_the_column_lengths(
    model: type[Base], create: type[CreateSchema], update: type[PatchSchema], read: type[BaseModel]
) -> None:
    create_props = create.model_json_schema()["properties"]
    update_props = update.model_json_schema()["properties"]
    for key, column in sa_inspect(model).columns.items():
        kind = column.type
        # Enum is a String too, but its values are the limit; Text has no length.
        if not isinstance(kind, String) or isinstance(kind, Enum) or kind.length is None:
            continue
        assert _max_length(create_props[key]) == kind.length, key
        assert _max_length(update_props[key]) == kind.length, key


@pytest.mark.parametrize(("model", "create", "update", "read"), MIRRORS, ids=ids)
def test_numeric_precision_and_scale_are_the_columns(
    model: type[Base], create: type[CreateSchema], update: type[PatchSchema], read: type[BaseModel]
) -> None:
    for key, column in sa_inspect(model).columns.items():
        # Float is a Numeric too, without precision or scale.
        if not isinstance(column.type, Numeric) or isinstance(column.type, Float):
            continue
        metadata = create.model_fields[key].metadata
        assert any(getattr(m, "max_digits", None) == column.type.precision for m in metadata)
        assert any(getattr(m, "decimal_places", None) == column.type.scale for m in metadata)


@pytest.mark.parametrize(("model", "create", "update", "read"), MIRRORS, ids=ids)
def test_patches_refuse_null_exactly_for_not_null_columns(
    model: type[Base], create: type[CreateSchema], update: type[PatchSchema], read: type[BaseModel]
) -> None:
    columns = sa_inspect(model).columns
    for key in update.model_fields:
        if columns[key].nullable:
            assert update.model_validate({key: None}).column_values() == {key: None}
        else:
            with pytest.raises(ValidationError, match="not set to null"):
                update.model_validate({key: None})
    assert update.model_validate({}).column_values() == {}


def test_create_values_carry_defaults_for_the_orm() -> None:
    order = OrderCreate.model_validate({"customer_id": 1})
    values = order.column_values()
    assert values["total"] == Decimal("0.00")
    assert values["status"] == "pending"
    assert isinstance(values["placed_at"], dt.datetime)
    assert values["placed_at"].tzinfo is not None


def test_attachment_data_is_strict_base64_and_sized_by_the_server() -> None:
    created = AttachmentCreate.model_validate({"filename": "a", "data": "aGVsbG8="})
    assert created.column_values()["data"] == b"hello"
    assert created.column_values()["size_bytes"] == 5
    assert created.model_dump(mode="json")["data"] == "aGVsbG8="
    with pytest.raises(ValidationError, match="base64"):
        AttachmentCreate.model_validate({"filename": "a", "data": "aGVs bG8="})
    with pytest.raises(ValidationError):
        AttachmentCreate.model_validate({"filename": "a", "data": "aGVsbG8=", "size_bytes": 1})

    assert AttachmentUpdate.model_validate({"filename": "b"}).column_values() == {"filename": "b"}
    assert AttachmentUpdate.model_validate({"data": ""}).column_values() == {
        "data": b"",
        "size_bytes": 0,
    }


def test_read_keeps_database_bytes_raw() -> None:
    row = Attachment(
        id=1,
        filename="a",
        content_type="text/plain",
        data=b"hello",
        size_bytes=5,
        created_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    )
    read = AttachmentRead.model_validate(row)
    assert read.data == b"hello"
    assert read.model_dump(mode="json")["data"] == "aGVsbG8="
