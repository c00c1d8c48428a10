"""Pydantic schemas mirroring the ORM models of :mod:`app.models`, for the HTTP API.

Each model ``X`` has:

- ``XBase``: the fields a client writes and a reader sees, with the rules the database
  enforces (string lengths, enums, NOT NULL, numeric precision and scale, CHECK constraints)
  so a bad value is a 422 before it is a database error;
- ``XCreate``: the POST body (``XBase``, unknown keys refused);
- ``XUpdate``: the PATCH body: every field may be left out, but a NOT NULL column cannot be
  set to ``null``;
- ``XRead``: the response, read from an ORM object (``from_attributes``), adding the
  columns the server fills in (ids, timestamps).

Binary data travels as standard base64 text in JSON (see :data:`Base64Data`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    FiniteFloat,
    JsonValue,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from sqlalchemy import inspect as sa_inspect

from app.database import Base
from app.models import (
    Attachment,
    Customer,
    CustomerTier,
    Event,
    Order,
    OrderItem,
    OrderStatus,
    Product,
)

INT16_MAX = 2**15 - 1
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

# Deliberately loose: one "@", no spaces, a dot in the domain. Deliverability is not our job.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _from_base64(value: object) -> object:
    """Decode base64 text (from JSON); pass bytes (from the database) through unchanged."""
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("not valid base64 text") from None
    return value


def _to_base64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


Base64Data = Annotated[
    bytes,
    BeforeValidator(_from_base64),
    PlainSerializer(_to_base64, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "contentEncoding": "base64"}),
]
"""Bytes that are standard (padded) base64 text in JSON and raw bytes in Python."""

# Ids bounded by their column's integer type, so an absurd id is a 422, not a driver error.
CustomerId = Annotated[int, Field(ge=1, le=INT32_MAX)]
ProductId = Annotated[int, Field(ge=1, le=INT32_MAX)]
OrderId = Annotated[int, Field(ge=1, le=INT64_MAX)]

CustomerName = Annotated[str, StringConstraints(min_length=1, max_length=120)]
Email = Annotated[str, StringConstraints(max_length=254, pattern=EMAIL_PATTERN)]
CountryCode = Annotated[str, StringConstraints(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")]
Sku = Annotated[str, StringConstraints(min_length=1, max_length=32)]
ProductName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Price = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)]
OrderTotal = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Quantity = Annotated[int, Field(gt=0, le=INT16_MAX)]
EventKind = Annotated[str, StringConstraints(min_length=1, max_length=40)]
Filename = Annotated[str, StringConstraints(min_length=1, max_length=255)]
ContentType = Annotated[str, StringConstraints(min_length=1, max_length=100)]
JsonObject = dict[str, JsonValue]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def not_null_columns(model: type[Base]) -> frozenset[str]:
    """Attribute names of the model's NOT NULL columns."""
    return frozenset(
        key for key, column in sa_inspect(model).columns.items() if not column.nullable
    )


class CreateSchema(BaseModel):
    """Base of POST bodies."""

    model_config = ConfigDict(extra="forbid")

    def column_values(self) -> dict[str, Any]:
        """Keyword arguments for the ORM constructor: every field, as validated.

        Attribute values, not ``model_dump()``: a dump would apply the JSON-facing
        serializers (base64) that the database must not see.
        """
        return {name: getattr(self, name) for name in type(self).model_fields}


