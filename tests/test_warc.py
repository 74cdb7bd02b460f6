"""Tests for the WARC writer and replay (civicheck/archive): a run's real fetches written as a WARC (read back
by warcio and its CLI), replayed with the server stopped, atomic and thread-safe writing, and what replay does
with bad archives."""

from __future__ import annotations

import dataclasses
import functools
import gzip
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

import civicheck
from civicheck.archive import (
    CANARY_URI,
    NOT_ARCHIVED,
    ArchiveError,
    WarcReplay,
    WarcWriter,
    new_run_id,
    remove_stale_temporaries,
)
from civicheck.errors import CivicheckError
from civicheck.fetch import ErrorKind, FetchResult
from civicheck.fetch.client import Fetcher

# Every server in these tests listens on 127.0.0.1, which a Fetcher refuses by default
# (tests/test_attacks_addresses.py tests the refusal): here loopback is allowed.
Fetcher = functools.partial(Fetcher, allow_private=True)

STARTED = "2026-11-28T02:00:00Z"
PAGE = "<html><head><title>Disnaker</title></head><body><p>Layanan ketenagakerjaan Kota Cilegon</p></body></html>"
BIG = ("<p>" + "Smart City adalah program prioritas RPJMD 2021-2026. " * 400 + "</p>").encode()
DNS_URL = "http://x.invalid/"
CANARY_DETAIL = "network available: https://www.google.com/generate_204 answered 204 No Content"
HAS_FLOCK = os.name == "posix"


# --- helpers ---------------------------------------------------------------------------------------------


def chunked(rh: BaseHTTPRequestHandler) -> None:
    rh.wfile.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    for piece in (b"<p>first chunk</p>", b"<p>second chunk</p>", b"<p>kedua</p>"):
        rh.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
    rh.wfile.write(b"0\r\n\r\n")


def records(path: Path) -> list[dict]:
    """Every record of a WARC: type, headers, HTTP headers and payload (as warcio reads them)."""
    out = []
    with open(path, "rb") as fh:
        for rec in ArchiveIterator(fh):
            out.append(
                {
                    "type": rec.rec_type,
                    "id": rec.rec_headers.get_header("WARC-Record-ID"),
                    "uri": rec.rec_headers.get_header("WARC-Target-URI"),
                    "date": rec.rec_headers.get_header("WARC-Date"),
                    "headers": rec.rec_headers,
                    "http": rec.http_headers,
                    "payload": rec.raw_stream.read(),
                }
            )
    return out


def metadata_of(path: Path, url: str) -> dict:
    docs = [
        json.loads(r["payload"])
        for r in records(path)
        if r["type"] == "metadata" and r["uri"] == f"urn:civicheck:fetch:{url}"
    ]
    assert len(docs) == 1
    return docs[0]


def result(
    url: str,
    *,
    status: int | None = 200,
    body: bytes = b"<p>ok</p>",
    fetched_at: str = STARTED,
    headers: list[tuple[str, str]] | None = None,
    error: ErrorKind | None = None,
    detail: str = "200 OK",
) -> FetchResult:
    """A FetchResult made by hand, for tests about the writer rather than about the network."""
    answered = status is not None
    return FetchResult(
        url=url,
        final_url=url,
        status=status,
        reason="OK" if answered else "",
        error=error,
        detail=detail,
        fetched_at=fetched_at,
        headers=headers if headers is not None else [("Content-Type", "text/html")],
        body=body if answered else b"",
        raw_body=body if answered else b"",
        request_headers=[("Host", "example.go.id"), ("User-Agent", "civicheck-test")] if answered else [],
    )


def write_archive(directory: Path, results: list[FetchResult], started: str = STARTED) -> Path:
    with WarcWriter(directory, new_run_id(started), started) as writer:
        for r in results:
            writer.write(r)
    return writer.path


def warcio_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from warcio.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


# --- a real run -----------------------------------------------------------------------------------------


@pytest.fixture
def run(site, closed_port_url, tmp_path):
    """Real fetches of every kind of answer (and non-answer), archived by a WarcWriter."""
    urls = {
        "page": site.route(
            "/page", PAGE, headers=[("X-Note", "café")]
        ),  # non-ASCII header, latin-1 on the wire
        "gzip": site.route("/gz", gzip.compress(BIG), headers={"Content-Encoding": "gzip"}),
        "deflate": site.route("/deflate", zlib.compress(BIG), headers={"Content-Encoding": "deflate"}),
        "missing": site.url("/nothing-here"),
        "redirect": site.route("/old", status=301, headers={"Location": "/new"}, content_type=None),
        "chunked": site.route("/chunked", handler=chunked),
        "dns": DNS_URL,
        "refused": closed_port_url,
    }
    site.route("/new", "<p>moved here</p>")
    with Fetcher(retries=0, timeout=10) as fetcher:
        results = fetcher.fetch_all([(u, 10.0) for u in urls.values()])
    writer = WarcWriter(tmp_path / "archive", new_run_id(STARTED), STARTED, {"claims": "claims/cilegon.yaml"})
    lock = threading.Lock()
    references = {}
    for r in results.values():
        ref = writer.write(r)
        with lock:
            references[r.url] = ref
    writer.write_canary(True, CANARY_DETAIL)
    path = writer.close()
    return {"urls": urls, "results": results, "path": path, "references": references, "writer": writer}


