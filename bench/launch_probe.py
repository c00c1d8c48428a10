"""Run in a fresh process by bench/browse.py: prints the wall-clock times (``time.time()``)
of first paint (and, for the real app, of the table list shown). The parent subtracts the
moment it started this process, so interpreter start-up and imports are included."""

from __future__ import annotations

import sys
import time


def main() -> None:
    mode, path = sys.argv[1], sys.argv[2]
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
            screen = app.get_screen_browse()
            lists = screen.query(TableList) if screen is not None else []
            if lists and lists.first().tables and len(marks) == 1:
                marks.append(time.time())
                app.exit()

        app.call_after_refresh(painted)
        app.run(headless=True)
    print(" ".join(f"{m:.6f}" for m in marks))


if __name__ == "__main__":
    main()
