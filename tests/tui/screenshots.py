"""Regenerate ``screenshots/`` from the snapshot scenes: ``make screenshots``.

Runs the snapshot tests with ``--snapshot-update`` (the scenes in test_snapshots.py), then
copies each SVG to ``screenshots/`` and renders a PNG beside it with cairosvg.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = ROOT / "tests" / "tui" / "__snapshots__" / "test_snapshots"
OUT = ROOT / "screenshots"


def main() -> int:
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "tests/tui/test_snapshots.py", "--snapshot-update"],
        cwd=ROOT,
        check=True,
    )
    import cairosvg

    OUT.mkdir(exist_ok=True)
    for svg in sorted(SNAPSHOTS.glob("*.svg")):
        name = svg.stem.removeprefix("test_")
        target = OUT / f"{name}.svg"
        shutil.copyfile(svg, target)
        cairosvg.svg2png(url=str(target), write_to=str(OUT / f"{name}.png"), output_width=1600)
        print(f"screenshots/{name}.svg, .png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
