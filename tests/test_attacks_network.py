"""Hostile networks and faults: a loopback that drops mid-run, a proxy answering 502, informational answers,
redirects that crowd one host, and Ctrl-C in every state of a run. Each case is bounded in time.

Network faults run in a network namespace (`unshare -n`, as root), never against real private ranges; those
tests skip with the reason when a namespace cannot be made. Everything else talks to servers on 127.0.0.1.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from helpers import LocalServer, claims_file
from hostile_servers import canary_that_goes_quiet

from civicheck.cli import INTERRUPTED, ExitCode, cli
from civicheck.fetch import ErrorKind
from civicheck.fetch.canary import CanaryAnswer, check_connectivity
from civicheck.fetch.client import Fetcher
from civicheck.fetch.network import NetworkWatch
from civicheck.fetch.outages import outages
from civicheck.render import render
from civicheck.report_schema import schema_problem
from civicheck.shard import merge

# Every server here listens on loopback, which a Fetcher refuses by default (tests/test_attacks_addresses.py):
# loopback is allowed, as for the CLI (conftest.py sets CIVICHECK_ALLOW_PRIVATE).
Fetcher = functools.partial(Fetcher, allow_private=True)

HERE = Path(__file__).parent
PAGE = (
    "<html><head><title>Layanan</title></head><body><h1>Layanan publik</h1>"
    + "<p>Layanan ini berjalan setiap hari kerja untuk warga Kota Cilegon, dengan pendaftaran daring.</p>" * 6
    + "</body></html>"
)


def verify_json(*args: object) -> tuple[dict, str]:
    result = CliRunner().invoke(cli, ["verify", *map(str, args), "--format", "json", "--no-history"])
    assert result.exit_code in (ExitCode.OK, ExitCode.UNEXPECTED), result.stderr
    return json.loads(result.stdout), result.stderr


def by_id(report: dict) -> dict[str, dict]:
    return {c["id"]: c for c in report["claims"]}


# --- a network namespace whose loopback drops ---------------------------------------------------------------


def _namespace_problem() -> str | None:
    for program in ("unshare", "ip"):
        if shutil.which(program) is None:
            return f"`{program}` is not installed (util-linux / iproute2)"
    try:
        probe = subprocess.run(
            ["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"`unshare -n` cannot run here: {exc}"
    if probe.returncode != 0:
        why = probe.stderr.decode("utf-8", "replace").strip()
        return f"`unshare -n` is not permitted here (it needs root or user namespaces): {why}"
    return None


needs_namespace = pytest.mark.skipif(bool(_namespace_problem()), reason=_namespace_problem() or "")


@pytest.mark.slow
@needs_namespace
def test_a_loopback_drop_mid_run_refutes_nothing_and_the_report_names_it(tmp_path):
    # 400 `live` claims with 3 s deadlines, 32 in flight; loopback down for 5 s once a quarter are served.
    # Before: "32 refuted: no complete answer within the 3 s deadline" and "network available".
    proc = subprocess.run(
        [
            "unshare",
            "-n",
            sys.executable,
            str(HERE / "netns_drop.py"),
            "400",
            "5",
            "--per-host",
            "32",
            "--concurrency",
            "32",
        ],
        capture_output=True,
        timeout=240,
        env={**os.environ, "NETNS_WORKDIR": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-3000:]
    run = json.loads(proc.stdout)
    assert run["dropped_at"] is not None, "the run ended before loopback was dropped"
    assert run["returncode"] in (ExitCode.OK, ExitCode.UNEXPECTED), run["stderr"][-3000:]
    report = json.loads(run["stdout"])
    assert report["summary"]["refuted"] == 0, [
        c["reason"] for c in report["claims"] if c["verdict"] == "refuted"
    ]
    # The drop did hit fetches in flight: they were fetched again once the canary answered again.
    again = [
        c
        for c in report["claims"]
        if "failed while our network was down" in (c["checks"][0]["evidence"].get("network") or "")
    ]
    assert again and all(c["verdict"] == "supported" for c in again)
    [outage] = report["outages"]
    assert outage["to"] is not None and outage["seconds"] >= 4.5  # loopback was down 5 s: nothing answered
    assert "no canary answered" in outage["detail"]
    assert report["network"].endswith("(network down once ({:g} s))".format(outage["seconds"]))
    assert "network down once" in run["stderr"]
    # The replay of the run's WARC gives the same verdicts and names the same outage.
    replay = json.loads(run["replay_stdout"])
    assert [(c["id"], c["verdict"]) for c in replay["claims"]] == [
        (c["id"], c["verdict"]) for c in report["claims"]
    ]
    assert replay["outages"] == report["outages"] and replay["network"] == report["network"]


def test_failures_while_the_canary_is_down_are_unknown_and_replay_alike(tmp_path, closed_port_url):
    claims = claims_file(
        tmp_path,
        f"""
        claims:
          - id: refused
            claim: x
            checks:
              - live: {closed_port_url}
        """,
    )
    live, stderr = verify_json(claims, "--archive-dir", tmp_path / "a", "--canary", closed_port_url)
    assert "; network down from " in stderr and " to the end of the run" in stderr
    [check] = live["claims"][0]["checks"]
    assert check["outcome"] == "unknown"
    assert check["reason"].startswith("network unavailable at the time: connection refused by 127.0.0.1")
    assert "no canary answered" in check["evidence"]["network"]
    [outage] = live["outages"]  # the canary never answered: down until the end of the run
    assert outage["to"] is None and "no canary answered" in outage["detail"]
    [warc] = (tmp_path / "a").glob("*.warc.gz")
    replay, _ = verify_json(claims, "--replay", warc)
    assert replay["claims"][0]["checks"][0]["reason"] == check["reason"]
    assert replay["outages"] == live["outages"] and replay["network"] == live["network"]


# --- a proxy that answers 502 -------------------------------------------------------------------------------


class Proxy:
    """A forward HTTP proxy on 127.0.0.1 serving named upstreams from a table: host -> (status, body). A host
    it does not know, or every host once `upstream_down` is set, gets `502 Bad Gateway` from the proxy itself."""

    def __init__(self, upstreams: dict[str, tuple[int, str]]):
        self.upstreams = upstreams
        self.upstream_down = False
        self.seen: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                proxy.seen.append(self.path)
                host = urlsplit(self.path).hostname or ""
                status, body = (
                    (502, "upstream unreachable")
                    if proxy.upstream_down
                    else proxy.upstreams.get(host, (502, "upstream unreachable"))
                )
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = LocalServer(Handler)
        self.url = self.server.url

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def proxy(monkeypatch) -> Iterator[Proxy]:
    server = Proxy({"canary.test": (200, "ok"), "portal.test": (200, PAGE)})
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, server.url)
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    try:
        yield server
    finally:
        server.close()


PROXIED_CLAIMS = """
    claims:
      - id: portal
        claim: x
        checks:
          - live: http://portal.test/
      - id: dead
        claim: x
        checks:
          - live: http://dead.test/
    """


def test_a_502_from_a_proxy_asks_the_canary_through_it(tmp_path, proxy):
    report, _ = verify_json(
        claims_file(tmp_path, PROXIED_CLAIMS), "--canary", "http://canary.test/", "--no-warc"
    )
    assert "http://canary.test/" in proxy.seen  # before: a 5xx never asked the canary
    claims = by_id(report)
    assert claims["portal"]["verdict"] == "supported"
    # The canary answered through the same proxy: the proxy works, so its 502 is about the site.
    [check] = claims["dead"]["checks"]
    assert claims["dead"]["verdict"] == "refuted"
    assert check["reason"] == f"502 Bad Gateway (through the proxy {proxy.url}), still after 3 attempts"
    assert check["evidence"]["network"] == "network available: http://canary.test/ answered 200 OK"
    assert report["outages"] == []


def test_a_proxy_whose_upstream_is_down_is_not_a_dead_site(tmp_path, proxy):
    proxy.upstream_down = True  # every answer, the canary's too, is the proxy's own 502
    report, stderr = verify_json(
        claims_file(tmp_path, PROXIED_CLAIMS), "--canary", "http://canary.test/", "--no-warc"
    )
    assert report["summary"] == {"supported": 0, "refuted": 0, "unverified": 2}
    for claim in report["claims"]:
        reason = claim["checks"][0]["reason"]
        assert reason.startswith("network unavailable at the time: 502 Bad Gateway (through the proxy"), (
            reason
        )
    assert report["outages"] and "; network down from " in stderr


def test_a_canary_answering_5xx_through_a_proxy_is_not_an_answer(proxy):
    proxy.upstream_down = True
    with Fetcher() as fetcher:
        online, sentence = check_connectivity(fetcher, ["http://canary.test/"], timeout=2)
    assert not online
    assert sentence.startswith(
        "network unavailable: no canary answered (http://canary.test/ : 502 Bad Gateway"
    )


def test_an_unreachable_proxy_is_a_proxy_error_and_could_be_ours(monkeypatch, closed_port_url):
    monkeypatch.setenv("HTTP_PROXY", closed_port_url)
    monkeypatch.setenv("http_proxy", closed_port_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with Fetcher(retries=0) as fetcher:
        result = fetcher.fetch("http://portal.test/", timeout=5)
    proxy_url = closed_port_url.rstrip("/")
    assert result.error is ErrorKind.PROXY and result.could_be_ours and result.proxy == proxy_url
    assert result.detail.startswith(f"could not reach the proxy {proxy_url} (")


# --- the canary: asked when it matters, once for many ---------------------------------------------------------


def test_concurrent_failures_share_one_canary_question(site, closed_port_url):
    site.route("/canary", "ok", delay=0.3)  # slow enough that every failure arrives while it is being asked
    asked: list[float] = []

    def ask() -> tuple[bool, str]:
        asked.append(time.monotonic())
        with Fetcher() as probe:
            return check_connectivity(probe, [site.url("/canary")], timeout=5)

    network = NetworkWatch(ask)
    refused = [f"{closed_port_url}page-{i}" for i in range(12)]
    with Fetcher(concurrency=12, per_host=12, retries=0) as fetcher:
        results = fetcher.fetch_all([(u, 5) for u in refused], network=network)
    network.close()
    assert all(r.error is ErrorKind.REFUSED and r.network_up is True for r in results.values())
    # One question for the twelve, and at most one more once the phase ended, for the failures that happened
    # while the first was being asked (their answer began before them).
    assert 1 <= len(asked) <= 2 and site.hits("/canary") == len(asked)


def test_an_online_answer_stands_a_few_seconds_an_offline_one_one_second():
    answers = iter([(True, "up"), (False, "down"), (True, "up again")])
    calls: list[str] = []

    def ask() -> tuple[bool, str]:
        online, detail = next(answers)
        calls.append(detail)
        return online, detail

    network = NetworkWatch(ask, fresh=60, recheck=0.2)
    assert network.answer().detail == "up" and network.answer().detail == "up" and calls == ["up"]
    network = NetworkWatch(lambda: next(answers), fresh=60, recheck=0.2)
    first = network.answer()
    assert not first.online and network.answer() is first  # within `recheck`: the same answer
    time.sleep(0.3)
    assert network.answer().detail == "up again"
    network.close()


def test_a_network_never_seen_up_is_not_waited_for():
    network = NetworkWatch(lambda: (False, "down"), recheck=60)
    network.answer()
    assert network.wait_for_network(30) is False  # returns at once: nothing says it is coming back
    network.close()


def _answer(online: bool, asked: str, answered: str, since: str | None = None, run: str = "") -> CanaryAnswer:
    return CanaryAnswer(online, "up" if online else "no canary answered", asked, answered, since, run)


def test_outages_are_measured_from_the_last_sign_of_life_to_the_first_answer():
    t = "2026-11-28T02:00:{:06.3f}Z".format
    answers = [
        _answer(True, t(0), t(0.1)),
        _answer(False, t(3), t(5.5), since=t(1.25)),
        _answer(False, t(6.5), t(9)),
        _answer(True, t(10), t(10.3)),
        _answer(False, t(20), t(22.5), since=t(19)),
    ]
    assert outages(answers) == [
        {"from": t(1.25), "to": t(10.3), "seconds": 9.1, "detail": "no canary answered"},
        {"from": t(19), "to": None, "seconds": 3.5, "detail": "no canary answered"},  # until the run ended
    ]
    # Two archives replayed together are two runs: an outage never spans from one into the other.
    replayed = [_answer(False, t(3), t(5.5), run="0"), _answer(True, t(4), t(4.1), run="1")]
    assert [o["to"] for o in outages(replayed)] == [None]


# --- the report names the outage -----------------------------------------------------------------------------


def _report_with_outage() -> dict:
    check = {
        "kind": "live",
        "url": "https://a.example/",
        "line": 3,
        "spec": {},
        "outcome": "pass",
        "reason": "answered 200 OK",
        "evidence": {"status": 200, "snapshots": []},
    }
    return {
        "schema": 1,
        "civicheck": "0.1.0",
        "started_at": "2026-11-28T02:00:00Z",
        "finished_at": "2026-11-28T02:00:30Z",
        "network": "network available: x (network down once (5.5 s))",
        "warc": None,
        "summary": {"supported": 1, "refuted": 0, "unverified": 0},
        "outages": [
            {
                "from": "2026-11-28T02:00:01.250Z",
                "to": "2026-11-28T02:00:06.750Z",
                "seconds": 5.5,
                "detail": "network unavailable: no canary answered (http://c.example/ : timed out)",
            }
        ],
        "claims": [
            {
                "id": "a",
                "claim": "x",
                "verdict": "supported",
                "expect": None,
                "as_expected": True,
                "reason": "live check passed",
                "deciding": 0,
                "file": "c.yaml",
                "line": 1,
                "checks": [check],
            }
        ],
    }


def test_table_markdown_and_summary_name_the_outage():
    report = _report_with_outage()
    footer = (
        "network down 2026-11-28 02:00:01Z → 2026-11-28 02:00:06Z (5.5 s): network unavailable: no canary "
        "answered (http://c.example/ : timed out)"
    )
    table = render(report, "table")
    assert "1 claim: 1 supported, 0 refuted, 0 unverified; network down once (5.5 s)" in table
    assert footer in table
    markdown = render(report, "markdown")
    assert markdown.rstrip().splitlines()[-1].startswith("_network down 2026-11-28 02:00:01Z → ")
    assert "network down once (5.5 s)" in markdown.splitlines()[0]
    assert json.loads(render(report, "json"))["outages"] == report["outages"]


def test_the_report_schema_knows_outages():
    report = _report_with_outage()
    assert schema_problem(report) is None
    report["outages"][0]["seconds"] = "five"  # a shard given to merge is checked whole before it is read
    assert "outages[0].seconds must be number" in (schema_problem(report) or "")


def test_merged_shards_keep_every_outage():
    first, second = _report_with_outage(), _report_with_outage()
    second["claims"][0]["id"] = "b"
    second["outages"] = [dict(second["outages"][0], **{"from": "2026-11-28T01:00:00.000Z"})]
    merged = merge([first, second])
    assert [o["from"] for o in merged["outages"]] == ["2026-11-28T01:00:00.000Z", "2026-11-28T02:00:01.250Z"]


# --- answers and redirects a server can throw at us ------------------------------------------------------------


@pytest.mark.parametrize(
    "informational", [b"103 Early Hints\r\nLink: </s.css>; rel=preload", b"102 Processing"]
)
def test_informational_answers_are_skipped_for_the_real_one(site, informational):
    def handler(rh: BaseHTTPRequestHandler) -> None:
        rh.wfile.write(b"HTTP/1.1 " + informational + b"\r\n\r\n")
        rh.wfile.flush()
        rh.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello")

    url = site.route("/hints", handler=handler)
    with Fetcher(timeout=5) as fetcher:
        result = fetcher.fetch(url)
    assert (result.status, result.error, result.body) == (200, None, b"hello")  # before: 103, no body
    assert result.header("link") is None  # the hints' headers are not the page's


def test_a_kept_alive_connection_the_server_closed_is_not_a_failure(site):
    # The server answers on a kept-alive connection, then hangs up on the next request it reads there (an idle
    # timeout racing our reuse). Before: "closed the connection without answering", or a retry after a backoff.
    steps: list[str] = []

    def handler(rh: BaseHTTPRequestHandler) -> None:
        steps.append(rh.path)
        if len(steps) == 2:
            return  # read the request, write nothing, close
        rh.close_connection = False
        rh.send_response(200)
        rh.send_header("Content-Length", "2")
        rh.end_headers()
        rh.wfile.write(b"ok")

    url = site.route("/keep", handler=handler)
    with Fetcher(retries=0, timeout=5) as fetcher:
        first, second = fetcher.fetch(url), fetcher.fetch(url + "?again")
    assert first.body == second.body == b"ok" and second.error is None and second.attempts == 1
    assert len(steps) == 3 and site.connections_accepted == 2  # sent again at once, on a new connection


class _Redirector:
    """An HTTP server on one loopback address answering every request with a redirect to `target`."""

    def __init__(self, address: str, target: Callable[[str], str]):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self.send_response(302)
                self.send_header("Location", target(self.path))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = LocalServer(Handler, address)
        self.url = self.server.url

    def close(self) -> None:
        self.server.close()


def test_the_per_host_limit_holds_for_the_host_redirected_to(site):
    site.route("/target", "ok", delay=0.2)
    # 20 hosts (127.0.0.2 … 127.0.0.21, all loopback), every one redirecting to the one site.
    redirectors = [
        _Redirector(f"127.0.0.{i}", lambda path: site.url("/target" + path.lstrip("/"))) for i in range(2, 22)
    ]
    try:
        urls = [f"{r.url}/?n={n}" for r in redirectors for n in range(2)]
        with Fetcher(concurrency=16, per_host=2, timeout=30) as fetcher:
            results = fetcher.fetch_all([(u, None) for u in urls])
    finally:
        for r in redirectors:
            r.close()
    assert all(r.status == 200 and r.body == b"ok" and len(r.redirects) == 1 for r in results.values())
    assert site.hits("/target") == 40
    assert site.peak_in_flight <= 2  # before: up to 16 at once, whatever --per-host said


def test_two_hosts_redirecting_to_each_other_cannot_lock(site):
    # With one slot per host, each fetch must give up its host's slot before waiting for the other's.
    site.route("/end", "ok", delay=0.2)
    site.route(
        "/to-localhost", "", status=302, headers={"Location": f"http://localhost:{site.port}/end"}, delay=0.2
    )
    site.route("/to-ip", "", status=302, headers={"Location": f"http://127.0.0.1:{site.port}/end"}, delay=0.2)
    urls = [site.url(f"/to-localhost?n={n}") for n in range(3)] + [
        f"http://localhost:{site.port}/to-ip?n={n}" for n in range(3)
    ]
    box: dict = {}

    def fetch() -> None:
        with Fetcher(concurrency=2, per_host=1, timeout=10) as fetcher:
            box["results"] = fetcher.fetch_all([(u, None) for u in urls])

    worker = threading.Thread(target=fetch, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "fetch_all locked up"
    assert [r.body for r in box["results"].values()] == [b"ok"] * 6


# --- Ctrl-C in every state of a run ------------------------------------------------------------------------------

# Each state below would last 10 to 60 s uninterrupted; Ctrl-C must end it at once. A bound, not a measurement
# (bench/bench_interrupt.py measures): 5 s leaves a noisy machine ample room, and no state lasts less.
BOUND = 5.0


def _interrupt(
    tmp_path: Path, claims: Path, ready: Callable[[], bool], *options: str
) -> tuple[int, str, float]:
    """Start `civicheck verify`, wait (at most 30 s) until `ready()`, send SIGINT; return its exit code, stderr
    and how many seconds it took to end after the signal (failing after 15)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "civicheck", "verify", str(claims), "--no-history", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 30
        while not ready() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()[1].decode("utf-8", "replace")
        assert ready(), "the run never reached the state to interrupt"
        time.sleep(0.3)  # well inside that state
        signalled = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
        return proc.returncode, err.decode("utf-8", "replace"), time.monotonic() - signalled
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _one_claim(tmp_path: Path, url: str, timeout: int = 60) -> Path:
    return claims_file(
        tmp_path,
        f"""
        claims:
          - id: a
            claim: x
            checks:
              - live: {{url: "{url}", timeout: {timeout}}}
        """,
    )


