"""Tests for civicheck.fetch against real servers on 127.0.0.1 (see conftest.py): every error class,
retries, the hard deadline, size caps, redirects, charsets, concurrency limits and the canary."""

from __future__ import annotations

import errno
import functools
import hashlib
import re
import resource
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import requests

import civicheck
from civicheck.extract import decode_text
from civicheck.fetch import ErrorKind, FetchResult
from civicheck.fetch.canary import DEFAULT_CANARIES, check_connectivity
from civicheck.fetch.client import USER_AGENT, Fetcher
from civicheck.fetch.failures import classify

# Every server in these tests listens on 127.0.0.1, which a Fetcher refuses by default
# (tests/test_attacks_addresses.py tests the refusal): here loopback is allowed.
Fetcher = functools.partial(Fetcher, allow_private=True)

INDONESIAN = "Pemerintah Kota Cilegon — “Smart City” layanan terpadu, café"

# --- helpers ---------------------------------------------------------------------------------------------


def respond(
    rh: BaseHTTPRequestHandler, status: int, body: bytes = b"", headers: dict[str, str] | None = None
) -> None:
    """Write a complete, well-framed response from a custom route handler."""
    rh.send_response(status)
    for name, value in (headers or {}).items():
        rh.send_header(name, value)
    rh.send_header("Content-Length", str(len(body)))
    rh.end_headers()
    rh.wfile.write(body)


def sequence(*steps: Callable[[BaseHTTPRequestHandler], None]) -> Callable[[BaseHTTPRequestHandler], None]:
    """A handler answering the n-th request with steps[n] (the last step repeats)."""
    calls = Counter[str]()
    lock = threading.Lock()

    def handler(rh: BaseHTTPRequestHandler) -> None:
        with lock:
            n = calls["n"]
            calls["n"] += 1
        steps[min(n, len(steps) - 1)](rh)

    return handler


def answer(
    status: int, body: bytes = b"", headers: dict[str, str] | None = None
) -> Callable[[BaseHTTPRequestHandler], None]:
    return lambda rh: respond(rh, status, body, headers)


class RawServer:
    """A bare TCP server on 127.0.0.1 running `behaviour(conn, stop)` for each connection, for things an
    HTTP server cannot do (misbehaving TLS)."""

    def __init__(self, behaviour: Callable[[socket.socket, threading.Event], None]):
        self.stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._behaviour = behaviour
        self._conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self._conns.append(conn)
            threading.Thread(target=self._behaviour, args=(conn, self.stop), daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self._listener.close()
        for conn in self._conns:
            conn.close()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(backoff=0.01, timeout=10) as f:
        yield f


def drip(site, prefix: bytes, unit: bytes, every: float = 0.2) -> Callable[[BaseHTTPRequestHandler], None]:
    """A handler that writes `prefix`, then `unit` every `every` seconds for up to 30 s."""

    def handler(rh: BaseHTTPRequestHandler) -> None:
        rh.wfile.write(prefix)
        for _ in range(int(30 / every)):
            if not site.sleep(every):
                return
            rh.wfile.write(unit)

    return handler


# --- a plain answer --------------------------------------------------------------------------------------


def test_ok_page_records_everything(site, fetcher):
    url = site.route("/page", "<p>halo</p>", headers=[("Link", "</a.css>"), ("Link", "</b.css>")])

    result = fetcher.fetch(url)

    assert result.error is None and result.has_document
    assert (result.status, result.reason, result.detail) == (200, "OK", "200 OK")
    assert result.body == result.raw_body == b"<p>halo</p>"
    assert result.final_url == url and result.redirects == [] and result.attempts == 1
    assert result.http_version == "HTTP/1.1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", result.fetched_at)
    assert result.elapsed > 0
    assert [v for k, v in result.headers if k == "Link"] == ["</a.css>", "</b.css>"]  # duplicates, in order
    assert result.content_type == "text/html"
    sent = dict(result.request_headers)
    assert sent["Host"] == f"127.0.0.1:{site.port}"
    assert sent["User-Agent"] == USER_AGENT
    assert sent["Accept-Encoding"] == "gzip, deflate"


def test_user_agent_is_honest_and_sent(site, fetcher):
    url = site.route("/ua", "ok")
    fetcher.fetch(url)
    assert USER_AGENT.startswith(f"civicheck/{civicheck.__version__} (civic fact-check tool)")
    assert f"python-requests/{requests.__version__}" in USER_AGENT
    assert site.requests[0].header("User-Agent") == USER_AGENT
    assert site.requests[0].header("Accept-Encoding") == "gzip, deflate"


def test_keep_alive_connection_survives_finished_deadlines(site):
    # Each fetch's deadline passes while its pooled connection sits idle or serves the next fetch:
    # the watchdog must not cut a connection its fetch no longer owns.
    url = site.route("/k", "ok")
    with Fetcher(timeout=0.3) as f:
        results = []
        for _ in range(4):
            results.append(f.fetch(url))
            time.sleep(0.35)
    assert [r.status for r in results] == [200] * 4
    assert all(r.error is None for r in results)
    assert site.connections_accepted == 1


