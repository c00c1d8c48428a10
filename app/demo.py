"""Deterministic demo data for the shop schema of :mod:`app.models`.

``python -m app.demo [--url URL] [--events N] [--customers N] [--products N] [--orders N]
[--seed S] [--force]`` fills a database with data made to exercise a browser: names in many
scripts (accents, CJK, Greek, Arabic, a few emoji), NULL next to empty strings, long
multi-line notes, notes that look like Rich markup, JSON documents, small binary files, money
as ``Decimal``, dates, timestamps and enums. :func:`generate` does the same from Python.

Everything is a function of the seed and of the first free id of each table (so a ``--force``
run adds new rows instead of colliding with old ones): each table draws from its own
``random.Random`` and all times count from :data:`BASE_TIME`, never from the clock. The same
seed against the same starting database writes byte-identical data.

The event log can be huge. Its rows are pure functions of their index (three integer hashes
per row), so on SQLite they are computed set-based, one ``INSERT … SELECT`` over a recursive
CTE per chunk, with no Python work per row (3x faster than the ``executemany`` path). Other
databases get the same rows computed in Python and inserted in chunks. Both paths are built
from one description of the event kinds (:data:`_KINDS`), and a test checks that they agree.
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import datetime as dt
import json
import random
import struct
import sys
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Table, func, insert, null, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from app.config import settings
from app.database import Base, create_engines, ensure_database_schema, mask_url
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

BASE_TIME = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
"""Start of the timeline: customers, orders and events spread over the following :data:`SPAN`
(products were created in the year before)."""
SPAN = dt.timedelta(days=730)
DEFAULT_SEED = 42

_SPAN_US = SPAN // dt.timedelta(microseconds=1)
_BASE_US = (BASE_TIME - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
_CENT = Decimal("0.01")
_ROWS_PER_INSERT = 5_000
_EVENTS_PER_STATEMENT = 200_000  # Ctrl-C is only seen between statements
_DEMO_TABLES: tuple[type[Base], ...] = (Product, Customer, Order, OrderItem, Attachment, Event)
_T = TypeVar("_T")

ProgressCallback = Callable[[str, int, float], None]
"""Told after each table: (table name, rows written, seconds taken)."""


@dataclass(frozen=True)
class DemoCounts:
    """Rows written to each table by one :func:`generate` call."""

    customers: int = 0
    products: int = 0
    orders: int = 0
    order_items: int = 0
    attachments: int = 0
    events: int = 0

    @property
    def total(self) -> int:
        return sum(dataclasses.astuple(self))


class DemoDataExistsError(Exception):
    """The demo tables already hold rows and the caller did not ask to add more."""

    def __init__(self, tables: Sequence[str]) -> None:
        super().__init__(f"the demo tables already hold rows: {', '.join(tables)}")
        self.tables = tuple(tables)


# --- words ---------------------------------------------------------------------------------


def _lines(block: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in block.strip().splitlines())


@dataclass(frozen=True)
class _Culture:
    weight: int
    countries: tuple[str, ...]
    first: tuple[tuple[str, str], ...]  # (as written, ASCII for the e-mail address)
    last: tuple[tuple[str, str], ...]
    family_first: bool  # written "family given" without a space (CJK)


def _cultures(table: str) -> tuple[_Culture, ...]:
    """One culture a line: ``weight[*] | countries | first names | last names``.

    A name is ``Written:ascii`` where the two differ; ``*`` marks family-first names.
    """

    def names(words: str) -> tuple[tuple[str, str], ...]:
        pairs = (word.partition(":") for word in words.split())
        return tuple((shown, ascii_ or shown.lower()) for shown, _, ascii_ in pairs)

    cultures = []
    for line in _lines(table):
        weight, countries, first, last = (part.strip() for part in line.split("|"))
        cultures.append(
            _Culture(
                int(weight.rstrip("*")),
                tuple(countries.split()),
                names(first),
                names(last),
                weight.endswith("*"),
            )
        )
    return tuple(cultures)


_CULTURES = _cultures("""
    30 | US GB CA AU IE NZ | Amelia Noah Olivia Liam Emma Jack Grace Ethan Harper Mason | Smith Johnson O'Brien:obrien Taylor Walker Brown Wilson Clarke Murphy
    8 | DE AT CH | Lukas Sophie Jürgen:juergen Jörg:joerg Anna Felix Lena | Müller:mueller Schröder:schroeder Weiß:weiss Fischer Becker
    8 | FR BE CA | Chloé:chloe François:francois Zoë:zoe Léa:lea Hugo Élodie:elodie | Dubois Lefèvre:lefevre Moreau Girard Rousseau
    10 | ES MX AR CO | José:jose Sofía:sofia Mateo Lucía:lucia Iñigo:inigo Ángel:angel | García:garcia Núñez:nunez Fernández:fernandez López:lopez Peña:pena
    6 | BR PT | João:joao Ana Gonçalo:goncalo Beatriz Thiago Inês:ines | Silva Conceição:conceicao Araújo:araujo Souza
    4 | SE NO DK FI | Søren:soren Björn:bjorn Åsa:asa Ingrid Magnus | Østergaard:ostergaard Johansson Lindqvist Åberg:aberg Virtanen
    4 | PL CZ | Łukasz:lukasz Małgorzata:malgorzata Wojciech Zofia Jiří:jiri | Kowalski Nowak Wójcik:wojcik Dvořák:dvorak
    5* | JP | 花子:hanako 太郎:taro 陽菜:hina 蓮:ren 結衣:yui | 佐藤:sato 鈴木:suzuki 高橋:takahashi 山田:yamada
    5* | CN TW SG | 伟:wei 娜:na 静:jing 磊:lei 秀英:xiuying 子涵:zihan | 王:wang 李:li 张:zhang 陈:chen 刘:liu
    3* | KR | 민준:minjun 서연:seoyeon 지호:jiho 하은:haeun | 김:kim 이:lee 박:park 최:choi
    3 | GR CY | Γιώργος:giorgos Ελένη:eleni Νίκος:nikos Μαρία:maria | Παπαδόπουλος:papadopoulos Οικονόμου:oikonomou
    3 | EG AE MA JO | محمد:mohamed فاطمة:fatima علي:ali ليلى:layla | حسن:hassan منصور:mansour الخطيب:alkhatib
    6 | IN | Priya Arjun Ananya Rohan Saanvi Vihaan | Sharma Patel Iyer Reddy Banerjee
    5 | NG GH KE | Olúwaseun:oluwaseun Chiamaka Emeka Ngozi Kwame Wanjiru | Okafor Adébáyọ̀:adebayo Eze Mensah Otieno
