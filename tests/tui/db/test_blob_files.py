"""A BLOB takes a regular file's bytes, bounded: never /dev/zero, a FIFO or a huge file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tui.db.blob_files import BlobFileError, read_blob_file


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "all.bin"
    path.write_bytes(bytes(range(256)) * 3)
    assert read_blob_file(path) == bytes(range(256)) * 3


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused_before_reading(device: str) -> None:
    with pytest.raises(BlobFileError, match="not a regular file"):
        read_blob_file(Path(device))


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(BlobFileError, match="not a regular file"):
        read_blob_file(fifo)


def test_a_file_over_the_limit_is_refused_with_its_size(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    with path.open("wb") as file:
        file.truncate(2_000)  # sparse: the size is what counts
    with pytest.raises(BlobFileError, match="2,000 bytes"):
        read_blob_file(path, limit=1_000)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(BlobFileError, match="cannot read"):
        read_blob_file(tmp_path / "nope.bin")
