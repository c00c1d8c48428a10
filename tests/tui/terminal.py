"""The real ``dbbrowse`` process in a pseudo-terminal, read through a terminal emulator (pyte).

For what only a real process can show: how it starts and quits from a shell, and what
survives a ``kill -9`` in the middle of its work. Pilot tests cover everything else.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import pyte

DBBROWSE = Path(sys.executable).with_name("dbbrowse")
KEYS = {
    "enter": b"\r",
    "escape": b"\x1b",
    "tab": b"\t",
    "down": b"\x1b[B",
    "up": b"\x1b[A",
    "home": b"\x1b[H",
    "end": b"\x1b[F",
    "f2": b"\x1bOQ",
    "ctrl+s": b"\x13",
    "ctrl+n": b"\x0e",
    "ctrl+z": b"\x1a",
    "space": b" ",
}


class RealApp:
    """``dbbrowse *args`` running in a pty of ``size`` (columns, lines)."""

    def __init__(
        self,
        *args: str,
        size: tuple[int, int] = (120, 40),
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        columns, lines = size
        self.screen = pyte.Screen(columns, lines)
        self._stream = pyte.ByteStream(self.screen)
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        environment = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
        environment.pop("TEXTUAL", None)
        environment.update(env or {})
        self.process = subprocess.Popen(
            [str(DBBROWSE), *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=environment,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self._master = master

    # -- reading the screen ----------------------------------------------------------------
    def pump(self, wait: float = 0.05) -> None:
        """Feed whatever the process wrote (waiting up to ``wait`` s for it) to the emulator."""
        deadline = time.monotonic() + wait
        while True:
            left = max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self._master], [], [], left)
            if not ready:
                return
            try:
                data = os.read(self._master, 65536)
            except OSError:  # the process is gone and the pty closed
                return
            if not data:
                return
            self._stream.feed(data)

    @property
    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, needle: str, seconds: float = 30.0) -> None:
        """Pump until ``needle`` is on screen; fail with the screen after ``seconds``."""
        deadline = time.monotonic() + seconds
        while needle not in self.text:
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.pump(0.2)
                if needle in self.text:
                    return
                raise AssertionError(f"{needle!r} never appeared; the screen:\n{self.text}")
            self.pump(0.1)

    # -- acting ----------------------------------------------------------------------------
    def press(self, *keys: str) -> None:
        """Send keys by name (see :data:`KEYS`) or, for anything else, as typed text."""
        for key in keys:
            os.write(self._master, KEYS.get(key, key.encode()))
            self.pump(0.05)

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def wait_exit(self, seconds: float = 15.0) -> int:
        deadline = time.monotonic() + seconds
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"dbbrowse did not exit; the screen:\n{self.text}")
            self.pump(0.1)
        return self.process.returncode

    def close(self) -> None:
        if self.process.poll() is None:
            self.kill9()
        os.close(self._master)

    def __enter__(self) -> RealApp:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()
