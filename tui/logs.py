"""dbbrowse's log file: a rotated file in the XDG state directory, set up when the app starts.

``$XDG_STATE_HOME/dbbrowse/dbbrowse.log`` (``~/.local/state/dbbrowse/dbbrowse.log`` when the
variable is unset or not absolute, as the XDG base directory specification says). Everything
logs through ``logging.getLogger("dbbrowse")`` (or a module logger under ``tui``/``app``);
:func:`setup_logging` sends those records, and warnings of every library, to the file. The
terminal belongs to the UI, so nothing is logged to it. Error dialogs show :func:`log_path`
so a person knows where the traceback went.
"""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOGGER_NAME = "dbbrowse"
_OUR_LOGGERS = (LOGGER_NAME, "tui", "app")
_MAX_BYTES = 1_000_000
_BACKUPS = 3
_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"

_handler: RotatingFileHandler | None = None


def state_dir() -> Path:
    """``$XDG_STATE_HOME/dbbrowse``, or ``~/.local/state/dbbrowse``."""
    base = os.environ.get("XDG_STATE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".local" / "state"
    return root / "dbbrowse"


def log_path() -> Path:
    """Where the log file is (or will be, once something is logged)."""
    return state_dir() / "dbbrowse.log"


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Send dbbrowse's log records to :func:`log_path`; the path, or None if it cannot be.

    Safe to call again: a second call for the same path changes nothing, and one for another
    path (``XDG_STATE_HOME`` changed, as in tests) moves the file handler there.
    """
    global _handler
    path = log_path()
    if _handler is not None and Path(_handler.baseFilename) == path.absolute():
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # delay: the file appears with the first record, not at every start.
        handler = RotatingFileHandler(
            path, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8", delay=True
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(_FORMAT))
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
        _handler.close()
    root.addHandler(handler)
    _handler = handler
    for name in _OUR_LOGGERS:
        logging.getLogger(name).setLevel(level)
    return path
