"""A second process that writes a WAL database on command, for the history benchmarks.

``python -m bench.wal_writer DB``: creates ``DB`` in WAL mode with automatic checkpoints off
(table ``t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)``) and then reads commands from
stdin, one per line, answering ``ok`` on stdout when done:

- ``small N``: N single-row transactions, alternately an INSERT and an UPDATE of a random row;
- ``bulk N``: one transaction inserting N rows, then one updating all of them;
- ``index``: create an index on ``name`` (then ``bulk`` updates the indexed column too);
- ``quit``: close (the last connection's close checkpoints the WAL, as SQLite does).

The connection stays open between commands, so the WAL stays as the commands left it.
"""

from __future__ import annotations

import random
import sqlite3
import sys


def main(argv: list[str]) -> int:
    con = sqlite3.connect(argv[0], isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)")
    rng = random.Random(13)
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    indexed = False
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        count = int(arg or 0)
        if command == "small":
            for i in range(count):
                if i % 2 == 0 or not rows:
                    con.execute("INSERT INTO t (name, n) VALUES (?, ?)", (f"row {i}", i))
                    rows += 1
                else:
                    con.execute(
                        "UPDATE t SET n = n + 1, name = ? WHERE id = ?",
                        (f"updated {i}", rng.randint(1, rows)),
                    )
        elif command == "bulk":
            con.execute("BEGIN")
            con.executemany(
                "INSERT INTO t (name, n) VALUES (?, ?)", ((f"bulk {i}", i) for i in range(count))
            )
            con.execute("COMMIT")
            if indexed:
                con.execute("UPDATE t SET n = n + 1, name = name || '+' WHERE name LIKE 'bulk %'")
            else:
                con.execute("UPDATE t SET n = n + 1 WHERE name LIKE 'bulk %'")
            rows += count
        elif command == "index":
            con.execute("CREATE INDEX t_name ON t (name)")
            indexed = True
        elif command == "quit":
            break
        print("ok", flush=True)
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