# --- error classes ---------------------------------------------------------------------------------------


def test_dns_failure_is_not_retried(fetcher):
    result = fetcher.fetch("http://nothing.invalid/")
    assert result.error is ErrorKind.DNS
    assert result.detail == "DNS lookup failed: nothing.invalid does not exist"
    assert result.status is None and result.final_url == "http://nothing.invalid/"
    assert result.attempts == 1
    assert result.request_headers  # what would have been sent, for the record


def test_refused_is_not_retried(fetcher, closed_port_url):
    port = closed_port_url.rsplit(":", 1)[1].strip("/")
    result = fetcher.fetch(closed_port_url)
    assert result.error is ErrorKind.REFUSED
    assert result.detail == f"connection refused by 127.0.0.1:{port}"
    assert result.attempts == 1 and result.status is None


def test_tls_to_a_plain_http_server(site, fetcher):
    site.route("/", "plain")
    result = fetcher.fetch(f"https://127.0.0.1:{site.port}/")
    assert result.error is ErrorKind.TLS
    assert result.detail.startswith(f"TLS handshake with 127.0.0.1:{site.port} failed")
    assert result.attempts == 1


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
def test_tls_self_signed_certificate_rejected(tmp_path: Path, fetcher):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
         "-days", "2", "-subj", "/CN=127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    class Quiet(HTTPServer):
        def handle_error(self, request, client_address):  # the failed handshake is the point
            pass

    server = Quiet(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = fetcher.fetch(f"https://127.0.0.1:{server.server_address[1]}/")
    finally:
        server.shutdown()
        server.server_close()
    assert result.error is ErrorKind.TLS
    assert result.detail.startswith("the TLS certificate of 127.0.0.1 was rejected")
    assert "self-signed" in result.detail or "self signed" in result.detail
    assert result.attempts == 1


def test_404_keeps_status_headers_and_body(site, fetcher):
    url = site.route(
        "/hilang", "<h1>Halaman tidak ditemukan</h1>", status=404, headers={"X-Portal": "pemkot"}
    )
    result = fetcher.fetch(url)
    assert result.error is ErrorKind.HTTP_4XX
    assert (result.status, result.reason, result.detail) == (404, "Not Found", "404 Not Found")
    assert result.header("X-Portal") == "pemkot"
    assert decode_text(result) == "<h1>Halaman tidak ditemukan</h1>"
    assert result.attempts == 1 and site.hits("/hilang") == 1  # 4xx is not retried
    assert not result.has_document


def test_unknown_path_answers_404(site, fetcher):
    result = fetcher.fetch(site.url("/nowhere"))
    assert result.error is ErrorKind.HTTP_4XX and result.body == b"Not Found"


def test_persistent_503_is_http_5xx_after_all_attempts(site, fetcher):
    url = site.route("/down", "maintenance", status=503)
    result = fetcher.fetch(url)
    assert result.error is ErrorKind.HTTP_5XX
    assert result.detail == "503 Service Unavailable, still after 3 attempts"
    assert result.attempts == 3 and site.hits("/down") == 3
    assert result.body == b"maintenance"


@pytest.fixture
def unanswered_port() -> Iterator[int]:
    """A port whose listen queue is full, so a new connection attempt hangs until it times out."""
    server = socket.create_server(("127.0.0.1", 0), backlog=0)
    fillers = []
    try:
        for _ in range(64):
            filler = socket.socket()
            filler.settimeout(0.2)
            fillers.append(filler)
            try:
                filler.connect(server.getsockname())
            except TimeoutError:
                break
        else:
            pytest.skip("this kernel accepts every connection; no way to make connect() hang")
        yield server.getsockname()[1]
    finally:
        for filler in fillers:
            filler.close()
        server.close()


def test_connect_timeout_is_retried(unanswered_port):
    with Fetcher(connect_timeout=0.3, retries=1, backoff=0.01, timeout=5) as f:
        result = f.fetch(f"http://127.0.0.1:{unanswered_port}/")
    assert result.error is ErrorKind.TIMEOUT and result.status is None and result.attempts == 2
    assert (
        result.detail
        == f"could not connect to 127.0.0.1:{unanswered_port} within 0.3 s, still after 2 attempts"
    )


def test_resolver_not_answering_is_flagged_as_maybe_ours():
    # EAI_AGAIN cannot be provoked on 127.0.0.1; classify the exception urllib3 would raise.
    exc = socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
    kind, detail, transient, maybe_local = classify(exc, "https://layanan.example.go.id/")
    assert kind is ErrorKind.DNS and maybe_local and not transient
    assert detail == "DNS lookup failed: no answer about layanan.example.go.id (temporary resolver failure)"
    kind, detail, _, maybe_local = classify(
        OSError(errno.ENETUNREACH, "Network is unreachable"), "http://a.go.id/"
    )
    assert kind is ErrorKind.OTHER and maybe_local
    assert detail == "a.go.id is unreachable (Network is unreachable)"


def test_not_a_web_address_never_raises(fetcher):
    for url in ("ftp://example.go.id/file", "http://", "not a url", "http://[::1"):
        result = fetcher.fetch(url)
        assert result.error is ErrorKind.OTHER and result.status is None
        assert url in result.detail or repr(url) in result.detail


# --- retries ---------------------------------------------------------------------------------------------


def test_503_twice_then_200(site, fetcher):
    url = site.route("/flaky", handler=sequence(answer(503), answer(503), answer(200, b"up")))
    result = fetcher.fetch(url)
    assert result.error is None and result.body == b"up"
    assert result.attempts == 3 and site.hits("/flaky") == 3


def test_429_retry_after_seconds_is_used_instead_of_backoff(site):
    # The backoff (30 s) could not fit in the deadline; the server's Retry-After of 1 s does.
    url = site.route("/busy", handler=sequence(answer(429, headers={"Retry-After": "1"}), answer(200, b"ok")))
    with Fetcher(backoff=30, timeout=5) as f:
        result = f.fetch(url)
    assert result.error is None and result.attempts == 2 and site.hits("/busy") == 2


def test_retry_after_http_date(site):
    now = formatdate(time.time() - 5, usegmt=True)  # a date already past: retry at once
    url = site.route("/busy", handler=sequence(answer(503, headers={"Retry-After": now}), answer(200, b"ok")))
    with Fetcher(backoff=30, timeout=5) as f:
        result = f.fetch(url)
    assert result.error is None and result.attempts == 2


def test_retry_after_is_capped(site):
    url = site.route(
        "/busy", handler=sequence(answer(503, headers={"Retry-After": "3600"}), answer(200, b"ok"))
    )
    with Fetcher(retry_after_cap=0.1, timeout=5) as f:
        result = f.fetch(url)
    assert result.error is None and result.attempts == 2


def test_retry_that_cannot_start_before_the_deadline_is_not_attempted(site):
    url = site.route("/busy", "slow down", status=429, headers={"Retry-After": "30"})
    with Fetcher(retry_after_cap=60, timeout=2) as f:
        result = f.fetch(url)
    assert result.error is ErrorKind.HTTP_4XX and result.status == 429
    assert result.attempts == 1 and site.hits("/busy") == 1
    assert result.detail == "429 Too Many Requests; no time left for another attempt within the 2 s deadline"
    assert result.elapsed < 1.5  # it did not sleep towards the deadline


def test_backoff_stops_at_the_deadline(site):
    url = site.route("/down", status=503)
    with Fetcher(backoff=0.8, timeout=2.0, retries=5) as f:
        result = f.fetch(url)
    # attempt at 0 s, backoff 0.8 s, attempt at ~0.8 s, backoff 1.6 s would end past 2 s: stop. (Wide margins:
    # only a first attempt slower than 1.2 s on a loaded machine could change the count.)
    assert result.error is ErrorKind.HTTP_5XX and result.attempts == 2
    assert "no time left for another attempt within the 2 s deadline" in result.detail
    assert result.elapsed < 4


def test_read_timeout_is_retried(site):
    def stall(rh):
        site.sleep(3)
        respond(rh, 200, b"late")

    url = site.route("/stall", handler=sequence(stall, answer(200, b"ok")))
    with Fetcher(read_timeout=0.3, backoff=0.01, timeout=5) as f:
        result = f.fetch(url)
    assert result.error is None and result.body == b"ok" and result.attempts == 2


def test_read_timeout_every_time(site):
    def stall(rh):
        site.sleep(3)

    url = site.route("/stall", handler=stall)
    with Fetcher(read_timeout=0.2, backoff=0.01, retries=1, timeout=5) as f:
        result = f.fetch(url)
    assert result.error is ErrorKind.TIMEOUT and result.attempts == 2
    assert (
        result.detail
        == "127.0.0.1 sent nothing for 0.2 s: timed out waiting for data, still after 2 attempts"
    )


def test_connection_dropped_without_answer_is_retried(site, fetcher):
    def hang_up(rh):
        rh.close_connection = True  # write nothing at all

    url = site.route("/drop", handler=sequence(hang_up, answer(200, b"ok")))
    result = fetcher.fetch(url)
    assert result.error is None and result.body == b"ok" and result.attempts == 2


def test_connection_dropped_every_time(site, fetcher):
    def hang_up(rh):
        rh.close_connection = True

    url = site.route("/drop", handler=hang_up)
    result = fetcher.fetch(url)
    assert result.error is ErrorKind.RESET and result.status is None
    assert result.detail == "127.0.0.1 closed the connection without answering, still after 3 attempts"


# --- the hard deadline -----------------------------------------------------------------------------------


def test_deadline_cuts_a_dripping_body(site):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n"
    url = site.route("/drip", handler=drip(site, head, b"x"))
    with Fetcher(timeout=1.0) as f:
        result = f.fetch(url)
    assert result.error is ErrorKind.TIMEOUT
    assert result.detail == "no complete answer within the 1 s deadline"
    assert result.status == 200  # the headers did arrive
    assert result.elapsed < 5


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",  # keep-alive, length known
        b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",  # http.client hands the socket to the response
    ],
)
def test_deadline_cuts_a_body_that_drips_then_stalls(site, head):
    # Each socket read may wait min(read timeout, time left when the request started) = 2 s. A body that
    # trickles until just before the deadline and then stalls would, without the deadline watchdog
    # reaching the socket, end a whole read timeout later (~3.75 s).
    def trickle_then_stall(rh):
        rh.wfile.write(head)
        for _ in range(7):
            if not site.sleep(0.25):
                return
            rh.wfile.write(b"x")
        site.sleep(30)

    url = site.route("/stall", handler=trickle_then_stall)
    with Fetcher(timeout=2.0, read_timeout=15) as f:
        result = f.fetch(url)
    assert result.error is ErrorKind.TIMEOUT and result.status == 200
    assert result.detail == "no complete answer within the 2 s deadline"
    assert result.elapsed < 3.2


