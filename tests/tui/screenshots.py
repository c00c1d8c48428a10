"""Regenerate ``screenshots/`` from the snapshot scenes (``make screenshots`` runs it, then
the README's pictures, :mod:`tests.tui.readme_pictures`).

Runs the snapshot tests (the scenes in test_snapshots.py) with ``--snapshot-update`` against a
scratch copy of the baselines, so the committed test baselines are never rewritten: those
change only through ``pytest --snapshot-update`` after someone has looked at the picture.
Each scene's SVG is copied to ``screenshots/`` with a PNG drawn beside it, cell by cell in
monospace fonts (:mod:`tests.tui.terminal_png`).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = ROOT / "tests" / "tui" / "__snapshots__"
OUT = ROOT / "screenshots"


def main() -> int:
    from tests.tui.terminal_png import check_fonts, svg_to_png

    check_fonts()
    with tempfile.TemporaryDirectory(prefix="dbbrowse-screenshots-") as scratch:
        # The tests and their baselines in a scratch tree: updating them there leaves ours be.
        tree = Path(scratch) / "tree"
        shutil.copytree(
            ROOT / "tests", tree / "tests", ignore=shutil.ignore_patterns("__pycache__")
        )
        shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "tests/tui/test_snapshots.py",
                "--snapshot-update",
            ],
            cwd=tree,
            check=True,
        )
        OUT.mkdir(exist_ok=True)
        for svg in sorted((tree / SNAPSHOTS.relative_to(ROOT) / "test_snapshots").glob("*.svg")):
            name = svg.stem.removeprefix("test_")
            target = OUT / f"{name}.svg"
            shutil.copyfile(svg, target)
            svg_to_png(target, OUT / f"{name}.png")
            print(f"screenshots/{name}.svg, .png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
