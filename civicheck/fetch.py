"""Fetching cited URLs: one requests.Session, retries, a hard deadline, size caps, per-host limits, a canary.

A failed fetch is not an exception: it is a FetchResult whose `error` says what went wrong, because
"the server refused the connection" is evidence about a government service.
"""

from __future__ import annotations

import email.utils
import errno
import hashlib
import heapq
import http.client
import io
import itertools
import math
import queue
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urljoin, urlsplit

import requests
import requests.auth
import requests.cookies
import requests.utils
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as u3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from civicheck import __version__
from civicheck.addresses import AddressPolicy, NoAnswer, Resolve, Resolver, connect, host_key, pinned, refused
from civicheck.credentials import RequestHeaders, masked, redact_headers, without_userinfo

if TYPE_CHECKING:
    from civicheck.network import NetworkWatch

USER_AGENT = f"civicheck/{__version__} (civic fact-check tool) python-requests/{requests.__version__}"

# Sites that are up whenever the internet is: if none of them answers, the problem is our network.
DEFAULT_CANARIES: tuple[str, ...] = (
    "https://www.google.com/generate_204",
    "https://cloudflare.com/cdn-cgi/trace",
    "https://www.wikipedia.org/",
)

_CHUNK = 64 * 1024
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_REDIRECT_DRAIN_BYTES = 64 * 1024  # a redirect body bigger than this is not worth keeping the connection for
_PROBE_MAX_BYTES = 16 * 1024
_DEADLINE_SLACK = 0.05  # a timeout this close to the deadline is the deadline
_ENCODINGS_WE_DECODE = ("gzip", "deflate")
_NO_ROUTE = frozenset({errno.ENETUNREACH, errno.ENETDOWN, errno.EHOSTUNREACH})


def now_utc() -> str:
    """The one timestamp format of civicheck's records (fetches, runs, archives, history): UTC, seconds."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class ErrorKind(str, Enum):
    """Why a fetch did not produce a usable 2xx/3xx answer. The values appear in JSON output."""

    DNS = "dns"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    TLS = "tls"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    TOO_LARGE = "too_large"
    PROXY = "proxy"  # the configured HTTP(S) proxy could not be reached, or could not reach the site
    HTTP_4XX = "http_4xx"
    HTTP_5XX = "http_5xx"
    NOT_PUBLIC = "not_public"  # refused by us before connecting: a loopback, private, link-local... address
    OTHER = "other"


@dataclass
class FetchResult:
    url: str  # as cited
    final_url: str  # after redirects; == url when nothing answered
    status: int | None  # final HTTP status; None when no response arrived
    reason: str  # HTTP reason phrase ("Not Found"), "" when none
    error: ErrorKind | None  # None for a 2xx/3xx answer read whole
    detail: str  # one sentence a reporter can paste: "DNS lookup failed: app.example.go.id does not exist"
    fetched_at: str  # ISO 8601 UTC, second precision, "2026-11-28T02:00:00Z"
    elapsed: float = 0.0  # seconds, all attempts included
    attempts: int = 1
    redirects: list[tuple[int, str]] = field(default_factory=list)  # (status, url) of each hop before final_url
    headers: list[tuple[str, str]] = field(default_factory=list)  # final response headers, as received
    body: bytes = b""  # payload with Content-Encoding removed (capped); empty on error without response
    raw_body: bytes = b""  # payload as it came off the wire (still gzip'd etc.), for the WARC record
    http_version: str = "HTTP/1.1"
    request_headers: list[tuple[str, str]] = field(default_factory=list)  # what we sent, for the WARC record
    # The failure may be this machine's network rather than the site (resolver not answering, no route):
    # such a result must not be reported as a dead site without a connectivity check.
    maybe_local: bool = False
    # The proxy the final request went through (scheme://host:port, never credentials); "" when direct.
    proxy: str = ""
    # The failure could be our own network's rather than the site's (DNS, refused, reset, timeout, TLS, no
    # route, a proxy error, a 5xx through a proxy): a live run asks the canary about it when it happens.
    could_be_ours: bool = False
    # What the canary said about our network when this failure happened (network.py); None: not asked.
    network_up: bool | None = None
    network: str = ""  # the canary's sentence at that time
    # A first attempt that failed while our network was down, and was fetched again once it was back.
    earlier: str = ""

    @property
    def has_document(self) -> bool:
        """A 2xx answer read whole: there is a page to extract evidence from."""
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def sha256(self) -> str | None:
        kept = getattr(self, "_kept", None)
        if kept is not None:
            return kept[0]
        return hashlib.sha256(self.body).hexdigest() if self.status is not None else None

    @property
    def blank(self) -> bool:
        """No body, or nothing but whitespace in it: an empty page."""
        kept = getattr(self, "_kept", None)
        return kept[1] if kept is not None else not self.body.strip()

    def drop_body(self) -> None:
        """Let go of the body once it is archived and read, so that a run's memory does not grow with the pages
        it fetches; its digest and whether it was blank are kept (not as fields: the WARC records fields)."""
        if getattr(self, "_kept", None) is None:
            self._kept = (self.sha256, self.blank)
        self.body = self.raw_body = b""

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()


# --- Deadline watchdog -------------------------------------------------------------------------------
#
# Socket timeouts bound each recv(), not a whole answer: a server dripping one byte a second in its
# status line keeps http.client reading forever. So every fetch gets a _Watch, the urllib3 connections
# it uses register with it (through the thread-local below, since urllib3 creates them deep inside
# requests), and at the deadline the watchdog thread shuts the socket down; the blocked read returns.

_WATCH_LOCK = threading.Lock()  # who owns which connection: a deadline must never cut a reused socket
_current = threading.local()


class _Watch:
    """The deadline of one fetch and the connection it is using right now."""

    __slots__ = ("deadline", "conn", "orphans", "fired", "done", "connections")

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.conn: _WatchedConnectionMixin | None = None
        self.connections = 0  # new connections opened for this fetch (a request on none went on a kept-alive one)
        # Sockets of connections closed while this fetch still reads from them (see close() below).
        self.orphans: list[socket.socket] = []
        self.fired = False
        self.done = False

    def fire(self) -> None:
        with _WATCH_LOCK:
            if self.done:
                return
            self.fired = True
            if self.conn is not None and self.conn._civicheck_watch is self:
                self.conn._civicheck_abort()
            for sock in self.orphans:
                _shutdown(sock)

    def finish(self) -> None:
        with _WATCH_LOCK:
            self.done = True
            if self.conn is not None and self.conn._civicheck_watch is self:
                self.conn._civicheck_watch = None
            self.conn = None
            orphans, self.orphans = self.orphans, []
        for sock in orphans:
            sock.close()


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _Watchdog:
    """One thread firing every fetch's _Watch at its deadline (a Timer thread per URL would cost more)."""

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._heap: list[tuple[float, int, _Watch]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._cancelled = False

    def watch(self, deadline: float) -> _Watch:
        watch = _Watch(deadline)
        self._schedule(watch)
        return watch

    def pause(self, watch: _Watch) -> None:
        """Stop the clock of one fetch (while it waits for its turn at a host): its deadline never fires."""
        with self._cv:
            watch.deadline = math.inf  # its entry in the heap is now stale, and skipped

    def resume(self, watch: _Watch, deadline: float) -> None:
        watch.deadline = deadline
        self._schedule(watch)

    def cancel(self) -> None:
        """Cut every fetch in flight now, and every one started from now on (Ctrl-C): a person who
        interrupts must not wait out the deadlines."""
        with self._cv:
            self._cancelled = True
            watches, self._heap = [entry[2] for entry in self._heap], []
        for watch in watches:
            watch.fire()

    def _schedule(self, watch: _Watch) -> None:
        with self._cv:
            if not self._cancelled:
                heapq.heappush(self._heap, (watch.deadline, next(self._seq), watch))
                self._closed = False
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="civicheck-deadline", daemon=True)
                    self._thread.start()
                self._cv.notify()
                return
        watch.fire()

    def close(self) -> None:
        with self._cv:
            self._closed = True
            thread, self._thread = self._thread, None
            self._cv.notify()
        if thread is not None:
            thread.join(timeout=2.0)

    def _run(self) -> None:
        with self._cv:
            while not self._closed:
                # Finished fetches, and entries left behind by pause() or resume(), fire nothing.
                while self._heap and (self._heap[0][2].done or self._heap[0][2].deadline != self._heap[0][0]):
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cv.wait()
                    continue
                delay = self._heap[0][0] - time.monotonic()
                if delay > 0:
                    self._cv.wait(delay)
                    continue
                heapq.heappop(self._heap)[2].fire()


