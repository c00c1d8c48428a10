"""Pure text builders: what values, names, schemas and status panels look like on screen.

Functions here hold no widget and run no SQL: they turn the data layer's plain values into
``rich.text.Text`` (or pieces of it), so they are tested without a terminal. They may use
Rich, never Textual.
"""