class PatchSchema(BaseModel):
    """Base of PATCH bodies: fields left out stay unchanged.

    A subclass sets :attr:`not_null` to the names of its NOT NULL columns; sending ``null``
    for one of those is a validation error rather than a database error.
    """

    model_config = ConfigDict(extra="forbid")

    not_null: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _refuse_null_for_not_null_columns(cls, value: object, info: ValidationInfo) -> object:
        if value is None and info.field_name in cls.not_null:
            raise ValueError("may be left out, but not set to null")
        return value

    def column_values(self) -> dict[str, Any]:
        """The attributes to change on the ORM object: only the fields the client sent."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class ReadSchema(BaseModel):
    """Base of responses, read from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a keyset-paginated list."""

    items: list[T]
    next_after: int | None = Field(
        description="pass as ?after= to get the next page; null when this is the last page"
    )


class Health(BaseModel):
    status: Literal["ok"]
    dialect: str
    journal_mode: str | None = Field(description="SQLite's journal mode; null for other databases")
    database: str = Field(description="the database URL, password masked")


# --- customers ---------------------------------------------------------------------------


class CustomerBase(BaseModel):
    name: CustomerName
    email: Email
    country: CountryCode | None = None
    tier: CustomerTier = CustomerTier.FREE
    is_active: bool = True
    notes: str | None = None


class CustomerCreate(CustomerBase, CreateSchema):
    pass


class CustomerUpdate(PatchSchema):
    not_null = not_null_columns(Customer)

    name: CustomerName | None = None
    email: Email | None = None
    country: CountryCode | None = None
    tier: CustomerTier | None = None
    is_active: bool | None = None
    notes: str | None = None


class CustomerRead(CustomerBase, ReadSchema):
    id: int
    public_id: uuid.UUID
    created_at: dt.datetime


# --- products ----------------------------------------------------------------------------


class ProductBase(BaseModel):
    sku: Sku
    name: ProductName
    description: str | None = None
    price: Price
    weight_kg: FiniteFloat | None = None
    attributes: JsonObject | None = None
    in_stock: bool = True


class ProductCreate(ProductBase, CreateSchema):
    pass


class ProductUpdate(PatchSchema):
    not_null = not_null_columns(Product)

    sku: Sku | None = None
    name: ProductName | None = None
    description: str | None = None
    price: Price | None = None
    weight_kg: FiniteFloat | None = None
    attributes: JsonObject | None = None
    in_stock: bool | None = None


class ProductRead(ProductBase, ReadSchema):
    id: int
    created_at: dt.datetime


# --- order items (before orders, which embed them) ----------------------------------------


class OrderItemBase(BaseModel):
    order_id: OrderId
    product_id: ProductId
    quantity: Quantity = 1
    unit_price: Price


class OrderItemCreate(OrderItemBase, CreateSchema):
    pass


class OrderItemUpdate(PatchSchema):
    not_null = not_null_columns(OrderItem)

    order_id: OrderId | None = None
    product_id: ProductId | None = None
    quantity: Quantity | None = None
    unit_price: Price | None = None


class OrderItemRead(OrderItemBase, ReadSchema):
    id: int


# --- orders ------------------------------------------------------------------------------


class OrderBase(BaseModel):
    customer_id: CustomerId
    status: OrderStatus = OrderStatus.PENDING
    placed_at: dt.datetime = Field(default_factory=_utcnow)
    shipped_on: dt.date | None = None
    total: OrderTotal = Decimal("0.00")
    note: str | None = None


class OrderCreate(OrderBase, CreateSchema):
    pass


class OrderUpdate(PatchSchema):
    not_null = not_null_columns(Order)

    customer_id: CustomerId | None = None
    status: OrderStatus | None = None
    placed_at: dt.datetime | None = None
    shipped_on: dt.date | None = None
    total: OrderTotal | None = None
    note: str | None = None


class OrderRead(OrderBase, ReadSchema):
    id: int
    items: list[OrderItemRead] = Field(
        default_factory=list, description="the order's lines (read-only; edit /order-items)"
    )


# --- events ------------------------------------------------------------------------------


class EventBase(BaseModel):
    occurred_at: dt.datetime
    kind: EventKind
    customer_id: CustomerId | None = None
    amount: FiniteFloat | None = None
    payload: JsonObject | None = None


class EventCreate(EventBase, CreateSchema):
    pass


class EventUpdate(PatchSchema):
    not_null = not_null_columns(Event)

    occurred_at: dt.datetime | None = None
    kind: EventKind | None = None
    customer_id: CustomerId | None = None
    amount: FiniteFloat | None = None
    payload: JsonObject | None = None


class EventRead(EventBase, ReadSchema):
    id: int


# --- attachments -------------------------------------------------------------------------


class AttachmentBase(BaseModel):
    order_id: OrderId | None = None
    filename: Filename
    content_type: ContentType = "application/octet-stream"
    data: Base64Data


class AttachmentCreate(AttachmentBase, CreateSchema):
    def column_values(self) -> dict[str, Any]:
        # The size is derived, never trusted from the client.
        return {**super().column_values(), "size_bytes": len(self.data)}


class AttachmentUpdate(PatchSchema):
    not_null = not_null_columns(Attachment)

    order_id: OrderId | None = None
    filename: Filename | None = None
    content_type: ContentType | None = None
    data: Base64Data | None = None

    def column_values(self) -> dict[str, Any]:
        values = super().column_values()
        if self.data is not None:
            values["size_bytes"] = len(self.data)
        return values


class AttachmentRead(AttachmentBase, ReadSchema):
    id: int
    size_bytes: int
    created_at: dt.datetime
