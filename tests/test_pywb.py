"""A real, self-hosted pywb: capture pages of the `site` fixture through record mode, find them through the CDX
API, follow a page's status over time, and read a dead page from its last good capture.
"""

from __future__ import annotations

import functools
import socket

import pytest
import requests
from pywb_server import PywbServer, _executable, pywb, wait_past  # noqa: F401 - pywb is a fixture

from civicheck.archive.cdx import Capture
from civicheck.archive.fallback import fetch_archived_copy
from civicheck.archive.pywb import PywbArchive, cdx_client
from civicheck.archive.registry import parse_archive_spec
from civicheck.archive.timeline import timeline_for
from civicheck.fetch.client import Fetcher

# Every server in these tests listens on 127.0.0.1, which a Fetcher refuses by default
# (tests/test_attacks_addresses.py tests the refusal): here loopback is allowed.
Fetcher = functools.partial(Fetcher, allow_private=True)

PAGE = (
    "<html><body><h1>Dinas Tenaga Kerja</h1><p>Layanan “Siap Kerja” — kini daring.</p></body></html>".encode()
)


def archive_of(server: PywbServer) -> PywbArchive:
    archive = parse_archive_spec(f"pywb={server.collection_url}")
    assert isinstance(archive, PywbArchive)
    return archive


def test_capture_through_record_mode_then_find_it_in_the_cdx_api(pywb, site):  # noqa: F811
    url = site.route("/layanan", PAGE)
    archive = archive_of(pywb)

    record = archive.capture(url)

    assert record.ok and record.reason is None, record.reason
    assert record.capture_url == f"{pywb.collection_url}/{record.timestamp}/{url}"
    assert record.note == "the page answered 200"
    assert site.hits("/layanan") == 1  # pywb fetched the live page once, for us
    (capture,) = pywb.wait_indexed(url, record.timestamp)
    assert (capture.statuscode, capture.mimetype, capture.original) == (200, "text/html", url)
    assert archive.cdx.latest_ok(url) == capture
    replay = requests.get(archive.cdx.replay_url(capture, url), timeout=10)
    assert replay.status_code == 200 and replay.content == PAGE  # id_: the original bytes


def test_the_timeline_shows_a_404_that_became_a_200(pywb, site):  # noqa: F811
    url = site.route("/aplikasi", "Not Found", status=404)
    archive = archive_of(pywb)
    first = archive.capture(url)
    assert first.ok and first.note == "the page answered 404", (
        first.reason
    )  # capture_all: a 404 is evidence too
    wait_past(first.timestamp)
    site.route("/aplikasi", PAGE)
    second = archive.capture(url)
    assert second.ok and second.timestamp > first.timestamp
    pywb.wait_indexed(url, second.timestamp)

    timeline = timeline_for(url, archive.cdx)

    d1, d2 = Capture(first.timestamp, url, 404).date, Capture(second.timestamp, url, 200).date
    assert timeline.lines() == [
        f"{d1} first captured: 404",
        f"{d2} first answered 200 (was 404); last answered 200 (latest capture)",
    ]
    assert timeline.archive == "pywb" and timeline.captures == 2
    assert timeline.events[1].replay_url == f"{pywb.collection_url}/{second.timestamp}/{url}"


def test_a_dead_source_is_read_from_its_last_good_capture(pywb, site):  # noqa: F811
    url = site.route("/disnaker", PAGE, content_type="text/html; charset=utf-8")
    archive = archive_of(pywb)
    good = archive.capture(url)
    wait_past(good.timestamp)
    site.route("/disnaker", "Not Found", status=404)
    dead = archive.capture(url)  # the archive now also holds the 404: the fallback must skip it
    assert good.ok and dead.ok and dead.note == "the page answered 404"
    pywb.wait_indexed(url, dead.timestamp)

    with Fetcher(retries=0) as fetcher:
        live = fetcher.fetch(url, timeout=10)
        hits_before = site.hits("/disnaker")
        copy = fetch_archived_copy(url, lambda u: fetcher.fetch(u, timeout=10), archive.cdx, live)

    assert live.status == 404
    assert site.hits("/disnaker") == hits_before  # read from the archive, not the live site
    assert copy.ok, copy.note
    assert copy.capture is not None and copy.capture.timestamp == good.timestamp
    result = copy.result
    assert result is not None and result.url == url and result.status == 200 and result.body == PAGE
    assert result.final_url == copy.replay_url == f"{pywb.collection_url}/{good.timestamp}id_/{url}"
    assert result.fetched_at == copy.capture.iso
    assert (
        copy.note
        == f"from the archived copy of {copy.capture.date} (pywb); the live page answers 404 Not Found"
    )


def test_a_redirect_chain_is_recorded_to_its_end(pywb, site):  # noqa: F811
    target = site.route("/baru", PAGE)
    url = site.route("/lama", "", status=301, headers={"Location": target})
    record = archive_of(pywb).capture(url)
    assert record.ok, record.reason
    assert record.capture_url == f"{pywb.collection_url}/{record.timestamp}/{target}"
    assert record.note == f"the page answered 200 after 1 redirect to {target}"
    # The timestamp is the last hop's: the 301 was recorded before it, in that second or (on a busy machine)
    # an earlier one. Once the last hop is indexed, so is the first.
    pywb.wait_indexed(target, record.timestamp)
    first = cdx_client(pywb.collection_url).captures(url)
    assert [c.statuscode for c in first] == [301] and first[0].timestamp <= record.timestamp


def test_the_test_pywb_records_loopback_only(pywb):  # noqa: F811
    record = archive_of(pywb).capture("http://example.invalid/")
    assert not record.ok
    assert record.reason.startswith("pywb's access rules do not allow recording this URL (451")
    assert (
        requests.get(f"http://127.0.0.1:{pywb.port}/live/http://example.invalid/", timeout=10).status_code
        == 451
    )


def test_the_fixture_starts_pywb_again_when_the_port_it_chose_was_taken_meanwhile(tmp_path, monkeypatch):
    import pywb_server

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ports = iter([taken.getsockname()[1], pywb_server._free_port()])
        monkeypatch.setattr(pywb_server, "_free_port", lambda: next(ports))
        server = PywbServer(tmp_path)
        try:
            server.start()
            assert server.port != taken.getsockname()[1]
            assert requests.get(f"{server.collection_url}/cdx", params={"url": "x"}, timeout=10).ok
        finally:
            server.stop()


def test_the_fixture_fails_clearly_when_pywb_cannot_start(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = PywbServer(tmp_path, port=taken.getsockname()[1])
        with pytest.raises(pytest.fail.Exception, match=r"pywb exited with code \d+ while starting; its log"):
            server.start()
    assert server.process is not None and server.process.poll() is not None
    with pytest.raises(pytest.fail.Exception, match="pywb is not installed: no `no-such-pywb-tool`"):
        _executable("no-such-pywb-tool")
