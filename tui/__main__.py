"""``python -m tui`` runs the dbbrowse command."""

import sys

from tui.cli import main

sys.exit(main())
