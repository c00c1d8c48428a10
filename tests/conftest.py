"""Test-wide setup: no user configuration leaks in, and real database servers on demand.

``DATABASE_URL`` points at a throwaway SQLite file before :mod:`app` is imported, so no test
can touch a developer's database or create ``./dbbrowse.db``. PostgreSQL and MariaDB
fixtures give each test run its own freshly created database and drop it afterwards; when
``CI=true`` a missing server is a failure, elsewhere it is a skip.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="dbbrowse-tests-"))
os.environ["DATABASE_URL"] = f"sqlite:///{_SESSION_DIR / 'app.db'}"
os.environ.pop("BUSY_TIMEOUT_MS", None)
os.environ.pop("SQL_ECHO", None)
os.environ["TZ"] = "UTC"

POSTGRES_ADMIN_URL = os.environ.get(
    "DBBROWSE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
MARIADB_ADMIN_URL = os.environ.get("DBBROWSE_TEST_MARIADB", "mysql://root@127.0.0.1:3306/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The log file goes to a temporary XDG state directory, never the real home's (and the
    data and config directories are temporary too)."""
    state = tmp_path / "xdg-state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    # The SQL history too (XDG data directory): never the real home's.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    # And the config file (XDG config directory): no test reads the developer's settings.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    return state


def _server_missing(name: str, exc: Exception) -> None:
    message = f"{name} server is not reachable: {exc}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: tests against it must run)")
    pytest.skip(message)


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """A path for a new SQLite database file (not created yet)."""
    return tmp_path / "test.db"


@pytest.fixture
def sqlite_url(sqlite_path: Path) -> str:
    return f"sqlite:///{sqlite_path}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a PostgreSQL database created for this test run, dropped at its end."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app.database import derive_urls

    admin_url, _ = derive_urls(POSTGRES_ADMIN_URL)
    name = f"dbbrowse_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        _server_missing("PostgreSQL", exc)
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def mariadb_url() -> Iterator[str]:
    """URL of a MariaDB database created for this test run, dropped at its end."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app.database import derive_urls

    admin_url, _ = derive_urls(MARIADB_ADMIN_URL)
    name = f"dbbrowse_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    except Exception as exc:
        admin.dispose()
        _server_missing("MariaDB", exc)
    try:
        yield make_url(MARIADB_ADMIN_URL).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()
