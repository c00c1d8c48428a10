"""Web mode: ``dbbrowse --serve`` serves the app to a browser through textual-serve.

textual-serve starts one app process per page, from a shell command string. What the
process must browse therefore travels in an environment variable (readable by this user
only, in /proc), never in that command line, where ``ps`` would show a password to anyone.

Who may start such a process is guarded here, before textual-serve sees a request:
- bound to a loopback address, the page is for this machine: requests must name a
  loopback host (a DNS name rebound to 127.0.0.1 by some web site is refused);
- bound to any other address, every request needs the token printed at start, as
  ``?token=`` once (answered with a cookie and a redirect that drops it from the address
  bar) or as that cookie;
- the terminal's websocket is refused when opened by a page of another origin: browsers
  let any site open a websocket to localhost, and this one drives a database.
Refused requests get 403 and start nothing.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import secrets
import shlex
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server, to_int

from tui.web_app import ARGV_VARIABLE

#: The query parameter of the URL printed at start.
TOKEN_PARAMETER = "token"

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses; any other name may reach the network."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def app_command() -> str:
    """The shell command textual-serve runs for each page: no argument, nothing secret."""
    return shlex.join([sys.executable, "-m", "tui.web_app"])


@dataclass(frozen=True)
class Access:
    """Who may open the page: a token (required off loopback) and the cookie keeping it."""

    host: str
    port: int
    token: str | None

    @classmethod
    def for_bind(cls, host: str, port: int) -> Access:
        token = None if is_loopback(host) else secrets.token_urlsafe(24)
        return cls(host=host, port=port, token=token)

    @property
    def cookie(self) -> str:
        # Cookies are shared by every port of a host: one name per server.
        return f"dbbrowse-token-{self.port}"

    def url(self) -> str:
        """The address to open, with the token when one is needed."""
        host = self.host
        if host in ("0.0.0.0", "::", ""):
            host = socket.gethostname()
        elif ":" in host:
            host = f"[{host}]"
        query = f"?{TOKEN_PARAMETER}={self.token}" if self.token else ""
        return f"http://{host}:{self.port}/{query}"

    def token_matches(self, given: str | None) -> bool:
        if self.token is None:
            return True
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())


def _host_name(request: web.Request) -> str:
    host = request.host
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _foreign_origin(request: web.Request) -> bool:
    # Hosts, not schemes, are compared: behind an HTTPS proxy the page is https:// and the
    # request reaching dbbrowse is http://.
    origin = request.headers.get("Origin")
    return origin is not None and urlsplit(origin).netloc != request.host


class DbBrowseServer(Server):
    """textual-serve's server, guarded (see the module docstring), quiet about the token."""

    def __init__(self, access: Access, title: str) -> None:
        super().__init__(app_command(), host=access.host, port=access.port, title=title)
        self.access = access

    @web.middleware
    async def _guard(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        access = self.access
        if access.token is None and not is_loopback(_host_name(request)):
            raise web.HTTPForbidden(text="dbbrowse serves this page to localhost only\n")
        if request.path == "/ws" and _foreign_origin(request):
            raise web.HTTPForbidden(text="the terminal opens only from dbbrowse's own page\n")
        if access.token is None:
            return await handler(request)
        given = request.query.get(TOKEN_PARAMETER)
        if given is not None and access.token_matches(given):
            # Keep the token out of the address bar and history: a cookie carries it on.
            response = web.Response(status=303, headers={"Location": "/"})
            response.set_cookie(access.cookie, given, httponly=True, samesite="Strict")
            return response
        if not access.token_matches(request.cookies.get(access.cookie)):
            raise web.HTTPForbidden(text="this page needs the token dbbrowse printed at start\n")
        return await handler(request)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.insert(0, self._guard)
        return app

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        # textual-serve builds its URLs from the bind address, which a browser cannot use
        # for 0.0.0.0: build them from the address the browser used.
        origin = f"{request.scheme}://{request.host}"
        websocket = ("wss" if request.scheme == "https" else "ws") + f"://{request.host}/ws"
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": websocket,
            "config": {"static": {"url": f"{origin}/static/"}},
            "application": {"name": self.title},
        }

    async def on_startup(self, app: web.Application) -> None:
        """Nothing: textual-serve's banner is replaced by :meth:`_announce`."""

    def initialize_logging(self) -> None:
        # Warnings only, plain: no access log (it would print the token) and no locals.
        logging.basicConfig(level=logging.WARNING, format="dbbrowse: %(message)s")

    def serve(self, debug: bool = False) -> None:
        self.initialize_logging()
        web.run_app(
            self._make_app(),
            host=self.host,
            port=self.port,
            access_log=None,
            shutdown_timeout=3.0,
            print=lambda _banner: self._announce(),
        )

    def _announce(self) -> None:
        """Called once the port is open: the one place the address (and token) is printed."""
        if self.access.token is not None:
            print(
                f"dbbrowse: warning: listening on {self.access.host}, which other machines can "
                "reach; the page needs the token in the address below. Anyone with it can "
                "browse the database, and the traffic is not encrypted.",
                file=sys.stderr,
                flush=True,
            )
        print(f"dbbrowse: open {self.access.url()}  (Ctrl+C stops)", flush=True)


def serve(app_argv: Sequence[str], *, host: str, port: int, title: str) -> int:
    """Serve the app (run with ``app_argv``) until interrupted; the command's exit status."""
    os.environ[ARGV_VARIABLE] = json.dumps(list(app_argv))
    try:
        DbBrowseServer(Access.for_bind(host, port), title=title).serve()
    except OSError as exc:
        print(f"dbbrowse: error: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0