""")  # noqa: E501
_CULTURE_LIMITS = tuple(accumulate(c.weight for c in _CULTURES))
_EMOJI = ("🦄", "🚀", "✨", "🌈", "☕", "🐙", "👩‍💻")
_MAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example", "inbox.example")
_SHORT_NOTES = (
    "  leading and trailing spaces  ",
    *_lines("""
    Prefers e-mail over phone.
    Asked about bulk pricing.
    Moved to a new address in spring.
    Livraison uniquement après 18 h.
    請在週末送貨。
    Gift wrap please 🎁
    Returned one item, refunded in full.
    Tab\tseparated\tnote
"""),
)
_MARKUP_NOTES = _lines("""
    [bold]VIP[/bold] customer: always ship express
    [red]Chargeback[/red] in 2023, verify payment first
    Prefers [link=https://example.com/contact]e-mail[/link] contact
    [b]Do not[/b] call before 10 am [i](time zone!)[/i]
    Escaped \\[not markup] and a lone [/] closing tag
    :warning: emoji code, [blink]blink[/blink] and [on red]  [/]
    [bold magenta]Loyal since 2019[/] :star:
""")
_SENTENCES = _lines("""
    The customer called twice about the delivery window.
    Package was left with a neighbour, who signed for it.
    Requested an invoice with the company's VAT number.
    Ünïcödé survives the round trip: naïve café, smörgåsbord, Æsir.
    Follow-up scheduled; see the ticket for the full history.
    Discount code SPRING23 applied by hand after a checkout error.
    送货地址已更新。
    Card expired; the customer updated it the same day.
    Quote: "it arrived in perfect condition" (sic).
""")
_NOTE_KINDS = ("null", "empty", "short", "long", "markup")


def _long_text(rng: random.Random) -> str:
    """Paragraphs, sometimes a list or a very long line: text that needs wrapping."""
    paragraphs = [
        " ".join(rng.choice(_SENTENCES) for _ in range(rng.randint(1, 5)))
        for _ in range(rng.randint(2, 5))
    ]
    if rng.random() < 0.4:
        paragraphs.append("\n".join(f"- {rng.choice(_SENTENCES)}" for _ in range(3)))
    if rng.random() < 0.3:
        paragraphs.append(" ".join(rng.choice(_SENTENCES) for _ in range(12)) + "   ")
    return "\n\n".join(paragraphs)


def _note(rng: random.Random, weights: tuple[int, int, int, int, int]) -> str | None:
    """NULL, ``""``, a short note, long text or text that looks like Rich markup."""
    kind = rng.choices(_NOTE_KINDS, weights)[0]
    if kind == "null":
        return None
    if kind == "empty":
        return ""
    if kind == "long":
        return _long_text(rng)
    return rng.choice(_SHORT_NOTES if kind == "short" else _MARKUP_NOTES)


def _time(index: int, count: int, rng: random.Random) -> int:
    """Microseconds after BASE_TIME of item ``index`` of ``count`` spread over SPAN.

    Item i falls in [i*step, (i+1)*step), so times increase with the index.
    """
    step = max(1, _SPAN_US // max(1, count))
    return index * step + rng.randrange(step)


def _at(offset_us: int) -> dt.datetime:
    return BASE_TIME + dt.timedelta(microseconds=offset_us)


def _cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(_CENT)


def _json(value: Any) -> Any:
    """``None`` as SQL NULL: the JSON type stores a Python ``None`` as JSON ``null``."""
    return null() if value is None else value


# --- customers, products, orders, attachments ----------------------------------------------


@dataclass(frozen=True)
class _Ids:
    """The first id and the row count of one table in this run."""

    first: int
    count: int


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


_CATEGORIES = {
    "KIT": ("Mug", "Teapot", "Chef's Knife", "Cutting Board", "Espresso Cup", "Salad Bowl"),
    "HOM": ("Lamp", "Cushion", "Throw Blanket", "Vase", "Candle", "Doormat"),
    "OFF": ("Notebook", "Desk Organizer", "Fountain Pen", "Monitor Stand", "Planner"),
    "OUT": ("Backpack", "Water Bottle", "Tent", "Camping Stove", "Hammock"),
    "AUD": ("Headphones", "Speaker", "Turntable", "Microphone"),
}
_ADJECTIVES = ("Ergonomic", "Rustic", "Minimalist", "Handmade", "Compact", "Deluxe", "Vintage")
_MATERIALS = ("Ceramic", "Bamboo", "Oak", "Steel", "Linen", "Wool", "Recycled", "Copper")
_SPECIAL_PRODUCTS = _lines("""
    Crème Brûlée Torch
    Käsefondue Set (6 pers.)
    Matcha 抹茶 Whisk
    Smörgåsbord Platter
    12" Vinyl Cleaning Kit
    Ultra-Long Name Deluxe Professional Stainless Steel Multi-Purpose Kitchen Utility Tool Set
""")
_COLORS = ("black", "white", "sage green", "bleu marine", "terracotta", "natural", "黒")
_TAGS = ("bestseller", "new", "eco", "gift", "sale", "limited", "handmade")


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


# --- events --------------------------------------------------------------------------------
#
# Event n of a run is a pure function of n and the run's _EventPlan: three 32-bit hashes of n
# drive every column. The hash is written once in Python and once in SQL (SQLite has no XOR,
# so the rounds add the shifted value instead; every product stays below 2**63), and each
# field of the table below renders both ways.

_MASK = 0xFFFFFFFF
_MIX_ROUNDS = ((15, 0x2C1B3C6D), (12, 0x297A2D39), (16, 1))


def _mix(n: int, salt: int) -> int:
    x = (n * 0x9E3779B1 + salt) & _MASK
    for shift, factor in _MIX_ROUNDS:
        x = ((x + (x >> shift)) * factor) & _MASK
    return x


def _hash_pipeline() -> tuple[str, str, str]:
    """Column names, first row and next row of a recursive CTE that computes _mix in SQL.

    Written as one expression, each round would repeat the previous one twice (8 copies of
    the first). Instead each round works on the previous row's column, so the hash of row
    ``n`` is complete three rows later, in column ``h1``/``h2``/``h3`` of row ``n + 3``.
    """
    columns, first, following = ["n"], [":start"], ["n + 1"]
    for k in (1, 2, 3):
        stages = [f"x{k}_{r}" for r in range(len(_MIX_ROUNDS))] + [f"h{k}"]
        columns += stages
        first += [f"(:start * {0x9E3779B1} + :salt{k}) & {_MASK}"] + ["0"] * len(_MIX_ROUNDS)
        following.append(f"((n + 1) * {0x9E3779B1} + :salt{k}) & {_MASK}")
        for x, (shift, factor) in zip(stages[:-1], _MIX_ROUNDS, strict=True):
            following.append(f"(({x} + ({x} >> {shift})) * {factor}) & {_MASK}")
    return ", ".join(columns), ", ".join(first), ", ".join(following)


@dataclass(frozen=True)
class _EventPlan:
    first_id: int
    count: int
    salts: tuple[int, int, int]
    customers: _Ids
    products: _Ids

    @property
    def step(self) -> int:
        return max(1, _SPAN_US // max(1, self.count))

    @property
    def customer_step(self) -> int:
        return max(1, _SPAN_US // max(1, self.customers.count))

    def params(self) -> dict[str, int]:
        salt1, salt2, salt3 = self.salts
        return {
            "first_id": self.first_id,
            "salt1": salt1,
            "salt2": salt2,
            "salt3": salt3,
            "step": self.step,
            "base_us": _BASE_US,
            "customers": self.customers.count,
            "first_customer": self.customers.first,
            "customer_step": self.customer_step,
            "products": self.products.count,
            "first_product": self.products.first,
        }


_Hashes = tuple[int, int, int]
_Scalar = str | bool | None


class _Field(Protocol):
    def sql(self) -> str: ...

    def value(self, h: _Hashes, plan: _EventPlan) -> Any: ...


@dataclass(frozen=True)
class _Draw:
    """``add + (h >> shift) % modulo`` of hash ``h1``, ``h2`` or ``h3``."""

    hash: int
    shift: int
    modulo: int
    add: int = 0

    def sql(self) -> str:
        return f"({self.add} + (h{self.hash} >> {self.shift}) % {self.modulo})"

    def value(self, h: _Hashes, plan: _EventPlan) -> int:
        return self.add + (h[self.hash - 1] >> self.shift) % self.modulo


@dataclass(frozen=True)
class _Choice:
    """One of fixed options, drawn like :class:`_Draw`."""

    hash: int
    shift: int
    options: tuple[_Scalar, ...]

    def sql(self) -> str:
        draw = _Draw(self.hash, self.shift, len(self.options)).sql()
        return _sql_case(draw, {i: _sql_literal(o) for i, o in enumerate(self.options)})

    def value(self, h: _Hashes, plan: _EventPlan) -> _Scalar:
        return self.options[_Draw(self.hash, self.shift, len(self.options)).value(h, plan)]


@dataclass(frozen=True)
class _ProductRef:
    """The id of one of this run's products (JSON null when it wrote none)."""

    shift: int

    def sql(self) -> str:
        return (
            "CASE WHEN :products = 0 THEN NULL "
            f"ELSE :first_product + (h3 >> {self.shift}) % :products END"
        )

    def value(self, h: _Hashes, plan: _EventPlan) -> int | None:
        if not plan.products.count:
            return None
        return plan.products.first + (h[2] >> self.shift) % plan.products.count


@dataclass(frozen=True)
class _Kind:
    name: str
    weight: int  # per mille of all events
    payload: dict[str, _Field] | None  # None: SQL NULL
    anonymous_percent: int = 0  # events without a customer
    amount_sign: int = 0  # 0: no amount; -1: refunds


def _choice(hash_: int, shift: int, options: str) -> _Choice:
    """Options separated by ``|``; ``~`` is JSON null."""
    return _Choice(hash_, shift, tuple(None if o == "~" else o for o in options.split("|")))


_CURRENCY = _choice(1, 12, "EUR|EUR|USD|GBP|JPY|BRL")
_PROVIDER = _choice(1, 6, "stripe|paypal|adyen|klarna")
_PRODUCT = _ProductRef(12)
_KINDS = (
    _Kind(
        "page_view",
        420,
        {
            "path": _choice(
                1, 8, "/|/products|/cart|/account/orders|/blog/café|/search?q=th%C3%A9"
            ),
            "ms": _Draw(1, 4, 1500, 20),
            "referrer": _choice(2, 17, "~|~|https://www.example.com/|newsletter"),
        },
        anonymous_percent=35,
    ),
    _Kind(
        "search",
        120,
        {
            "query": _choice(
                1, 8, 'running shoes|café mug|東京 tote bag|🎧 headphones||size 42 "wide"|straße'
            ),
            "results": _Draw(1, 14, 120),
            "page": _Draw(2, 17, 3, 1),
        },
        anonymous_percent=50,
    ),
    _Kind("add_to_cart", 90, {"product_id": _PRODUCT, "qty": _Draw(1, 6, 3, 1)}, amount_sign=1),
    _Kind("remove_from_cart", 25, {"product_id": _PRODUCT}, amount_sign=1),
    _Kind(
        "login",
        80,
        {
            "method": _choice(1, 6, "password|password|sso|magic_link|passkey"),
            "ip": _choice(1, 9, "203.0.113.7|198.51.100.23|192.0.2.140|2001:db8::1|203.0.113.99"),
            "new_device": _Choice(1, 17, (True,) + (False,) * 9),
        },
    ),
    _Kind("logout", 40, None),
    _Kind(
        "checkout_started",
        50,
        {"items": _Draw(1, 6, 6, 1), "currency": _CURRENCY},
        amount_sign=1,
    ),
    _Kind(
        "payment_succeeded",
        40,
        {"provider": _PROVIDER, "currency": _CURRENCY, "attempt": _Draw(1, 17, 2, 1)},
        amount_sign=1,
    ),
    _Kind(
        "payment_failed",
        8,
        {
            "provider": _PROVIDER,
            "error": _choice(1, 14, "card_declined|insufficient_funds|expired_card"),
            "attempt": _Draw(1, 17, 3, 1),
        },
        amount_sign=1,
    ),
    _Kind(
        "refund",
        5,
        {
            "reason": _choice(1, 6, "damaged|wrong size|not as described|changed mind"),
            "partial": _Choice(1, 12, (True, False, False)),
        },
        amount_sign=-1,
    ),
    _Kind(
        "email_opened",
        100,
        {
            "campaign": _choice(1, 6, "spring-sale|welcome|cart-reminder|fête-des-mères"),
            "client": _choice(1, 12, "Apple Mail|Gmail|Outlook|Thunderbird"),
        },
    ),
    _Kind("password_reset", 7, {}),
    _Kind(
        "review_posted",
        15,
        {
            "product_id": _PRODUCT,
            "rating": _Draw(1, 6, 5, 1),
            "text": _choice(
                1, 10, "Great mug!\nWould buy again ☕|Arrived broken.|期待以上でした|Meh."
            ),
        },
    ),
)
_KIND_LIMITS = tuple(accumulate(kind.weight for kind in _KINDS))
_AMOUNT = _Draw(2, 14, 49_900, 100)  # cents: 1.00 to 499.99


def _sql_literal(value: _Scalar) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "json('true')" if value else "json('false')"
    # Quotes doubled for SQL; colons escaped so that text() sees no bind parameter in them.
    return "'" + value.replace("'", "''").replace(":", "\\:") + "'"


def _sql_case(expr: str, branches: dict[int, str], default: str = "NULL") -> str:
    whens = " ".join(f"WHEN {key} THEN {value}" for key, value in branches.items())
    return f"CASE {expr} {whens} ELSE {default} END"


def _events_sql() -> str:
    """Rows ``:start`` to ``:stop - 1`` of the run as one INSERT … SELECT."""
    columns, first, following = _hash_pipeline()
    lag = len(_MIX_ROUNDS)
    kinds = dict(enumerate(_KINDS))
    kind_index = " ".join(
        f"WHEN h2 % 1000 < {limit} THEN {i}" for i, limit in enumerate(_KIND_LIMITS)
    )
    names = {i: _sql_literal(kind.name) for i, kind in kinds.items()}
    anonymous = {
        i: str(kind.anonymous_percent) for i, kind in kinds.items() if kind.anonymous_percent
    }
    amounts = {
        i: f"{'-' if kind.amount_sign < 0 else ''}{_AMOUNT.sql()} / 100.0"
        for i, kind in kinds.items()
        if kind.amount_sign
    }
    payloads = {
        i: "json_object("
        + ", ".join(f"'{key}', {f.sql()}" for key, f in kind.payload.items())
        + ")"
        for i, kind in kinds.items()
        if kind.payload is not None
    }
    return f"""
INSERT INTO events (id, occurred_at, kind, customer_id, amount, payload)
WITH RECURSIVE seq({columns}) AS (
    SELECT {first}
    UNION ALL
    SELECT {following} FROM seq WHERE n + 1 < :stop + {lag}
),
drawn AS (
    SELECT n - {lag} AS i, h1, h2, h3, (n - {lag}) * :step + h1 % :step AS t,
           CASE {kind_index} END AS k
    FROM seq WHERE n >= :start + {lag}
)
SELECT
    :first_id + i,
    strftime('%Y-%m-%d %H:%M:%S', (:base_us + t) / 1000000, 'unixepoch')
        || '.' || printf('%06d', (:base_us + t) % 1000000),
    {_sql_case("k", names)},
    CASE WHEN :customers = 0 OR (h2 >> 10) % 100 < {_sql_case("k", anonymous, "0")} THEN NULL
         ELSE :first_customer + h3 % max(1, min(:customers, t / :customer_step)) END,
    {_sql_case("k", amounts)},
    {_sql_case("k", payloads)}
FROM drawn
"""


_EVENTS_SQL = text(_events_sql())


def _event(plan: _EventPlan, n: int) -> dict[str, Any]:
    """Row ``n`` of the run, exactly as :data:`_EVENTS_SQL` computes it."""
    h = (_mix(n, plan.salts[0]), _mix(n, plan.salts[1]), _mix(n, plan.salts[2]))
    h1, h2, h3 = h
    t = n * plan.step + h1 % plan.step
    kind = _KINDS[bisect.bisect_right(_KIND_LIMITS, h2 % 1000)]
    customer_id = None
    if plan.customers.count and (h2 >> 10) % 100 >= kind.anonymous_percent:
        customer_id = plan.customers.first + h3 % max(
            1, min(plan.customers.count, t // plan.customer_step)
        )
    payload = None
    if kind.payload is not None:
        payload = {key: f.value(h, plan) for key, f in kind.payload.items()}
    return {
        "id": plan.first_id + n,
        "occurred_at": _at(t),
        "kind": kind.name,
        "customer_id": customer_id,
        "amount": kind.amount_sign * _AMOUNT.value(h, plan) / 100 if kind.amount_sign else None,
        "payload": _json(payload),
    }


# --- writing -------------------------------------------------------------------------------


def _rng(seed: int, table: str, first_id: int) -> random.Random:
    # A str seed is hashed with SHA-512: stable across processes, unlike hash().
    return random.Random(f"dbbrowse-demo:{seed}:{table}:{first_id}")


def _chunks(rows: Iterable[_T], size: int = _ROWS_PER_INSERT) -> Iterator[list[_T]]:
    chunk: list[_T] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _non_empty_tables(conn: Connection) -> list[str]:
    tables = [_table(model) for model in _DEMO_TABLES]
    return [t.name for t in tables if conn.execute(select(t.c.id).limit(1)).first() is not None]


def _next_id(conn: Connection, model: type[Base]) -> int:
    largest = conn.execute(select(func.max(_table(model).c.id))).scalar_one()
    return 1 if largest is None else int(largest) + 1


@contextmanager
def _bulk_load(conn: Connection) -> Iterator[None]:
    """On SQLite, no fsync and a 64 MiB page cache while loading; put back afterwards."""
    if conn.dialect.name != "sqlite":
        yield
        return
    synchronous = int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())
    cache_size = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    conn.exec_driver_sql("PRAGMA synchronous = OFF")
    conn.exec_driver_sql("PRAGMA cache_size = -65536")
    conn.commit()
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA synchronous = {synchronous}")
        conn.exec_driver_sql(f"PRAGMA cache_size = {cache_size}")
        conn.commit()


def _advance_sequences(conn: Connection) -> None:
    """On PostgreSQL, move each ``SERIAL`` past the explicit ids written (others do it alone)."""
    if conn.dialect.name != "postgresql":
        return
    for model in _DEMO_TABLES:
        table = _table(model)
        sequence = func.pg_get_serial_sequence(table.name, "id")
        largest = select(func.max(table.c.id)).scalar_subquery()
        conn.execute(select(func.setval(sequence, largest)))


def _write_events(conn: Connection, plan: _EventPlan, sqlite_fast_path: bool) -> None:
    if sqlite_fast_path and conn.dialect.name == "sqlite":
        params = plan.params()
        for start in range(0, plan.count, _EVENTS_PER_STATEMENT):
            stop = min(plan.count, start + _EVENTS_PER_STATEMENT)
            conn.execute(_EVENTS_SQL, {**params, "start": start, "stop": stop})
    else:
        for chunk in _chunks(_event(plan, n) for n in range(plan.count)):
            conn.execute(insert(Event), chunk)


def generate(
    engine: Engine,
    *,
    customers: int = 2_000,
    products: int = 300,
    orders: int = 10_000,
    events: int = 100_000,
    seed: int = DEFAULT_SEED,
    force: bool = False,
    sqlite_fast_path: bool = True,
    progress: ProgressCallback | None = None,
) -> DemoCounts:
    """Create the schema if it is missing and write the demo rows in one transaction.

    Raises :class:`DemoDataExistsError` if a demo table already holds rows, unless ``force``:
    then ids continue after the largest existing one. New rows refer only to customers and
    products written by the same call, so orders need ``customers > 0``.
    ``sqlite_fast_path=False`` makes SQLite take the portable path for events (to test that
    both agree).
    """
    if min(customers, products, orders, events) < 0:
        raise ValueError("row counts cannot be negative")
    if orders and not customers:
        raise ValueError("orders need customers: ask for at least one customer")
    ensure_database_schema(engine)
    counts: dict[str, int] = {}

    def done(table: str, rows: int, started: float) -> None:
        counts[table] = rows
        if progress is not None:
            progress(table, rows, time.perf_counter() - started)

    with engine.connect() as conn, _bulk_load(conn), conn.begin():
        if not force and (non_empty := _non_empty_tables(conn)):
            raise DemoDataExistsError(non_empty)
        first = {model: _next_id(conn, model) for model in _DEMO_TABLES}
        product_ids, customer_ids = _Ids(first[Product], products), _Ids(first[Customer], customers)

        started = time.perf_counter()
        prices: list[Decimal] = []
        for chunk in _chunks(
            _products(_rng(seed, "products", product_ids.first), product_ids, prices)
        ):
            conn.execute(insert(Product), chunk)
        done("products", products, started)

        started = time.perf_counter()
        for chunk in _chunks(_customers(_rng(seed, "customers", customer_ids.first), customer_ids)):
            conn.execute(insert(Customer), chunk)
        done("customers", customers, started)

        started = time.perf_counter()
        all_orders = _orders(
            _rng(seed, "orders", first[Order]),
            _Ids(first[Order], orders),
            customer_ids,
            product_ids,
            prices,
            first[OrderItem],
            first[Attachment],
        )
        items_written = attachments_written = 0
        for batch in _chunks(all_orders, _ROWS_PER_INSERT // 5):
            conn.execute(insert(Order), [order for order, _, _ in batch])
            if items := [item for _, order_items, _ in batch for item in order_items]:
                conn.execute(insert(OrderItem), items)
            if attachments := [a for _, _, order_attachments in batch for a in order_attachments]:
                conn.execute(insert(Attachment), attachments)
            items_written += len(items)
            attachments_written += len(attachments)
        counts["order_items"], counts["attachments"] = items_written, attachments_written
        done("orders", orders, started)

        started = time.perf_counter()
        salts = _rng(seed, "events", first[Event])
        plan = _EventPlan(
            first[Event],
            events,
            (salts.getrandbits(31), salts.getrandbits(31), salts.getrandbits(31)),
            customer_ids,
            product_ids,
        )
        _write_events(conn, plan, sqlite_fast_path)
        done("events", events, started)
        _advance_sequences(conn)
    return DemoCounts(**counts)


# --- command line --------------------------------------------------------------------------


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"cannot be negative: {value}")
    return number


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app.demo",
        description="Fill a database with deterministic demo data: the same seed writes the "
        "same rows.",
    )
    add = parser.add_argument
    add("--url", default=settings.DATABASE_URL, help="SQLAlchemy URL (default: $DATABASE_URL)")
    add("--events", type=_count, default=100_000, help="event rows (default: %(default)s)")
    add("--customers", type=_count, default=2_000, help="customers (default: %(default)s)")
    add("--products", type=_count, default=300, help="products (default: %(default)s)")
    add("--orders", type=_count, default=10_000, help="orders (default: %(default)s)")
    add("--seed", type=int, default=DEFAULT_SEED, help="random seed (default: %(default)s)")
    add("--force", action="store_true", help="add rows even if the demo tables hold some")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.orders and not args.customers:
        parser.error("--orders needs --customers > 0")
    try:
        engine, _ = create_engines(args.url)
    except ArgumentError as exc:
        parser.error(str(exc))
    where = mask_url(args.url)

    def report(table: str, rows: int, seconds: float) -> None:
        print(f"  {table:<10} {rows:>12,} rows {seconds:9.2f} s", flush=True)

    print(f"Writing demo data (seed {args.seed}) to {where}", flush=True)
    started = time.perf_counter()
    try:
        counts = generate(
            engine,
            customers=args.customers,
            products=args.products,
            orders=args.orders,
            events=args.events,
            seed=args.seed,
            force=args.force,
            progress=report,
        )
    except DemoDataExistsError as exc:
        print(
            f"error: {where} already holds demo data ({', '.join(exc.tables)} not empty); "
            "nothing was written. Pass --force to add more rows.",
            file=sys.stderr,
        )
        return 2
    except SQLAlchemyError as exc:
        print(f"error: cannot write demo data to {where}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr)
        return 130
    finally:
        engine.dispose()
    print(
        f"Wrote {counts.total:,} rows in {time.perf_counter() - started:.2f} s: "
        f"{counts.customers:,} customers, {counts.products:,} products, {counts.orders:,} "
        f"orders, {counts.order_items:,} order items, {counts.attachments:,} attachments, "
        f"{counts.events:,} events."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
