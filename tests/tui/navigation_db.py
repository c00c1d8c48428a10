"""A small shop with awkward names and foreign keys both ways, for the navigation tests.

``cust omers`` (a space; a unicode column) is referred to by ``order`` (a keyword, with a
foreign-key column named ``cust "id"``) and by ``reviews`` (a reference to the implicit
primary key); ``regions`` has a composite key that ``shops ✓`` refers to with two columns.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tui.db.source import DataSource
from tui.db.target import resolve_target

#: Orders of each customer: customer c has ORDERS_OF(c) orders.
CUSTOMERS = 50
ORDERS = 200


def orders_of(customer: int) -> int:
    return sum(1 for i in range(ORDERS) if i % CUSTOMERS + 1 == customer)


def make_navigation_database(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(
        '''
        CREATE TABLE "cust omers" (id INTEGER PRIMARY KEY, "näme" TEXT NOT NULL);
        CREATE TABLE "order" (
            id INTEGER PRIMARY KEY,
            "cust ""id""" INTEGER REFERENCES "cust omers" (id),
            total REAL
        );
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            customer INTEGER REFERENCES "cust omers",
            body TEXT
        );
        CREATE TABLE regions (
            country TEXT, code TEXT, name TEXT, PRIMARY KEY (country, code)
        ) WITHOUT ROWID;
        CREATE TABLE "shops ✓" (
            id INTEGER PRIMARY KEY,
            country TEXT,
            code TEXT,
            FOREIGN KEY (country, code) REFERENCES regions (country, code)
        );
        '''
    )
    conn.executemany(
        'INSERT INTO "cust omers" VALUES (?, ?)', [(i, f"client {i}") for i in range(1, 51)]
    )
    conn.executemany(
        'INSERT INTO "order" VALUES (?, ?, ?)',
        [(i + 1, i % CUSTOMERS + 1, float((i * 37) % 101)) for i in range(ORDERS)],
    )
    conn.executemany(
        "INSERT INTO reviews VALUES (?, ?, ?)", [(1, 7, "fine"), (2, 7, "ok"), (3, 8, "meh")]
    )
    conn.executemany(
        "INSERT INTO regions VALUES (?, ?, ?)",
        [("fr", "75", "Paris"), ("fr", "13", "Bouches-du-Rhône"), ("de", "75", "nowhere")],
    )
    conn.executemany(
        'INSERT INTO "shops ✓" VALUES (?, ?, ?)',
        [(1, "fr", "75"), (2, "fr", "75"), (3, "fr", "13"), (4, "de", "13")],
    )
    conn.commit()
    conn.close()
    return path


@asynccontextmanager
async def navigation_source(path: Path) -> AsyncIterator[DataSource]:
    """The navigation database made at ``path`` and opened as the command line opens it."""
    database = make_navigation_database(path)
    source = await DataSource.open(resolve_target(str(database), default_url=""))
    try:
        yield source
    finally:
        await source.close()
