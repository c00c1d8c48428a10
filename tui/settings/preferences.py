"""The settings the app runs with, as plain frozen data: no pydantic, cheap to import.

:class:`Preferences` holds every default. Without a config file nothing else is imported
before the first frame; with one, :mod:`tui.settings.model` validates it and hands its
values over as :class:`Preferences`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_NULL_TEXT = "∅ NULL"


@dataclass(frozen=True)
class Preferences:
    """What the user chose, or the defaults (the README's Configuration lists them)."""

    theme: str = "textual-dark"
    page_size: int = 128
    refresh_interval: float = 1.0
    read_only: bool = False
    null_text: str = DEFAULT_NULL_TEXT
    recent_limit: int = 10
    #: binding id → keys, comma-separated (``App.set_keymap``'s form)
    keys: Mapping[str, str] = field(default_factory=dict)
