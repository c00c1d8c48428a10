"""``make bench``: every benchmark, printing numbers (never asserting on them)."""

from __future__ import annotations

import sys

from bench import browse


def main() -> int:
    return browse.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