class _WatchedConnectionMixin:
    """A urllib3 connection that lets the current fetch's _Watch shut its socket down."""

    _civicheck_watch: _Watch | None = None
    # A dup() of the TCP socket: it stays valid while ssl wraps the original (which detaches it), so a
    # dripping TLS handshake can be cut too, and it can never point at a recycled file descriptor.
    _civicheck_sock: socket.socket | None = None

    def _new_conn(self) -> socket.socket:
        sock = connect(self)  # to the address the fetch resolved and checked, never a fresh DNS answer
        try:
            dup: socket.socket | None = sock.dup()
        except OSError:
            dup = None
        with _WATCH_LOCK:
            old, self._civicheck_sock = self._civicheck_sock, dup
            self._civicheck_claim()
            if self._civicheck_watch is not None:
                self._civicheck_watch.connections += 1
        if old is not None:
            old.close()
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        with _WATCH_LOCK:
            self._civicheck_claim()
        super().request(*args, **kwargs)  # type: ignore[misc]

    def close(self) -> None:
        with _WATCH_LOCK:
            dup, self._civicheck_sock = self._civicheck_sock, None
            watch, self._civicheck_watch = self._civicheck_watch, None
            if dup is not None and watch is not None and not watch.done:
                # http.client closes the connection as soon as a response says "Connection: close", and
                # the body is then read from the still-open socket: the deadline must still reach it.
                watch.orphans.append(dup)
                dup = None
        if dup is not None:
            dup.close()
        super().close()  # type: ignore[misc]

    def _civicheck_claim(self) -> None:  # _WATCH_LOCK held
        watch = getattr(_current, "watch", None)
        if watch is None or watch.done:
            self._civicheck_watch = None
            return
        self._civicheck_watch = watch
        watch.conn = self
        if watch.fired:
            self._civicheck_abort()

    def _civicheck_abort(self) -> None:  # _WATCH_LOCK held
        if self._civicheck_sock is not None:
            _shutdown(self._civicheck_sock)


class _FinalResponse(http.client.HTTPResponse):
    """An answer read past informational ones. http.client skips `100 Continue` only, so a `103 Early Hints`
    (or any 1xx but 101, which switches protocols) would pass for the final answer, with no body. Calling
    them 100 makes begin() skip their headers and read on to the real status line."""

    def _read_status(self) -> tuple[str, int, str]:
        version, status, reason = super()._read_status()  # type: ignore[misc]
        if 100 < status < 200 and status != HTTPStatus.SWITCHING_PROTOCOLS:
            return version, http.client.CONTINUE, reason
        return version, status, reason


class _WatchedHTTPConnection(_WatchedConnectionMixin, HTTPConnection):
    response_class = _FinalResponse


class _WatchedHTTPSConnection(_WatchedConnectionMixin, HTTPSConnection):
    response_class = _FinalResponse


class _WatchedPoolMixin:
    def _put_conn(self, conn: Any) -> None:
        # Back in the pool the connection belongs to no fetch: a late deadline must not cut it.
        if conn is not None:
            with _WATCH_LOCK:
                conn._civicheck_watch = None
        super()._put_conn(conn)  # type: ignore[misc]


