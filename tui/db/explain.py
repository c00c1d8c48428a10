"""The plan of a statement, as a tree: ``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN`` on servers.

Neither runs the statement (no ``ANALYZE``): a plan of an ``UPDATE`` changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from tui.db.console import verbatim

__all__ = ["PlanNode", "explain"]


@dataclass
class PlanNode:
    label: str
    children: list[PlanNode] = field(default_factory=list)


async def explain(conn: AsyncConnection, sql: str) -> PlanNode:
    """The plan of ``sql`` under a root naming the engine's command."""
    dialect = conn.dialect.name
    try:
        if dialect == "sqlite":
            return await _sqlite(conn, sql)
        if dialect == "postgresql":
            return await _indented(conn, sql)
        return await _tabular(conn, sql)
    finally:
        await conn.rollback()


async def _sqlite(conn: AsyncConnection, sql: str) -> PlanNode:
    root = PlanNode("EXPLAIN QUERY PLAN")
    nodes: dict[int, PlanNode] = {0: root}
    for row in (await conn.execute(verbatim(f"EXPLAIN QUERY PLAN {sql}"))).all():
        node_id, parent, detail = int(row[0]), int(row[1]), str(row[3])
        node = PlanNode(detail)
        nodes.get(parent, root).children.append(node)
        nodes[node_id] = node
    return root


async def _indented(conn: AsyncConnection, sql: str) -> PlanNode:
    """PostgreSQL's text plan: a node per ``->`` line, nested by its indentation."""
    root = PlanNode("EXPLAIN")
    stack: list[tuple[int, PlanNode]] = [(-1, root)]
    for (line,) in (await conn.execute(verbatim(f"EXPLAIN {sql}"))).all():
        text = str(line)
        indent = len(text) - len(text.lstrip())
        body = text.strip()
        if body.startswith("->"):
            body = body[2:].strip()
        elif stack[-1][1] is not root and indent > stack[-1][0]:
            stack[-1][1].children.append(PlanNode(body))  # a detail of the node above
            continue
        while len(stack) > 1 and stack[-1][0] >= indent:
            stack.pop()
        node = PlanNode(body)
        stack[-1][1].children.append(node)
        stack.append((indent, node))
    return root


async def _tabular(conn: AsyncConnection, sql: str) -> PlanNode:
    """MariaDB's plan rows, one node each, with its columns as children."""
    root = PlanNode("EXPLAIN")
    result = await conn.execute(verbatim(f"EXPLAIN {sql}"))
    names = list(result.keys())
    for row in result.all():
        values = dict(zip(names, row, strict=True))
        head = " ".join(str(values.get(k) or "") for k in ("id", "select_type", "table")).strip()
        node = PlanNode(head or "step")
        node.children = [
            PlanNode(f"{name}: {value}")
            for name, value in values.items()
            if value is not None and name not in ("id", "select_type", "table")
        ]
        root.children.append(node)
    return root
