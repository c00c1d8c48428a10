"""The schema of one relation as a readable Rich Text (names escaped, shown literally)."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from tui.db.model import TableDetails
from tui.text.escape import append_escaped, append_name, name_plain


def _names(text: Text, names: tuple[str, ...] | list[str], style: str = "") -> None:
    for index, name in enumerate(names):
        if index:
            text.append(", ", style)
        append_name(text, name, style)


def schema_text(details: TableDetails) -> Text:
    info = details.info
    text = Text()
    text.append(f"{info.kind.value} ", style="dim")
    if info.ref.schema is not None:
        append_name(text, info.ref.schema, "bold")
        text.append(".", style="bold")
    append_name(text, info.ref.name, "bold")
    text.append(f"   paging key: {info.key_kind.value} (", style="dim")
    if info.key_columns:
        _names(text, info.key_columns, "dim")
    else:
        text.append("none", style="dim")
    text.append(")\n\n", style="dim")
    text.append("Columns\n", style="bold underline")
    width = max((cell_len(name_plain(c.name)) for c in info.columns), default=4)
    for column in info.columns:
        pk = f"PK{column.primary_key}" if column.primary_key else ""
        text.append("  ")
        append_name(text, column.name)
        text.append(f"{' ' * (width - cell_len(name_plain(column.name)))}  ")
        type_name = name_plain(column.type_name) if column.type_name else "(untyped)"
        text.append(f"{type_name:<16}", style="italic")
        text.append(f" {'NULL' if column.nullable else 'NOT NULL':<8} {pk:<4}")
        if column.generated:
            text.append(" generated", style="dim")
            if column.generated_as:
                text.append(" ")
                append_escaped(text, column.generated_as, "dim")
        if column.default is not None:
            text.append(" default ", style="dim")
            append_escaped(text, column.default, "dim")
        text.append("\n")
    if info.drift_details:
        text.append("\nDrift from the ORM models\n", style="bold underline")
        for line in info.drift_details:
            text.append("  ")
            append_escaped(text, line)
            text.append("\n")
    if details.indexes:
        text.append("\nIndexes\n", style="bold underline")
        for index in details.indexes:
            flags = " ".join(
                f for f, on in (("UNIQUE", index.unique), ("PARTIAL", index.partial)) if on
            )
            text.append("  ")
            append_name(text, index.name)
            text.append(" (")
            _names(text, index.columns)
            text.append(f") {flags}\n")
    if details.foreign_keys:
        text.append("\nForeign keys\n", style="bold underline")
        for fk in details.foreign_keys:
            text.append("  (")
            _names(text, fk.columns)
            text.append(") → ")
            append_name(text, fk.referred_table)
            text.append("(")
            _names(text, fk.referred_columns)
            text.append(")")
            if fk.on_delete:
                text.append(f" ON DELETE {name_plain(fk.on_delete)}", style="dim")
            text.append("\n")
    if details.referenced_by:
        text.append("\nReferenced by\n", style="bold underline")
        for table, fk in details.referenced_by:
            text.append("  ")
            append_name(text, table)
            text.append("(")
            _names(text, fk.columns)
            text.append(")\n")
    if details.triggers:
        text.append("\nTriggers\n", style="bold underline")
        for name, _sql in details.triggers:
            text.append("  ")
            append_name(text, name)
            text.append("\n")
    if details.create_sql:
        text.append("\nDefinition\n", style="bold underline")
        sql = details.create_sql.strip().replace("\t", "    ")
        append_escaped(text, sql + "\n", keep_newlines=True)
    return text
