"""The Wayback Machine side of the archive: SPN2 captures against a local server that speaks SPN2's documented
JSON, CDX parsing (Wayback and pywb forms), timelines, and the dead-source fallback. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import functools
import json
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from civicheck.archive.backend import ArchiveRecord
from civicheck.archive.cdx import ArchiveUnavailable, Capture, parse_cdx
from civicheck.archive.fallback import fetch_archived_copy
from civicheck.archive.pywb import PywbArchive
from civicheck.archive.pywb import cdx_client as pywb_cdx
from civicheck.archive.registry import cdx_for, parse_archive_spec
from civicheck.archive.timeline import compute_timeline, timeline_for
from civicheck.archive.wayback import RateLimiter, SavePageNow, WaybackArchive, _timedelta_seconds
from civicheck.archive.wayback import cdx_client as wayback_cdx
from civicheck.errors import UsageProblem
from civicheck.fetch.client import Fetcher

# Every server in these tests listens on 127.0.0.1, which a Fetcher refuses by default
# (tests/test_attacks_addresses.py tests the refusal): here loopback is allowed.
Fetcher = functools.partial(Fetcher, allow_private=True)


class FakeClock:
    """time.monotonic and time.sleep for a client: sleeping moves the clock, so minutes pass in no time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    form: dict[str, list[str]]
    at: float  # the fake clock's time when it arrived


@dataclass
class Answer:
    status: int
    body: Any  # JSON-serialisable, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)


