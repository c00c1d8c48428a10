"""``dbbrowse --serve`` as a real process, for the web tests.

It runs in a process group of its own, so that whatever it starts (one app process per
page) can be listed, and killed at the end whatever happened: leaving the block stops the
server with Ctrl+C (SIGINT) and then kills anything left in the group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO

DBBROWSE = Path(sys.executable).with_name("dbbrowse")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(condition: Callable[[], object], what: str, seconds: float = 30.0) -> None:
    """Poll ``condition`` until it is true; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.05)


def processes() -> list[tuple[int, int, str]]:
    """(pid, process group, whole command line) of every process, as ``ps -ww`` shows them."""
    out = subprocess.run(
        ["ps", "-ww", "-eo", "pid=,pgid=,args="], capture_output=True, text=True, check=True
    ).stdout
    rows = []
    for line in out.splitlines():
        pid, pgid, args = [*line.split(None, 2), ""][:3]
        rows.append((int(pid), int(pgid), args))
    return rows


class Served:
    """``dbbrowse --serve --port <free> *args``; ``url`` is the address it printed."""

    def __init__(self, *args: str, host: str = "127.0.0.1", cwd: Path | None = None) -> None:
        self.port = free_port(host)
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.process = subprocess.Popen(
            [str(DBBROWSE), "--serve", "--host", host, "--port", str(self.port), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=cwd,
            start_new_session=True,
        )
        self._readers = [
            threading.Thread(target=_collect, args=(stream, lines), daemon=True)
            for stream, lines in (
                (self.process.stdout, self.stdout),
                (self.process.stderr, self.stderr),
            )
        ]
        for reader in self._readers:
            reader.start()
        self.url = ""

    def __enter__(self) -> Served:
        try:
            wait_until(self._opened, "the server's address on its stdout")
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _opened(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"dbbrowse --serve exited: {self.output()}")
        for line in self.stdout:
            if line.startswith("dbbrowse: open "):
                self.url = line.split()[2]
                return True
        return False

    def output(self) -> str:
        return "".join(self.stdout) + "".join(self.stderr)

    def started(self) -> list[tuple[int, str]]:
        """(pid, command line) of what the server started: the rest of its process group."""
        pid = self.process.pid
        return [(p, args) for p, group, args in processes() if group == pid and p != pid]

    def stop(self, seconds: float = 20.0) -> int:
        """Ctrl+C, as a person would; the exit status."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=seconds)

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                self.stop()
        except subprocess.TimeoutExpired:
            pass
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            for reader in self._readers:
                reader.join(timeout=5)


def _collect(stream: IO[str] | None, lines: list[str]) -> None:
    assert stream is not None
    with stream:
        for line in stream:
            lines.append(line)