def test_the_fixture_fetches_what_it_says(run):
    r, u = run["results"], run["urls"]
    assert r[u["page"]].status == 200 and r[u["gzip"]].header("content-encoding") == "gzip"
    assert r[u["gzip"]].raw_body != r[u["gzip"]].body == BIG
    assert r[u["deflate"]].body == BIG
    assert r[u["missing"]].status == 404 and r[u["missing"]].error is ErrorKind.HTTP_4XX
    assert r[u["redirect"]].final_url.endswith("/new") and r[u["redirect"]].redirects[0][0] == 301
    assert r[u["chunked"]].header("transfer-encoding") == "chunked"
    assert r[u["dns"]].error is ErrorKind.DNS and r[u["dns"]].status is None
    assert r[u["refused"]].error is ErrorKind.REFUSED


def test_warcio_reads_every_record_back(run):
    path, results, urls = run["path"], run["results"], run["urls"]
    assert path.name.startswith("civicheck-20261128T020000Z-") and path.name.endswith(".warc.gz")
    recs = records(path)

    info = recs[0]
    assert info["type"] == "warcinfo" and [r["type"] for r in recs].count("warcinfo") == 1
    fields = info["payload"].decode()
    assert f"software: civicheck/{civicheck.__version__}" in fields
    assert f"run-id: {run['writer'].run_id}" in fields and f"started-at: {STARTED}" in fields
    assert "claims: claims/cilegon.yaml" in fields
    assert info["headers"].get_header("WARC-Filename") == path.name and info["date"] == STARTED

    for url, res in results.items():
        assert not [
            r for r in recs if r["type"] == "metadata" and r["uri"] == url
        ]  # never under the page's URL
        meta = [r for r in recs if r["type"] == "metadata" and r["uri"] == f"urn:civicheck:fetch:{url}"]
        assert len(meta) == 1 and meta[0]["headers"].get_header("Content-Type") == "application/json"
        doc = json.loads(meta[0]["payload"])
        assert doc["url"] == url and doc["status"] == res.status and doc["detail"] == res.detail
        assert (
            doc["error"] == (res.error.value if res.error else None) and doc["fetched_at"] == res.fetched_at
        )
        assert meta[0]["date"] == res.fetched_at
        if res.status is None:  # no answer: the metadata record is the whole evidence
            assert doc["response_record"] is None
            assert not [r for r in recs if r["type"] in ("response", "request") and r["uri"] == url]
            continue
        [response] = [r for r in recs if r["id"] == doc["response_record"]]
        [request] = [
            r
            for r in recs
            if r["type"] == "request" and r["headers"].get_header("WARC-Concurrent-To") == response["id"]
        ]
        assert response["type"] == "response" and response["uri"] == request["uri"] == res.final_url
        assert response["date"] == request["date"] == res.fetched_at
        assert response["headers"].get_header("WARC-Payload-Digest").startswith("sha1:")
        assert meta[0]["headers"].get_header("WARC-Concurrent-To") == response["id"]
        assert (
            response["http"].get_statuscode() == str(res.status) and response["http"].protocol == "HTTP/1.1"
        )
        assert response["payload"] == res.raw_body  # as it came off the wire, still gzip'd
        assert request["http"].protocol == "GET"
        assert request["http"].headers == res.request_headers

    # The redirect is a response of its own, under the URL that redirected, with its status and Location.
    moved = results[urls["redirect"]]
    doc = json.loads(
        next(r["payload"] for r in recs if r["uri"] == f"urn:civicheck:fetch:{urls['redirect']}")
    )
    [hop] = [r for r in recs if r["type"] == "response" and r["uri"] == urls["redirect"]]
    assert doc["redirect_records"] == [hop["id"]] and "hops" not in doc
    assert hop["http"].get_statuscode() == "301" and hop["http"].get_header("Location") == "/new"
    [hop_request] = [r for r in recs if r["type"] == "request" and r["uri"] == urls["redirect"]]
    assert (
        hop_request["headers"].get_header("WARC-Concurrent-To") == hop["id"]
        and hop["date"] == moved.fetched_at
    )
    assert [r["uri"] for r in recs if r["type"] == "response" and r["id"] == doc["response_record"]] == [
        moved.final_url
    ]

    chunk = results[urls["chunked"]]
    [response] = [r for r in recs if r["type"] == "response" and r["uri"] == urls["chunked"]]
    assert response["http"].get_header("Transfer-Encoding") is None  # dropped: the payload is de-chunked
    assert response["payload"] == chunk.body == b"<p>first chunk</p><p>second chunk</p><p>kedua</p>"
    [page] = [r for r in recs if r["type"] == "response" and r["uri"] == urls["page"]]
    assert page["http"].get_header("X-Note") == "café"  # the byte 0xE9 as sent, not %-encoded

    canary = [r for r in recs if r["uri"] == CANARY_URI]
    assert len(canary) == 1 and canary[0]["type"] == "metadata"
    assert json.loads(canary[0]["payload"])["online"] is True

    end = recs[-1]  # closing record: replay refuses a civicheck file without it (cut, or never finished)
    assert end["type"] == "metadata" and end["uri"] == "urn:civicheck:end"
    assert json.loads(end["payload"])["fetches"] == len(results)