def test_deadline_cuts_a_dripping_status_line(site):
    # Every byte arrives well within the read timeout: only the deadline watchdog can stop this.
    url = site.route("/drip", handler=drip(site, b"", b"H"))
    with Fetcher(timeout=1.0, read_timeout=15) as f:
        result = f.fetch(url)
    assert result.error is ErrorKind.TIMEOUT and result.status is None
    assert result.detail == "no complete answer within the 1 s deadline"
    assert result.elapsed < 5


def test_deadline_cuts_dripping_headers(site):
    url = site.route("/drip", handler=drip(site, b"HTTP/1.1 200 OK\r\n", b"X-Drip: 1\r\n"))
    with Fetcher(timeout=1.5, read_timeout=15) as f:
        result = f.fetch(url)
    assert result.error is ErrorKind.TIMEOUT and result.status is None
    assert result.detail == "no complete answer within the 1.5 s deadline"
    assert result.elapsed < 5


def test_deadline_cuts_a_dripping_tls_handshake():
    def slow_tls(conn: socket.socket, stop: threading.Event) -> None:
        try:
            conn.recv(65536)  # the ClientHello
            conn.sendall(b"\x16\x03\x03\x40\x00")  # a 16 KiB handshake record header, then a trickle
            while not stop.wait(0.2):
                conn.sendall(b"\x02")
        except OSError:
            pass

    server = RawServer(slow_tls)
    try:
        with Fetcher(timeout=1.0, connect_timeout=15, read_timeout=15) as f:
            result = f.fetch(f"https://127.0.0.1:{server.port}/")
    finally:
        server.close()
    assert result.error is ErrorKind.TIMEOUT
    assert result.detail == "no complete answer within the 1 s deadline"
    assert result.elapsed < 5


