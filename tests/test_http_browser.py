"""HTTP as a citizen's browser does it (issue 12): browser Accept headers, 20 redirects, a 3xx without Location
shown as its page, redirects no browser follows, bot-block statuses, persistent resets judged against the canary,
host-wide pauses after a 429, the size cap judged on what arrived, cookies and a User-Agent from the claims
file, proxies from the environment. Every case against real servers on 127.0.0.1, each bounded in time.
"""

from __future__ import annotations

import functools
import gzip
import json
import socket
import struct
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from civicheck.cli import ExitCode, cli
from civicheck.fetch import ErrorKind
from civicheck.fetch.client import ACCEPT, ACCEPT_LANGUAGE, Fetcher
from civicheck.fetch.failures import host_pause

# Loopback servers: a library-level Fetcher must be allowed to reach them (CLI runs are, by conftest.py).
Fetcher = functools.partial(Fetcher, allow_private=True)

PAGE = (
    "<html><head><title>Layanan</title></head><body><h1>Layanan publik</h1>"
    + "<p>Layanan ini berjalan setiap hari kerja untuk warga Kota Cilegon, dengan pendaftaran daring.</p>" * 6
    + "</body></html>"
)


def claims_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "claims.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def live_claims(tmp_path: Path, *urls: str, extra: str = "") -> Path:
    checks = "\n".join(
        f"""
          - id: c{i}
            claim: "page {i} is live"
            checks:
              - live: {{url: "{url}", soft404: false}}"""
        for i, url in enumerate(urls)
    )
    return claims_file(tmp_path, f"{extra}\nclaims:{textwrap.dedent(checks)}\n")


def verify(*args: object) -> tuple[dict, str]:
    result = CliRunner().invoke(cli, ["verify", *map(str, args), "--format", "json", "--no-history"])
    assert result.exit_code in (ExitCode.OK, ExitCode.UNEXPECTED), result.stderr
    return json.loads(result.stdout), result.stderr


def checks_of(report: dict) -> dict[str, dict]:
    return {claim["id"]: claim["checks"][0] for claim in report["claims"]}


def respond(
    rh: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    close: bool = False,
) -> None:
    rh.send_response(status)
    for name, value in (headers or {}).items():
        rh.send_header(name, value)
    rh.send_header("Content-Length", str(len(body)))
    rh.end_headers()
    rh.wfile.write(body)
    rh.close_connection = close


# --- what a browser asks for ------------------------------------------------------------------------------