def test_warcio_check_and_index_accept_the_file(run):
    path = str(run["path"])
    check = warcio_cli("check", "-v", path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout and "fail" not in check.stdout
    index = warcio_cli("index", "-f", "warc-type,warc-target-uri,http:status", path)
    assert index.returncode == 0, index.stderr
    lines = [json.loads(line) for line in index.stdout.splitlines()]
    assert {"warc-type": "response", "warc-target-uri": run["urls"]["missing"], "http:status": "404"} in lines
    assert {"warc-type": "metadata", "warc-target-uri": f"urn:civicheck:fetch:{DNS_URL}"} in lines


def test_replay_reproduces_every_result_with_the_server_stopped(run, site):
    site.stop()
    with Fetcher(retries=0, timeout=2) as fetcher:  # the site really is gone
        assert fetcher.fetch(run["urls"]["page"]).error is ErrorKind.REFUSED

    with WarcReplay([run["path"]]) as replay:
        assert sorted(replay.urls) == sorted(run["results"])
        for url, original in run["results"].items():
            replayed = replay.result(url)
            for name in (
                "status",
                "reason",
                "headers",
                "body",
                "sha256",
                "redirects",
                "error",
                "detail",
                "fetched_at",
                "final_url",
                "raw_body",
                "attempts",
                "elapsed",
                "http_version",
                "request_headers",
                "maybe_local",
                "content_type",
            ):
                assert getattr(replayed, name) == getattr(original, name), (url, name)
            assert replayed == original
        assert replay.canary() == (True, CANARY_DETAIL)


def test_a_redirect_is_archived_as_received_its_session_redacted_its_long_body_cut(tmp_path, site):
    site.route("/new", "<p>moved here</p>")
    url = site.route(
        "/login",
        b"x" * 100_000,
        status=302,
        content_type="text/plain",
        headers={"Location": "/new", "Set-Cookie": "session=s3cret; Path=/; HttpOnly"},
    )
    with Fetcher(retries=0, timeout=10) as fetcher:
        fetched = fetcher.fetch(url)
    assert fetched.status == 200 and fetched.redirects == [(302, url)]
    path = write_archive(tmp_path, [fetched])
    recs = records(path)
    [hop] = [r for r in recs if r["type"] == "response" and r["uri"] == url]
    assert hop["http"].get_statuscode() == "302" and hop["http"].get_header("Location") == "/new"
    assert hop["http"].get_header("Set-Cookie") == "session=[redacted]; Path=/; HttpOnly"
    assert b"s3cret" not in path.read_bytes() and b"s3cret" not in gzip.decompress(path.read_bytes())
    # A redirect's body is read up to a small cap only (the connection is worth more): what is kept says so.
    assert hop["headers"].get_header("WARC-Truncated") == "length"
    assert 0 < len(hop["payload"]) < 100_000 and set(hop["payload"]) == {ord("x")}
    assert metadata_of(path, url)["redirect_records"] == [hop["id"]]
    with WarcReplay([path]) as replay:
        assert replay.result(url) == fetched


def test_replay_reads_warcs_of_the_earlier_layout(run, tmp_path, monkeypatch):
    """Files written before urn:civicheck:fetch: (metadata under the page's own URL, no record per redirect hop)
    are in users' archives: they replay the same."""
    import civicheck.archive.writer as writer_module

    monkeypatch.setattr(writer_module, "fetch_uri", lambda url: url)
    old = [dataclasses.replace(r, hops=[]) for r in run["results"].values()]
    path = write_archive(tmp_path / "old", old)
    recs = records(path)
    assert {r["uri"] for r in recs if r["type"] == "metadata"} >= set(run["results"])
    assert not [r for r in recs if r["type"] == "response" and r["uri"] == run["urls"]["redirect"]]
    with WarcReplay([path]) as replay:
        assert sorted(replay.urls) == sorted(run["results"])
        for url, original in run["results"].items():
            assert replay.result(url) == original, url
            assert replay.snapshot(url).startswith(path.name + "#<urn:uuid:")


def test_replay_gives_the_same_evidence_and_verdicts(run, site):
    """The checks themselves, run on live results and on replayed ones: same outcomes, same hashes."""
    from civicheck.checks import Context
    from civicheck.claims import Check
    from civicheck.kinds import evaluate

    urls = run["urls"]
    checks = [
        Check("live", urls["page"], 1),
        Check("dead", urls["missing"], 2),
        Check("live", urls["dns"], 3),
        Check("live", urls["redirect"], 4),
        Check("status", urls["refused"], 5, codes=(200,)),
        Check("contains", urls["gzip"], 6, all=("Smart City",)),
        Check("quote", urls["chunked"], 7, text="second chunk"),
        Check("contains", urls["deflate"], 8, all=("prioritas",)),
    ]
    live = Context(run["results"], lambda: (True, CANARY_DETAIL))
    site.stop()
    replay = WarcReplay([run["path"]])
    replayed = Context(replay.fetch_all([(c.url, 10.0) for c in checks]), replay.online)
    for check in checks:
        a, b = evaluate(check, live), evaluate(check, replayed)
        assert (a.outcome, a.reason) == (b.outcome, b.reason), check
        assert (a.evidence.sha256, a.evidence.text_sha256) == (b.evidence.sha256, b.evidence.text_sha256)
    assert replayed.online() == live.online() == (True, CANARY_DETAIL)


def test_gzip_and_deflate_hashes_match_without_storing_the_body_twice(run):
    """warcio's decoding of the archived payload gives the very bytes fetch.py decoded: no copy is kept."""
    for name in ("gzip", "deflate"):
        url = run["urls"][name]
        doc = metadata_of(run["path"], url)
        assert doc["body_from"] == "decoded-payload" and doc["body_record"] is None
        assert WarcReplay([run["path"]]).result(url).sha256 == run["results"][url].sha256 == doc["sha256"]
    assert not [r for r in records(run["path"]) if r["type"] == "conversion"]


def test_snapshot_references_name_the_file_and_the_record(run):
    replay = WarcReplay([run["path"]])
    recs = {r["id"]: r for r in records(run["path"])}
    for url, ref in run["references"].items():
        name, _, record_id = ref.partition("#")
        assert name == run["path"].name and re.fullmatch(r"<urn:uuid:[0-9a-f-]{36}>", record_id)
        assert replay.snapshot(url) == ref
        expected = "metadata" if run["results"][url].status is None else "response"
        assert recs[record_id]["type"] == expected
    assert replay.snapshot("https://never.example/") is None


def test_a_url_missing_from_the_archive_is_not_fetched(run, site):
    replay = WarcReplay([run["path"]])
    url = site.route("/never-fetched", "<p>live now</p>")
    missing = replay.result(url)
    assert (missing.status, missing.error, missing.detail) == (None, ErrorKind.OTHER, NOT_ARCHIVED)
    assert missing.url == missing.final_url == url and missing.sha256 is None
    assert site.hits("/never-fetched") == 0

    seen = []
    got = replay.fetch_all([(url, 5.0), (run["urls"]["page"], 5.0), (url, 9.0)], on_result=seen.append)
    assert list(got) == [url, run["urls"]["page"]] and [r.url for r in seen] == list(got)
    assert site.hits("/never-fetched") == 0


# --- bodies that cannot be re-derived from the payload ------------------------------------------------------


def test_cut_and_corrupt_bodies_replay_with_the_same_hash(site, tmp_path):
    corrupt = gzip.compress("".join(f"<p>baris {i} {i * i}</p>" for i in range(500)).encode())
    corrupt = corrupt[: len(corrupt) // 2] + b"\x00garbage that is not deflate" + corrupt[len(corrupt) // 2 :]
    urls = [
        site.route("/too-big", BIG),  # cut at the cap: payload and body both cut
        site.route(
            "/bomb", gzip.compress(BIG * 20), headers={"Content-Encoding": "gzip"}
        ),  # cut once decoded
        site.route("/corrupt", corrupt, headers={"Content-Encoding": "gzip"}),
        site.route("/br", b"\x1b\x03\x00", headers={"Content-Encoding": "br"}),  # one we cannot decode
    ]
    with Fetcher(retries=0, max_bytes=20_000) as fetcher:
        results = fetcher.fetch_all([(u, 10.0) for u in urls])
    assert results[urls[0]].error is ErrorKind.TOO_LARGE and results[urls[1]].error is ErrorKind.TOO_LARGE
    assert results[urls[2]].error is ErrorKind.OTHER and results[urls[3]].error is ErrorKind.OTHER
    path = write_archive(tmp_path, list(results.values()))
    site.stop()

    replay = WarcReplay([path])
    for url, original in results.items():
        assert replay.result(url) == original, url
    assert metadata_of(path, urls[0])["body_from"] == "payload"
    assert metadata_of(path, urls[1])["body_from"] == "conversion"
    recs = records(path)
    [cut] = [r for r in recs if r["type"] == "response" and r["uri"] == urls[0]]
    assert cut["headers"].get_header("WARC-Truncated") == "length"
    conversions = [r for r in recs if r["type"] == "conversion"]
    assert {r["uri"] for r in conversions} == set(urls[1:])
    assert all(r["headers"].get_header("WARC-Refers-To") for r in conversions)
    assert warcio_cli("check", str(path)).returncode == 0


# --- the canary ------------------------------------------------------------------------------------------


def test_the_canary_answer_round_trips(tmp_path):
    with WarcWriter(tmp_path, new_run_id(STARTED), STARTED) as writer:
        writer.write(result("https://a.example.go.id/"))
        writer.write_canary(False, "network unavailable: no canary answered (…)")
    replay = WarcReplay([writer.path])
    assert replay.canary() == (False, "network unavailable: no canary answered (…)")
    assert replay.online() == replay.canary()


def test_no_canary_answer_means_cannot_tell(tmp_path):
    replay = WarcReplay([write_archive(tmp_path, [result("https://a.example.go.id/")])])
    assert replay.canary() is None
    online, why = replay.online()
    assert online is False and "no connectivity answer" in why


# --- several archives ------------------------------------------------------------------------------------


def test_the_latest_fetch_wins_across_archives(tmp_path):
    url = "https://disnaker.example.go.id/"
    older = write_archive(
        tmp_path / "a",
        [result(url, body=b"<p>old</p>", fetched_at="2026-11-27T02:00:00Z")],
        started="2026-11-27T02:00:00Z",
    )
    newer = write_archive(
        tmp_path / "b",
        [
            result(
                url,
                status=None,
                error=ErrorKind.DNS,
                detail="DNS lookup failed",
                fetched_at="2026-11-28T02:00:00Z",
            )
        ],
    )
    for order in ([older, newer], [newer, older]):
        replay = WarcReplay(order)
        assert replay.result(url).error is ErrorKind.DNS
        assert replay.snapshot(url).startswith(newer.name + "#")
    same_time = write_archive(
        tmp_path / "c", [result(url, body=b"<p>again</p>", fetched_at="2026-11-28T02:00:00Z")]
    )
    assert WarcReplay([newer, same_time]).result(url).body == b"<p>again</p>"  # a tie: the file named last
    assert WarcReplay([same_time, newer]).result(url).error is ErrorKind.DNS


# --- atomic writing ----------------------------------------------------------------------------------------


# Pages that do not compress, 2 MB in all: more than the writer buffers, so the dead run left part of them.
KILLED_WRITER = """
import os, sys, time
from pathlib import Path
from civicheck.archive import WarcWriter
from civicheck.fetch import FetchResult
writer = WarcWriter(Path(sys.argv[1]), "20261128T020000Z-dead00", "2026-11-28T02:00:00Z")
for i in range(20):
    page = os.urandom(100_000)
    writer.write(FetchResult(f"https://x{i}.example.go.id/", f"https://x{i}.example.go.id/", 200, "OK", None,
                             "200 OK", "2026-11-28T02:00:00Z", body=page, raw_body=page))
print("written", flush=True)
time.sleep(60)
"""


def test_a_killed_run_leaves_no_archive(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "written"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()
    assert list(tmp_path.glob("*.warc.gz")) == []
    [leftover] = list(tmp_path.iterdir())
    assert leftover.name == ".civicheck-20261128T020000Z-dead00.warc.gz.part" and leftover.stat().st_size > 0
    with pytest.raises(ArchiveError, match="cut short"):  # even named explicitly, it is not replayed
        WarcReplay([leftover])

    # The next run in the same folder removes what the dead one left (its lock died with it).
    with WarcWriter(tmp_path, new_run_id(STARTED), STARTED) as writer:
        writer.write(result("https://a.example.go.id/"))
        if HAS_FLOCK:
            assert not leftover.exists()
    if HAS_FLOCK:
        assert [p.name for p in tmp_path.iterdir()] == [writer.path.name]
    assert WarcReplay([writer.path]).urls == ["https://a.example.go.id/"]


@pytest.mark.skipif(not HAS_FLOCK, reason="stale files are only recognised through POSIX advisory locks")
def test_a_running_writers_file_is_never_taken_for_a_leftover(tmp_path):
    first = WarcWriter(tmp_path, "20261128T020000Z-aaaaaa", STARTED)
    first.write(result("https://a.example.go.id/"))
    second = WarcWriter(tmp_path, "20261128T020000Z-bbbbbb", STARTED)
    assert remove_stale_temporaries(tmp_path) == []
    assert len(list(tmp_path.glob(".civicheck-*.part"))) == 2
    second.close()
    first.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.path.name, second.path.name]
    assert [WarcReplay([p]).urls for p in (first.path, second.path)] == [["https://a.example.go.id/"], []]


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyboardInterrupt()])
def test_an_exception_inside_the_with_block_leaves_no_file(tmp_path, exc):
    with pytest.raises(type(exc)):
        with WarcWriter(tmp_path, new_run_id(STARTED), STARTED) as writer:
            writer.write(result("https://a.example.go.id/"))
            raise exc
    assert list(tmp_path.iterdir()) == []
    assert not writer.path.exists()


