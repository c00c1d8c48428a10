"""The event log: one description of the event kinds, rendered as SQL and as Python.

Event n of a run is a pure function of n and the run's :class:`_EventPlan`: three 32-bit
hashes of n drive every column. The hash is written once in Python and once in SQL (SQLite has
no XOR, so the rounds add the shifted value instead; every product stays below 2**63), and
each field of :data:`_KINDS` renders both ways: :data:`_EVENTS_SQL` computes a chunk of rows
set-based on SQLite, :func:`_event` computes one row in Python for other databases.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Protocol

from sqlalchemy import text

from app.demo_run import _BASE_US, _SPAN_US, _at, _Ids, _json

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