def test_per_url_deadline_in_fetch_all(site):
    url = site.route("/drip", handler=drip(site, b"", b"H"))
    with Fetcher(timeout=30) as f:
        results = f.fetch_all([(url, 1.0)])
    assert results[url].error is ErrorKind.TIMEOUT
    assert results[url].detail == "no complete answer within the 1 s deadline"
    assert results[url].elapsed < 5


# --- size caps -------------------------------------------------------------------------------------------


def _announcing_2gb(site, body: bytes, then_close: bool):
    def huge(rh):
        rh.wfile.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2147483648\r\n\r\n" + body
        )
        rh.wfile.flush()
        if not then_close:
            site.sleep(30)  # never sends the rest of the 2 GiB (the test's deadline ends the wait)

    return huge


def test_announced_2gb_and_nothing_more_arrives_is_too_little_to_judge(site):
    # Before: refused unread as "too large", and `live` passed it with no text at all.
    url = site.route("/big", handler=_announcing_2gb(site, b"<p>", then_close=False))
    with Fetcher(timeout=1.5) as f:
        result = f.fetch(url)
    assert result.error is ErrorKind.OTHER and result.status == 200 and not result.has_document
    assert result.detail == (
        "the server announced 2.1 GB, but only 3 bytes of it arrived before the deadline: too little to judge"
    )
    assert result.attempts == 1  # another attempt would be as big


def test_announced_2gb_and_the_connection_closed_is_too_little_to_judge(site, fetcher):
    url = site.route("/big", handler=_announcing_2gb(site, b"", then_close=True))
    result = fetcher.fetch(url)
    assert result.error is ErrorKind.OTHER and not result.has_document and result.body == b""
    assert result.detail == (
        "the server announced 2.1 GB, but only 0 bytes of it arrived before the connection was cut: "
        "too little to judge"
    )


def test_announced_2gb_is_read_up_to_the_cap_and_judged_on_that(site):
    url = site.route(
        "/big", handler=_announcing_2gb(site, b"<p>halo</p>" + b"a" * 2_000_000, then_close=False)
    )
    with Fetcher(max_bytes=1_000_000, timeout=10) as f:
        result = f.fetch(url)
    assert result.error is ErrorKind.TOO_LARGE and result.has_document and result.truncated_page
    assert result.detail == "judged on its first 1 MB: the server announced 2.1 GB"
    assert len(result.body) == 1_000_000 and result.body.startswith(b"<p>halo</p>")


