"""``dbbrowse --serve`` in a real browser: Debian's headless Chromium, driven by Playwright.

The terminal in the page is xterm.js drawing on a canvas, asynchronously: the test reads
what it shows from xterm's own screen buffer (see :data:`HOOK`) and waits on that text,
never on time. It leaves the page's picture in ``screenshots/web.png`` for the README.
Without chromium the test is skipped, except under ``CI=true`` where it must run
(``.ci/run`` installs it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import IN_CI
from tests.tui.served import Served, processes, wait_until

if TYPE_CHECKING:  # playwright may be missing: then the test is skipped, not broken
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path(__file__).resolve().parents[2] / "screenshots" / "web.png"
TIMEOUT_MS = 60_000  # a loaded CI machine; waits end as soon as the page is there

# textual.js keeps its xterm Terminal in a property named ``terminal`` of an object the
# page never exposes. A setter on Object.prototype catches that assignment (the object gets
# its own property back at once) and keeps the Terminal, whose buffer holds the screen's
# text as the page shows it.
HOOK = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {
      value, writable: true, configurable: true, enumerable: true,
    });
    if (value && value.buffer && typeof value.write === "function") {
      window.__dbbrowseTerminal = value;
    }
  },
});
window.__dbbrowseScreen = () => {
  const term = window.__dbbrowseTerminal;
  if (!term) return "";
  const buffer = term.buffer.active;
  const lines = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\\n");
};
window.__dbbrowseCell = () => {
  const term = window.__dbbrowseTerminal;
  const box = term.element.querySelector(".xterm-screen").getBoundingClientRect();
  return [box.x, box.y, box.width / term.cols, box.height / term.rows];
};
"""


@pytest.fixture(scope="module")
def chromium() -> Path:
    missing = None
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} is missing (Debian package chromium; .ci/run installs it)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright package is missing (pip install -e '.[dev]')"
    if missing:
        if IN_CI:
            pytest.fail(f"{missing}: under CI=true the web test must run")
        pytest.skip(missing)
    return CHROMIUM


def solar_system(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE moons (id INTEGER PRIMARY KEY, name TEXT, planet TEXT);
        CREATE TABLE planets (id INTEGER PRIMARY KEY, name TEXT, moons INTEGER, au REAL);
        INSERT INTO moons (name, planet) VALUES ('Moon', 'Earth'), ('Titan', 'Saturn');
        INSERT INTO planets (name, moons, au) VALUES
            ('Mercury', 0, 0.39), ('Venus', 0, 0.72), ('Earth', 1, 1.0), ('Mars', 2, 1.52),
            ('Jupiter', 95, 5.2), ('Saturn', 146, 9.54), ('Uranus', 28, 19.2),
            ('Neptune', 16, 30.06);
        """
    )
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def page(chromium: Path) -> Iterator[Page]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.add_init_script(HOOK)
            yield page
        finally:
            browser.close()


def screen(page: Page) -> str:
    text: str = page.evaluate("window.__dbbrowseScreen()")
    return text


def wait_for_screen(page: Page, *needles: str) -> None:
    """Wait until the page's terminal shows every one of ``needles``."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            "needles => needles.every(n => window.__dbbrowseScreen().includes(n))",
            arg=list(needles),
            timeout=TIMEOUT_MS,
        )
    except PlaywrightTimeout:
        raise AssertionError(f"{needles!r} never all appeared; the page:\n{screen(page)}") from None


def click_on(page: Page, needle: str) -> None:
    """Click in the middle of the first place the terminal shows ``needle``."""
    lines = screen(page).split("\n")
    y = next(i for i, line in enumerate(lines) if needle in line)
    x = lines[y].index(needle) + len(needle) / 2
    left, top, width, height = page.evaluate("window.__dbbrowseCell()")
    page.mouse.click(left + x * width, top + (y + 0.5) * height)


def test_the_page_lists_tables_opens_one_and_shows_its_rows(page: Page, tmp_path: Path) -> None:
    db = solar_system(tmp_path / "solar.db")
    with Served(str(db)) as served:
        origin = served.url.rstrip("/")
        # Nothing from outside (the page asks Google for a font): the test needs no network.
        page.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith(origin) else route.abort()
            ),
        )
        page.goto(served.url)
        wait_for_screen(page, "moons", "planets", "Titan")

        click_on(page, "planets")
        wait_for_screen(page, "table planets", "Mercury", "Neptune", "30.06")
        # The pointer off the list, so its tooltip (the table's full name) leaves the picture.
        page.mouse.move(900, 500)
        page.wait_for_function(
            "() => window.__dbbrowseScreen().split('\\n').filter(l => l.includes('planets'))"
            ".length == 2"  # the list's entry and the status bar
        )
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))

        # The app process got the database from the environment, not its command line.
        assert served.started() != []
        showing = [pid for pid, _group, args in processes() if str(db) in args]
        assert showing == [served.process.pid]

        # Closing the page ends its app process; Ctrl+C then ends the server cleanly.
        page.close()
        wait_until(lambda: served.started() == [], "the page's app process to end")
        assert served.stop() == 0