class _WatchedHTTPConnectionPool(_WatchedPoolMixin, HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(_WatchedPoolMixin, HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOL_CLASSES = {"http": _WatchedHTTPConnectionPool, "https": _WatchedHTTPSConnectionPool}


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOL_CLASSES  # type: ignore[attr-defined]

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = _POOL_CLASSES
        return manager


# --- Bounded decompression ---------------------------------------------------------------------------


class _TooLarge(Exception):
    pass


class _Undecodable(Exception):
    pass


class _Inflater:
    """Removes one gzip/deflate layer without ever holding more output than the room it is given."""

    def __init__(self, coding: str):
        self._coding = coding
        self._head = b""
        # MAX_WBITS|32 accepts a gzip or a zlib header: servers mislabel one as the other.
        self._d: Any = None if coding == "deflate" else zlib.decompressobj(zlib.MAX_WBITS | 32)

    def feed(self, data: bytes, room: int) -> bytes:
        if self._d is None:
            # "deflate" should be zlib-wrapped, yet many servers send raw deflate: the 2-byte header decides.
            self._head += data
            if len(self._head) < 2:
                return b""
            data, self._head = self._head, b""
            zlib_header = (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0
            self._d = zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)
        out = bytearray()
        try:
            while data:
                # max_length bounds the output of this call: a bomb stops one byte past the room.
                out += self._d.decompress(data, room - len(out) + 1)
                if len(out) > room:
                    raise _TooLarge
                data = b""
                rest = self._d.unused_data
                if self._d.eof and rest[:2] == b"\x1f\x8b" and self._coding == "gzip":
                    self._d = zlib.decompressobj(zlib.MAX_WBITS | 32)  # another gzip member follows
                    data = rest
        except zlib.error as exc:
            raise _Undecodable(f"the {self._coding} compression is corrupt ({exc})") from exc
        return bytes(out)

    def finish(self, room: int) -> bytes:
        if self._d is None:  # at most one byte of "deflate" ever arrived: nothing to decode
            return b""
        try:
            out = self._d.flush()
        except zlib.error as exc:
            raise _Undecodable(f"the {self._coding} compression is corrupt ({exc})") from exc
        if len(out) > room:
            raise _TooLarge
        return out


class _Decoder:
    """Undoes a Content-Encoding chain ("gzip", "deflate, gzip", ...) within a byte cap."""

    def __init__(self, codings: list[str], cap: int):
        self._layers = [_Inflater(c) for c in reversed(codings)]
        self._cap = cap
        self.size = 0

    def feed(self, data: bytes) -> bytes:
        for layer in self._layers:
            data = layer.feed(data, self._cap - self.size if layer is self._layers[-1] else self._cap)
        self.size += len(data)
        return data

    def finish(self) -> bytes:
        data = b""
        for layer in self._layers:
            room = self._cap - self.size if layer is self._layers[-1] else self._cap
            fed = layer.feed(data, room)
            data = fed + layer.finish(room - len(fed))
        self.size += len(data)
        return data


def _content_codings(headers: list[tuple[str, str]]) -> list[str]:
    codings = []
    for name, value in headers:
        if name.lower() == "content-encoding":
            for coding in value.split(","):
                coding = coding.strip().lower()
                if coding == "x-gzip":
                    coding = "gzip"
                if coding and coding != "identity":
                    codings.append(coding)
    return codings


# --- One fetch, step by step ---------------------------------------------------------------------------


@dataclass
class _Plan:
    budget: float
    retries: int
    follow_redirects: bool
    max_bytes: int
    connect_timeout: float
    read_timeout: float


class HostGate(Protocol):
    """The scheduler's per-host limit, as one fetch moves between hosts (fetch_all; see scheduler.py)."""

    def move(self, host: str) -> None:
        """Give up the slot of the host this fetch has been talking to and take one of `host` (a redirect
        leads there), waiting as long as that host is busy."""


class _Pulse:
    """When anything last arrived from any server (time.monotonic()): a sign that our own network works, for
    network.py. -inf: nothing yet."""

    last = -math.inf


@dataclass
class _Run:
    """The state of fetching one cited URL, across its retries and redirect hops."""

    url: str
    plan: _Plan
    deadline: float
    watch: _Watch
    pulse: _Pulse
    gate: HostGate | None = None
    attempts: int = 1
    retries_used: int = 0
    via: str | None = None  # the URL that redirected to the one being fetched now
    resent: bool = False  # a request that met a kept-alive connection the server had closed was sent again

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def past_deadline(self) -> bool:
        return self.watch.fired or self.left() <= _DEADLINE_SLACK


@dataclass
class _Outcome:
    """What one HTTP request produced: a response (maybe partial), a redirect, or a failure."""

    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    http_version: str = "HTTP/1.1"
    raw: bytes = b""
    body: bytes = b""
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    error: ErrorKind | None = None
    detail: str = ""
    transient: bool = False  # worth another attempt
    retry_after: float | None = None
    location: str | None = None  # set when this is a redirect to follow
    maybe_local: bool = False
    could_be_ours: bool = False  # see FetchResult.could_be_ours
    proxy: str = ""  # the proxy this request went through
    stale: bool = False  # sent on a kept-alive connection that the server had closed meanwhile: no answer at all
    deadline: bool = False  # the fetch's deadline ended it
    out_of_time: bool = False  # a retry was due but could not start before the deadline


@dataclass
class _Body:
    raw: bytes = b""
    data: bytes = b""
    too_large: str = ""  # why reading stopped at the cap
    undecodable: str = ""
    failure: BaseException | None = None  # the transport error that cut the read short


# Everything the network can throw at us through requests/urllib3/http.client/ssl/socket.
_TRANSPORT_ERRORS = (requests.RequestException, u3.HTTPError, http.client.HTTPException, OSError, ValueError)


class Fetcher:
    """Fetches URLs for evidence through one shared requests.Session; fetch() never raises for network
    or HTTP problems, it returns a FetchResult saying precisely what happened."""

    def __init__(
        self,
        *,
        timeout: float = 20.0,
        connect_timeout: float = 10.0,
        read_timeout: float = 15.0,
        max_bytes: int = 25_000_000,
        max_redirects: int = 10,
        retries: int = 2,
        backoff: float = 0.5,
        retry_after_cap: float = 10.0,
        concurrency: int = 16,
        per_host: int = 4,
        user_agent: str = USER_AGENT,
        allow_private: bool = False,
        private_hosts: Iterable[str] = (),
        private_urls: Iterable[str] = (),
        headers: RequestHeaders | None = None,
        resolve: Resolve | None = None,
    ):
        """`allow_private` lets fetches connect to loopback, private, link-local... addresses, which are
        refused by default; `private_hosts` allows them for these hosts only, `private_urls` for URLs that
        start with one of these. `headers` are sent to their hosts only. `resolve` (host -> addresses)
        replaces the system resolver, e.g. in tests."""
        if concurrency < 1 or per_host < 1:
            raise ValueError("concurrency and per_host must be at least 1")
        if timeout <= 0 or connect_timeout <= 0 or read_timeout <= 0:
            raise ValueError("timeouts must be positive")
        if max_bytes < 1 or max_redirects < 0 or retries < 0:
            raise ValueError("max_bytes must be positive, max_redirects and retries not negative")
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.retries = retries
        self.backoff = backoff
        self.retry_after_cap = retry_after_cap
        self.concurrency = concurrency
        self.per_host = per_host
        self.user_agent = user_agent
        self.pulse = _Pulse()
        self._cancelled = threading.Event()
        self.policy = AddressPolicy.of(allow_private, private_hosts, private_urls)
        self.headers = headers or RequestHeaders()
        self._resolver = Resolver(resolve)
        self._watchdog = _Watchdog()
        self._session = requests.Session()
        # An explicit auth that adds nothing: requests then never reads ~/.netrc (it would send those
        # credentials to any cited host, and they would be archived), nor turns a URL's user:password into
        # a Basic header. Proxy settings from the environment still apply.
        self._session.auth = _NoAmbientCredentials()
        self._session.headers.update(
            {"User-Agent": user_agent, "Accept-Encoding": ", ".join(_ENCODINGS_WE_DECODE)}
        )
        adapter = _WatchedAdapter(
            pool_connections=max(10, concurrency),
            pool_maxsize=max(concurrency, per_host),
            max_retries=0,
        )
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def close(self) -> None:
        self._session.close()
        self._watchdog.close()

    def cancel(self) -> None:
        """Ctrl-C: cut every fetch in flight, end every backoff sleep, and make every later fetch end at
        once, so that the threads still running finish within moments."""
        self._cancelled.set()
        self._watchdog.cancel()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public API --

    def fetch(self, url: str, *, timeout: float | None = None, gate: HostGate | None = None) -> FetchResult:
        """Fetch one URL within `timeout` seconds (all attempts and the body included). A `gate` (the
        scheduler's) is asked for a slot whenever a redirect leads to another host; waiting for it does not
        count against the deadline."""
        budget = self.timeout if timeout is None else timeout
        return self._fetch(url, self._plan(budget, self.retries, True, self.max_bytes), gate)

    def fetch_all(
        self,
        jobs: Sequence[tuple[str, float | None]],
        on_result: Callable[[FetchResult], None] | None = None,
        *,
        network: NetworkWatch | None = None,
    ) -> dict[str, FetchResult]:
        """Fetch each distinct URL once, `concurrency` at a time and at most `per_host` requests in flight
        to one host (the host actually contacted, after redirects).

        A URL cited twice with different deadlines gets the longer one. Results come back in job order;
        `on_result` is called as each URL's result is final. With `network` (a network.NetworkWatch), a
        failure that could be our own network's is judged against the canary when it happens, and fetched
        again once the network is back if it was down (see scheduler.py).
        """
        from civicheck.scheduler import HostScheduler

        budgets: dict[str, float] = {}
        for url, budget in jobs:
            budget = self.timeout if budget is None else budget
            budgets[url] = max(budget, budgets.get(url, 0.0))
        if not budgets:
            return {}
        return HostScheduler(self, budgets, on_result, network).run()

    def probe(self, url: str, timeout: float) -> FetchResult:
        """One attempt, no redirects followed, a tiny body: enough to learn whether anything answers."""
        return self._fetch(url, self._plan(timeout, 0, False, _PROBE_MAX_BYTES))

    def _plan(self, budget: float, retries: int, follow_redirects: bool, max_bytes: int) -> _Plan:
        return _Plan(budget, retries, follow_redirects, max_bytes, self.connect_timeout, self.read_timeout)

    # -- the steps of one fetch --

    def _fetch(self, url: str, plan: _Plan, gate: HostGate | None = None) -> FetchResult:
        started = time.monotonic()
        fetched_at = now_utc()
        problem = _url_problem(url)
        if problem:
            return FetchResult(url, url, None, "", ErrorKind.OTHER, problem, fetched_at)
        deadline = started + plan.budget
        run = _Run(url, plan, deadline, self._watchdog.watch(deadline), self.pulse, gate)
        previous = getattr(_current, "watch", None)
        _current.watch = run.watch
        try:
            result = self._follow(run, fetched_at)
        finally:
            _current.watch = previous
            run.watch.finish()
        result.elapsed = time.monotonic() - started
        return result

    def _follow(self, run: _Run, fetched_at: str) -> FetchResult:
        current = run.url
        redirects: list[tuple[int, str]] = []
        while True:
            run.via = redirects[-1][1] if redirects else None
            out = self._attempt_with_retries(run, current)
            if out.location is None:
                return _result(run, current, redirects, out, fetched_at)
            # A password in a Location is never sent (see _attempt) nor written down: reports show "user:***@".
            target = masked(_resolve_location(current, out.location))
            if len(redirects) >= self.max_redirects:
                out.error = ErrorKind.TOO_MANY_REDIRECTS
                chain = [u for _, u in redirects] + [current]
                out.detail = _redirect_limit_detail(chain, target, self.max_redirects)
                return _result(run, current, redirects, out, fetched_at)
            problem = _url_problem(target)
            if problem:
                out.error = ErrorKind.OTHER
                out.detail = f"{current} redirected to {target!r}, which cannot be fetched"
                return _result(run, current, redirects, out, fetched_at)
            if run.gate is not None and _host_key(target) != _host_key(current):
                self._change_host(run, _host_key(target))
            redirects.append((out.status or 0, current))
            current = target

    def _change_host(self, run: _Run, host: str) -> None:
        """Take a slot of the host a redirect leads to (the per-host limit is about the host contacted, not
        the one cited). Waiting for a busy host is not that host's slowness: the deadline stops meanwhile."""
        assert run.gate is not None
        self._watchdog.pause(run.watch)
        started = time.monotonic()
        try:
            run.gate.move(host)
        finally:
            run.deadline += time.monotonic() - started
            self._watchdog.resume(run.watch, run.deadline)

    def _attempt_with_retries(self, run: _Run, url: str) -> _Outcome:
        # An explicit loop rather than urllib3's Retry: Retry cannot retry a failure while streaming the
        # body, sleeps without knowing our deadline, and does not cap Retry-After; all three matter here.
        while True:
            out = self._attempt(run, url)
            if out.stale and not run.resent and not run.past_deadline():
                # The server closed an idle kept-alive connection just as we reused it: the request never
                # reached it. Sent again at once on a new connection, as browsers do; not a retry of ours.
                run.resent = True
                continue
            if not out.transient or out.deadline or run.retries_used >= run.plan.retries:
                return out
            if out.retry_after is not None:
                wait = min(out.retry_after, self.retry_after_cap)
            else:
                wait = self.backoff * 2**run.retries_used
            if time.monotonic() + wait >= run.deadline - _DEADLINE_SLACK:
                out.out_of_time = True
                return out
            if self._cancelled.wait(wait):  # an Event, not time.sleep: Ctrl-C must not wait out the backoff
                return out
            run.retries_used += 1
            run.attempts += 1

    def _attempt(self, run: _Run, url: str) -> _Outcome:
        left = run.left()
        if left <= 0 or run.watch.fired:
            return _deadline_outcome(run)
        try:
            request = requests.Request("GET", without_userinfo(url), headers=self.headers.for_host(_host_key(url)))
            prep = self._session.prepare_request(request)
        except _TRANSPORT_ERRORS as exc:
            return _Outcome(error=ErrorKind.OTHER, detail=f"not a valid web address: {url} ({exc})")
        sent = self.headers.redact(_sent_headers(prep))
        proxy = ""
        connections = run.watch.connections
        try:
            settings = self._session.merge_environment_settings(prep.url, {}, True, None, None)
            # requests honours HTTP(S)_PROXY: through a proxy, a 5xx or a refusal may be the proxy's own.
            proxy = _proxy_name(requests.utils.select_proxy(prep.url or url, settings["proxies"]))
            routes = self._routes(run, prep.url or url, settings["proxies"])
            if isinstance(routes, _Outcome):
                routes.proxy = proxy
                return routes
            adapter = self._session.get_adapter(prep.url or url)
            # adapter.send, not session.send: the session's redirect logic would read a redirect's whole
            # body, uncapped, before we get to see it.
            with pinned(routes, run.deadline):
                resp = adapter.send(
                    prep,
                    stream=True,
                    timeout=(min(run.plan.connect_timeout, left), min(run.plan.read_timeout, left)),
                    verify=settings["verify"],
                    cert=settings["cert"],
                    proxies=settings["proxies"],
                )
        except _TRANSPORT_ERRORS as exc:
            out = _failure(run, url, exc, _Outcome(request_headers=sent, proxy=proxy))
            chain = _exception_chain(exc)
            out.stale = run.watch.connections == connections and any(
                isinstance(e, (http.client.RemoteDisconnected, BrokenPipeError)) for e in chain
            )
            return out
        if run.watch.fired:
            # The watchdog's shutdown reads as the end of the headers to http.client: this status line
            # and these headers may be cut short, so they are not evidence.
            resp.close()
            return _deadline_outcome(run, _Outcome(request_headers=sent, proxy=proxy))
        run.pulse.last = time.monotonic()
        try:
            requests.cookies.extract_cookies_to_jar(self._session.cookies, prep, resp.raw)
            return self._read_response(run, url, resp, sent, proxy)
        finally:
            resp.close()  # a fully read response already went back to the pool; anything else is closed

    def _routes(self, run: _Run, url: str, proxies: dict[str, str]) -> dict[str, list[str]] | _Outcome:
        """The addresses this request may connect to (host -> addresses), resolved within the deadline and
        checked against the address policy before any connection; or why it may not go anywhere.

        Through an HTTP(S) proxy the proxy resolves the name, so only what the URL itself says (an IP
        literal, "localhost") can be refused here; the proxy's own address is the operator's choice."""
        host = urlsplit(url).hostname or ""
        proxy = requests.utils.select_proxy(url, proxies)
        target = host
        if proxy:
            if refusal := self.policy.refusal_by_name(host, url):
                return _Outcome(error=ErrorKind.NOT_PUBLIC, detail=refused(refusal, run.via))
            if proxy.lower().startswith("socks"):
                return {}  # a SOCKS connection is not made by our connection classes
            target = urlsplit(proxy if "://" in proxy else f"http://{proxy}").hostname or ""
        try:
            addresses = self._resolver.lookup(target, run.deadline, lambda: run.watch.fired)
        except NoAnswer as exc:
            detail = f"DNS lookup failed: no answer about {target} within the {_secs(run.plan.budget)} s deadline"
            detail += f" ({exc.note})" if exc.note else ""
            return _Outcome(error=ErrorKind.DNS, detail=detail, maybe_local=True, deadline=True)
        if not proxy and (refusal := self.policy.refusal(host, addresses, url)):
            return _Outcome(error=ErrorKind.NOT_PUBLIC, detail=refused(refusal, run.via))
        return {host_key(target): addresses}

    def _read_response(
        self, run: _Run, url: str, resp: requests.Response, sent: list[tuple[str, str]], proxy: str
    ) -> _Outcome:
        status = resp.status_code
        out = _Outcome(
            status=status,
            reason=resp.reason or "",
            headers=redact_headers(_received_headers(resp)),  # Set-Cookie: a session is not evidence
            http_version=getattr(resp.raw, "version_string", None) or _version_string(resp.raw.version),
            request_headers=sent,
            proxy=proxy,
        )
        location = resp.headers.get("location")
        if status in _REDIRECT_STATUSES and location and run.plan.follow_redirects:
            # Read a small body so the connection can be reused; a bigger one is dropped with the connection.
            drained = _read_body(resp, run, _REDIRECT_DRAIN_BYTES, [])
            if drained.failure is not None or run.watch.fired:
                return _failure(run, url, drained.failure, out)
            out.location = location
            return out
        announced = _content_length(resp)
        if announced is not None and announced > run.plan.max_bytes:
            if status >= 400:
                return _http_error(out, status)  # the status says it all; such a body is not worth reading
            out.error = ErrorKind.TOO_LARGE
            limit = _size(run.plan.max_bytes)
            out.detail = f"the server announced {_size(announced)}, over the {limit} limit"
            return out
        body = _read_body(resp, run, run.plan.max_bytes, _content_codings(out.headers))
        out.raw, out.body = body.raw, body.data
        if status >= 400:
            return _http_error(out, status)
        if body.failure is not None or run.watch.fired:
            return _failure(run, url, body.failure, out)
        if body.undecodable:
            out.error, out.detail = ErrorKind.OTHER, body.undecodable
        elif body.too_large:
            out.error, out.detail = ErrorKind.TOO_LARGE, body.too_large
        return out


class _NoAmbientCredentials(requests.auth.AuthBase):
    """Sends no credentials, and by being there keeps requests from finding any (netrc, URL user-info)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


# --- Helpers: reading, classifying, describing --------------------------------------------------------


def _read_body(resp: requests.Response, run: _Run, cap: int, codings: list[str]) -> _Body:
    """Stream the body off the wire (decode_content=False), decompressing it ourselves within `cap`."""
    body = _Body()
    unknown = [c for c in codings if c not in _ENCODINGS_WE_DECODE]
    decoder = _Decoder(codings, cap) if codings and not unknown else None
    # BytesIO, not bytearray: getvalue() hands its buffer over without a copy, so a 25 MB body is held once.
    raw = io.BytesIO()
    data = io.BytesIO()
    try:
        while True:
            chunk = resp.raw.read1(_CHUNK, decode_content=False)
            if not chunk:
                break
            if raw.tell() + len(chunk) > cap:
                raw.write(chunk[: cap - raw.tell()])
                body.too_large = f"the answer is larger than the {_size(cap)} limit"
                break
            raw.write(chunk)
            run.pulse.last = time.monotonic()
            if decoder is not None:
                data.write(decoder.feed(chunk))
            if run.left() <= 0:  # a drip the watchdog has not cut yet
                body.failure = TimeoutError("deadline")
                break
        if decoder is not None and not body.too_large and body.failure is None:
            data.write(decoder.finish())
    except _TooLarge:
        codings_text = ", ".join(codings)
        body.too_large = f"the page is larger than the {_size(cap)} limit once decompressed ({codings_text})"
    except _Undecodable as exc:
        body.undecodable = f"could not decompress the page: {exc}"
    except _TRANSPORT_ERRORS as exc:
        body.failure = exc
    body.raw = raw.getvalue()
    if unknown:
        unknown_text = ", ".join(unknown)
        body.undecodable = f"the server sent the page encoded as {unknown_text}, which civicheck cannot decode"
    else:
        body.data = data.getvalue() if decoder is not None else body.raw
    return body


def _http_error(out: _Outcome, status: int) -> _Outcome:
    out.detail = f"{status} {out.reason or _phrase(status)}".strip()
    if status >= 500:
        out.error, out.transient = ErrorKind.HTTP_5XX, True
        if out.proxy:
            # A proxy answers 502/503/504 itself when it cannot reach the site, or when its own upstream
            # (our network) is down: only the canary, asked through the same proxy, can tell.
            out.could_be_ours = True
            out.detail += f" (through the proxy {out.proxy})"
    elif status >= 400:
        out.error, out.transient = ErrorKind.HTTP_4XX, status == 429
    if out.transient and _challenge(out.headers):
        out.transient = False  # a bot wall answers the same however often we ask; the checks report it
    if out.transient:
        out.retry_after = _retry_after(_first(out.headers, "retry-after"))
    return out


def _challenge(headers: list[tuple[str, str]]) -> bool:
    """A bot-wall challenge, by the headers challenge services set on it (Cloudflare's cf-mitigated)."""
    return (_first(headers, "cf-mitigated") or "").strip().lower() == "challenge"


def _deadline_outcome(run: _Run, base: _Outcome | None = None) -> _Outcome:
    out = base or _Outcome()
    out.error, out.deadline, out.transient, out.could_be_ours = ErrorKind.TIMEOUT, True, False, True
    out.detail = f"no complete answer within the {_secs(run.plan.budget)} s deadline"
    return out


def _failure(run: _Run, url: str, exc: BaseException | None, base: _Outcome) -> _Outcome:
    """Turn a transport exception into an outcome; anything cut by the deadline is a deadline timeout."""
    if exc is None or run.watch.fired:
        return _deadline_outcome(run, base)
    kind, detail, transient, local = _classify(
        exc, url, run.plan.connect_timeout, run.plan.read_timeout, proxy=base.proxy
    )
    if kind is ErrorKind.TIMEOUT and run.past_deadline():
        return _deadline_outcome(run, base)
    base.error, base.detail, base.transient, base.maybe_local = kind, detail, transient, local
    # A connection cut or reset, a timeout, a refusal, a failed lookup or handshake: all of them happen to
    # a dead site and to a dead network alike. A malformed address or a redirect loop does not.
    base.could_be_ours = kind in _COULD_BE_OURS or transient or local
    return base


_COULD_BE_OURS = frozenset({ErrorKind.DNS, ErrorKind.REFUSED, ErrorKind.TIMEOUT, ErrorKind.TLS, ErrorKind.PROXY})


def _exception_chain(exc: BaseException) -> list[BaseException]:
    """exc and every exception it wraps: requests and urllib3 nest the socket/ssl error several deep."""
    seen: list[BaseException] = []
    stack: list[Any] = [exc]
    while stack:
        e = stack.pop()
        if not isinstance(e, BaseException) or any(e is s for s in seen):
            continue
        seen.append(e)
        stack.extend([e.__cause__, e.__context__, getattr(e, "reason", None), *e.args])
    return seen


def _classify(
    exc: BaseException, url: str, connect_timeout: float = 0.0, read_timeout: float = 0.0, proxy: str = ""
) -> tuple[ErrorKind, str, bool, bool]:
    """(kind, detail, transient, maybe_local) for a transport exception."""
    chain = _exception_chain(exc)

    def find(*types: type[BaseException]) -> Any:
        return next((e for e in chain if isinstance(e, types)), None)

    host, port = _host_port(url)
    if find(requests.exceptions.ProxyError, u3.ProxyError):
        return _proxy_failure(chain, proxy or "configured", host, port)
    if gai := find(socket.gaierror):
        return _dns_failure(gai, host)
    if find(ConnectionRefusedError):
        return ErrorKind.REFUSED, f"connection refused by {host}:{port}", False, False
    if cert := find(ssl.SSLCertVerificationError):
        why = getattr(cert, "verify_message", "") or str(cert)
        return ErrorKind.TLS, f"the TLS certificate of {host} was rejected: {why}", False, False
    if tls := find(ssl.SSLError) or find(u3.SSLError, requests.exceptions.SSLError):
        return ErrorKind.TLS, f"TLS handshake with {host}:{port} failed ({_ssl_reason(tls)})", False, False
    os_err = next((e for e in chain if isinstance(e, OSError) and e.errno in _NO_ROUTE), None)
    if os_err is not None:
        # ENETUNREACH/ENETDOWN come from this machine's routing table; EHOSTUNREACH may be ours or theirs.
        return ErrorKind.OTHER, f"{host} is unreachable ({os_err.strerror or 'no route'})", False, True
    # NewConnectionError subclasses ConnectTimeoutError (urllib3 compatibility) without being a timeout.
    if any(isinstance(e, u3.ConnectTimeoutError) and not isinstance(e, u3.NewConnectionError) for e in chain):
        within = f" within {_secs(connect_timeout)} s" if connect_timeout else ""
        return ErrorKind.TIMEOUT, f"could not connect to {host}:{port}{within}", True, False
    if find(u3.ReadTimeoutError, requests.exceptions.ReadTimeout, TimeoutError):
        for_ = f" for {_secs(read_timeout)} s" if read_timeout else ""
        return ErrorKind.TIMEOUT, f"{host} sent nothing{for_}: timed out waiting for data", True, False
    if find(http.client.RemoteDisconnected):  # a ConnectionResetError subclass, but no reset: a clean close
        return ErrorKind.OTHER, f"{host} closed the connection without answering", True, False
    if find(ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
        return ErrorKind.OTHER, f"connection reset by {host}", True, False
    if find(http.client.IncompleteRead, u3.ProtocolError):
        return ErrorKind.OTHER, f"{host} closed the connection before a complete answer", True, False
    if find(u3.NewConnectionError):
        why = next((e.strerror for e in chain if isinstance(e, OSError) and e.strerror), "") or "failed"
        return ErrorKind.OTHER, f"could not connect to {host}:{port} ({why})", False, False
    if find(requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema, u3.LocationValueError):
        return ErrorKind.OTHER, f"not a valid web address: {url}", False, False
    return ErrorKind.OTHER, f"fetching {url} failed: {type(exc).__name__}: {exc}", False, False


def _proxy_failure(chain: list[BaseException], proxy: str, host: str, port: int) -> tuple[ErrorKind, str, bool, bool]:
    # An https site through a proxy: the proxy answers our CONNECT with its own status when it cannot
    # reach the site ("Tunnel connection failed: 502 Bad Gateway"), as it would answer a plain request.
    tunnel = next((str(e) for e in chain if isinstance(e, OSError) and "Tunnel connection failed" in str(e)), "")
    if tunnel:
        why = tunnel.split(":", 1)[1].strip()
        return ErrorKind.PROXY, f"the proxy {proxy} could not connect to {host}:{port} ({why})", True, False
    why = next((e.strerror for e in chain if isinstance(e, OSError) and e.strerror), "") or next(
        (type(e).__name__ for e in chain if isinstance(e, OSError)), "failed"
    )
    return ErrorKind.PROXY, f"could not reach the proxy {proxy} ({why})", False, True


def _proxy_name(proxy: str | None) -> str:
    """The proxy's scheme://host:port, without the user name and password a proxy URL may carry."""
    if not proxy:
        return ""
    try:
        parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unreadable proxy address)"
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}{port}"


def _ssl_reason(exc: BaseException) -> str:
    # "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)" -> "wrong version number"
    text = str(getattr(exc, "strerror", None) or exc)
    text = re.sub(r"^\[SSL: [A-Z0-9_]+\]\s*|\s*\(_ssl\.c:\d+\)$", "", text)
    return text or type(exc).__name__


def _dns_failure(gai: socket.gaierror, host: str) -> tuple[ErrorKind, str, bool, bool]:
    if gai.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
        return ErrorKind.DNS, f"DNS lookup failed: {host} does not exist", False, False
    if gai.errno == socket.EAI_AGAIN:
        # The resolver did not answer: usually our network, not the site.
        detail = f"DNS lookup failed: no answer about {host} (temporary resolver failure)"
        return ErrorKind.DNS, detail, False, True
    return ErrorKind.DNS, f"DNS lookup failed for {host}: {gai.strerror or gai}", False, False


def _result(
    run: _Run, final_url: str, redirects: list[tuple[int, str]], out: _Outcome, fetched_at: str
) -> FetchResult:
    detail = out.detail
    if out.error is None:
        detail = f"{out.status} {out.reason or _phrase(out.status or 0)}".strip()
    elif run.attempts > 1:
        detail += f" ({run.attempts} attempts)" if out.deadline else f", still after {run.attempts} attempts"
    if out.out_of_time:
        detail += f"; no time left for another attempt within the {_secs(run.plan.budget)} s deadline"
    return FetchResult(
        url=run.url,
        final_url=final_url,
        status=out.status,
        reason=out.reason,
        error=out.error,
        detail=detail,
        fetched_at=fetched_at,
        attempts=run.attempts,
        redirects=redirects,
        headers=out.headers,
        body=out.body,
        raw_body=out.raw,
        http_version=out.http_version,
        request_headers=out.request_headers,
        maybe_local=out.maybe_local,
        proxy=out.proxy,
        # Whichever step failed (resolving within the deadline, connecting, reading), these could be ours.
        could_be_ours=out.error is not None
        and (out.could_be_ours or out.maybe_local or out.error in _COULD_BE_OURS),
    )


def _redirect_limit_detail(chain: list[str], target: str, limit: int) -> str:
    if target in chain:
        start = len(chain) - 1 - chain[::-1].index(target)
        loop = " → ".join([*chain[start:], target])
        return f"redirect loop: {loop} (gave up after {limit} redirects)"
    return f"more than {limit} redirects (the last one to {target})"


def _resolve_location(current: str, location: str) -> str:
    try:
        # http.client decodes headers as latin-1; servers send UTF-8 Locations.
        location = location.encode("latin-1").decode("utf-8")
    except UnicodeError:
        pass
    return requests.utils.requote_uri(urljoin(current, location.strip()))


def _url_problem(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return f"not a valid web address: {url!r}"
    if parts.scheme.lower() not in ("http", "https"):
        return f"not an http(s) address: {url!r}"
    if not host:
        return f"no host name in {url!r}"
    return ""


def _host_key(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _host_port(url: str) -> tuple[str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname or url
    except ValueError:
        return url, 0
    return host, port or (443 if parts.scheme.lower() == "https" else 80)


def _sent_headers(prep: requests.PreparedRequest) -> list[tuple[str, str]]:
    """The request headers as http.client writes them: Host first, then ours."""
    parts = urlsplit(prep.url or "")
    host = parts.netloc.rpartition("@")[2]
    default = ":443" if parts.scheme == "https" else ":80"
    if host.endswith(default):
        host = host[: -len(default)]
    return [("Host", host), *((str(k), str(v)) for k, v in prep.headers.items())]


def _received_headers(resp: requests.Response) -> list[tuple[str, str]]:
    # http.client's message keeps every header line in order, duplicates included (Set-Cookie!).
    original = getattr(resp.raw, "_original_response", None)
    message = getattr(original, "msg", None)
    if message is not None:
        return [(str(k), str(v)) for k, v in message.items()]
    return list(resp.raw.headers.iteritems())


def _first(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def _content_length(resp: requests.Response) -> int | None:
    value = resp.headers.get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait per a Retry-After header (delta-seconds or HTTP date), None if absent or invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _version_string(version: int | None) -> str:
    return {9: "HTTP/0.9", 10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}.get(version or 11, "HTTP/1.1")


def _secs(seconds: float) -> str:
    return f"{seconds:g}"


def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{n} bytes"


# --- Connectivity ------------------------------------------------------------------------------------------


def check_connectivity(
    fetcher: Fetcher, urls: Sequence[str] = DEFAULT_CANARIES, *, timeout: float = 5.0
) -> tuple[bool, str]:
    """Is our own network up? True as soon as any canary answers anything over HTTP (even a 4xx/5xx), except
    a 5xx through a proxy: that may be the proxy saying that its own upstream is down.

    Canaries are tried concurrently with a short deadline each; the sentence says which answered, or why
    none did, so a dead network is never mistaken for dead government sites.
    """
    if not urls:
        return False, "network unavailable: no canary URL to try"
    answers: queue.Queue[FetchResult] = queue.Queue()

    def ask(url: str) -> None:
        try:
            answers.put(fetcher.probe(url, timeout))
        except Exception as exc:  # noqa: BLE001 - a bug must not leave the question unanswered forever
            answers.put(FetchResult(url, url, None, "", ErrorKind.OTHER, f"{type(exc).__name__}: {exc}", now_utc()))

    for url in urls:
        # Daemon threads, not a pool: a question nobody waits for any more (Ctrl-C, a canary that answered
        # first) must never hold the process open at exit.
        threading.Thread(target=ask, args=(url,), name="civicheck-canary", daemon=True).start()
    failures: dict[str, FetchResult] = {}
    for _ in urls:
        result = answers.get()
        if result.status is not None and not (result.proxy and result.status >= 500):
            answer = f"{result.status} {result.reason or _phrase(result.status)}".strip()
            return True, f"network available: {result.url} answered {answer}"
        failures[result.url] = result
    reasons = "; ".join(f"{url} : {failures[url].detail}" for url in urls if url in failures)
    return False, f"network unavailable: no canary answered ({reasons})"
