"""Rows of the shop tables: customers, products, orders with their items, attachments.

Each generator draws from the ``random.Random`` it is given, in a fixed order, so the same
seed and the same first ids give the same rows.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import random
import struct
import uuid
import zlib
from collections.abc import Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.demo_run import _SPAN_US, _at, _Ids, _json, _time
from app.demo_words import (
    _ADJECTIVES,
    _CATEGORIES,
    _COLORS,
    _CULTURE_LIMITS,
    _CULTURES,
    _EMOJI,
    _MAIL_DOMAINS,
    _MATERIALS,
    _SPECIAL_PRODUCTS,
    _TAGS,
    _note,
)
from app.models import CustomerTier, OrderStatus

_CENT = Decimal("0.01")


def _cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(_CENT)


def _customers(rng: random.Random, ids: _Ids) -> Iterator[dict[str, Any]]:
    for index in range(ids.count):
        row_id = ids.first + index
        culture = _CULTURES[
            bisect.bisect_right(_CULTURE_LIMITS, rng.randrange(_CULTURE_LIMITS[-1]))
        ]
        (first, first_ascii), (last, last_ascii) = (
            rng.choice(culture.first),
            rng.choice(culture.last),
        )
        if culture.family_first:
            name = f"{last}{first}"
        elif rng.random() < 0.1:
            name = f"{first} {rng.choice('ABCDEJKLMRS')}. {last}"
        else:
            name = f"{first} {last}"
        if rng.random() < 0.015:
            name = f"{name} {rng.choice(_EMOJI)}"
        local = rng.choice(
            (f"{first_ascii}.{last_ascii}", f"{first_ascii[0]}{last_ascii}", first_ascii)
        )
        yield {
            "id": row_id,
            "public_id": uuid.UUID(int=rng.getrandbits(128), version=4),
            "name": name,
            # The id makes the address unique: no local part ends in a digit.
            "email": f"{local}{row_id}@{rng.choice(_MAIL_DOMAINS)}",
            "country": None if rng.random() < 0.08 else rng.choice(culture.countries),
            "tier": rng.choices(tuple(CustomerTier), (60, 30, 10))[0],
            "is_active": rng.random() < 0.92,
            "notes": _note(rng, (70, 6, 15, 6, 3)),
            # The first account opens at BASE_TIME: every order and event has one to refer to.
            "created_at": _at(_time(index, ids.count, rng) if index else 0),
        }


def _attributes(rng: random.Random, category: str) -> dict[str, Any] | None:
    roll = rng.random()
    if roll < 0.18:
        return None
    if roll < 0.21:
        return {}
    size = {"w": rng.randint(2, 120), "h": rng.randint(2, 120), "d": rng.randint(1, 60)}
    tags = rng.sample(_TAGS, rng.randint(0, 3))
    attributes: dict[str, Any] = {"color": rng.choice(_COLORS), "tags": tags, "size_cm": size}
    if category == "KIT":
        attributes["dishwasher_safe"] = rng.random() < 0.7
    if category == "AUD":
        attributes["specs"] = {"bluetooth": "5.3", "battery_h": rng.choice((None, 12, 24, 40))}
    if rng.random() < 0.3:
        attributes["origin"] = rng.choice(("PT", "JP", "DE", "VN", "MX"))
    return attributes


def _products(rng: random.Random, ids: _Ids, prices: list[Decimal]) -> Iterator[dict[str, Any]]:
    """Products created in the year before BASE_TIME; appends each price to ``prices``."""
    for index in range(ids.count):
        category = rng.choice(tuple(_CATEGORIES))
        if rng.random() < 0.04:
            name = rng.choice(_SPECIAL_PRODUCTS)
        else:
            noun = rng.choice(_CATEGORIES[category])
            name = f"{rng.choice(_ADJECTIVES)} {rng.choice(_MATERIALS)} {noun}"
        roll = rng.random()
        if roll < 0.01:
            price = Decimal("0.00")
        elif roll < 0.9:
            price = _cents(rng.randint(2, 199) * 100 + rng.choice((99, 49, 0, 95)))
        else:
            price = _cents(rng.randint(200, 2500) * 100)
        prices.append(price)
        if rng.random() < 0.65:
            description: str | None = (
                f"{name}, {rng.choice(_MATERIALS).lower()} finish.\n"
                f"• Weight class: {rng.choice('ABC')}\n• Size: {rng.randint(1, 90)} cm"
            )
        else:
            description = _note(rng, (15, 5, 0, 12, 1))
        yield {
            "id": ids.first + index,
            "sku": f"{category}-{ids.first + index:06d}",
            "name": name,
            "description": description,
            "price": price,
            "weight_kg": None if rng.random() < 0.2 else round(rng.uniform(0.05, 25.0), 3),
            "attributes": _json(_attributes(rng, category)),
            "in_stock": rng.random() < 0.85,
            "created_at": _at(_time(index, ids.count, rng) // 2 - _SPAN_US // 2),
        }


_Order = tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]


def _orders(
    rng: random.Random,
    ids: _Ids,
    customers: _Ids,
    products: _Ids,
    prices: Sequence[Decimal],
    first_item_id: int,
    first_attachment_id: int,
) -> Iterator[_Order]:
    """Each order with its items and attachments; the total is the sum of the items."""
    item_id, attachment_id = first_item_id, first_attachment_id
    customer_step = max(1, _SPAN_US // max(1, customers.count))
    for index in range(ids.count):
        order_id = ids.first + index
        placed_us = _time(index, ids.count, rng)
        placed_at = _at(placed_us)
        # Only customers whose account existed when the order was placed.
        known = max(1, min(customers.count, placed_us // customer_step))
        status = rng.choices(tuple(OrderStatus), (8, 10, 12, 60, 10))[0]
        shipped_on = None
        if status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
            shipped_on = (placed_at + dt.timedelta(days=rng.randint(0, 6))).date()
        items: list[dict[str, Any]] = []
        size = rng.choices(range(1, 7), (35, 30, 18, 10, 5, 2))[0]
        # Distinct products: (order_id, product_id) is unique.
        for product_index in rng.sample(range(products.count), min(size, products.count)):
            unit_price = prices[product_index]
            if rng.random() < 0.15:  # a discount, or the price changed since
                percent = rng.choice((95, 90, 85, 80))
                unit_price = (unit_price * percent / 100).quantize(_CENT, ROUND_HALF_UP)
            quantity = rng.choices((1, 2, 3, rng.randint(4, 12)), (70, 18, 7, 5))[0]
            items.append(
                {
                    "id": item_id,
                    "order_id": order_id,
                    "product_id": products.first + product_index,
                    "quantity": quantity,
                    "unit_price": unit_price,
                }
            )
            item_id += 1
        attachments = []
        if rng.random() < 0.08:
            for _ in range(rng.choice((1, 1, 1, 2))):
                attachments.append(_attachment(rng, attachment_id, order_id, placed_at))
                attachment_id += 1
        order = {
            "id": order_id,
            "customer_id": customers.first + rng.randrange(known),
            "status": status,
            "placed_at": placed_at,
            "shipped_on": shipped_on,
            "total": sum((i["quantity"] * i["unit_price"] for i in items), Decimal("0.00")),
            "note": _note(rng, (72, 6, 14, 5, 3)),
        }
        yield order, items, attachments


def _png(rng: random.Random) -> bytes:
    """A valid tiny RGB PNG of random pixels."""
    width, height = rng.randint(1, 24), rng.randint(1, 24)
    pixels = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(pixels, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def _pdf(rng: random.Random, number: int) -> bytes:
    """A small one-page PDF-like document."""
    lines = [f"(Invoice {number}) Tj"] + [
        f"0 -14 Td (Item {i + 1}: {rng.randint(1, 500)}.{rng.randint(0, 99):02d} EUR) Tj"
        for i in range(rng.randint(1, 40))
    ]
    content = "BT /F1 12 Tf 72 720 Td " + " ".join(lines) + " ET"
    return (
        "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
        "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        "3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n"
        f"4 0 obj << /Length {len(content)} >>\nstream\n{content}\nendstream\nendobj\n"
        "trailer << /Root 1 0 R >>\n%%EOF\n"
    ).encode("latin-1")


def _attachment(
    rng: random.Random, attachment_id: int, order_id: int, placed_at: dt.datetime
) -> dict[str, Any]:
    kind = rng.randrange(10)
    if kind < 3:
        name = rng.choice(
            (f"invoice-{order_id}.pdf", f"Rechnung_{order_id}.pdf", "facture été.pdf")
        )
        content_type, data = "application/pdf", _pdf(rng, order_id)
    elif kind < 5:
        name = rng.choice((f"photo-{order_id}.png", f"damaged box 📦 {order_id}.png"))
        content_type, data = "image/png", _png(rng)
    elif kind < 7:
        name = rng.choice((f"receipt-{order_id}.txt", f"領収書-{order_id}.txt"))
        euros = f"{rng.randint(5, 900)},{rng.randint(0, 99):02d}"
        receipt = f"Reçu — commande n° {order_id}\nTotal : {euros} €\n"
        content_type, data = "text/plain; charset=utf-8", receipt.encode()
    elif kind < 8:
        lines = (
            f"{i},{rng.choice(_TAGS)},{rng.randint(1, 9)}\n" for i in range(rng.randint(1, 30))
        )
        name, content_type = f"items-{order_id}.csv", "text/csv"
        data = ("line,tag,qty\n" + "".join(lines)).encode()
    elif kind < 9:
        label = {
            "order": order_id,
            "carrier": rng.choice(("DHL", "UPS", "La Poste")),
            "fragile": True,
        }
        name, content_type, data = (
            f"label-{order_id}.json",
            "application/json",
            json.dumps(label).encode(),
        )
    else:
        size = 0 if rng.random() < 0.2 else rng.randint(1, 4096)
        name, content_type = f"scan-{order_id}.bin", "application/octet-stream"
        data = rng.randbytes(size)
    return {
        "id": attachment_id,
        # A few uploads were never filed under their order.
        "order_id": None if rng.random() < 0.1 else order_id,
        "filename": name,
        "content_type": content_type,
        "data": data,
        "size_bytes": len(data),
        "created_at": placed_at + dt.timedelta(minutes=rng.randint(1, 7 * 24 * 60)),
    }
