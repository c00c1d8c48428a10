"""How a NUMERIC or DECIMAL value is written as text: the grid, the detail view, the clipboard,
the cell editor, a filter and every export write it alike (no SQLAlchemy, no Textual)."""

from __future__ import annotations

from decimal import Decimal

__all__ = ["decimal_text"]


def decimal_text(value: Decimal) -> str:
    """``value`` in fixed-point notation, every digit and the scale kept, as the servers print
    a NUMERIC or DECIMAL: ``0.0000000000``, ``0.000000000000000000000000000001``, never
    Python's ``0E-10`` or ``1E-30`` (``NaN``, ``Infinity`` and ``-Infinity`` as they are)."""
    return format(value, "f")
