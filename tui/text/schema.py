"""The schema of one relation as a readable Rich Text (names shown literally)."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from tui.db.model import TableDetails


def schema_text(details: TableDetails) -> Text:
    info = details.info
    text = Text()
    text.append(f"{info.kind.value} ", style="dim")
    text.append(str(info.ref), style="bold")
    key = ", ".join(info.key_columns) or "none"
    text.append(f"   paging key: {info.key_kind.value} ({key})\n\n", style="dim")
    text.append("Columns\n", style="bold underline")
    width = max((cell_len(c.name) for c in info.columns), default=4)
    for column in info.columns:
        pk = f"PK{column.primary_key}" if column.primary_key else ""
        text.append(f"  {column.name}{' ' * (width - cell_len(column.name))}  ")
        text.append(f"{(column.type_name or '(untyped)'):<16}", style="italic")
        text.append(f" {'NULL' if column.nullable else 'NOT NULL':<8} {pk:<4}")
        if column.default is not None:
            text.append(f" default {column.default}", style="dim")
        text.append("\n")
    if info.drift_details:
        text.append("\nDrift from the ORM models\n", style="bold underline")
        for line in info.drift_details:
            text.append(f"  {line}\n")
    if details.indexes:
        text.append("\nIndexes\n", style="bold underline")
        for index in details.indexes:
            flags = " ".join(
                f for f, on in (("UNIQUE", index.unique), ("PARTIAL", index.partial)) if on
            )
            text.append(f"  {index.name} ({', '.join(index.columns)}) {flags}\n")
    if details.foreign_keys:
        text.append("\nForeign keys\n", style="bold underline")
        for fk in details.foreign_keys:
            referred = ", ".join(fk.referred_columns)
            text.append(f"  ({', '.join(fk.columns)}) → {fk.referred_table}({referred})")
            if fk.on_delete:
                text.append(f" ON DELETE {fk.on_delete}", style="dim")
            text.append("\n")
    if details.referenced_by:
        text.append("\nReferenced by\n", style="bold underline")
        for table, fk in details.referenced_by:
            text.append(f"  {table}({', '.join(fk.columns)})\n")
    if details.triggers:
        text.append("\nTriggers\n", style="bold underline")
        for name, _sql in details.triggers:
            text.append(f"  {name}\n")
    if details.create_sql:
        text.append("\nDefinition\n", style="bold underline")
        text.append(details.create_sql.strip() + "\n")
    return text