def test_the_file_appears_only_on_close_and_close_is_idempotent(tmp_path):
    writer = WarcWriter(tmp_path / "new" / "dir", new_run_id(STARTED), STARTED)
    ref = writer.write(result("https://a.example.go.id/"))
    assert not writer.path.exists() and list(writer.path.parent.glob("*.warc.gz")) == []
    assert writer.close() == writer.path == writer.close()
    writer.abort()  # after close: keeps the file
    assert writer.path.exists() and list(writer.path.parent.iterdir()) == [writer.path]
    with pytest.raises(ArchiveError, match="closed"):
        writer.write(result("https://b.example.go.id/"))
    assert WarcReplay([writer.path]).snapshot("https://a.example.go.id/") == ref


def test_abort_removes_the_temporary_file(tmp_path):
    writer = WarcWriter(tmp_path, new_run_id(STARTED), STARTED)
    writer.write(result("https://a.example.go.id/"))
    writer.abort()
    writer.abort()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ArchiveError):
        writer.close()


def test_an_unwritable_folder_is_an_archive_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ArchiveError, match="cannot create"):
        WarcWriter(blocker / "archive", new_run_id(STARTED), STARTED)


# --- concurrency -------------------------------------------------------------------------------------------


def test_sixteen_threads_writing_at_once_give_a_valid_file(tmp_path):
    writer = WarcWriter(tmp_path, new_run_id(STARTED), STARTED)
    refs: dict[str, str] = {}
    lock = threading.Lock()
    start = threading.Barrier(16)

    def work(t: int) -> None:
        start.wait()
        for i in range(25):
            url = f"https://host{t}.example.go.id/page/{i}"
            if i % 5 == 4:
                res = result(
                    url, status=None, error=ErrorKind.REFUSED, detail=f"connection refused by host{t}"
                )
            else:
                res = result(url, body=(f"<p>{t}-{i}</p>" * (i * 40 + 1)).encode())
            ref = writer.write(res)
            with lock:
                refs[url] = ref

    threads = [threading.Thread(target=work, args=(t,)) for t in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    writer.close()

    assert len(refs) == 400 and len(set(refs.values())) == 400
    recs = records(writer.path)
    assert [r["type"] for r in recs].count("metadata") == 400 + 1  # and the closing record
    assert [r["type"] for r in recs].count("response") == [r["type"] for r in recs].count("request") == 320
    assert warcio_cli("check", str(writer.path)).returncode == 0
    replay = WarcReplay([writer.path])
    for url, ref in refs.items():
        assert replay.snapshot(url) == ref
        t, i = re.search(r"host(\d+).*/(\d+)$", url).groups()
        got = replay.result(url)
        if int(i) % 5 == 4:
            assert got.error is ErrorKind.REFUSED and got.status is None
        else:
            assert got.body == (f"<p>{t}-{i}</p>" * (int(i) * 40 + 1)).encode()


# --- hostile or odd input ----------------------------------------------------------------------------------


def test_line_breaks_in_headers_cannot_forge_records(tmp_path):
    evil = result(
        "https://a.example.go.id/",
        headers=[("Content-Type", "text/html"), ("X-Evil", "a\r\n\r\nWARC/1.0\r\nWARC-Type: response")],
    )
    path = write_archive(tmp_path, [evil])
    assert warcio_cli("check", str(path)).returncode == 0
    assert [r["type"] for r in records(path)] == ["warcinfo", "response", "request", "metadata", "metadata"]
    assert WarcReplay([path]).result(evil.url).headers == evil.headers  # exact, from the metadata record


def test_run_ids_sort_by_time_and_do_not_collide():
    ids = {new_run_id(STARTED) for _ in range(200)}
    assert len(ids) == 200 and all(re.fullmatch(r"20261128T020000Z-[0-9a-f]{6}", i) for i in ids)
    assert (
        new_run_id("2026-11-28T01:59:59Z")
        < new_run_id("2026-11-28T02:00:00Z")
        < new_run_id("2026-12-01T00:00:00Z")
    )
    with pytest.raises(ValueError):
        WarcWriter(Path("."), "../escape", STARTED)


@pytest.mark.parametrize(
    "content", [b"", b"hello world\n", b"<html>not a warc</html>", gzip.compress(b"just text\n", mtime=0)]
)  # mtime=0: the same bytes (and test id) in every xdist worker
def test_a_file_that_is_not_a_warc_is_a_clear_error(tmp_path, content):
    path = tmp_path / "notes.warc.gz"
    path.write_bytes(content)
    with pytest.raises(ArchiveError, match="not a (readable )?WARC") as err:
        WarcReplay([path])
    assert isinstance(err.value, CivicheckError) and str(path) in str(err.value)
    with pytest.raises(ArchiveError, match="cannot read"):
        WarcReplay([tmp_path / "absent.warc.gz"])


def test_a_cut_archive_is_refused(tmp_path):
    path = write_archive(tmp_path, [result(f"https://a.example.go.id/{i}") for i in range(3)])
    data = path.read_bytes()
    copy = tmp_path / "cut.warc.gz"
    with open(path, "rb") as fh:
        iterator = ArchiveIterator(fh)
        boundaries = [iterator.get_record_offset() for _ in iterator][1:]  # leaves a valid, shorter WARC
    assert len(boundaries) == 3 * 3 + 1
    for cut in [
        *boundaries,
        *range(2, len(data), 13),
        len(data) - 1,
    ]:  # and inside headers, payloads, trailers
        copy.write_bytes(data[:cut])
        with pytest.raises(ArchiveError, match="cut short"):
            WarcReplay([copy])
    copy.write_bytes(data + b"trailing junk")
    with pytest.raises(ArchiveError, match="cut short"):
        WarcReplay([copy])


def test_a_body_that_no_longer_matches_its_hash_is_refused(tmp_path):
    """Re-write an archive with warcio, changing only the recorded SHA-256: replay must notice."""
    url = "https://a.example.go.id/"
    path = write_archive(tmp_path, [result(url)])
    forged = tmp_path / "forged.warc.gz"
    with open(path, "rb") as src, open(forged, "wb") as dst:
        out = WARCWriter(dst, gzip=True)
        for rec in ArchiveIterator(src):
            if rec.rec_type == "metadata":
                doc = json.loads(rec.raw_stream.read())
                doc["sha256"] = "0" * 64
                payload = json.dumps(doc).encode()
                rec = out.create_warc_record(
                    url,
                    "metadata",
                    payload=io.BytesIO(payload),
                    length=len(payload),
                    warc_content_type="application/json",
                )
            out.write_record(rec)
    replay = WarcReplay([forged])
    with pytest.raises(ArchiveError, match="does not match the SHA-256"):
        replay.result(url)


def test_a_payload_that_fails_its_warc_digest_is_refused(tmp_path):
    """Re-write an archive with warcio, changing one byte of a payload but keeping its recorded digests."""
    url = "https://a.example.go.id/"
    path = write_archive(tmp_path, [result(url, body=b"<p>Layanan aktif</p>")])
    tampered = tmp_path / "tampered.warc.gz"
    with open(path, "rb") as src, open(tampered, "wb") as dst:
        out = WARCWriter(dst, gzip=True)
        for rec in ArchiveIterator(src):
            if rec.rec_type == "response":
                payload = rec.raw_stream.read().replace(b"aktif", b"mati!")
                rec = out.create_warc_record(
                    rec.rec_headers.get_header("WARC-Target-URI"),
                    "response",
                    payload=io.BytesIO(payload),
                    length=len(payload),
                    warc_headers=rec.rec_headers,
                    http_headers=rec.http_headers,
                )
            out.write_record(rec)
    assert warcio_cli("check", str(tampered)).returncode == 1  # warcio agrees it is damaged
    replay = WarcReplay([tampered])
    with pytest.raises(ArchiveError, match="fails its WARC digest check"):
        replay.result(url)


# --- the records' layout -----------------------------------------------------------------------------------

RECORD_ID = "<urn:uuid:0b5f0a5e-7d3c-4b7e-9a55-3c2b1f0e9d8c>"
OTHER_ID = "<urn:uuid:6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5>"
TARGET = "http://127.0.0.1:8000/berita/1.html?a=1"


def _record_cases() -> list[tuple]:
    from warcio.statusandheaders import StatusAndHeaders

    from civicheck.archive.records import SERVER_NOT_MODIFIED

    answer = StatusAndHeaders("304 Not Modified", [("ETag", '"abc"'), ("Server", "x")], protocol="HTTP/1.1")
    sent = StatusAndHeaders(
        "GET /berita/1.html?a=1 HTTP/1.1", [("User-Agent", "civicheck")], is_http_request=True
    )
    page = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.0")
    date = [("WARC-Date", STARTED)]
    revisit = [
        *date,
        ("WARC-Profile", SERVER_NOT_MODIFIED),
        ("WARC-Concurrent-To", OTHER_ID),
        ("WARC-Refers-To-Target-URI", TARGET),
        ("WARC-Refers-To", OTHER_ID),
        ("WARC-Refers-To-Date", "2026-11-27T02:00:00Z"),
    ]
    # (type, WARC headers, HTTP headers, payload, content type, WARC-Concurrent-To)
    return [
        ("response", date, answer, b"", "", ""),
        ("response", [*date, ("WARC-Truncated", "length")], page, b"<p>Layanan</p>", "", ""),
        ("request", date, sent, b"", "", OTHER_ID),
        ("revisit", revisit, answer, b"", "", ""),
        ("metadata", [*date, ("WARC-Concurrent-To", OTHER_ID)], None, b'{"a": 1}', "application/json", ""),
        ("conversion", [*date, ("WARC-Refers-To", OTHER_ID)], None, b"<p>Layanan</p>", "text/html", ""),
    ]


@pytest.mark.parametrize("case", range(6))
def test_each_record_is_the_bytes_warcio_writes(monkeypatch, case):
    """archive/records.py writes the records itself (warcio's record builder cost most of a 304's archiving):
    warcio, the reference for the format, writes the very same bytes for the same record."""
    from civicheck.archive import records as ours

    kind, warc_headers, http, payload, content_type, concurrent_to = _record_cases()[case]
    monkeypatch.setattr(ours, "_new_record_id", lambda: RECORD_ID)
    monkeypatch.setattr(WARCWriter, "_make_warc_id", classmethod(lambda cls: RECORD_ID))
    if http is not None:
        http.compute_headers_buffer()
    record = ours.warc_record(
        kind,
        TARGET,
        warc_headers,
        payload,
        content_type,
        http_head=http.headers_buff if http is not None else b"",
        concurrent_to=concurrent_to,
    )

    buffer = io.BytesIO()
    warcio = WARCWriter(buffer, gzip=False)
    reference = warcio.create_warc_record(
        TARGET,
        kind,
        payload=io.BytesIO(payload),
        length=len(payload),
        warc_content_type=content_type,
        warc_headers_dict=dict(warc_headers),
        http_headers=http,
    )
    if concurrent_to:  # as warcio's write_request_response_pair links a request to its response
        reference.rec_headers.add_header("WARC-Concurrent-To", concurrent_to)
    warcio.write_record(reference)
    assert record.id == RECORD_ID
    assert gzip.decompress(record.data) == buffer.getvalue()


def test_the_warcinfo_record_is_the_bytes_warcio_writes(monkeypatch):
    from civicheck.archive import records as ours

    monkeypatch.setattr(ours, "_new_record_id", lambda: RECORD_ID)
    monkeypatch.setattr(WARCWriter, "_make_warc_id", classmethod(lambda cls: RECORD_ID))
    info = {"software": "civicheck/1", "run-id": "r", "empty": "", "note": "Layanan ketenagakerjaan \u00e9"}
    buffer = io.BytesIO()
    warcio = WARCWriter(buffer, gzip=False)
    reference = warcio.create_warcinfo_record("civicheck-r.warc.gz", info)
    reference.rec_headers.replace_header("WARC-Date", STARTED)
    warcio.write_record(reference)
    assert gzip.decompress(ours.warcinfo_record("civicheck-r.warc.gz", STARTED, info)) == buffer.getvalue()


def test_record_ids_are_distinct_random_uuids(tmp_path):
    import uuid

    path = write_archive(tmp_path, [result(f"https://a.example.go.id/{i}") for i in range(200)])
    ids = [r["id"] for r in records(path)]
    assert len(ids) == 1 + 200 * 3 + 1 == len(set(ids))  # warcinfo, response + request + metadata each, end
    for record_id in ids:
        assert record_id.startswith("<urn:uuid:") and record_id.endswith(">")
        parsed = uuid.UUID(record_id[len("<urn:uuid:") : -1])
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert f"<urn:uuid:{parsed}>" == record_id  # lower-case, hyphenated: as uuid.uuid4() writes them