def test_ctrl_c_during_a_retry_backoff(tmp_path, site):
    # 503 with Retry-After: 30 makes civicheck sleep its 10 s cap before each of two retries.
    url = site.route("/busy", "busy", status=503, headers={"Retry-After": "30"})
    code, err, took = _interrupt(
        tmp_path, _one_claim(tmp_path, url), lambda: site.hits("/busy") >= 1, "--no-canary"
    )
    assert code == INTERRUPTED and "interrupted" in err
    assert took < BOUND and site.hits("/busy") == 1  # ended inside the 10 s sleep, and never tried again


def test_ctrl_c_while_waiting_for_the_network_to_come_back(tmp_path, site):
    # The canary answers once, then never again: the network was up, then went down, so the end of the run
    # waits (up to 30 s) for it to come back before it may fetch the failed page again.
    canary, calls = canary_that_goes_quiet(site)
    site.route("/canary", handler=canary)
    site.route("/hang", handler=lambda rh: site.sleep(30))
    claims = _one_claim(tmp_path, site.url("/hang"), timeout=3)
    code, err, took = _interrupt(tmp_path, claims, lambda: len(calls) >= 3, "--canary", site.url("/canary"))
    assert code == INTERRUPTED and "interrupted" in err and took < BOUND


def test_ctrl_c_while_archive_captures_run_in_the_background(tmp_path, site):
    url = site.route("/page", PAGE)
    archive = socket.create_server(("127.0.0.1", 0))  # accepts, never answers: a capture hangs for 60 s
    try:
        port = archive.getsockname()[1]
        accepted: list[socket.socket] = []
        threading.Thread(target=lambda: accepted.append(archive.accept()[0]), daemon=True).start()
        code, err, took = _interrupt(
            tmp_path,
            _one_claim(tmp_path, url),
            lambda: bool(accepted),
            "--no-canary",
            "--archive",
            f"pywb=http://127.0.0.1:{port}/coll",
        )
    finally:
        archive.close()
    assert code == INTERRUPTED and "interrupted" in err and took < BOUND
    assert not list((tmp_path / ".civicheck" / "archive").glob("*.warc.gz"))  # an interrupted run keeps none
