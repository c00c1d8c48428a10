"""Reading a file whose bytes replace a BLOB: only a regular file, and only up to a size
that a single bound parameter can carry without exhausting memory.

``/dev/zero``, a FIFO or a terminal would be read forever; a 1 GB file would be read whole
and then refused by the database ("string or blob too big") after the user waited for it.
"""

from __future__ import annotations

import stat
from pathlib import Path

#: The largest file taken as a BLOB value (SQLite's own default limit is 1,000,000,000 bytes,
#: but the value is held in memory twice on its way there).
MAX_BLOB_FILE = 256 * 2**20


class BlobFileError(ValueError):
    """The file cannot become a BLOB value; the message says why, for a person."""


def read_blob_file(path: Path, limit: int = MAX_BLOB_FILE) -> bytes:
    """The bytes of ``path``, checked to be a regular file of at most ``limit`` bytes."""
    try:
        # stat before open: opening a FIFO would wait for a writer.
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise BlobFileError(f"{path} is not a regular file: a BLOB takes a file's bytes")
        if info.st_size > limit:
            raise BlobFileError(
                f"{path} holds {info.st_size:,} bytes: more than the {limit:,} a BLOB may take here"
            )
        with path.open("rb") as file:
            # At most one byte past the limit: a file that grows meanwhile stays bounded.
            data = file.read(limit + 1)
    except OSError as exc:
        raise BlobFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise BlobFileError(f"{path} grew past {limit:,} bytes while it was read")
    return data


__all__ = ["MAX_BLOB_FILE", "BlobFileError", "read_blob_file"]
