"""The real ``dbbrowse`` process in a pseudo-terminal: it starts from a shell, draws, quits
on ``q``, and leaves the database, its WAL and its -shm as it found them, even when killed."""

from __future__ import annotations

from pathlib import Path

from tests.tui.scenes import make_odd_database
from tests.tui.terminal import RealApp
from tests.tui.test_leaves_files import digest, wal_left_by_a_crashed_writer


def files_of(path: Path) -> dict[str, str]:
    return {
        p.name: digest(p)
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
        if p.exists()
    }


def test_the_real_process_lists_tables_and_quits_on_q(tmp_path: Path) -> None:
    path = make_odd_database(tmp_path / "odd.db")
    with RealApp(str(path), cwd=tmp_path) as app:
        app.wait_for("people")
        app.press("q")
        assert app.wait_exit() == 0


def test_killed_while_browsing_it_leaves_the_wal_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    wal_left_by_a_crashed_writer(path, 40)
    before = files_of(path)
    with RealApp(str(path), cwd=tmp_path) as app:
        app.wait_for("people")
        app.press("end", "home", "w")
        app.wait_for("WAL")
        app.kill9()
    after = files_of(path)
    # The -shm too: reads map it read-only (SQLite reads the WAL itself, with no other
    # process attached), so neither a read mark nor a rebuilt wal-index lands in it.
    assert set(before) == {"wal.db", "wal.db-wal", "wal.db-shm"}
    assert after == before


def test_a_database_is_remembered_once_open_even_if_the_process_is_killed(
    tmp_path: Path,
) -> None:
    """recent.json was written on a clean quit only: a killed (or crashed) app forgot the
    database the next start's picker should offer."""
    from tui.settings.paths import recent_path
    from tui.settings.recent import recent

    path = make_odd_database(tmp_path / "odd.db")
    with RealApp(str(path), cwd=tmp_path) as app:
        app.wait_for("people")
        app.kill9()
    assert recent() == [str(path.resolve())]
    assert [p.name for p in recent_path().parent.iterdir() if "recent" in p.name] == [
        "recent.json"
    ]  # written whole through a temporary file, nothing left beside it
