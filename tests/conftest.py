"""Shared pytest fixtures: a real HTTP server on 127.0.0.1 with a route table (`site`), and a URL whose port
is closed (`closed_port_url`). Tests talk to real sockets; they never mock requests nor touch the internet.

Typical use::

    def test_something(site):
        url = site.route("/page", "<p>hello</p>")
        site.route("/gone", "Not here", status=410)
        site.route("/drip", handler=lambda rh: ...)  # writes the whole response itself
        ...
        assert site.hits("/page") == 1
"""

from __future__ import annotations

import signal
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from cilegon_site import Cilegon

# A shell starts a background job (`.ci/run &`, a cron line, a CI runner's step) with Ctrl-C ignored, every
# process it starts inherits that, and Python then never turns SIGINT into KeyboardInterrupt: the tests that
# press Ctrl-C on a civicheck they start would wait in vain. The suite's processes hear it again.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

Handler = Callable[[BaseHTTPRequestHandler], None]
Headers = Mapping[str, str] | Iterable[tuple[str, str]]


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str | None = "text/html; charset=utf-8"
    delay: float = 0.0
    handler: Handler | None = None


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    target: str  # path and query, as in the request line
    headers: list[tuple[str, str]]  # as received, in order

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


class Site:
    """A real HTTP/1.1 server on 127.0.0.1 (keep-alive, one daemon thread per connection) serving a route
    table that tests may change at any time, e.g. between two runs that should see a page change.

    * ``route(path, body, status, headers, content_type, delay, handler)`` sets what ``path`` answers and
      returns its URL. A path without a query matches any query; a path with one matches only it.
    * ``url(path)`` is the full URL; ``hits(path)`` counts requests received for it (same matching).
    * ``requests`` lists every request received (method, target, headers), in order.
    * ``in_flight`` / ``peak_in_flight``: requests being answered now / at most at once;
      ``connections_accepted``: TCP connections opened to the server (keep-alive reuse shows here).
    * ``sleep(seconds)`` is for handlers: it returns early (False) when the server is shutting down, so a
      handler that drips for 30 s does not outlive its test.

    Unknown paths answer 404 "Not Found". Route responses always carry Content-Length (unless the route's
    own headers set one, in which case the connection is closed after the answer, since the body may not
    match). A custom ``handler(request_handler)`` writes the whole response itself on
    ``request_handler.wfile`` (status line included, or via ``send_response``); the connection is closed
    after it unless the handler sets ``request_handler.close_connection = False``.
    """

    def __init__(self) -> None:
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._hits: Counter[str] = Counter()
        self.requests: list[ReceivedRequest] = []
        self.in_flight = 0
        self.peak_in_flight = 0
        self.connections_accepted = 0
        self.closing = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _RequestHandler)
        self._server.site = self
        self.port: int = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="test-site", daemon=True
        )

    def start(self) -> Site:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.closing.set()
        self._server.shutdown()
        self._server.close_all_connections()
        self._server.server_close()
        self._thread.join(timeout=5)

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        headers: Headers | None = None,
        content_type: str | None = "text/html; charset=utf-8",
        delay: float = 0.0,
        handler: Handler | None = None,
    ) -> str:
        if isinstance(body, str):
            body = body.encode("utf-8")
        pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers or [])
        with self._lock:
            self._routes[path] = Route(body, status, pairs, content_type, delay, handler)
        return self.url(path)

    def url(self, path: str) -> str:
        return self.base_url + path

    def hits(self, path: str) -> int:
        with self._lock:
            return self._hits[path]

    def sleep(self, seconds: float) -> bool:
        """Wait in a handler; False if the server is shutting down meanwhile (stop dripping then)."""
        return not self.closing.wait(seconds)

    def _lookup(self, target: str) -> Route | None:
        with self._lock:
            return self._routes.get(target) or self._routes.get(urlsplit(target).path)

    def _arrived(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            path = urlsplit(handler.path).path
            self._hits[path] += 1
            if handler.path != path:
                self._hits[handler.path] += 1
            self.requests.append(
                ReceivedRequest(handler.command, handler.path, list(handler.headers.items()))
            )
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def _left(self) -> None:
        with self._lock:
            self.in_flight -= 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # the default 5 drops connects when a test fetches 16 URLs at once
    site: Site

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def get_request(self) -> tuple[socket.socket, object]:
        conn, addr = super().get_request()
        with self._connections_lock:
            self._connections.add(conn)
            self.site.connections_accepted += 1
        return conn, addr

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_all_connections(self) -> None:
        # Idle keep-alive connections would otherwise keep their handler threads blocked in readline.
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        # Headers and body are written separately: without TCP_NODELAY, Nagle and the client's delayed ACK
        # add 40 ms to every answer on a reused keep-alive connection.
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)  # keep the connection in step for the next request
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _serve(self) -> None:
        site = self.server.site
        site._arrived(self)
        try:
            route = site._lookup(self.path)
            if route is None:
                self._answer(Route(b"Not Found", 404, content_type="text/plain; charset=utf-8"))
            elif route.handler is not None:
                self.close_connection = True
                route.handler(self)
                self.wfile.flush()
            else:
                if route.delay:
                    site.sleep(route.delay)
                self._answer(route)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            site._left()

    def _answer(self, route: Route) -> None:
        self.send_response(route.status)
        names = {name.lower() for name, _ in route.headers}
        if route.content_type is not None and "content-type" not in names:
            self.send_header("Content-Type", route.content_type)
        for name, value in route.headers:
            self.send_header(name, value)
        if "content-length" in names:
            self.close_connection = True
            self.send_header("Connection", "close")
        else:
            self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(route.body)
        self.wfile.flush()


@pytest.fixture
def site() -> Iterator[Site]:
    """A fresh HTTP server on 127.0.0.1 for this test, shut down afterwards (see Site)."""
    server = Site().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def closed_port_url() -> str:
    """An http URL on 127.0.0.1 whose port nothing listens on: connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture(autouse=True)
def _run_in_tmp_dir(tmp_path, monkeypatch):
    """Every test runs in its own empty folder, so the default .civicheck/ (WARC, history) lands there."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def _loopback_allowed(monkeypatch):
    """Every test site listens on 127.0.0.1, which `verify` refuses by default: the CLI (and any civicheck
    run in a subprocess) is told to allow private addresses, as `--allow-private` would. The tests of the
    refusal itself (tests/test_attacks_addresses.py) remove it."""
    monkeypatch.setenv("CIVICHECK_ALLOW_PRIVATE", "1")


@pytest.fixture
def city(site: Site) -> Cilegon:
    """The Cilegon pages on this test's `site`, in a first night's state (tests/cilegon_site.py)."""
    return Cilegon(site)