def test_a_server_that_negotiates_content_serves_the_page_a_browser_gets(site, tmp_path):
    # Before: civicheck sent `Accept: */*`; this server (like many CMS APIs) then answers 404.
    def negotiating(rh: BaseHTTPRequestHandler) -> None:
        if "text/html" in (rh.headers.get("Accept") or ""):
            respond(rh, 200, PAGE.encode(), {"Content-Type": "text/html; charset=utf-8", "Vary": "Accept"})
        else:
            respond(rh, 404, b'{"error": "not acceptable"}', {"Content-Type": "application/json"})

    url = site.route("/layanan", handler=negotiating)
    report, _ = verify(live_claims(tmp_path, url), "--no-canary", "--no-warc")
    check = checks_of(report)["c0"]
    assert (check["outcome"], check["reason"]) == ("pass", "answered 200 OK")
    sent = site.requests[0]
    assert (
        sent.header("Accept") == ACCEPT == "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    )
    assert sent.header("Accept-Language") == ACCEPT_LANGUAGE == "id,en;q=0.8"


def test_accept_language_can_be_set_per_host(site, tmp_path):
    url = site.route("/p", PAGE)
    extra = 'defaults:\n  headers:\n    127.0.0.1: {Accept-Language: "en-GB,en;q=0.9"}\n'
    verify(live_claims(tmp_path, url, extra=extra), "--no-canary", "--no-warc")
    assert site.requests[0].header("Accept-Language") == "en-GB,en;q=0.9"


# --- redirects -------------------------------------------------------------------------------------------


def test_twenty_redirects_are_followed_as_browsers_do_and_the_21st_is_not(site):
    for i in range(21):
        site.route(f"/r{i}", status=302, headers={"Location": f"/r{i + 1}"})
    site.route("/r21", PAGE)
    with Fetcher(timeout=20) as f:
        twenty = f.fetch(site.url("/r1"))  # /r1 → … → /r21: 20 redirects
        more = f.fetch(site.url("/r0"))  # 21
    assert twenty.error is None and twenty.final_url == site.url("/r21") and len(twenty.redirects) == 20
    assert more.error is ErrorKind.TOO_MANY_REDIRECTS
    assert more.detail == f"more than 20 redirects (the last one to {site.url('/r21')})"


def test_a_3xx_without_location_is_the_page_it_shows(site, tmp_path):
    # A browser shows the body of a 3xx that names no place to go: that is the page a citizen sees.
    shown = site.route("/pilih", PAGE, status=300)
    empty = site.route("/kosong", "", status=302)
    report, _ = verify(live_claims(tmp_path, shown, empty), "--no-canary", "--no-warc")
    checks = checks_of(report)
    assert checks["c0"]["outcome"] == "pass"
    assert (
        checks["c0"]["reason"]
        == "answered 300 Multiple Choices without a Location (a browser shows its page)"
    )
    assert checks["c1"]["outcome"] == "fail"
    assert (
        checks["c1"]["reason"]
        == "answered 302 Found without a Location (a browser shows its page) with an empty page"
    )


def test_a_3xx_without_location_is_read_by_text_checks(site, tmp_path):
    url = site.route("/pilih", PAGE, status=300)
    report, _ = verify(
        claims_file(
            tmp_path,
            f"""
        claims:
          - id: text
            claim: x
            checks:
              - contains: {{url: "{url}", all: ["Layanan publik"]}}
        """,
        ),
        "--no-canary",
        "--no-warc",
    )
    assert report["claims"][0]["checks"][0]["outcome"] == "pass", report["claims"][0]["checks"][0]["reason"]


@pytest.mark.parametrize(
    "location",
    [
        "ftp://files.example.go.id/laporan.pdf",
        "file:///etc/passwd",
        "data:text/plain,halo",
        "javascript:alert(1)",
        "http://",
    ],
)
def test_a_redirect_no_browser_follows_fails_live(site, tmp_path, location):
    # Before: "unknown". The site sends citizens somewhere no browser shows a page: its link does not work.
    url = site.route("/pindah", status=302, headers={"Location": location})
    report, _ = verify(live_claims(tmp_path, url), "--no-canary", "--no-warc")
    check = checks_of(report)["c0"]
    assert check["outcome"] == "fail" and report["claims"][0]["verdict"] == "refuted"
    assert check["evidence"]["error"] == "bad_redirect"
    assert check["reason"].startswith(
        f"{url} redirected to '{location}', which no browser opens as a web page ("
    )


# --- bot blocks ------------------------------------------------------------------------------------------


def test_status_999_is_a_bot_block_unknown_and_asked_once(site, tmp_path):
    url = site.route("/in/pejabat", "", status=999)
    report, _ = verify(live_claims(tmp_path, url), "--no-canary", "--no-warc")
    check = checks_of(report)["c0"]
    assert check["outcome"] == "unknown" and report["claims"][0]["verdict"] == "unverified"
    assert (
        check["reason"] == "blocked by a bot wall (LinkedIn's status 999 for requests it takes for a bot's)"
    )
    assert site.hits("/in/pejabat") == 1  # a block answers the same however often it is asked


def test_shopify_430_is_a_bot_block(site, tmp_path):
    url = site.route("/toko", "<p>Security Rejection</p>", status=430)
    report, _ = verify(live_claims(tmp_path, url), "--no-canary", "--no-warc")
    check = checks_of(report)["c0"]
    assert (check["outcome"], check["reason"]) == (
        "unknown",
        "blocked by a bot wall (Shopify's status 430 Security Rejection)",
    )


# --- persistent resets -----------------------------------------------------------------------------------


class Resetter:
    """A TCP server on 127.0.0.1 that reads each request and resets the connection (RST, SO_LINGER 0)."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            conn.settimeout(2)
            try:
                conn.recv(65536)
            except OSError:
                pass
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    def close(self) -> None:
        self._listener.close()


@pytest.fixture
def resetter() -> Iterator[Resetter]:
    server = Resetter()
    try:
        yield server
    finally:
        server.close()


def test_a_reset_on_every_attempt_fails_when_the_canary_answers(site, tmp_path, resetter):
    canary = site.route("/canary", "ok")
    report, _ = verify(live_claims(tmp_path, resetter.url), "--canary", canary, "--no-warc")
    check = checks_of(report)["c0"]
    assert check["outcome"] == "fail" and report["claims"][0]["verdict"] == "refuted"  # before: unknown
    assert check["evidence"]["error"] == "reset"
    assert check["reason"] == "connection reset by 127.0.0.1, still after 3 attempts"
    assert check["evidence"]["network"] == f"network available: {canary} answered 200 OK"
    assert resetter.accepted == 3


def test_a_reset_while_the_canary_does_not_answer_is_unknown(tmp_path, resetter, closed_port_url):
    report, _ = verify(live_claims(tmp_path, resetter.url), "--canary", closed_port_url, "--no-warc")
    check = checks_of(report)["c0"]
    assert check["outcome"] == "unknown" and report["claims"][0]["verdict"] == "unverified"
    assert check["reason"].startswith("network unavailable at the time: connection reset by 127.0.0.1"), (
        check["reason"]
    )


def test_a_connection_closed_without_answer_every_time_fails_when_online(site, tmp_path):
    def hang_up(rh: BaseHTTPRequestHandler) -> None:
        rh.close_connection = True  # reads the request, writes nothing

    url = site.route("/tutup", handler=hang_up)
    canary = site.route("/canary", "ok")
    report, _ = verify(live_claims(tmp_path, url), "--canary", canary, "--no-warc")
    check = checks_of(report)["c0"]
    assert check["outcome"] == "fail"
    assert check["reason"] == "127.0.0.1 closed the connection without answering, still after 3 attempts"


def test_an_answer_cut_after_it_began_stays_unknown(site, tmp_path):
    # A cut answer (headers, then a reset mid-body) says less than no answer: kept unknown, as before.
    def cut(rh: BaseHTTPRequestHandler) -> None:
        rh.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n<p>mulai")
        rh.wfile.flush()
        rh.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        rh.close_connection = True

    url = site.route("/potong", handler=cut)
    canary = site.route("/canary", "ok")
    report, _ = verify(live_claims(tmp_path, url), "--canary", canary, "--no-warc")
    check = checks_of(report)["c0"]
    assert check["outcome"] == "unknown" and check["evidence"]["error"] == "other", check


# --- host-wide politeness ----------------------------------------------------------------------------------


class TimedSite:
    """A server on 127.0.0.1 that logs when each request arrives (server-side monotonic time) and answers the
    first request for /first with 429 and the given headers after `first_after` seconds; every other request with
    a page after `others_after` seconds. `limited_at` is when the 429 was written."""

    def __init__(
        self, headers: dict[str, str], status: int = 429, first_after: float = 0.0, others_after: float = 0.05
    ) -> None:
        self.log: list[tuple[float, str]] = []
        self.limited_at: float | None = None
        self.limited = False
        lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with lock:
                    site.log.append((time.monotonic(), self.path))
                    first = self.path == "/first" and not site.limited
                    site.limited = site.limited or first
                if first:
                    time.sleep(first_after)
                    site.limited_at = time.monotonic()
                    respond(self, status, b"slow down", headers)
                    return
                time.sleep(others_after)
                respond(self, 200, PAGE.encode(), {"Content-Type": "text/html; charset=utf-8"})

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def after_limit(self) -> list[float]:
        """Seconds between the 429 and each request that arrived after it, as the server saw them."""
        assert self.limited_at is not None
        return [at - self.limited_at for at, _ in self.log if at > self.limited_at]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def timed_site() -> Iterator[Callable]:
    made: list[TimedSite] = []

    def make(
        headers: dict[str, str], status: int = 429, first_after: float = 0.0, others_after: float = 0.05
    ) -> TimedSite:
        made.append(TimedSite(headers, status, first_after, others_after))
        return made[-1]

    try:
        yield make
    finally:
        for server in made:
            server.close()


def test_a_429_with_retry_after_pauses_the_whole_host_for_every_worker(timed_site):
    # The other workers' requests are answered slowly: when they are done, the host is paused. (A request sent
    # in the same instant the 429 is written is one nobody could hold back; this keeps the test free of it.)
    server = timed_site({"Retry-After": "2"}, first_after=0.5, others_after=1.5)
    urls = [f"{server.base}/first"] + [f"{server.base}/p{i}" for i in range(8)]
    with Fetcher(concurrency=4, per_host=4, timeout=15, backoff=0.01) as f:
        results = f.fetch_all([(u, None) for u in urls])
    after = server.after_limit()
    # The server's own log: after its 429, nothing arrived from any worker for 2 s (before: at once).
    assert after and min(after) >= 2.0, after
    assert len(server.log) == 10  # every URL once, /first twice
    assert all(r.error is None for r in results.values()), [r.detail for r in results.values() if r.error]
    first = results[f"{server.base}/first"]
    assert first.attempts == 2 and first.waited >= 1.9
    assert first.rate_limit.startswith("waited ")
    assert first.rate_limit.endswith(
        f" s for 127.0.0.1, which asked every request to pause (429 with Retry-After: 2 on {server.base}/first)"
    )
    # The URLs sent after the pause say they waited; those answered before the 429 did not.
    held = [r for r in results.values() if r.waited > 0]
    assert len(held) >= 5 and all("which asked every request to pause" in r.rate_limit for r in held)


def test_ratelimit_remaining_zero_pauses_the_host(timed_site):
    server = timed_site(
        {"RateLimit": "limit=10, remaining=0, reset=1"}, status=200, first_after=0.3, others_after=0.8
    )
    urls = [f"{server.base}/first"] + [f"{server.base}/p{i}" for i in range(4)]
    with Fetcher(concurrency=2, per_host=2, timeout=15) as f:
        f.fetch_all([(u, None) for u in urls])
    after = server.after_limit()
    assert after and min(after) >= 1.0, after


def test_a_pause_past_the_deadline_is_not_waited_for_and_the_host_is_not_asked(timed_site, tmp_path):
    server = timed_site({"Retry-After": "120"})
    first, other = f"{server.base}/first", f"{server.base}/lain"
    report, _ = verify(
        claims_file(
            tmp_path,
            f"""
        defaults: {{timeout: 3}}
        claims:
          - id: first
            claim: x
            checks: [{{live: "{first}"}}]
          - id: other
            claim: x
            checks: [{{live: "{other}"}}]
        """,
        ),
        "--no-canary",
        "--no-warc",
        "--concurrency",
        "1",
    )
    checks = checks_of(report)
    assert checks["first"]["outcome"] == "unknown"
    assert checks["first"]["reason"] == "rate limited by the server (429 Too Many Requests); try again later"
    assert checks["other"]["outcome"] == "unknown" and checks["other"]["evidence"]["error"] == "rate_limited"
    assert checks["other"]["reason"].startswith(
        "rate limited by the server (not asked: 127.0.0.1 asked every request to pause "
    )
    assert checks["other"]["reason"].endswith(
        f" s more (429 with Retry-After: 120 on {first}), past this URL's 3 s deadline); try again later"
    )
    assert [path for _, path in server.log] == ["/first"]  # asked once, then left alone


def test_an_absurd_retry_after_neither_crashes_nor_holds_the_run(timed_site):
    server = timed_site({"Retry-After": "99999999999"})  # past what threading can wait for
    urls = [f"{server.base}/first", f"{server.base}/lain"]
    with Fetcher(concurrency=2, per_host=1, timeout=3) as f:  # an idle worker waits for the pause to end
        results = f.fetch_all([(u, None) for u in urls])
    assert results[urls[0]].status == 429
    assert results[urls[1]].error is ErrorKind.RATE_LIMITED and len(server.log) == 1


def test_the_report_says_how_long_a_check_waited(timed_site, tmp_path):
    server = timed_site({"Retry-After": "1"})
    report, _ = verify(
        live_claims(tmp_path, f"{server.base}/first", f"{server.base}/kedua"),
        "--no-canary",
        "--no-warc",
        "--concurrency",
        "1",
    )
    notes = [check["evidence"].get("note") or "" for check in checks_of(report).values()]
    assert all(
        note.startswith("waited ") and "which asked every request to pause (429 with Retry-After: 1" in note
        for note in notes
    ), notes


@pytest.mark.parametrize(
    "status, headers, expected",
    [
        (429, [("Retry-After", "2")], (2.0, "429 with Retry-After: 2")),
        (503, [("Retry-After", "2")], None),  # a 503's Retry-After is about that URL's retry, not the host
        (429, [], None),
        (
            200,
            [("RateLimit", "limit=100, remaining=0, reset=7")],
            (7.0, "200 with RateLimit: limit=100, remaining=0, reset=7"),
        ),
        (200, [("RateLimit", "limit=100, remaining=3, reset=7")], None),
        (200, [("RateLimit", '"default";r=0;t=4')], (4.0, '200 with RateLimit: "default";r=0;t=4')),
        (
            429,
            [("RateLimit-Remaining", "0"), ("RateLimit-Reset", "3")],
            (3.0, "429 with RateLimit-Remaining: 0, RateLimit-Reset: 3"),
        ),
        (
            429,
            [("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "5")],
            (5.0, "429 with X-RateLimit-Remaining: 0, X-RateLimit-Reset: 5"),
        ),
        (200, [("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "soon")], None),
    ],
)
def test_host_pause_reads_the_rate_limit_headers(status, headers, expected):
    assert host_pause(status, headers) == expected


def test_x_ratelimit_reset_as_epoch_seconds():
    seconds, _ = host_pause(
        200, [("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", str(int(time.time()) + 30))]
    )
    assert 25 <= seconds <= 31


# --- the size cap ----------------------------------------------------------------------------------------


def test_a_2gb_page_of_which_nothing_arrives_is_unknown_never_passed(site, tmp_path):
    def huge(rh: BaseHTTPRequestHandler) -> None:
        rh.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2147483648\r\n\r\n")
        rh.wfile.flush()
        site.sleep(30)  # the check's 2 s deadline ends the wait

    url = site.route("/besar", handler=huge)
    canary = site.route("/canary", "ok")
    report, _ = verify(
        claims_file(
            tmp_path,
            f"""
        defaults: {{timeout: 2}}
        claims:
          - id: big
            claim: x
            checks: [{{live: "{url}"}}]
        """,
        ),
        "--canary",
        canary,
        "--no-warc",
    )
    check = report["claims"][0]["checks"][0]
    # Before: "pass", "answered 200 OK (the server announced 2.1 GB …)", with no text read at all.
    assert check["outcome"] == "unknown"
    assert check["reason"] == (
        "the server announced 2.1 GB, but only 0 bytes of it arrived before the deadline: too little to judge"
    )


def test_a_page_over_the_cap_is_judged_on_what_was_read(site, tmp_path):
    # 26 MB of page, announced: read up to the 25 MB cap, the prefix judged (a truncated page is a page).
    body = PAGE.encode() + b"<p>" + b"a" * 26_000_000 + b"</p>"
    url = site.route("/panjang", body)
    report, _ = verify(
        claims_file(
            tmp_path,
            f"""
        defaults: {{timeout: 60}}
        claims:
          - id: big
            claim: x
            checks:
              - live: "{url}"
              - contains: {{url: "{url}", all: ["Layanan publik"]}}
        """,
        ),
        "--no-canary",
    )
    live, contains = report["claims"][0]["checks"]
    assert live["outcome"] == "pass"
    assert live["reason"] == "answered 200 OK (judged on its first 25 MB: the server announced 26 MB)"
    assert contains["outcome"] == "pass", contains["reason"]
    warc = next((tmp_path / ".civicheck" / "archive").glob("*.warc.gz"))
    assert b"WARC-Truncated: length" in gzip.decompress(warc.read_bytes())


# --- cookies, User-Agent, proxies ----------------------------------------------------------------------------


def test_cookies_and_user_agent_from_defaults_are_sent_and_never_archived(site, tmp_path, monkeypatch):
    session = "S3ss10nValue77"
    monkeypatch.setenv("CIVICHECK_PORTAL_SESSION", session)
    url = site.route("/masuk", PAGE)
    f = claims_file(
        tmp_path,
        f"""
        defaults:
          user_agent: "Mozilla/5.0 (compatible; newsroom-checker/1.0)"
          cookies:
            127.0.0.1: {{session: "${{CIVICHECK_PORTAL_SESSION}}", consent: "yes"}}
        claims:
          - id: portal
            claim: x
            checks: [{{live: "{url}"}}]
        """,
    )
    result = CliRunner().invoke(cli, ["verify", str(f), "--format", "json", "--no-history", "--no-canary"])
    assert result.exit_code == ExitCode.OK, result.stderr
    sent = site.requests[0]
    assert sent.header("Cookie") == f"session={session}; consent=yes"
    assert sent.header("User-Agent") == "Mozilla/5.0 (compatible; newsroom-checker/1.0)"
    stored = gzip.decompress(next((tmp_path / ".civicheck" / "archive").glob("*.warc.gz")).read_bytes())
    assert b"Cookie: session=[redacted]; consent=[redacted]\r\n" in stored
    assert b"User-Agent: Mozilla/5.0 (compatible; newsroom-checker/1.0)\r\n" in stored
    assert session.encode() not in stored and session not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "defaults, message",
    [
        (
            "cookies: {127.0.0.1: {session: 'a b'}}",
            "claims.yaml:2: cookie session for 127.0.0.1: the value must be one word without spaces",
        ),
        (
            "cookies: {127.0.0.1: {session: '${HOME}'}}",
            "claims.yaml:2: cookie session for 127.0.0.1: ${HOME}: only "
            "environment variables named CIVICHECK_…",
        ),
        (
            "cookies: {'https://x.example/': {a: b}}",
            "claims.yaml:2: 'https://x.example/' in 'cookies' must be a bare host name",
        ),
        ("user_agent: 12", "claims.yaml:2: 'user_agent' must be text"),
    ],
)
def test_bad_cookies_and_user_agent_are_bad_input_with_the_line(tmp_path, defaults, message):
    f = tmp_path / "claims.yaml"
    f.write_text(
        f"defaults:\n  {defaults}\nclaims:\n  - id: a\n    claim: x\n    checks: [live: https://x.example/]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["lint", str(f)])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert message in result.stderr, result.stderr


def test_two_files_naming_different_user_agents_is_bad_input(tmp_path):
    for name, agent in (("a.yaml", "one"), ("b.yaml", "two")):
        (tmp_path / name).write_text(
            f"defaults:\n  user_agent: {agent}\nclaims:\n  - id: {name[0]}\n    claim: x\n"
            "    checks: [live: https://x.example/]\n",
            encoding="utf-8",
        )
    result = CliRunner().invoke(cli, ["lint", str(tmp_path)])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert (
        "b.yaml:2: user_agent is already set differently at" in result.stderr and "a.yaml:2" in result.stderr
    )


class ForwardProxy:
    """A forward HTTP proxy on 127.0.0.1: a plain request (absolute URL) is answered with a page naming the
    host; a CONNECT (an https site) is refused with 502, which is enough to show it was used."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.authorization: list[str] = []  # Authorization headers received (from a ~/.netrc, say)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                proxy.seen.append(f"GET {self.path}")
                proxy.authorization += [v for k, v in self.headers.items() if k.lower() == "authorization"]
                host = urlsplit(self.path).hostname or ""
                respond(
                    self,
                    200,
                    PAGE.replace("Layanan publik", f"via proxy: {host}").encode(),
                    {"Content-Type": "text/html; charset=utf-8"},
                )

            def do_CONNECT(self) -> None:
                proxy.seen.append(f"CONNECT {self.path}")
                respond(self, 502, b"", close=True)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_proxies_come_from_the_standard_environment_variables(site, tmp_path, monkeypatch):
    proxy = ForwardProxy()
    try:
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
            monkeypatch.setenv(name, proxy.url)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.setenv(name, "direct.test,127.0.0.1")
        monkeypatch.delenv("ALL_PROXY", raising=False)
        monkeypatch.delenv("all_proxy", raising=False)
        monkeypatch.setenv("HOME", str(tmp_path))  # a ~/.netrc stays unread, through a proxy too
        (tmp_path / ".netrc").write_text(
            "machine portal.test login reporter password N3trc\n", encoding="ascii"
        )
        direct = site.route("/langsung", PAGE)
        report, _ = verify(
            claims_file(
                tmp_path,
                f"""
            claims:
              - id: proxied
                claim: x
                checks: [{{contains: {{url: "http://portal.test/layanan", all: ["via proxy: portal.test"]}}}}]
              - id: https
                claim: x
                checks: [{{live: "https://secure.test/"}}]
              - id: direct
                claim: x
                checks: [{{live: "{direct}"}}]
            """,
            ),
            "--no-canary",
            "--no-warc",
        )
        checks = checks_of(report)
        assert checks["proxied"]["outcome"] == "pass"
        assert "GET http://portal.test/layanan" in proxy.seen
        assert "CONNECT secure.test:443" in proxy.seen  # HTTPS_PROXY: a tunnel through the proxy
        assert checks["https"]["evidence"]["error"] == "proxy"
        assert checks["direct"]["outcome"] == "pass" and site.hits("/langsung") == 1  # NO_PROXY: not proxied
        assert not any("langsung" in line for line in proxy.seen)
        assert proxy.authorization == []  # the ~/.netrc entry for portal.test was not used
    finally:
        proxy.close()


# --- the same judgements inside a link audit ---------------------------------------------------------------------


def test_a_link_audit_judges_each_link_as_a_browser_would(site, tmp_path, resetter):
    def negotiating(rh: BaseHTTPRequestHandler) -> None:
        ok = "text/html" in (rh.headers.get("Accept") or "")
        respond(rh, 200 if ok else 404, PAGE.encode(), {"Content-Type": "text/html; charset=utf-8"})

    site.route("/nego", handler=negotiating)
    for i in range(20):
        site.route(f"/hop{i}", status=302, headers={"Location": f"/hop{i + 1}"})
    site.route("/hop20", PAGE)
    site.route("/linkedin", "", status=999)
    site.route("/ftp", status=301, headers={"Location": "ftp://files.example.go.id/"})
    links = {
        "Negotiated": "/nego",
        "Twenty hops": "/hop0",
        "LinkedIn": "/linkedin",
        "FTP": "/ftp",
        "Reset": resetter.url,
    }
    portal = site.route(
        "/portal",
        "<html><body><h1>Portal</h1><ul>"
        + "".join(f'<li><a href="{href}">{label}</a></li>' for label, href in links.items())
        + "</ul></body></html>",
    )
    canary = site.route("/canary", "ok")
    report, _ = verify(
        claims_file(
            tmp_path,
            f"""
        claims:
          - id: portal
            claim: x
            checks: [{{links: {{url: "{portal}", max_broken: 0, soft404: false}}}}]
        """,
        ),
        "--canary",
        canary,
        "--no-warc",
    )
    check = report["claims"][0]["checks"][0]
    outcomes = {link["text"]: link["outcome"] for link in check["evidence"]["links"]}
    assert outcomes == {
        "Negotiated": "pass",
        "Twenty hops": "pass",
        "LinkedIn": "unknown",
        "FTP": "fail",
        "Reset": "fail",
    }
    assert check["outcome"] == "fail" and check["reason"].startswith("2 of 5 links broken: FTP → ")
