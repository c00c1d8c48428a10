"""ORM models of the demo domain: a small shop with customers, products, orders and an event log.

Together they use every column kind a browser must show well: integers and big integers,
numerics, floats, short and long text, booleans, dates, timezone-aware timestamps, enums,
JSON, binary and UUID columns; nullable and required columns, server and client defaults,
foreign keys with ON DELETE behaviour, a composite unique constraint, indexes and checks.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import Base

# SQLite only aliases the rowid for a column declared exactly INTEGER PRIMARY KEY.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")
# MySQL/MariaDB keep whole seconds in a plain DATETIME: ask for microseconds there.
Timestamp = DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CustomerTier(enum.StrEnum):
    FREE = "free"
    STANDARD = "standard"
    GOLD = "gold"


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    country: Mapped[str | None] = mapped_column(String(2))
    tier: Mapped[CustomerTier] = mapped_column(
        Enum(CustomerTier, name="customer_tier", values_callable=lambda e: [m.value for m in e]),
        default=CustomerTier.FREE,
        server_default=CustomerTier.FREE.value,
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(
        Timestamp, default=_utcnow, server_default=func.current_timestamp()
    )

    orders: Mapped[list[Order]] = relationship(back_populates="customer", passive_deletes=True)

    __table_args__ = (
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        Index(None, "country", "name"),
    )


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    weight_kg: Mapped[float | None] = mapped_column(Double)
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    in_stock: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(
        Timestamp, default=_utcnow, server_default=func.current_timestamp()
    )

    __table_args__ = (CheckConstraint("price >= 0", name="price_not_negative"),)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[OrderStatus] = mapped_column(
        Enum(OrderStatus, name="order_status", values_callable=lambda e: [m.value for m in e]),
        default=OrderStatus.PENDING,
        server_default=OrderStatus.PENDING.value,
    )
    placed_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=_utcnow)
    shipped_on: Mapped[dt.date | None] = mapped_column(Date)
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
    note: Mapped[str | None] = mapped_column(Text)

    customer: Mapped[Customer] = relationship(back_populates="orders")
    items: Mapped[list[OrderItem]] = relationship(back_populates="order", passive_deletes=True)

    __table_args__ = (
        CheckConstraint("total >= 0", name="total_not_negative"),
        Index(None, "status", "placed_at"),
    )


class OrderItem(Base):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    quantity: Mapped[int] = mapped_column(SmallInteger, default=1)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))

    order: Mapped[Order] = relationship(back_populates="items")

    __table_args__ = (
        UniqueConstraint("order_id", "product_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )


class Event(Base):
    """An append-only log; the demo generator can make it huge (millions of rows)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(Timestamp, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    amount: Mapped[float | None] = mapped_column(Double)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=_utcnow)

    __table_args__ = (CheckConstraint("size_bytes >= 0", name="size_not_negative"),)
