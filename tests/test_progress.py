"""The progress line: the total known before fetching, "of at least" while more may come, time left only when
it can be estimated, and the URL the run waits for named after a few seconds (cleaned, fitted to the width).
"""

from __future__ import annotations

import io
import threading
import time

from civicheck.cli import progress as progress_module
from civicheck.cli.progress import Progress, may_grow
from civicheck.fetch.client import Fetcher


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _progress(width: int = 200) -> tuple[Progress, Clock]:
    clock = Clock()
    return Progress(True, io.StringIO(), clock=clock, width=width), clock


def test_the_total_is_known_before_anything_is_fetched():
    p, _ = _progress()
    p.expect(16, may_grow=False)
    assert p.line() == "Fetching 0 of 16"  # never "0/0" while the first URL is pending
    p.planned(16)
    assert p.line() == "Fetching 0 of 16"


def test_a_total_that_may_grow_is_said_as_at_least():
    p, _ = _progress()
    p.expect(16, may_grow=True)
    assert p.line() == "Fetching 0 of at least 16"
    p.planned(16)
    p.planned(5)  # the links a portal audit follows, planned mid-run
    assert p.line() == "Fetching 0 of at least 21"


def test_time_left_only_once_a_pace_is_set_and_never_while_stuck():
    p, clock = _progress()
    p.expect(10, may_grow=False)
    for n in range(10):
        p.started(f"http://a.example/{n}")
    for n in range(2):
        clock.now += 1
        p.ended(f"http://a.example/{n}")
        p.fetched(None)
        assert "left" not in p.line()  # two URLs set no pace yet
    clock.now += 1
    p.fetched(None)
    assert p.line() == "Fetching 3 of 10 · about 7 s left"  # 1 s a URL, 7 to go
    clock.now += 30  # nothing arrives: no countdown stuck at zero, no guess
    assert "left" not in p.line()
    p.fetched(None)
    assert "left" in p.line()


def test_no_time_left_is_claimed_once_the_last_urls_are_overdue():
    p, clock = _progress()
    p.expect(4, may_grow=False)
    urls = [f"http://a.example/{n}" for n in range(3)]
    for url in urls:
        p.started(url)
    for url in urls:
        clock.now += 1
        p.ended(url)
        p.fetched(None)
    assert p.line() == "Fetching 3 of 4 · about 1 s left"
    clock.now += 2  # the last URL is late by the pace so far: never "0 s left"
    assert p.line() == "Fetching 3 of 4"


def test_the_slowest_url_in_flight_is_named_after_a_few_seconds_cleaned_and_fitted():
    p, clock = _progress(width=80)
    p.expect(3, may_grow=False)
    hostile = "http://portal.example/\x1b[2J\x1b]0;pwned\x07" + "halaman/" * 20 + "akhir.html"
    p.started(hostile)
    clock.now += 1
    p.started("http://fast.example/")
    clock.now += 2
    assert "waiting" not in p.line()
    clock.now += progress_module.SLOW_AFTER
    line = p.line()
    assert line.startswith("Fetching 0 of 3 · waiting 8 s for http://portal.example/")
    assert line.endswith("akhir.html") and "…" in line and len(line) < 80
    assert "\x1b" not in line and "\x07" not in line and "pwned" not in line
    p.ended(hostile)
    assert "waiting 7 s for http://fast.example/" in p.line()


def test_may_grow_when_a_check_follows_links_or_probes():
    class Options:
        def __init__(self, soft404: bool) -> None:
            self.soft404 = soft404

    class Check:
        def __init__(self, kind: str, soft404: bool = False) -> None:
            self.kind, self.options = kind, Options(soft404)

    assert not may_grow([Check("quote"), Check("live", soft404=False)])
    assert may_grow([Check("quote"), Check("links")])
    assert may_grow([Check("live", soft404=True)])


def test_a_url_held_by_the_server_is_named_while_it_is_in_flight(site, monkeypatch):
    monkeypatch.setattr(progress_module, "SLOW_AFTER", 0.5)
    released = threading.Event()

    def hold(handler) -> None:
        site.sleep(0.1)
        released.wait(20)  # until the test has seen the line name it
        handler.send_response(200)
        body = b"<html><body><p>Layanan publik Kota Cilegon.</p></body></html>"
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    fast = site.route("/fast", "<html><body><p>Cepat.</p></body></html>")
    slow = site.route("/slow", handler=hold)
    stream = io.StringIO()
    progress = Progress(True, stream, width=120, tick=0.05)
    progress.expect(2, may_grow=False)
    results = {}
    with Fetcher(timeout=30, allow_private=True) as fetcher, progress:
        watched = progress.watch(fetcher)
        progress.planned(2)
        worker = threading.Thread(
            target=lambda: results.update(
                watched.fetch_all([(fast, 30), (slow, 30)], on_result=progress.fetched)
            )
        )
        worker.start()
        try:
            deadline = time.monotonic() + 15
            # Until the ticker has drawn the line naming it (not only computed it).
            while f"for {slow}" not in stream.getvalue() and time.monotonic() < deadline:
                time.sleep(0.05)
            line = progress.line()
        finally:
            released.set()
            worker.join(30)
    assert line.startswith("Fetching 1 of 2 · waiting ") and line.endswith(f" for {slow}"), line
    assert results[slow].status == 200 and results[fast].status == 200
    drawn = stream.getvalue()
    assert f"for {slow}" in drawn and drawn.endswith("\r\x1b[K")  # redrawn in place, cleared at the end


def test_a_disabled_progress_writes_nothing_and_leaves_the_fetcher_alone():
    stream = io.StringIO()
    with Progress(False, stream) as p:
        p.expect(3, may_grow=True)
        fetcher = object()
        assert p.watch(fetcher) is fetcher
    assert stream.getvalue() == ""
