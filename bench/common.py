"""What the benchmarks share: generated databases cached between runs, a scratch folder.

A generated database is built once into ``bench/.cache`` (under a temporary name, renamed
when complete, so an interrupted build is never taken for a finished one).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

CACHE = Path(__file__).resolve().parent / ".cache"


def cached_database(
    name: str, what: str, build: Callable[[Path], None], cache: Path = CACHE
) -> Path:
    """``bench/.cache/<name>`` (or ``cache/<name>``), built by ``build(path)`` the first time
    (``what`` says what)."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / name
    if path.exists():
        return path
    print(f"generating {what} into {path.name} (once)…", flush=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    build(tmp)
    tmp.rename(path)
    return path


def run_in_scratch(prefix: str, run: Callable[[Path], Coroutine[Any, Any, None]]) -> int:
    """``asyncio.run(run(folder))`` in a new temporary folder, removed afterwards; 0."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        asyncio.run(run(directory))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return 0


__all__ = ["CACHE", "cached_database", "run_in_scratch"]
