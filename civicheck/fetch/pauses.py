"""Host-wide pauses: a host that answered 429 with Retry-After (or said no request is left, RateLimit) gets no
request from any worker until the pause it asked for ends; the fetches kept waiting say how long they waited.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

# A pause longer than a day outlasts any run, and a server's "Retry-After: 99999999999" must not reach a
# timeout the threading module cannot take.
_LONGEST = 86_400.0


@dataclass(frozen=True)
class Pause:
    """One pause a host asked for: from `start` to `end` (time.monotonic()), and why (the header, the URL)."""

    host: str
    start: float
    end: float
    why: str  # "429 with Retry-After: 2 on http://host/a"

    def overlap(self, since: float, until: float) -> float:
        """Seconds of this pause within [since, until]."""
        return max(0.0, min(self.end, until) - max(self.start, since))

    def sentence(self, waited: float) -> str:
        return f"waited {waited:.1f} s for {self.host}, which asked every request to pause ({self.why})"


class HostPauses:
    """The pauses hosts asked for, shared by every worker of a Fetcher (and its scheduler)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pauses: dict[str, Pause] = {}  # host -> its latest pause

    def pause(self, host: str, seconds: float, why: str) -> None:
        """Pause `host` for `seconds` from now; a pause already running longer is kept."""
        if seconds <= 0 or not host:
            return
        seconds = min(seconds, _LONGEST)
        now = time.monotonic()
        with self._lock:
            current = self._pauses.get(host)
            if current is None or current.end < now + seconds:
                start = current.start if current is not None and current.end > now else now
                self._pauses[host] = Pause(host, start, now + seconds, why)

    def current(self, host: str, now: float | None = None) -> Pause | None:
        """The pause `host` is in now, or None."""
        now = time.monotonic() if now is None else now
        with self._lock:
            pause = self._pauses.get(host)
        return pause if pause is not None and pause.end > now else None

    def latest(self, host: str) -> Pause | None:
        """The latest pause of `host`, over or not: how long a fetch held back for it waited."""
        with self._lock:
            return self._pauses.get(host)
