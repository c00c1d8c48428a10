"""The sparse position index: the order key of every K-th row, read in one ordered pass.

Stepping from one anchor to the next with ``OFFSET K`` costs a whole sort per step when the
order has no index (4,096 sorts of the table). One ordered pass yields every anchor instead:

- on a server, ``row_number() OVER (ORDER BY …)`` numbers the rows and only rows 1, K + 1,
  2K + 1… come back;
- on SQLite, which numbers rows slowly, the sorted keys are streamed and every K-th is kept.

The pass is one statement on one connection, so it reads one snapshot and is cancelled like
any other statement (the caller's runner interrupts it). It reports progress while rows
stream, and keeps to a share of a core where the work is done in this process: SQLite's
statement is paced by a progress handler (see ``DialectStrategy.limit_cpu``).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from tui.db.paging import Cursor, Pager

Progress = Callable[[int, int], None]
CHUNK_ROWS = 5_000


async def read_anchors(
    pager: Pager,
    conn: AsyncConnection,
    step: int,
    total: int,
    *,
    progress: Progress | None = None,
    cpu_share: float = 1.0,
) -> list[Cursor]:
    """The order key of rows 0, ``step``, twice ``step``… of the pager's query, in order.

    ``total`` only scales the progress reports, ``(rows done, total)``.
    """
    strategy = pager.strategy
    report = progress or (lambda done, whole: None)
    report(0, total)
    await strategy.limit_cpu(conn, cpu_share)
    try:
        if strategy.anchors_by_row_number:
            return await _numbered(pager, conn, step, total, report)
        return await _streamed(pager, conn, step, total, report)
    finally:
        await strategy.unlimit_cpu(conn)
        await conn.rollback()


async def _numbered(
    pager: Pager, conn: AsyncConnection, step: int, total: int, report: Progress
) -> list[Cursor]:
    result = await conn.stream(pager.order_key_statement(every=step))
    anchors: list[Cursor] = []
    try:
        async for part in result.partitions(256):
            anchors.extend(tuple(row) for row in part)
            report(min(len(anchors) * step, total), total)
    finally:
        await result.close()  # an interrupted server-side cursor must close before rollback
    return anchors


async def _streamed(
    pager: Pager, conn: AsyncConnection, step: int, total: int, report: Progress
) -> list[Cursor]:
    result = await conn.stream(pager.order_key_statement())
    anchors: list[Cursor] = []
    seen = 0
    try:
        async for part in result.partitions(CHUNK_ROWS):
            anchors.extend(tuple(part[i]) for i in range(-seen % step, len(part), step))
            seen += len(part)
            report(min(seen, total), total)
    finally:
        await result.close()
    return anchors


__all__ = ["CHUNK_ROWS", "read_anchors"]
