"""The progress line of a run, on standard error when it is a terminal (never standard output, which carries the
report): how many URLs of how many, how long is left when that can be told, and which URL the run waits for.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import IO, Any

SLOW_AFTER = 5.0  # seconds in flight before a URL is named as the one the run waits for
ETA_AFTER = 3  # URLs fetched before the time left is estimated from their pace
STUCK_AFTER = 5.0  # seconds without a URL fetched (and 3× the usual gap) before no time left is claimed
TICK = 0.5  # seconds between redraws: the waiting time counts up even when nothing arrives


class Progress:
    """One line on stderr, redrawn in place, fed from fetch threads: "Fetching 3 of 16 · about 12 s left ·
    waiting 7 s for http://…". The total is the URLs cited, known before fetching starts; when link audits or
    soft-404 probes may add URLs later it says "of at least 16", and grows as they are planned. No time left
    is claimed before a few URLs have set a pace, nor while nothing arrives (a countdown stuck at zero says
    nothing true). Page text never reaches it; URLs come from the claims and pages, so they are cleaned."""

    def __init__(
        self,
        enabled: bool,
        stream: IO[str] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        width: int | None = None,
        tick: float = TICK,
    ):
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.clock, self.width, self.tick = clock, width, tick
        self.lock = threading.Lock()
        self.expected, self.planned_total, self.done = 0, 0, 0
        self.may_grow = False
        self.in_flight: dict[str, float] = {}  # url -> when its fetch started
        self.started_at: float | None = None
        self.last_done_at: float | None = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._drawn = False

    # --- what the run tells it ---------------------------------------------------------------------------------

    def expect(self, urls: int, may_grow: bool) -> None:
        """The URLs cited, before any is fetched; `may_grow`: link audits or probes may plan more later."""
        with self.lock:
            self.expected, self.may_grow = urls, may_grow

    def planned(self, count: int) -> None:
        """The runner's fetches of one step (the cited URLs, then the links audits follow, then probes)."""
        with self.lock:
            self.planned_total += count

    def started(self, url: str) -> None:
        with self.lock:
            now = self.clock()
            self.started_at = now if self.started_at is None else self.started_at
            self.in_flight[url] = now

    def ended(self, url: str) -> None:
        with self.lock:
            self.in_flight.pop(url, None)

    def fetched(self, _result: Any) -> None:
        with self.lock:
            self.done += 1
            self.last_done_at = self.clock()

    def watch(self, fetcher: Any) -> Any:
        """`fetcher` telling this progress which URL is in flight since when (a replay has nothing to wait for)."""
        return _Watched(fetcher, self) if self.enabled else fetcher

    # --- what it shows --------------------------------------------------------------------------------------

    def line(self) -> str:
        """The progress line now, fitted to the terminal's width."""
        from civicheck.escape import clean

        with self.lock:
            now = self.clock()
            total = max(self.expected, self.planned_total)
            parts = [f"Fetching {self.done} of {'at least ' if self.may_grow else ''}{total}"]
            left = self._time_left(now, total)
            if left is not None:
                parts.append(f"{'at least ' if self.may_grow else 'about '}{_duration(left)} left")
            slowest = min(self.in_flight.items(), key=lambda item: item[1], default=None)
        text = " · ".join(parts)
        if slowest is not None and now - slowest[1] >= SLOW_AFTER:
            waiting = f" · waiting {_duration(now - slowest[1])} for "
            room = self._columns() - 1 - _width(text + waiting)
            if room >= 12:  # a URL cut to less says nothing
                text += waiting + _shortened(clean(slowest[0]), room)
        return text

    def _time_left(self, now: float, total: int) -> float | None:
        if (
            self.started_at is None
            or self.last_done_at is None
            or self.done < ETA_AFTER
            or self.done >= total
        ):
            return None
        pace = (self.last_done_at - self.started_at) / self.done  # seconds per URL so far
        if now - self.last_done_at > max(STUCK_AFTER, 3 * pace):
            return None  # nothing arrives: the pace so far says nothing about what is left
        left = pace * (total - self.done) - (now - self.last_done_at)
        # Overdue: URLs remain but the pace says they should be done; "0 s left" would be the stuck countdown.
        return left if left >= 1 else None

    def _columns(self) -> int:
        if self.width is not None:
            return self.width
        try:
            return os.get_terminal_size(self.stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            return 80

    def _draw(self) -> None:
        line = self.line()
        # \r back to the start, the line, then erase what a longer line before it left (EL, "\x1b[K").
        self.stream.write(f"\r{line}\x1b[K")
        self.stream.flush()
        self._drawn = True

    def _run_ticker(self) -> None:
        while not self._stop.wait(self.tick):
            self._draw()

    def __enter__(self) -> Progress:
        if self.enabled:
            self._ticker = threading.Thread(target=self._run_ticker, name="civicheck-progress", daemon=True)
            self._ticker.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join(timeout=5)
            if self._drawn:
                self.stream.write("\r\x1b[K")  # the report follows on a clean line
                self.stream.flush()


def may_grow(checks: Iterable[Any]) -> bool:
    """Whether a run over `checks` may fetch more than the URLs cited: a links audit follows the page's links,
    and a page whose liveness counts soft-404 signals gets a probe (a made-up sibling URL)."""
    for check in checks:
        options = getattr(check, "options", None)
        if check.kind == "links" or getattr(options, "soft404", False):
            return True
    return False


class _Watched:
    """A fetcher that tells the progress when each fetch starts and ends. The fetcher's scheduler calls
    fetch() on the object it was given, so fetch_all runs with this one as its `self`: every fetch it makes,
    retried or redirected, is seen here; everything else is the fetcher's own."""

    def __init__(self, fetcher: Any, progress: Progress):
        self._fetcher, self._progress = fetcher, progress

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fetcher, name)

    def fetch(self, url: str, **options: Any) -> Any:
        self._progress.started(url)
        try:
            return self._fetcher.fetch(url, **options)
        finally:
            self._progress.ended(url)

    def fetch_all(self, jobs: Any, on_result: Any = None, **options: Any) -> Any:
        return type(self._fetcher).fetch_all(self, jobs, on_result, **options)


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60:02d} s"


def _width(text: str) -> int:
    import wcwidth

    return wcwidth.width(text)


def _shortened(url: str, room: int) -> str:
    """The URL in `room` columns: whole when it fits, else its start and end around "…" (the host and the page
    name are what a reader recognises)."""
    if _width(url) <= room:
        return url
    head = (room - 1) * 2 // 3
    tail = room - 1 - head
    return url[:head] + "…" + url[len(url) - tail :]
