"""Property: after random writes, checkpoints and readers that hold checkpoints back, every
commit still in the WAL reads, as of that commit, exactly as a backup copy taken right after
it; or is refused, and only when a checkpoint copied a later version of a page it needs."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.tui.db.asofhelpers import RecordingWriter, dump
from tui.db.as_of import AsOfSnapshot, NotReconstructableError
from tui.db.wal_commits import read_commits

_ops = st.one_of(
    st.tuples(st.just("insert"), st.integers(1, 30), st.integers(0, 3000)),
    st.tuples(st.just("update"), st.integers(2, 5), st.integers(0, 6000)),
    st.tuples(st.just("delete"), st.integers(2, 5), st.integers(0, 4)),
    st.tuples(st.just("create"), st.integers(0, 2), st.just(0)),
    st.tuples(st.just("drop"), st.integers(0, 2), st.just(0)),
    st.tuples(st.just("checkpoint"), st.sampled_from(["PASSIVE", "TRUNCATE"]), st.just(0)),
    st.tuples(st.just("reader"), st.booleans(), st.just(0)),
    st.tuples(st.just("vacuum"), st.just(0), st.just(0)),
)


def _apply(w: RecordingWriter, reader: sqlite3.Connection, op: tuple[str, object, int]) -> None:
    kind, a, b = op
    if kind == "insert":
        w.run(*[("INSERT INTO t (v) VALUES (randomblob(?))", (b + i,)) for i in range(int(a))])
    elif kind == "update":
        w.run((f"UPDATE t SET v = randomblob(?) WHERE id % {a} = 0", (b,)))
    elif kind == "delete":
        w.run(f"DELETE FROM t WHERE id % {a} = {min(b, int(a) - 1)}")
    elif kind == "create":
        w.run(f"CREATE TABLE IF NOT EXISTS u{a} (x)", f"INSERT INTO u{a} VALUES (randomblob(900))")
    elif kind == "drop":
        w.run(f"DROP TABLE IF EXISTS u{a}")
    elif kind == "checkpoint":
        w.checkpoint(str(a))
    elif kind == "reader":
        if reader.in_transaction:
            reader.execute("COMMIT")
        if a:  # a reader at the current commit: checkpoints stop there
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM t").fetchone()
    else:
        w.alone("VACUUM")


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(_ops, min_size=1, max_size=14), st.sampled_from([512, 1024, 4096]))
def test_every_commit_reads_as_its_copy_or_is_refused(
    ops: list[tuple[str, object, int]], page_size: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "p.db"
        w = RecordingWriter(db, page_size)
        reader = sqlite3.connect(db, isolation_level=None)
        try:
            w.run("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)")
            for op in ops:
                _apply(w, reader, op)
            commits = read_commits(f"{db}-wal")
            backfilled = commits.backfilled
            assert backfilled is not None or not commits.commits  # known while the WAL has any
            for k, expected in sorted(w.current().items()):
                try:
                    with AsOfSnapshot(db, k) as snapshot:
                        con = snapshot.connect()
                        try:
                            got = dump(lambda sql, con=con: list(con.execute(sql)))
                        finally:
                            con.close()
                except NotReconstructableError:
                    # Refused only before the checkpointed frames end.
                    assert commits.commit(k).last_frame < (backfilled or 0), f"commit {k}"
                else:
                    assert got == expected, f"commit {k}"
        finally:
            reader.close()
            w.close()
