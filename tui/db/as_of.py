"""A read-only SQLite connection to a database as it stood right after commit ``k`` of its WAL,
without copying it.

An APSW VFS serves the main database file from :class:`tui.db.as_of_pages.SnapshotPages`:
each page from its last WAL frame at or before ``k``, else from the database file, with page 1
patched to the rollback-journal format and the database size of commit ``k``. The connection
is opened ``mode=ro&immutable=1``: SQLite takes no lock, looks for no journal, ``-wal`` or
``-shm``, and never writes. (Python's ``sqlite3`` cannot register a VFS; APSW can.)
Temporary files SQLite needs for big sorts go to the default VFS, like any connection's.

A page that cannot be known (a checkpoint copied a later version into the file, the WAL was
reset) stops the statement with :class:`NotReconstructableError`, which says why.
"""

from __future__ import annotations

import itertools
import os
import threading
from typing import cast

import apsw

from tui.db.as_of_pages import NotReconstructableError, SnapshotPages
from tui.db.wal_commits import WalCommitIndex

__all__ = ["AsOfSnapshot", "NotReconstructableError"]

VFS_NAME = "dbbrowse-as-of"
_PREFIX = "/dbbrowse-as-of/"
_snapshots: dict[str, SnapshotPages] = {}
_tokens = itertools.count(1)
_lock = threading.Lock()
_vfs: _AsOfVfs | None = None


class _AsOfFile:
    """The main database file of one snapshot, as a VFS file: reads only."""

    def __init__(self, pages: SnapshotPages) -> None:
        self.pages = pages

    def xRead(self, amount: int, offset: int) -> bytes:
        # Shorter than asked means "past the end": SQLite zero-fills it.
        return self.pages.read(amount, offset)

    def xFileSize(self) -> int:
        return self.pages.db_pages * self.pages.page_size

    def xDeviceCharacteristics(self) -> int:
        return int(apsw.SQLITE_IOCAP_IMMUTABLE)

    def xSectorSize(self) -> int:
        return 4096

    def xFileControl(self, op: int, ptr: int) -> bool:
        return False

    def xLock(self, level: int) -> None:
        pass  # immutable: nothing to lock against

    def xUnlock(self, level: int) -> None:
        pass

    def xCheckReservedLock(self) -> bool:
        return False

    def xWrite(self, data: bytes, offset: int) -> None:
        raise apsw.ReadOnlyError("a past state of a database is read-only")

    def xTruncate(self, newsize: int) -> None:
        raise apsw.ReadOnlyError("a past state of a database is read-only")

    def xSync(self, flags: int) -> None:
        pass

    def xClose(self) -> None:
        pass


class _AsOfVfs(apsw.VFS):
    """Serves ``/dbbrowse-as-of/<token>`` from the snapshot registered under the token;
    everything else (temporary files, time, randomness) is the default VFS's."""

    def __init__(self) -> None:
        super().__init__(VFS_NAME, base="")

    def xOpen(self, name: str | apsw.URIFilename | None, flags: list[int]) -> apsw.VFSFile:
        path = name.filename() if isinstance(name, apsw.URIFilename) else name
        if path is not None and path.startswith(_PREFIX):
            with _lock:
                pages = _snapshots.get(path[len(_PREFIX) :])
            if pages is None or not flags[0] & apsw.SQLITE_OPEN_MAIN_DB:
                raise apsw.CantOpenError(f"{path}: no such snapshot")
            flags[1] = int(apsw.SQLITE_OPEN_READONLY)
            return cast(apsw.VFSFile, _AsOfFile(pages))
        return super().xOpen(name, flags)

    def xAccess(self, pathname: str, flags: int) -> bool:
        if pathname.startswith(_PREFIX):
            return False  # no journal, no -wal: the snapshot is all there is
        return super().xAccess(pathname, flags)

    def xFullPathname(self, name: str) -> str:
        return name if name.startswith(_PREFIX) else super().xFullPathname(name)


def _register(pages: SnapshotPages) -> str:
    global _vfs
    with _lock:
        if _vfs is None:
            _vfs = _AsOfVfs()
        token = str(next(_tokens))
        _snapshots[token] = pages
    return token


class AsOfSnapshot:
    """The database at ``db_path`` as of commit ``commit``: open read-only connections to it.

    Raises :class:`NotReconstructableError` when the WAL holds no such commit (or, with
    ``generation``, when the WAL is no longer that generation). Close it once
    every connection from :meth:`connect` is closed.
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        commit: int,
        index: WalCommitIndex | None = None,
        *,
        generation: tuple[int, int] | None = None,
    ) -> None:
        self.pages = SnapshotPages(db_path, commit, index, generation=generation)
        self._token: str | None = _register(self.pages)

    @property
    def commit(self) -> int:
        return self.pages.commit

    @property
    def generation(self) -> tuple[int, int]:
        """The salts of the WAL the snapshot reads: its commit numbers mean this generation's."""
        return self.pages.generation

    @property
    def total_commits(self) -> int:
        """Commits in the WAL when the snapshot last looked."""
        return self.pages.total_commits

    @property
    def uri(self) -> str:
        """The URI :meth:`connect` opens (through the VFS named :data:`VFS_NAME`)."""
        if self._token is None:
            raise NotReconstructableError("the snapshot is closed")
        return f"file:{_PREFIX}{self._token}?mode=ro&immutable=1"

    def connect(self) -> apsw.Connection:
        """A new read-only APSW connection to the snapshot."""
        flags = apsw.SQLITE_OPEN_READONLY | apsw.SQLITE_OPEN_URI
        return apsw.Connection(self.uri, flags=flags, vfs=VFS_NAME)

    def close(self) -> None:
        with _lock:
            if self._token is not None:
                _snapshots.pop(self._token, None)
                self._token = None
        self.pages.close()

    def __enter__(self) -> AsOfSnapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
