"""The process behind one browser page of ``dbbrowse --serve``.

Its arguments come from the environment (see :mod:`tui.web`), not its command line; it
takes them out so nothing it starts inherits them.
"""

from __future__ import annotations

import json
import os
import sys

#: Set by the server (:func:`tui.web.serve`): the app's arguments as a JSON list.
ARGV_VARIABLE = "DBBROWSE_WEB_ARGV"


def main() -> int:
    argv = os.environ.pop(ARGV_VARIABLE, None)
    if argv is None:
        print(f"dbbrowse: error: started without {ARGV_VARIABLE}", file=sys.stderr)
        return 2
    from tui.cli import main as cli_main

    return cli_main(json.loads(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
