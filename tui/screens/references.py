""" "Referenced by": the other tables' rows that point at the row under the cursor (``J``).

One entry per foreign key that refers to this table, with how many rows use it (exact, or
labelled as a lower bound); Enter opens that table filtered to them.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui.db.references import Referrer
from tui.keymap import bindings
from tui.text.escape import append_name, escaped_plain


def referrer_line(referrer: Referrer) -> Text:
    """``orders (customer_id)   3 rows``, names shown literally."""
    text = Text()
    append_name(text, referrer.table.name)
    text.append(" (")
    for index, column in enumerate(referrer.foreign_key.columns):
        if index:
            text.append(", ")
        append_name(text, column)
    text.append(")   ")
    count = referrer.count
    if referrer.null_key:
        text.append("0 rows: this row's key is NULL", style="dim")
    elif count is None:
        text.append("not counted", style="dim")
    else:
        noun = "row" if count.exact and count.value == 1 else "rows"
        text.append(f"{count} {noun}", style="bold" if count.value else "dim")
    return text


class ReferencesScreen(ModalScreen[Referrer | None]):
    """Pick a referring table; Enter opens its rows that point at this row."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("references")

    def __init__(self, title: str, referrers: list[Referrer]) -> None:
        super().__init__()
        self._title = title
        self._referrers = referrers

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="references-dialog"):
            yield Label(escaped_plain(self._title), classes="dialog-title", markup=False)
            yield OptionList(
                *(Option(referrer_line(r)) for r in self._referrers), id="references-list"
            )

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        listing.highlighted = 0
        listing.focus()

    @on(OptionList.OptionSelected, "#references-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._referrers[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


__all__ = ["ReferencesScreen", "referrer_line"]