def test_streamed_body_over_the_cap(site):
    def endless(rh):
        rh.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
        for _ in range(40):
            rh.wfile.write(b"a" * 100_000)

    url = site.route("/endless", handler=endless)
    with Fetcher(max_bytes=1_000_000) as f:
        result = f.fetch(url)
    assert result.error is ErrorKind.TOO_LARGE and result.has_document  # a truncated page is still a page
    assert result.detail == "judged on its first 1 MB: the answer is larger than the 1 MB limit"
    assert len(result.raw_body) == 1_000_000 and len(result.body) <= 1_000_000


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """1 GiB of zeros, gzip-compressed in a stream (about 4.7 MB)."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    parts = [compressor.compress(zeros) for _ in range(1024)]
    parts.append(compressor.flush())
    return b"".join(parts)


def test_gzip_bomb_stops_at_the_cap(site, gzip_bomb):
    url = site.route("/bomb", gzip_bomb, headers={"Content-Encoding": "gzip"})
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    with Fetcher(max_bytes=10_000_000) as f:
        result = f.fetch(url)
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert result.error is ErrorKind.TOO_LARGE
    assert (
        result.detail
        == "judged on its first 10 MB: the page is larger than the 10 MB limit once decompressed (gzip)"
    )
    assert len(result.body) <= 10_000_000
    assert len(result.raw_body) < 10_000_000
    assert (peak_after - peak_before) < 300 * 1024  # nowhere near the 1 GiB the bomb expands to


@pytest.mark.parametrize(
    "encoding, compress",
    [
        ("gzip", lambda b: _compress(b, 16 + zlib.MAX_WBITS)),
        ("x-gzip", lambda b: _compress(b, 16 + zlib.MAX_WBITS)),
        ("deflate", lambda b: _compress(b, zlib.MAX_WBITS)),  # zlib-wrapped, as the RFC says
        ("deflate", lambda b: _compress(b, -zlib.MAX_WBITS)),  # raw, as many servers send it
        ("gzip", lambda b: _compress(b[:3000], 31) + _compress(b[3000:], 31)),  # two gzip members
    ],
)
def test_compressed_page_decoded(site, fetcher, encoding, compress):
    page = ("<html><body>" + INDONESIAN * 200 + "</body></html>").encode("utf-8")
    wire = compress(page)
    url = site.route("/z", wire, headers={"Content-Encoding": encoding})
    result = fetcher.fetch(url)
    assert result.error is None
    assert result.raw_body == wire and result.body == page
    assert decode_text(result).count(INDONESIAN) == 200


def _compress(data: bytes, wbits: int) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return c.compress(data) + c.flush()


def test_corrupt_gzip_is_reported(site, fetcher):
    url = site.route("/z", b"\x1f\x8b\x08\x00garbage-not-deflate" * 3, headers={"Content-Encoding": "gzip"})
    result = fetcher.fetch(url)
    assert result.error is ErrorKind.OTHER and result.status == 200
    assert result.detail.startswith("could not decompress the page")
    assert result.raw_body


def test_encoding_we_did_not_ask_for(site, fetcher):
    url = site.route("/br", b"\x0b\x02\x80hello\x03", headers={"Content-Encoding": "br"})
    result = fetcher.fetch(url)
    assert result.error is ErrorKind.OTHER
    assert "br" in result.detail and result.raw_body and result.body == b""


# --- redirects -------------------------------------------------------------------------------------------


def test_redirect_chain_recorded_with_relative_location(site, fetcher):
    a = site.route("/a", status=301, headers={"Location": site.url("/dir/b")})
    b = site.url("/dir/b")
    site.route("/dir/b", status=302, headers={"Location": "c?x=1"})  # relative to /dir/
    c = site.route("/dir/c", "final")
    result = fetcher.fetch(a)
    assert result.error is None and result.body == b"final"
    assert result.redirects == [(301, a), (302, b)]
    assert result.final_url == c + "?x=1"
    assert result.url == a


def test_redirect_limit(site):
    for i in range(4):
        site.route(f"/r{i}", status=302, headers={"Location": f"/r{i + 1}"})
    site.route("/r4", "end")
    with Fetcher(max_redirects=4) as f:
        assert f.fetch(site.url("/r0")).body == b"end"
    with Fetcher(max_redirects=2) as f:
        result = f.fetch(site.url("/r0"))
    assert result.error is ErrorKind.TOO_MANY_REDIRECTS
    assert result.detail == f"more than 2 redirects (the last one to {site.url('/r3')})"
    assert result.redirects == [(302, site.url("/r0")), (302, site.url("/r1"))]
    assert result.final_url == site.url("/r2") and result.status == 302


def test_redirect_loop_is_named(site):
    x = site.route("/x", status=302, headers={"Location": "/y"})
    y = site.route("/y", status=302, headers={"Location": "/x"})
    with Fetcher(max_redirects=5) as f:
        result = f.fetch(x)
    assert result.error is ErrorKind.TOO_MANY_REDIRECTS
    assert result.detail == f"redirect loop: {x} → {y} → {x} (gave up after 5 redirects)"
    assert result.redirects == [(302, x), (302, y), (302, x), (302, y), (302, x)]
    assert site.hits("/x") + site.hits("/y") == 6


def test_redirect_to_another_scheme(site, fetcher):
    url = site.route("/mail", status=302, headers={"Location": "mailto:humas@example.go.id"})
    result = fetcher.fetch(url)
    assert result.error is ErrorKind.BAD_REDIRECT and result.status == 302
    assert result.detail == (
        f"{url} redirected to 'mailto:humas@example.go.id', which no browser opens as a web "
        "page (not an http(s) address: 'mailto:humas@example.go.id')"
    )


# --- charsets --------------------------------------------------------------------------------------------


def _page(body: bytes, content_type: str | None) -> FetchResult:
    headers = [("Content-Type", content_type)] if content_type else []
    return FetchResult("http://x.test/", "http://x.test/", 200, "OK", None, "200 OK", "2026-11-28T02:00:00Z",
                       headers=headers, body=body, raw_body=body)  # fmt: skip


def test_header_says_latin1_but_body_is_utf8(site, fetcher):
    html = f"<html><body><h1>{INDONESIAN}</h1></body></html>"
    url = site.route("/cilegon", html.encode("utf-8"), content_type="text/html; charset=iso-8859-1")
    assert decode_text(fetcher.fetch(url)) == html


def test_meta_charset_only(site, fetcher):
    html = f'<html><head><meta charset="windows-1252"></head><body>{INDONESIAN}</body></html>'
    url = site.route("/meta", html.encode("cp1252"), content_type="text/html")
    assert decode_text(fetcher.fetch(url)) == html


def test_meta_http_equiv_declaring_latin1_over_utf8():
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"></head>'
        f"<body>{INDONESIAN}</body></html>"
    )
    assert decode_text(_page(html.encode("utf-8"), "text/html")) == html


def test_no_declaration_utf8():
    html = f"<html><body>{INDONESIAN}</body></html>"
    assert decode_text(_page(html.encode("utf-8"), "text/html")) == html
    assert decode_text(_page(html.encode("utf-8"), None)) == html


def test_no_declaration_cp1252_is_detected():
    html = "<html><body><p>Le café de la mairie est fermé. Réunion à 18h, à côté de l’hôtel de ville.</p></body></html>"
    assert decode_text(_page(html.encode("cp1252"), "text/html")) == html


def test_real_cp1252_declared_cp1252(site, fetcher):
    html = f"<p>{INDONESIAN}</p>"
    url = site.route("/cp", html.encode("cp1252"), content_type="text/html; charset=windows-1252")
    assert decode_text(fetcher.fetch(url)) == html


def test_declared_utf8_but_bytes_are_cp1252():
    html = f"<p>{INDONESIAN} — sekali lagi “Smart City” untuk warga Cilegon</p>"
    assert decode_text(_page(html.encode("cp1252"), "text/html; charset=utf-8")) == html


def test_utf8_cut_by_the_size_cap_stays_utf8():
    body = f"<p>{INDONESIAN}</p>".encode()[:-5]  # ends with the first byte of "é"
    assert body.endswith(b"caf\xc3")
    assert decode_text(_page(body, "text/html; charset=iso-8859-1")) == f"<p>{INDONESIAN}"[:-1] + "\ufffd"


def test_byte_order_mark_wins():
    html = f"<p>{INDONESIAN}</p>"
    assert decode_text(_page(b"\xef\xbb\xbf" + html.encode(), "text/html; charset=iso-8859-1")) == html
    assert decode_text(_page(b"\xff\xfe" + html.encode("utf-16-le"), None)) == html


def test_other_declared_charset():
    text = "Дорогой друг, привет"
    assert decode_text(_page(text.encode("cp1251"), "text/plain; charset=windows-1251")) == text


def test_decode_text_never_raises():
    for body, ctype in [
        (bytes(range(256)) * 4, "text/html; charset=utf-8"),
        (bytes(range(256)), "text/html; charset=x-no-such-charset"),
        (b"\xff\xfe\x00", None),
        (b"", "text/html"),
        (b'<meta charset="utf-16">\xe9t\xe9', None),
    ]:
        assert isinstance(decode_text(_page(body, ctype)), str)


# --- concurrency -----------------------------------------------------------------------------------------


def test_fetch_all_fetches_each_url_once(site):
    urls = [site.route(f"/p{i}", f"page {i}") for i in range(5)]
    jobs = [(u, None) for u in urls] + [(urls[0], 5.0), (urls[3], None)]
    seen: list[str] = []
    lock = threading.Lock()

    def on_result(result: FetchResult) -> None:
        with lock:
            seen.append(result.url)

    with Fetcher() as f:
        results = f.fetch_all(jobs, on_result=on_result)
    assert list(results) == urls
    assert sorted(seen) == sorted(urls)
    assert [results[u].body for u in urls] == [f"page {i}".encode() for i in range(5)]
    assert all(site.hits(f"/p{i}") == 1 for i in range(5))
    assert Fetcher().fetch_all([]) == {}


def _counting_handler(site, seconds: float):
    """A route handler that records how many requests per Host header are in flight at once."""
    lock = threading.Lock()
    now: Counter[str] = Counter()
    peak: Counter[str] = Counter()

    def handler(rh: BaseHTTPRequestHandler) -> None:
        host = rh.headers["Host"].rsplit(":", 1)[0]
        with lock:
            now[host] += 1
            peak[host] = max(peak[host], now[host])
        try:
            site.sleep(seconds)
            rh.close_connection = False
            respond(rh, 200, b"ok")
        finally:
            with lock:
                now[host] -= 1

    return handler, peak


def test_a_request_is_prepared_as_requests_session_would_prepare_it():
    """Fetcher._prepare makes requests' Session.prepare_request's request without copying the cookie jar for
    each: the same headers in the same order (ours over the session's), the cookies of the URL's host and
    path only, the same URL."""
    import requests

    with Fetcher(allow_private=True) as f:
        session = f._session
        for i in range(50):
            session.cookies.set(f"c{i}", "v", domain=f"site{i % 5}.example", path="/")
        session.cookies.set("sid", "abc", domain="www.cilegon.go.id", path="/layanan")
        session.cookies.set("other", "x", domain="www.cilegon.go.id", path="/berita")
        url = "https://www.cilegon.go.id/layanan/disnaker?q=1"
        headers = {"Accept-Language": "en", "If-None-Match": '"abc"', "X-Api-Key": "k"}
        ours = f._prepare(url, headers)
        theirs = session.prepare_request(requests.Request("GET", url, headers=headers))
    assert list(ours.headers.items()) == list(theirs.headers.items())
    assert ours.headers["Cookie"] == "sid=abc" and ours.headers["Accept-Language"] == "en"
    assert (ours.method, ours.url, ours.body) == (theirs.method, theirs.url, theirs.body)


def test_per_host_limit_is_observed(site):
    handler, peak = _counting_handler(site, 0.15)
    site.route("/slow", handler=handler)
    urls = [f"http://127.0.0.1:{site.port}/slow?i={i}" for i in range(8)]
    urls += [f"http://localhost:{site.port}/slow?i={i}" for i in range(8)]
    with Fetcher(concurrency=8, per_host=2) as f:
        results = f.fetch_all([(u, None) for u in urls])
    assert all(r.error is None for r in results.values()) and len(results) == 16
    assert peak["127.0.0.1"] == 2 and peak["localhost"] == 2
    assert site.peak_in_flight >= 3  # the two hosts were served side by side


def test_idle_workers_woken_one_slot_at_a_time_still_fetch_everything(site):
    """The scheduler wakes one idle worker per freed host slot or queued URL (no longer all of them): with six
    idle workers and one slot a host, 300 quick fetches over two hosts all end, none lost waiting."""
    handler, peak = _counting_handler(site, 0.0)
    site.route("/quick", handler=handler)
    urls = [
        f"http://{host}:{site.port}/quick?i={i}" for i in range(150) for host in ("127.0.0.1", "localhost")
    ]
    box: dict = {}

    def fetch() -> None:
        with Fetcher(concurrency=8, per_host=1) as f:
            box["results"] = f.fetch_all([(u, None) for u in urls])

    worker = threading.Thread(target=fetch, daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "a worker waited for a wake-up that never came"
    assert len(box["results"]) == 300 and all(r.status == 200 for r in box["results"].values())
    assert peak["127.0.0.1"] == 1 and peak["localhost"] == 1


def test_a_queue_for_one_host_does_not_hold_back_others(site):
    handler, peak = _counting_handler(site, 0.2)
    site.route("/slow", handler=handler)
    busy = [f"http://127.0.0.1:{site.port}/slow?i={i}" for i in range(10)]
    other = [f"http://localhost:{site.port}/slow?i={i}" for i in range(2)]
    order: list[str] = []
    lock = threading.Lock()

    def on_result(result: FetchResult) -> None:
        with lock:
            order.append(result.url)

    with Fetcher(concurrency=4, per_host=2) as f:
        f.fetch_all([(u, None) for u in busy + other], on_result=on_result)
    assert set(other) <= set(order[:4])
    assert peak["127.0.0.1"] <= 2 and len(order) == 12


def test_global_concurrency_is_observed(site):
    handler, peak = _counting_handler(site, 0.1)
    site.route("/slow", handler=handler)
    urls = [f"http://127.0.0.1:{site.port}/slow?i={i}" for i in range(12)]
    with Fetcher(concurrency=3, per_host=10) as f:
        f.fetch_all([(u, None) for u in urls])
    assert peak["127.0.0.1"] == 3


def test_a_deadline_does_not_disturb_other_fetches_on_the_same_host(site):
    # The drip's deadline fires while the other fetches share the host's connection pool.
    drip_url = site.route("/drip", handler=drip(site, b"HTTP/1.1 200 OK\r\n", b"X-Drip: 1\r\n", every=0.1))
    site.route("/p", "ok", delay=0.05)
    urls = [site.url(f"/p?i={i}") for i in range(40)]
    with Fetcher(concurrency=4, per_host=4) as f:
        results = f.fetch_all([(drip_url, 0.5)] + [(u, None) for u in urls])
    assert results[drip_url].error is ErrorKind.TIMEOUT
    assert [results[u].body for u in urls] == [b"ok"] * 40
    assert all(results[u].attempts == 1 for u in urls)


def test_fetch_all_surfaces_a_failing_callback(site):
    url = site.route("/p", "x")

    def boom(result: FetchResult) -> None:
        raise RuntimeError("callback bug")

    with Fetcher() as f, pytest.raises(RuntimeError, match="callback bug"):
        f.fetch_all([(url, None)], on_result=boom)


# --- connectivity ----------------------------------------------------------------------------------------


def test_canary_answering_even_404_means_online(site):
    with Fetcher() as f:
        online, sentence = check_connectivity(f, [site.url("/no-such-page")])
    assert online
    assert sentence == f"network available: {site.url('/no-such-page')} answered 404 Not Found"


def test_no_canary_answering_means_offline(closed_port_url):
    with Fetcher() as f:
        online, sentence = check_connectivity(f, [closed_port_url, "http://nothing.invalid/"])
    assert not online
    port = closed_port_url.rsplit(":", 1)[1].strip("/")
    assert sentence == (
        "network unavailable: no canary answered ("
        f"{closed_port_url} : connection refused by 127.0.0.1:{port}; "
        "http://nothing.invalid/ : DNS lookup failed: nothing.invalid does not exist)"
    )


def test_one_canary_is_enough(site, closed_port_url):
    with Fetcher() as f:
        online, _ = check_connectivity(f, ["http://nothing.invalid/", closed_port_url, site.url("/")])
    assert online


def test_default_canaries_are_https():
    assert len(DEFAULT_CANARIES) >= 2 and all(u.startswith("https://") for u in DEFAULT_CANARIES)


def test_a_bot_wall_challenge_is_not_retried(site):
    url = site.route(
        "/wall", "<title>Just a moment...</title>", status=503, headers={"cf-mitigated": "challenge"}
    )
    with Fetcher(backoff=0.01, timeout=5, retries=3) as f:
        result = f.fetch(url)
    # Asking again cannot get past a challenge; the soft-404/bot-wall check reports it as a wall.
    assert result.status == 503 and result.attempts == 1 and site.hits("/wall") == 1


def test_a_dropped_body_keeps_its_digest_and_blankness(site, fetcher):
    url = site.route("/page", "<p>hello</p>")
    result = fetcher.fetch(url)
    digest = result.sha256
    result.drop_body()
    assert (result.body, result.raw_body, result.sha256, result.blank) == (b"", b"", digest, False)
    blank = fetcher.fetch(site.route("/blank", " \n "))
    blank.drop_body()
    assert blank.blank and blank.sha256 == hashlib.sha256(b" \n ").hexdigest()


def test_a_body_is_digested_once_and_again_when_it_is_replaced():
    result = FetchResult(
        "http://a.example/", "http://a.example/", 200, "OK", None, "200 OK", "2026-11-28T02:00:00Z"
    )
    result.body = b"<p>first</p>"
    assert result.sha256 == hashlib.sha256(b"<p>first</p>").hexdigest()
    # The digest is kept for the body it was worked out from: a body set again (a worker reading its copy from
    # a file, a replay) is digested again, never given the digest of the one before.
    result.body = b"<p>second</p>"
    assert result.sha256 == hashlib.sha256(b"<p>second</p>").hexdigest()
    body = result.body
    result.drop_body()
    assert result.sha256 == hashlib.sha256(b"<p>second</p>").hexdigest()
    # Letting go of the body lets go of it whole: nothing on the result still holds it.
    held = [v for v in vars(result).values() if v is body or (isinstance(v, tuple) and body in v)]
    assert held == []


def test_the_models_and_the_library_packages_import_no_heavy_library():
    # cli.py, the report and the extractors import civicheck.fetch for FetchResult; the packages' own imports
    # must stay that cheap too: requests, the parsers and the archive reader load only where they are used.
    heavy = (
        "requests",
        "urllib3",
        "trafilatura",
        "htmldate",
        "bs4",
        "lxml",
        "warcio",
        "pypdf",
        "ftfy",
        "charset_normalizer",
        "rapidfuzz",
    )
    code = (
        "import sys, civicheck.fetch, civicheck.fetch.canary, civicheck.fetch.outages, civicheck.extract, "
        "civicheck.match, civicheck.soft404, civicheck.reading, civicheck.archive; "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert loaded.stdout.strip() == "[]", loaded.stdout
