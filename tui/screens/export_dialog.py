"""The export dialog: format, file, NULL and BLOB conventions for the rows of the view.

It answers an :class:`ExportRequest`; the browse screen runs the export as a job (progress
in the status bar, Esc cancels). The destination is checked here (never the database's own
files, a directory that exists and can be written), and a file that exists is replaced only
after the user says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select

from tui.db.export import ExportError, destination
from tui.db.export_formats import SUFFIXES, BlobEncoding, ExportFormat, ExportOptions
from tui.text.escape import escaped, escaped_plain

_FORMAT_NOTES = {
    ExportFormat.CSV: "text quoted, numbers bare, NULL as below (bare), '' as \"\"",
    ExportFormat.TSV: "PostgreSQL COPY text format: NULL is \\N, tabs and newlines escaped",
    ExportFormat.JSONL: "one JSON object per line; big integers exact; NULL is null",
    ExportFormat.JSON: "one JSON array of objects; big integers exact; NULL is null",
    ExportFormat.PARQUET: "one type per column (needs pyarrow)",
}


@dataclass(frozen=True)
class ExportRequest:
    path: Path
    options: ExportOptions


class ExportScreen(ModalScreen[ExportRequest | None]):
    """Choose how and where the rows of ``what`` are exported."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel")
    ]

    def __init__(self, what: str, stem: str, database: Path | None) -> None:
        super().__init__()
        self._what = what
        self._stem = stem
        self._database = database
        self._confirmed: Path | None = None  # a file the user agreed to replace

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="export-dialog"):
            # Names and condition values are data: escaped, never sent to the terminal.
            yield Label(escaped(f"Export {self._what}"), classes="dialog-title", markup=False)
            with Horizontal(classes="dialog-row"):
                yield Label("Format:", markup=False)
                yield Select(
                    [(f.value, f) for f in ExportFormat],
                    value=ExportFormat.CSV,
                    allow_blank=False,
                    id="export-format",
                )
            yield Label(_FORMAT_NOTES[ExportFormat.CSV], id="export-note", markup=False)
            with Horizontal(classes="dialog-row"):
                yield Label("File:", markup=False)
                yield Input(value=str(self._default_path(ExportFormat.CSV)), id="export-path")
            with Horizontal(classes="dialog-row"):
                yield Label("NULL in CSV:", markup=False)
                yield Input(value="", placeholder="empty field", id="export-null")
            with Horizontal(classes="dialog-row"):
                yield Label("BLOBs:", markup=False)
                yield Select(
                    [("base64", BlobEncoding.BASE64), ("hex", BlobEncoding.HEX)],
                    value=BlobEncoding.BASE64,
                    allow_blank=False,
                    id="export-blob",
                )
            yield Checkbox("header line (CSV, TSV)", value=True, id="export-header")
            yield Label("", id="export-error", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", variant="primary", id="export")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def _default_path(self, fmt: ExportFormat) -> Path:
        return Path(f"{self._stem}{SUFFIXES[fmt]}")  # beside where dbbrowse was started

    @property
    def _format(self) -> ExportFormat:
        value = self.query_one("#export-format", Select).value
        return value if isinstance(value, ExportFormat) else ExportFormat.CSV

    @on(Select.Changed, "#export-format")
    def _format_changed(self) -> None:
        fmt = self._format
        self.query_one("#export-note", Label).update(_FORMAT_NOTES[fmt])
        path_input = self.query_one("#export-path", Input)
        current = Path(path_input.value)
        # Follow the format in the suggested name, unless the user typed a name of their own.
        if current.suffix in SUFFIXES.values():
            path_input.value = str(current.with_suffix(SUFFIXES[fmt]))
        self._say("")

    def _say(self, message: str) -> None:
        label = self.query_one("#export-error", Label)
        label.update(escaped_plain(message))
        label.set_class(bool(message), "-shown")

    def _request(self) -> ExportRequest | None:
        typed = self.query_one("#export-path", Input).value.strip()
        if not typed:
            self._say("give a file name")
            return None
        try:
            path = destination(Path(typed), self._database)
        except ExportError as exc:
            self._say(str(exc))
            return None
        fmt = self._format
        if fmt is ExportFormat.PARQUET:
            from tui.db.export_parquet import require_pyarrow

            try:
                require_pyarrow()
            except ExportError as exc:
                self._say(str(exc))
                return None
        if path.exists() and self._confirmed != path:
            self._confirmed = path
            self._say(f"{path} exists: Export again to replace it")
            return None
        blob = self.query_one("#export-blob", Select).value
        options = ExportOptions(
            format=fmt,
            null=self.query_one("#export-null", Input).value,
            blob=blob if isinstance(blob, BlobEncoding) else BlobEncoding.BASE64,
            header=self.query_one("#export-header", Checkbox).value,
        )
        return ExportRequest(path, options)

    @on(Button.Pressed, "#export")
    @on(Input.Submitted)
    def _submit(self) -> None:
        request = self._request()
        if request is not None:
            self.dismiss(request)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
