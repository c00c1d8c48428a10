"""The history's compact store: commits made on demand equal those a fresh build finds, however
the history was followed (in steps, between commits), and a page that leaves one b-tree for
another is listed under each in turn. The files are never changed."""

from __future__ import annotations

from pathlib import Path

from tests.tui.db.historyhelpers import digest
from tests.tui.db.walhelpers import wal_connection
from tui.db.wal_commits import WalCommitIndex
from tui.db.wal_history import HistoryBuilder, WalHistory


def follow(builder: HistoryBuilder, step: int) -> WalHistory:
    """Refresh ``step`` commits at a time until every commit is attributed."""
    history = builder.refresh(limit=step)
    while history.unread_commits:
        history = builder.refresh(limit=step)
    return history


def test_followed_in_steps_equals_a_fresh_build(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    con = wal_connection(db)
    try:
        builder = HistoryBuilder(db)
        con.execute("CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT)")
        builder.refresh()
        con.execute("CREATE INDEX a_v ON a (v)")
        for i in range(6):
            con.execute("BEGIN")
            rows = [(f"{i}-{j}" * 20,) for j in range(40)]
            con.executemany("INSERT INTO a (v) VALUES (?)", rows)
            con.execute("COMMIT")
            if i % 2:
                builder.refresh(limit=1)  # behind the writer, then catching up
        con.execute("DROP TABLE a")
        follow(builder, 2)
        con.execute("CREATE TABLE b (id INTEGER PRIMARY KEY, w BLOB)")
        con.execute("BEGIN")
        con.executemany("INSERT INTO b (w) VALUES (?)", [(bytes(300),) for _ in range(60)])
        con.execute("COMMIT")
        con.execute("UPDATE b SET w = x'00' WHERE id = 3")
        builder.refresh(limit=1)
        con.execute("ALTER TABLE b RENAME TO c")
        before = digest(db)
        followed = follow(builder, 3)
        fresh_builder = HistoryBuilder(db)
        fresh = fresh_builder.refresh()
        assert digest(db) == before
    finally:
        con.close()
    assert len(fresh.commits) == len(followed.commits) == 13
    assert followed.commits == fresh.commits
    assert list(followed.commits) == list(fresh.commits) == list(fresh.commits[:])
    assert followed.commits[-1] == fresh.commits[12] == fresh.commit(13)
    assert [builder.page_changes[i] for i in range(13)] == list(fresh_builder.page_changes[:])

    # A page of a (its index or its table) is freed by the DROP and reused by b.
    drop = fresh.commit(9)
    changes = fresh_builder.page_changes[drop.number - 1]
    freed = {p for p, (was, now) in changes.items() if was is not None and now is None}
    assert freed, "the DROP freed pages of a"
    later = [c for c in fresh.commits if c.number > drop.number]
    reused = {
        page
        for commit in later
        for touched in commit.touched
        if touched.name == "b"
        for page in touched.pages
    } & freed
    assert reused, "b reuses a page a had"
    page = min(reused)
    owners_of_page = [
        touched.name for c in fresh.commits for touched in c.touched if page in touched.pages
    ]
    assert owners_of_page[0] in ("a", "a_v") and owners_of_page[-1] == "b"

    # The rename moves b's pages to c without writing them all: kept apart from the written.
    rename = fresh.commit(13)
    moved = {
        p
        for p, (was, now) in fresh_builder.page_changes[12].items()
        if was is not None and now is not None and (was[0], now[0]) == ("b", "c")
    }
    assert moved - set(rename.pages), "pages renamed without being written"
    assert builder.page_changes[12] == fresh_builder.page_changes[12]


def test_a_commit_list_is_a_snapshot_of_the_index(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    con = wal_connection(db)
    try:
        con.execute("CREATE TABLE t (v)")
        con.execute("INSERT INTO t VALUES (1)")
        index = WalCommitIndex(f"{db}-wal")
        old = index.refresh()
        con.execute("INSERT INTO t VALUES (2)")
        new = index.refresh()
    finally:
        con.close()
    assert len(old.commits) == 2 and len(new.commits) == 3
    assert old.commits == new.commits[:2] and old.commits != new.commits
    assert [c.number for c in new.commits] == [1, 2, 3]
    assert new.commits[-1] == new.commit(3) and new.commits[-1].first_frame > old.last_commit_frame
    assert old.commit_of_frame(new.last_commit_frame) is None
    assert new.commit_of_frame(new.last_commit_frame) == new.commit(3)


def test_a_wal_read_a_few_frames_at_a_time_equals_one_read(tmp_path: Path) -> None:
    """refresh(max_frames=N) reads on from the last commit it knows: each step lists whole
    commits only, says how many frames are left, and never calls the unread part an
    uncommitted tail; a transaction longer than N frames is read whole; the last step
    equals one read of the file."""
    db = tmp_path / "s.db"
    con = wal_connection(db)
    try:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)")
        for i in range(12):
            con.execute("INSERT INTO t (v) VALUES (?)", (bytes(100 * i),))
        con.execute("BEGIN")
        con.executemany("INSERT INTO t (v) VALUES (?)", [(bytes(3000),)] * 20)  # many frames
        con.execute("COMMIT")
        con.execute("UPDATE t SET v = x'01' WHERE id = 1")
        whole = WalCommitIndex(f"{db}-wal").refresh()
        stepwise = WalCommitIndex(f"{db}-wal")
        steps = []
        while True:
            step = stepwise.refresh(max_frames=2)
            steps.append(step)
            assert step.uncommitted_frames == 0 and not step.problems
            if not step.unscanned_frames:
                break
            assert step.last_commit_frame + step.unscanned_frames == whole.last_commit_frame
        followed = HistoryBuilder(db)
        history = followed.refresh(limit=1, scan=3)
        assert history.unscanned_frames and len(history.wal_commits) < len(whole.commits)
        while history.unscanned_frames or history.unread_commits:
            history = followed.refresh(limit=2, scan=3)
        fresh = HistoryBuilder(db).refresh()
    finally:
        con.close()
    assert len(steps) > 5
    counts = [len(s.commits) for s in steps]
    assert counts == sorted(counts) and counts[-1] == len(whole.commits) == 15
    assert steps[-1].commits == whole.commits
    assert history.commits == fresh.commits
