"""The connections a fetch uses, watched: at the fetch's deadline its socket is shut down, however the
server drips; and each goes to the address the fetch resolved and checked (`pinned`), never to a fresh DNS
answer. urllib3 subclasses that requests mounts through WatchedAdapter.
"""

from __future__ import annotations

import heapq
import http.client
import itertools
import math
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from civicheck.fetch.addresses import host_key

# --- The deadline watchdog ---------------------------------------------------------------------------
#
# Socket timeouts bound each recv(), not a whole answer: a server dripping one byte a second in its
# status line keeps http.client reading forever. So every fetch gets a Watch, the urllib3 connections
# it uses register with it (through the thread-local below, since urllib3 creates them deep inside
# requests), and at the deadline the watchdog thread shuts the socket down; the blocked read returns.

_WATCH_LOCK = threading.Lock()  # who owns which connection: a deadline must never cut a reused socket
_current = threading.local()


@contextmanager
def watching(watch: Watch) -> Iterator[None]:
    """While this is active on a thread, the connections it opens and the requests it sends belong to `watch`;
    at the end the watch is finished (a deadline firing later cuts nothing)."""
    previous = getattr(_current, "watch", None)
    _current.watch = watch
    try:
        yield
    finally:
        _current.watch = previous
        watch.finish()


class Watch:
    """The deadline of one fetch and the connection it is using right now."""

    __slots__ = ("deadline", "conn", "orphans", "fired", "done", "connections")

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.conn: _WatchedConnectionMixin | None = None
        self.connections = (
            0  # new connections opened for this fetch (a request on none went on a kept-alive one)
        )
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


class Watchdog:
    """One thread firing every fetch's Watch at its deadline (a Timer thread per URL would cost more)."""

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._heap: list[tuple[float, int, Watch]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._cancelled = False

    def watch(self, deadline: float) -> Watch:
        watch = Watch(deadline)
        self._schedule(watch)
        return watch

    def pause(self, watch: Watch) -> None:
        """Stop the clock of one fetch (while it waits for its turn at a host): its deadline never fires."""
        with self._cv:
            watch.deadline = math.inf  # its entry in the heap is now stale, and skipped

    def resume(self, watch: Watch, deadline: float) -> None:
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

    def _schedule(self, watch: Watch) -> None:
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
    """A urllib3 connection that lets the current fetch's Watch shut its socket down."""

    _civicheck_watch: Watch | None = None
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


class WatchedAdapter(HTTPAdapter):
    """requests' adapter with watched connection pools, direct and through an HTTP(S) proxy (a SOCKS proxy's
    connections are made by its own classes)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOL_CLASSES

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = _POOL_CLASSES
        return manager


# --- Connecting to the address that was checked -------------------------------------------------------

_pins = threading.local()


@contextmanager
def pinned(routes: dict[str, list[str]], deadline: float) -> Iterator[None]:
    """While this is active on a thread, every connection it opens to a host in `routes` (host_key -> the
    checked addresses) goes to those addresses, and a connection to any other host is refused."""
    previous = getattr(_pins, "state", None)
    _pins.state = (routes, deadline)
    try:
        yield
    finally:
        _pins.state = previous


def connect(conn: Any) -> socket.socket:
    """Stands in for urllib3's HTTPConnection._new_conn: the TCP connection to `conn`'s host, made to the
    addresses pinned for it (each in turn, within the deadline), never to a fresh DNS answer."""
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
    from urllib3.util.connection import create_connection

    state = getattr(_pins, "state", None)
    routes, deadline = state if state is not None else ({}, 0.0)
    addresses = routes.get(host_key(conn.host))
    if not addresses:  # never connect to an address nobody checked
        raise NewConnectionError(
            conn, f"{conn.host} was not resolved and checked by civicheck; not connecting"
        )
    error: Exception | None = None
    for address in addresses:
        timeout = conn.timeout
        left = deadline - time.monotonic()
        if left <= 0 and error is not None:
            break
        if isinstance(timeout, (int, float)):
            timeout = max(0.001, min(timeout, left))
        try:
            return create_connection(
                (address, conn.port),
                timeout,
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except TimeoutError as exc:
            error = ConnectTimeoutError(
                conn, f"Connection to {conn.host} timed out. (connect timeout={timeout})"
            )
            error.__cause__ = exc
        except OSError as exc:
            error = NewConnectionError(conn, f"Failed to establish a new connection: {exc}")
            error.__cause__ = exc
    assert error is not None
    raise error
