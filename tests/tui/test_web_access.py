"""Who may open ``dbbrowse --serve``'s page, asked over HTTP (no browser).

Off loopback the page needs the token printed at start; on loopback it needs a local host
name; the terminal's websocket refuses other origins. A refused request starts no app
process. The database's URL reaches the app processes through the environment, never
their command lines.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pyte
import pytest

from tests.tui.served import DBBROWSE, Served, processes, wait_until

SIZE = (100, 30)


def small_db(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, label TEXT)")
    conn.execute("INSERT INTO ledger (label) VALUES ('first entry')")
    conn.commit()
    conn.close()
    return path


@asynccontextmanager
async def terminal(
    http: aiohttp.ClientSession, url: str, **headers: str
) -> AsyncIterator[pyte.Screen]:
    """The page's websocket, as textual.js opens it; yields the screen it drew first."""
    columns, lines = SIZE
    screen = pyte.Screen(columns, lines)
    stream = pyte.ByteStream(screen)
    ws_url = url.replace("http://", "ws://", 1).split("?")[0] + "ws"
    async with http.ws_connect(f"{ws_url}?width={columns}&height={lines}", headers=headers) as ws:
        async with asyncio.timeout(60):  # a failure, not a hang, if the app never draws
            async for message in ws:
                if message.type == aiohttp.WSMsgType.BINARY:
                    stream.feed(message.data)
                    if "ledger" in "\n".join(screen.display):
                        break
        yield screen


async def status_of(http: aiohttp.ClientSession, url: str, **headers: str) -> int:
    async with http.get(url, headers=headers, allow_redirects=False) as response:
        return response.status


async def ws_status(http: aiohttp.ClientSession, url: str, **headers: str) -> int:
    try:
        async with http.ws_connect(url, headers=headers):
            return 101
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status


async def test_off_loopback_the_page_needs_the_token_printed_once(tmp_path: Path) -> None:
    db = small_db(tmp_path / "small.db")
    with Served(str(db), host="0.0.0.0") as served:
        assert "?token=" in served.url
        token = served.url.split("?token=")[1]
        assert "warning" in "".join(served.stderr)
        base = f"http://127.0.0.1:{served.port}/"
        async with aiohttp.ClientSession() as http:
            assert await status_of(http, base) == 403
            assert await status_of(http, f"{base}?token=not-{token}") == 403
            assert await status_of(http, f"{base}static/js/textual.js") == 403
            assert await ws_status(http, f"{base}ws?width=80&height=24") == 403
            assert served.started() == []

            async with http.get(f"{base}?token={token}", allow_redirects=False) as response:
                assert response.status == 303
                assert response.headers["Location"] == "/"
                cookie = response.cookies[f"dbbrowse-token-{served.port}"]
                assert cookie.value == token
                assert cookie["httponly"]
            with_cookie = {"Cookie": f"{cookie.key}={cookie.value}"}
            assert await status_of(http, base, **with_cookie) == 200
            async with terminal(http, base, **with_cookie) as screen:
                assert "ledger" in "\n".join(screen.display)
                assert served.started() != []
        assert served.stop() == 0
        assert "".join(served.stdout).count(token) == 1


async def test_on_loopback_only_local_names_and_the_page_itself_may_open_it(
    tmp_path: Path,
) -> None:
    db = small_db(tmp_path / "small.db")
    with Served(str(db)) as served:
        assert "token" not in served.url
        ws = f"{served.url}ws?width=80&height=24"
        async with aiohttp.ClientSession() as http:
            assert await status_of(http, served.url) == 200
            # A web site whose name resolves to 127.0.0.1 (DNS rebinding).
            assert await status_of(http, served.url, Host="attacker.example") == 403
            # Any page may open a websocket to localhost: only dbbrowse's own may drive it.
            assert await ws_status(http, ws, Origin="http://attacker.example") == 403
            assert served.started() == []
            origin = served.url.rstrip("/")
            async with terminal(http, served.url, Origin=origin) as screen:
                assert "ledger" in "\n".join(screen.display)
        assert served.stop() == 0
        wait_until(lambda: served.started() == [], "the app processes to end")


@pytest.mark.postgres
async def test_the_password_is_on_no_app_process_command_line(
    postgres_url: str, tmp_path: Path
) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app.engines import derive_urls

    engine = create_engine(derive_urls(postgres_url)[0])
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE web_ledger (id integer PRIMARY KEY, label text)"))
    secret = "pw-4f1c9e"  # the test server trusts local connections: any password will do
    url = make_url(postgres_url).set(password=secret).render_as_string(hide_password=False)
    try:
        with Served(url, cwd=tmp_path) as served:
            async with aiohttp.ClientSession() as http, terminal(http, served.url) as screen:
                assert "web_ledger" in "\n".join(screen.display)
                assert served.started() != []
                showing = [pid for pid, _group, args in processes() if secret in args]
                # Only the command the user typed; not the app processes it started.
                assert showing == [served.process.pid]
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE web_ledger"))
        engine.dispose()


def test_web_options_are_checked_before_anything_listens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.cli import main

    db = str(small_db(tmp_path / "small.db"))
    with pytest.raises(SystemExit) as exited:
        main(["--port", "8000", db])
    assert exited.value.code == 2
    assert "--host and --port go with --serve" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--serve", "--port", "0", db])
    assert "not a TCP port (1-65535): '0'" in capsys.readouterr().err
    assert main(["--serve", str(tmp_path / "missing.db")]) == 2
    assert "no such database file" in capsys.readouterr().err


def test_a_port_in_use_is_an_error_in_words(tmp_path: Path) -> None:
    db = small_db(tmp_path / "small.db")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(DBBROWSE), "--serve", "--port", str(port), str(db)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert done.stdout == ""
    assert f"dbbrowse: error: cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "address already in use" in done.stderr


def test_which_addresses_are_this_machine_only() -> None:
    from tui.web import Access, is_loopback

    for host in ("127.0.0.1", "127.8.0.2", "::1", "[::1]", "localhost", "app.localhost"):
        assert is_loopback(host), host
        assert Access.for_bind(host, 8000).token is None
    for host in ("0.0.0.0", "::", "192.168.1.5", "db.example.com", "localhost.example.com"):
        assert not is_loopback(host), host
    tokens = {Access.for_bind("0.0.0.0", 8000).token for _ in range(3)}
    assert None not in tokens and len(tokens) == 3
    assert Access.for_bind("::1", 9000).url() == "http://[::1]:9000/"
