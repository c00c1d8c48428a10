"""Run in a fresh process by bench/browse.py: seconds from process start to first paint
(and, for the real app, to the table list), printed on stdout."""

from __future__ import annotations

import os
import sys
import time


def _process_start() -> float:
    """Wall-clock time this process started, from /proc (so interpreter start-up counts)."""
    with open(f"/proc/{os.getpid()}/stat") as handle:
        ticks = int(handle.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/stat") as handle:
        boot = next(int(line.split()[1]) for line in handle if line.startswith("btime"))
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def main() -> None:
    mode, path = sys.argv[1], sys.argv[2]
    started = _process_start()
    marks: list[float] = []

    if mode == "bare":
        from textual.app import App
        from textual.widgets import Static

        class Bare(App[None]):
            def compose(self):  # type: ignore[no-untyped-def]
                yield Static("hello")

            def on_mount(self) -> None:
                self.call_after_refresh(lambda: (marks.append(time.time()), self.exit()))

        Bare().run(headless=True)
    else:
        from tui.app import DbBrowseApp
        from tui.db.target import resolve_target
        from tui.widgets.table_list import TableList

        app = DbBrowseApp(resolve_target(path, default_url=""))

        def painted() -> None:
            marks.append(time.time())
            app.set_interval(0.002, check)

        def check() -> None:
            if app.query_one(TableList).tables and len(marks) == 1:
                marks.append(time.time())
                app.exit()

        app.call_after_refresh(painted)
        app.run(headless=True)
    print(" ".join(f"{m - started:.4f}" for m in marks))


main()