class FakeWayback:
    """web.archive.org as SPN2's public API docs describe it: POST /save → {"url", "job_id"};
    GET /save/status/<job> → {"status": "pending" | "success" | "error", ...}; plus the CDX API and id_ replay.

    Tests script answers: `submits` (for POST /save, in order; when empty a new job is made) and
    `statuses[job_id]` (in order, the last one repeats). A new job is pending once, then succeeds.
    """

    TIMESTAMP = "20260101120000"

    def __init__(self, clock: FakeClock | None = None):
        self.clock = clock
        self.submits: deque[Answer] = deque()
        self.statuses: dict[str, deque[Answer]] = {}
        self.cdx: dict[str, Answer] = {}  # url -> answer to a CDX query for it
        self.replays: dict[str, Answer] = {}  # path -> answer
        self.received: list[Received] = []
        self._jobs = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def of(self, method: str, prefix: str) -> list[Received]:
        return [r for r in self.received if r.method == method and r.path.startswith(prefix)]

    def new_job(self, url: str) -> Answer:
        self._jobs += 1
        job_id = f"spn2-{self._jobs:040x}"
        self.statuses.setdefault(
            job_id,
            deque(
                [
                    Answer(200, {"status": "pending", "job_id": job_id, "resources": []}),
                    Answer(
                        200,
                        {
                            "status": "success",
                            "job_id": job_id,
                            "original_url": url,
                            "timestamp": self.TIMESTAMP,
                            "duration_sec": 6.2,
                            "resources": [url],
                        },
                    ),
                ]
            ),
        )
        return Answer(200, {"url": url, "job_id": job_id})

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], form: dict[str, list[str]]
    ) -> Answer:
        with self._lock:
            if method == "POST" and path == "/save":
                return self.submits.popleft() if self.submits else self.new_job(form["url"][0])
            if method == "GET" and path.startswith("/save/status/"):
                script = self.statuses.get(path.rsplit("/", 1)[1])
                if not script:
                    return Answer(404, {"status": "error", "message": "no such job"})
                return script.popleft() if len(script) > 1 else script[0]
            if method == "GET" and path == "/cdx/search/cdx":
                return self.cdx.get(query["url"][0], Answer(200, []))
            return self.replays.get(path, Answer(404, b"not in the archive"))

    def __enter__(self) -> FakeWayback:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(wb: FakeWayback) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            form = parse_qs(raw) if method == "POST" else {}
            query = parse_qs(parts.query)
            wb.received.append(
                Received(
                    method,
                    unquote(parts.path),
                    query,
                    {k.lower(): v for k, v in self.headers.items()},
                    form,
                    wb.clock.now if wb.clock else 0.0,
                )
            )
            answer = wb.answer(method, unquote(parts.path), query, form)
            body = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
            self.send_response(answer.status)
            headers = {"Content-Type": "application/json", **answer.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def wayback(clock: FakeClock) -> Iterator[FakeWayback]:
    with FakeWayback(clock) as wb:
        yield wb


def spn(wb: FakeWayback, clock: FakeClock, **kwargs: Any) -> SavePageNow:
    options: dict[str, Any] = {"clock": clock, "sleep": clock.sleep, "poll_interval": 5.0, "budget": 60.0}
    options.update(kwargs)
    return SavePageNow(wb.base, **options)


# --- SPN2 -----------------------------------------------------------------------------------------------


def test_anonymous_capture_submits_the_documented_form_and_polls_until_success(wayback, clock):
    record = spn(wayback, clock).capture("https://dinas.example.go.id/layanan?x=1")

    assert record.ok and record.reason is None
    assert (
        record.capture_url
        == f"{wayback.base}/web/{FakeWayback.TIMESTAMP}/https://dinas.example.go.id/layanan?x=1"
    )
    assert record.timestamp == FakeWayback.TIMESTAMP and record.job_id and record.archive == "wayback"
    (submit,) = wayback.of("POST", "/save")
    assert submit.form == {
        "url": ["https://dinas.example.go.id/layanan?x=1"],
        "capture_all": ["1"],
        "skip_first_archive": ["1"],
        "if_not_archived_within": ["1d"],
    }
    assert submit.headers["accept"] == "application/json"
    assert submit.headers["content-type"] == "application/x-www-form-urlencoded"
    polls = wayback.of("GET", "/save/status/")
    assert [p.path for p in polls] == [f"/save/status/{record.job_id}"] * 2  # pending, then success
    assert clock.sleeps == [5.0]  # one poll interval between them
    assert all("authorization" not in r.headers for r in wayback.received)


def test_keys_from_the_environment_are_sent_as_low_authorization(wayback, clock):
    env = {"CIVICHECK_IA_ACCESS_KEY": "myaccess", "CIVICHECK_IA_SECRET_KEY": "mysecret"}
    client = SavePageNow.from_env(wayback.base, env, clock=clock, sleep=clock.sleep)

    assert client.capture("https://a.example/").ok
    assert client.authenticated and client.limiter.count == 12
    assert "mysecret" not in repr(client)
    assert [r.headers.get("authorization") for r in wayback.received] == ["LOW myaccess:mysecret"] * 3


def test_without_keys_the_client_is_anonymous_with_the_anonymous_limit(wayback):
    client = SavePageNow.from_env(wayback.base, {})
    assert not client.authenticated and client.limiter.count == 4


def test_half_configured_keys_are_a_usage_problem():
    with pytest.raises(UsageProblem, match="CIVICHECK_IA_SECRET_KEY"):
        SavePageNow.from_env(env={"CIVICHECK_IA_ACCESS_KEY": "only-this"})


def test_a_failed_job_records_status_ext_and_message(wayback, clock):
    wayback.submits.append(Answer(200, {"url": "https://gone.example/", "job_id": "spn2-failed"}))
    wayback.statuses["spn2-failed"] = deque(
        [
            Answer(
                200,
                {
                    "status": "error",
                    "status_ext": "error:not-found",
                    "job_id": "spn2-failed",
                    "message": "Target URL not found.",
                    "resources": [],
                },
            )
        ]
    )

    record = spn(wayback, clock).capture("https://gone.example/")

    assert not record.ok and record.capture_url is None
    assert record.status_ext == "error:not-found" and record.job_id == "spn2-failed"
    assert (
        record.reason == "the Wayback Machine could not capture it: Target URL not found. (error:not-found)"
    )


def test_a_refused_submission_records_why(wayback, clock):
    wayback.submits.append(
        Answer(
            200,
            {
                "status": "error",
                "status_ext": "error:invalid-host-resolution",
                "message": "Cannot resolve host nxdomain.example.",
            },
        )
    )
    record = spn(wayback, clock).capture("https://nxdomain.example/")
    assert not record.ok and record.status_ext == "error:invalid-host-resolution"
    assert "Cannot resolve host nxdomain.example." in record.reason
    assert not wayback.of("GET", "/save/status/")


def test_429_waits_out_retry_after_then_captures(wayback, clock):
    wayback.submits.append(Answer(429, {"message": "Too many requests"}, {"Retry-After": "7"}))

    record = spn(wayback, clock).capture("https://a.example/")

    assert record.ok
    assert len(wayback.of("POST", "/save")) == 2
    assert clock.sleeps[0] == 7.0
    post_times = [r.at for r in wayback.of("POST", "/save")]
    assert post_times[1] - post_times[0] == 7.0


def test_429_asking_for_more_than_the_budget_is_a_reason(wayback, clock):
    wayback.submits.append(Answer(429, {"message": "Too many requests"}, {"Retry-After": "600"}))
    record = spn(wayback, clock, budget=60.0).capture("https://a.example/")
    assert not record.ok
    assert record.reason.startswith("rate limited by the Wayback Machine (429)")
    assert len(wayback.of("POST", "/save")) == 1 and clock.sleeps == []


def test_server_errors_back_off_then_succeed(wayback, clock):
    wayback.submits.extend([Answer(502, b"<html>Bad Gateway</html>"), Answer(503, b"<html>busy</html>")])
    record = spn(wayback, clock).capture("https://a.example/")
    assert record.ok
    assert clock.sleeps[:2] == [2.0, 4.0]


def test_a_job_pending_past_the_budget_times_out(wayback, clock):
    wayback.submits.append(Answer(200, {"url": "https://slow.example/", "job_id": "spn2-slow"}))
    wayback.statuses["spn2-slow"] = deque([Answer(200, {"status": "pending", "job_id": "spn2-slow"})])

    record = spn(wayback, clock, budget=30.0, poll_interval=5.0).capture("https://slow.example/")

    assert not record.ok and record.job_id == "spn2-slow"
    assert record.reason == "timed out: the capture was still pending after 30 s (job spn2-slow)"
    assert len(wayback.of("GET", "/save/status/")) == 6  # at 0, 5, ... 25 s; the next would pass 30 s
    assert record.elapsed == sum(clock.sleeps) < 30.0


def test_rejected_credentials_are_a_reason(wayback, clock):
    wayback.submits.append(Answer(401, {"message": "You need to be logged in to use Save Page Now."}))
    record = spn(wayback, clock, access_key="bad", secret_key="key").capture("https://a.example/")
    assert not record.ok
    assert record.reason == (
        "the Wayback Machine refused our credentials (401): You need to be logged in to use Save Page Now."
    )


def test_an_answer_that_is_not_json_is_a_reason(wayback, clock):
    wayback.submits.append(Answer(200, b"<html>Save Page Now</html>", {"Content-Type": "text/html"}))
    record = spn(wayback, clock).capture("https://a.example/")
    assert record.reason == "the Wayback Machine answered 200 without a JSON object"


def test_unreachable_wayback_is_a_reason_not_an_exception(closed_port_url, clock):
    record = SavePageNow(closed_port_url, clock=clock, sleep=clock.sleep).capture("https://a.example/")
    assert not record.ok and record.reason.startswith("cannot reach the Wayback Machine")


SAME_SNAPSHOT = (
    "The same snapshot had been made 3 minutes ago. You can make new capture of this URL after 1 day."
)


def test_a_recent_capture_is_pointed_at_instead_of_a_new_one(wayback, clock):
    url = "https://a.example/"
    recent = (datetime.now(timezone.utc) - timedelta(minutes=3)).strftime("%Y%m%d%H%M%S")
    wayback.submits.append(Answer(200, {"url": url, "job_id": None, "message": SAME_SNAPSHOT}))
    wayback.cdx[url] = Answer(
        200,
        [
            ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
            ["example,a)/", recent, url, "text/html", "200", "D1", "100"],
        ],
    )
    record = spn(wayback, clock).capture(url)
    assert record.ok and record.capture_url == f"{wayback.base}/web/{recent}/{url}"
    assert record.note == SAME_SNAPSHOT
    (lookup,) = wayback.of("GET", "/cdx/search/cdx")
    assert lookup.query["url"] == [url] and lookup.query["limit"] == ["-1"]


def test_an_old_capture_is_not_passed_off_as_the_recent_one(wayback, clock):
    # The index lags: it only lists a capture from long before the "1d" window SPN2 said it found one in.
    url = "https://a.example/"
    wayback.submits.append(Answer(200, {"url": url, "job_id": None, "message": SAME_SNAPSHOT}))
    wayback.cdx[url] = Answer(200, [["timestamp", "statuscode"], ["20150101000000", "200"]])
    record = spn(wayback, clock).capture(url)
    assert not record.ok and record.reason == f"the Wayback Machine made no new capture: {SAME_SNAPSHOT}"


def test_the_rate_limiter_spaces_captures(wayback, clock):
    # Anonymous: 4 captures per minute. Jobs here succeed at once, so only the limiter makes time pass.
    wayback.statuses.clear()
    client = spn(wayback, clock)
    for i in range(6):
        wayback.submits.append(Answer(200, {"url": f"https://a.example/{i}", "job_id": f"job{i}"}))
        wayback.statuses[f"job{i}"] = deque(
            [
                Answer(
                    200,
                    {
                        "status": "success",
                        "timestamp": "20260101120000",
                        "original_url": f"https://a.example/{i}",
                    },
                )
            ]
        )
    records = [client.capture(f"https://a.example/{i}") for i in range(6)]

    assert all(r.ok for r in records)
    submits = wayback.of("POST", "/save")
    assert [s.form["url"][0] for s in submits] == [f"https://a.example/{i}" for i in range(6)]
    assert [s.at for s in submits] == [1000.0] * 4 + [1060.0] * 2  # the fifth waited for the window to move
    assert clock.sleeps == [60.0]


def test_if_not_archived_within_is_read_as_spn2_writes_it():
    assert (
        _timedelta_seconds("1d") == 86400
        and _timedelta_seconds("3d 5h 20m") == 3 * 86400 + 5 * 3600 + 20 * 60
    )
    assert _timedelta_seconds("120") == 120 and _timedelta_seconds("2h,1d") == 7200
    assert _timedelta_seconds("soon") is None and _timedelta_seconds(None) is None


def test_rate_limiter_alone():
    clock = FakeClock()
    limiter = RateLimiter(3, 10.0, clock=clock, sleep=clock.sleep)
    waits = []
    for step in (0.0, 1.0, 1.0, 0.0, 0.0, 20.0):
        clock.now += step
        waits.append(limiter.acquire())
    # starts at 1000, 1001, 1002; the 4th waits until 1010, the 5th until 1011; after a pause no wait.
    assert waits == [0.0, 0.0, 0.0, 8.0, 1.0, 0.0]
    with pytest.raises(ValueError):
        RateLimiter(0)


def test_capture_many_keeps_the_order_of_the_urls(wayback):
    # Real threads and a real clock: jobs succeed at once and the limit allows them all.
    client = SavePageNow(wayback.base, poll_interval=0.01, per_minute=100)
    urls = [f"https://a.example/{i}" for i in range(5)]
    records = client.capture_many(urls, workers=3)
    assert [r.url for r in records] == urls and all(r.ok for r in records)
    assert sorted(s.form["url"][0] for s in wayback.of("POST", "/save")) == urls
    assert client.capture_many([]) == []


# --- CDX ------------------------------------------------------------------------------------------------

WAYBACK_JSON = json.dumps(
    [
        ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
        ["id,go,cilegon)/", "20230712080000", "http://cilegon.go.id/", "text/html", "200", "B", "2100"],
        ["id,go,cilegon)/", "20220301101500", "http://cilegon.go.id:80/", "text/html", "404", "A", "512"],
        ["id,go,cilegon)/", "20230801000000", "http://cilegon.go.id/", "warc/revisit", "-", "B", "0"],
        [],
        ["id%2Cgo%2Ccilegon%29%2F+20230801000000%21"],
    ]
)

PYWB_JSON_LINES = (
    "\n".join(
        json.dumps(row)
        for row in [
            {
                "urlkey": "1,0,0,127:8080)/p",
                "timestamp": "20260101000000",
                "url": "http://127.0.0.1:8080/p",
                "mime": "text/html",
                "status": "404",
                "digest": "X",
                "length": "300",
                "offset": "0",
                "filename": "a.warc.gz",
            },
            {
                "urlkey": "1,0,0,127:8080)/p",
                "timestamp": "20260101000005",
                "url": "http://127.0.0.1:8080/p",
                "mime": "text/html",
                "status": "200",
                "digest": "Y",
                "length": "400",
                "offset": "300",
                "filename": "a.warc.gz",
            },
        ]
    )
    + "\n"
)


def test_parse_wayback_json_array_of_arrays():
    captures = parse_cdx(WAYBACK_JSON)
    assert [(c.timestamp, c.statuscode) for c in captures] == [
        ("20220301101500", 404),
        ("20230712080000", 200),
        ("20230801000000", None),
    ]
    first = captures[0]
    assert (first.original, first.mimetype, first.digest, first.length, first.urlkey) == (
        "http://cilegon.go.id:80/",
        "text/html",
        "A",
        512,
        "id,go,cilegon)/",
    )
    assert first.date == "2022-03-01" and first.iso == "2022-03-01T10:15:00Z" and not first.ok
    assert captures[1].ok and not captures[2].ok


def test_parse_pywb_json_lines_cdxj_and_plain_text():
    lines = parse_cdx(PYWB_JSON_LINES)
    assert [(c.timestamp, c.statuscode, c.original, c.mimetype, c.length) for c in lines] == [
        ("20260101000000", 404, "http://127.0.0.1:8080/p", "text/html", 300),
        ("20260101000005", 200, "http://127.0.0.1:8080/p", "text/html", 400),
    ]
    cdxj = (
        'com,example)/ 20200101000000 {"url": "http://example.com/", "mime": "text/html", "status": "301"}\n'
    )
    assert [(c.timestamp, c.statuscode, c.urlkey) for c in parse_cdx(cdxj)] == [
        ("20200101000000", 301, "com,example)/")
    ]
    plain = "com,example)/ 19970126045828 http://www.example.com:80/ text/html 200 Q4YU 1415\n\nresumekey\n"
    assert [(c.timestamp, c.statuscode, c.length) for c in parse_cdx(plain)] == [
        ("19970126045828", 200, 1415)
    ]


def test_parse_empty_and_broken_answers():
    assert parse_cdx("") == [] and parse_cdx("[]") == [] and parse_cdx("\n") == []
    with pytest.raises(ValueError):
        parse_cdx('{"not": "cdx"')
    with pytest.raises(ValueError):
        parse_cdx('[{"a": 1}]')
    # rows without a 14-digit timestamp are skipped, not trusted
    assert parse_cdx(json.dumps([["timestamp", "statuscode"], ["garbage", "200"], ["2021", "200"]])) == [
        Capture(timestamp="20210000000000", original="", statuscode=200)
    ]


def test_cdx_client_asks_wayback_and_finds_the_latest_2xx(wayback):
    url = "http://cilegon.go.id/"
    wayback.cdx[url] = Answer(200, json.loads(WAYBACK_JSON))
    cdx = wayback_cdx(wayback.base)

    assert len(cdx.captures(url)) == 3
    latest = cdx.latest_ok(url)
    assert latest is not None and latest.timestamp == "20230712080000"
    lookup = wayback.of("GET", "/cdx/search/cdx")[-1]
    assert lookup.query == {"url": [url], "output": ["json"], "limit": ["-5"], "filter": ["statuscode:2.."]}
    assert cdx.replay_url(latest, url) == f"{wayback.base}/web/20230712080000id_/{url}"
    assert cdx.replay_url("20230712080000", url, mode="") == f"{wayback.base}/web/20230712080000/{url}"


def test_cdx_client_pywb_shape():
    cdx = pywb_cdx("http://127.0.0.1:8080/my-coll/")
    assert cdx.endpoint == "http://127.0.0.1:8080/my-coll/cdx" and cdx.name == "pywb"
    assert (
        cdx.replay_url("20260101000005", "http://x/")
        == "http://127.0.0.1:8080/my-coll/20260101000005id_/http://x/"
    )


def test_cdx_failures_raise_archive_unavailable(wayback, closed_port_url):
    wayback.cdx["http://a/"] = Answer(503, b"busy")
    wayback.cdx["http://b/"] = Answer(200, b"<html>not cdx", {"Content-Type": "text/html"})
    cdx = wayback_cdx(wayback.base)
    with pytest.raises(ArchiveUnavailable, match="answered 503"):
        cdx.captures("http://a/")
    with pytest.raises(ArchiveUnavailable, match="not a CDX listing"):
        cdx.captures("http://b/")
    with pytest.raises(ArchiveUnavailable, match="cannot connect"):
        wayback_cdx(closed_port_url).captures("http://a/")


# --- timeline -------------------------------------------------------------------------------------------


def cap(timestamp: str, status: int | None, mimetype: str = "", digest: str = "") -> Capture:
    # A status of None is a revisit (what CDX indexes show as "-"), unless another mimetype is given.
    mimetype = mimetype or ("warc/revisit" if status is None else "text/html")
    return Capture(
        timestamp=timestamp, original="http://x.example/", statuscode=status, mimetype=mimetype, digest=digest
    )


def test_timeline_of_a_page_that_came_up_then_went_down():
    captures = [
        cap("20240501000000", 404),
        cap("20220301101500", 404),  # any order in, oldest first out
        cap("20220601000000", 404),
        cap("20230712080000", 200),
        cap("20230801000000", None),  # a revisit changes nothing
        cap("20231001000000", 200),
        cap("20231101000000", 301),
        cap("20231102000000", 200),
        cap("20240203000000", 404),
    ]
    timeline = compute_timeline("http://x.example/", captures)

    assert timeline.lines() == [
        "2022-03-01 first captured: 404",
        "2023-07-12 first answered 200 (was 404)",
        "2023-11-01 changed to 301 (was 200)",
        "2023-11-02 changed to 200 (was 301); last answered 200",
        "2024-02-03 changed to 404 (was 200)",
        "2024-05-01 latest capture: 404",
    ]
    assert timeline.captures == 9
    assert timeline.first_capture.timestamp == "20220301101500"
    assert timeline.first_ok.timestamp == "20230712080000"
    assert timeline.last_ok.timestamp == "20231102000000"
    assert timeline.last_capture.timestamp == "20240501000000"
    assert timeline.summary() == (
        "9 captures from 2022-03-01 to 2024-05-01; first answered 2xx on 2023-07-12, last on 2023-11-02"
    )
    assert timeline.rows()[1] == {
        "date": "2023-07-12",
        "status": "200",
        "event": "first answered 200 (was 404)",
        "replay_url": "",
    }
    as_json = json.loads(json.dumps(timeline.as_dict()))
    assert as_json["events"][1]["kinds"] == ["first_ok", "status_change"]
    assert as_json["last_ok"]["timestamp"] == "20231102000000"


def test_timeline_edges():
    empty = compute_timeline("http://x/", [])
    assert empty.lines() == [] and empty.summary() == "no capture of http://x/ in the archive"
    assert compute_timeline("http://x/", [cap("20200101000000", 200)]).lines() == [
        "2020-01-01 first captured: 200; the only capture"
    ]
    never = compute_timeline("http://x/", [cap("20200101000000", 404), cap("20210101000000", 404)])
    assert never.lines() == ["2020-01-01 first captured: 404", "2021-01-01 latest capture: 404"]
    assert never.summary().endswith("never answered 2xx") and never.last_ok is None
    up = compute_timeline("http://x/", [cap("20200101000000", 200), cap("20210101000000", 200)])
    assert up.lines() == ["2020-01-01 first captured: 200", "2021-01-01 last answered 200 (latest capture)"]


def test_timeline_counts_only_captures_of_the_page():
    """What an index lists beside a page's captures is not one: civicheck's per-fetch JSON (old WARCs kept it
    under the page's URL, status "-"), urn: records, and a revisit written beside the response it duplicates."""
    url = "http://x.example/"
    captures = [
        cap("20260101000000", 404, digest="A"),
        cap("20260101000000", None, mimetype="application/json", digest="M"),  # a metadata record, old layout
        cap("20260102000000", 200, digest="B"),
        cap("20260102000000", 200, digest="B"),  # the same capture, listed by two index files
        cap("20260102000000", None, digest="B"),  # a revisit of that very response, same second
        cap("20260103000000", None, digest="B"),  # a later revisit: the page seen again, unchanged
        Capture("20260103000000", "urn:civicheck:fetch:http://x.example/", None, "application/json", "J"),
    ]
    timeline = compute_timeline(url, captures)
    assert [(c.timestamp, c.statuscode) for c in (timeline.first_capture, timeline.last_capture)] == [
        ("20260101000000", 404),
        ("20260103000000", None),
    ]
    assert timeline.captures == 3
    assert timeline.lines() == [
        "2026-01-01 first captured: 404",
        "2026-01-02 first answered 200 (was 404); last answered 200",
        "2026-01-03 latest capture: -",
    ]


def test_timeline_for_asks_the_archive_and_links_each_event(wayback):
    url = "http://cilegon.go.id/"
    wayback.cdx[url] = Answer(200, json.loads(WAYBACK_JSON))
    timeline = timeline_for(url, wayback_cdx(wayback.base))
    assert timeline.archive == "wayback"
    assert timeline.lines() == [
        "2022-03-01 first captured: 404",
        "2023-07-12 first answered 200 (was 404); last answered 200",
        "2023-08-01 latest capture: -",
    ]
    assert timeline.events[1].replay_url == f"{wayback.base}/web/20230712080000/{url}"


# --- dead source → last good capture ---------------------------------------------------------------------


def test_a_dead_source_is_read_from_its_last_good_capture(wayback, site):
    url = site.route("/dinas-tenaga-kerja", "Not Found", status=404)
    original = "<html><body><p>Aplikasi layanan ketenagakerjaan — kini tersedia.</p></body></html>".encode()
    wayback.cdx[url] = Answer(
        200,
        [
            ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
            ["k", "20230501093000", url, "text/html", "200", "D", "99"],
        ],
    )
    wayback.replays[f"/web/20230501093000id_/{url}"] = Answer(
        200, original, {"Content-Type": "text/html; charset=utf-8"}
    )

    with Fetcher(retries=0) as fetcher:
        live = fetcher.fetch(url, timeout=5)
        copy = fetch_archived_copy(
            url, lambda u: fetcher.fetch(u, timeout=5), wayback_cdx(wayback.base), live
        )

    assert (
        live.status == 404 and site.hits("/dinas-tenaga-kerja") == 1
    )  # the fallback never asks the live site
    assert copy.ok and copy.capture.timestamp == "20230501093000"
    result = copy.result
    assert result.url == url and result.status == 200 and result.body == original and result.has_document
    assert result.final_url == copy.replay_url == f"{wayback.base}/web/20230501093000id_/{url}"
    assert result.fetched_at == "2023-05-01T09:30:00Z"
    assert (
        result.detail
        == copy.note
        == "from the archived copy of 2023-05-01 (wayback); the live page answers 404 Not Found"
    )


def test_no_good_capture_and_no_archive_are_notes_not_errors(wayback, closed_port_url):
    url = "http://dead.example/"
    wayback.cdx[url] = Answer(200, [["timestamp", "statuscode"], ["20230501093000", "404"]])
    fetched = []
    copy = fetch_archived_copy(url, fetched.append, wayback_cdx(wayback.base))
    assert not copy.ok and copy.result is None and fetched == []
    assert copy.note == "no archived copy: wayback has no capture of it that answered 2xx"

    gone = fetch_archived_copy(url, fetched.append, wayback_cdx(closed_port_url))
    assert not gone.ok and gone.note.startswith(
        "no archived copy: wayback CDX lookup of http://dead.example/ failed"
    )


def test_a_capture_that_cannot_be_replayed_is_a_note(wayback):
    url = "http://dead.example/"
    wayback.cdx[url] = Answer(200, [["timestamp", "statuscode"], ["20230501093000", "200"]])
    with Fetcher(retries=0) as fetcher:
        copy = fetch_archived_copy(url, lambda u: fetcher.fetch(u, timeout=5), wayback_cdx(wayback.base))
    assert not copy.ok and copy.capture is not None and copy.result is None
    assert copy.note.startswith("the archived copy of 2023-05-01 could not be replayed:")


# --- --archive option -----------------------------------------------------------------------------------


def test_parse_archive_spec():
    wb = parse_archive_spec("wayback", env={})
    assert isinstance(wb, WaybackArchive) and wb.cdx.endpoint == "https://web.archive.org/cdx/search/cdx"
    assert not wb.spn.authenticated
    local = parse_archive_spec(
        "wayback=http://127.0.0.1:9/", env={"CIVICHECK_IA_ACCESS_KEY": "a", "CIVICHECK_IA_SECRET_KEY": "b"}
    )
    assert local.spn.base == "http://127.0.0.1:9" and local.spn.authenticated
    coll = parse_archive_spec("pywb=http://127.0.0.1:8080/my-coll")
    assert (
        isinstance(coll, PywbArchive)
        and coll.record_url("http://x/") == "http://127.0.0.1:8080/my-coll/record/id_/http://x/"
    )
    for bad in (
        "pywb",
        "pywb=http://127.0.0.1:8080/",
        "pywb=ftp://h/c",
        "archive-today",
        "wayback=not a url",
    ):
        with pytest.raises(UsageProblem):
            parse_archive_spec(bad, env={})
        with pytest.raises(UsageProblem):
            cdx_for(bad)
    assert cdx_for("wayback").endpoint == "https://web.archive.org/cdx/search/cdx"
    assert cdx_for("pywb=http://127.0.0.1:8080/my-coll/").endpoint == "http://127.0.0.1:8080/my-coll/cdx"


def test_unreachable_pywb_is_a_reason(closed_port_url):
    record = PywbArchive(closed_port_url + "coll", timeout=5).capture("http://127.0.0.1/")
    assert isinstance(record, ArchiveRecord) and not record.ok
    assert record.reason.startswith("cannot reach pywb at")


def test_a_capture_listed_twice_by_the_index_counts_once():
    one = Capture("20230712000000", "http://x/", 200, digest="AAA")
    two = Capture("20230801000000", "http://x/", 404, digest="BBB")
    timeline = compute_timeline("http://x/", [one, two, one, two, one])  # pywb lists each per index file
    assert timeline.captures == 2
    assert timeline.lines() == [
        "2023-07-12 first captured: 200; last answered 200",
        "2023-08-01 changed to 404 (was 200); latest capture: 404",
    ]
