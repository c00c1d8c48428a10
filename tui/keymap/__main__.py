"""``python -m tui.keymap --markdown``: the README's key table, from the registry.

``--update README.md`` rewrites the table between the README's key-table markers in place
(nothing else in the file changes); ``tests/tui/test_keymap.py`` fails while they differ.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tui.keymap import markdown_table

BEGIN = "<!-- keys: begin (python -m tui.keymap --markdown) -->"
END = "<!-- keys: end -->"


def with_table(text: str, table: str) -> str:
    """``text`` with what lies between the markers replaced by ``table``."""
    if BEGIN not in text or END not in text:
        raise ValueError(f"no key-table markers ({BEGIN} … {END})")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui.keymap", description=__doc__)
    parser.add_argument("--markdown", action="store_true", help="print the README's key table")
    parser.add_argument("--update", metavar="README", type=Path, help="rewrite its key table")
    args = parser.parse_args(argv)
    if args.update is not None:
        path: Path = args.update
        try:
            path.write_text(with_table(path.read_text(encoding="utf-8"), markdown_table()))
        except (OSError, ValueError) as exc:
            print(f"python -m tui.keymap: {path}: {exc}", file=sys.stderr)
            return 1
        return 0
    if not args.markdown:
        parser.print_help()
        return 2
    sys.stdout.write(markdown_table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
