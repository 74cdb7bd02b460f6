"""One fetch as it goes: its plan (budget, retries, caps), its state across retries and redirect hops (a Run),
and what each single HTTP request got back (an Answer: a response, maybe partial, a redirect, or a failure).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Protocol

from civicheck.fetch.models import ErrorKind
from civicheck.fetch.pauses import Pause
from civicheck.fetch.transport import Watch

DEADLINE_SLACK = 0.05  # a timeout this close to the deadline is the deadline


@dataclass
class Plan:
    """How one fetch may go: its budget (seconds, all attempts), retries, redirects followed or not, caps."""

    budget: float
    retries: int
    follow_redirects: bool
    max_bytes: int
    connect_timeout: float
    read_timeout: float


class HostGate(Protocol):
    """The scheduler's per-host limit, as one fetch moves between hosts (fetch_all; see scheduler.py)."""

    def move(self, host: str) -> None:
        """Give up the slot of the host this fetch has been talking to and take one of `host` (a redirect
        leads there), waiting as long as that host is busy."""


class Pulse:
    """When anything last arrived from any server (time.monotonic()): a sign that our own network works, for
    the NetworkWatch (network.py). -inf: nothing yet."""

    last = -math.inf


@dataclass
class Run:
    """The state of fetching one cited URL, across its retries and redirect hops."""

    url: str
    plan: Plan
    deadline: float
    watch: Watch
    pulse: Pulse
    gate: HostGate | None = None
    attempts: int = 1
    retries_used: int = 0
    via: str | None = None  # the URL that redirected to the one being fetched now
    resent: bool = False  # a request that met a kept-alive connection the server had closed was sent again
    waited: float = 0.0  # seconds spent waiting for a pause its host asked for (pauses.py)
    pause: Pause | None = None  # the latest such pause

    def paused(self, pause: Pause, seconds: float) -> None:
        self.waited += seconds
        self.pause = pause

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def past_deadline(self) -> bool:
        return self.watch.fired or self.left() <= DEADLINE_SLACK


@dataclass
class Answer:
    """What one HTTP request got back: a response (maybe partial), a redirect, or a failure (no answer)."""

    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    http_version: str = "HTTP/1.1"
    raw: bytes = b""
    body: bytes = b""
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    error: ErrorKind | None = None
    detail: str = ""
    transient: bool = False  # worth another attempt
    retry_after: float | None = None
    location: str | None = None  # set when this is a redirect to follow
    maybe_local: bool = False
    could_be_ours: bool = False  # see FetchResult.could_be_ours
    proxy: str = ""  # the proxy this request went through
    stale: bool = (
        False  # sent on a kept-alive connection that the server had closed meanwhile: no answer at all
    )
    deadline: bool = False  # the fetch's deadline ended it
    out_of_time: bool = False  # a retry was due but could not start before the deadline
    truncated: bool = False  # `raw` is the start of a longer body (a redirect's, read up to a small cap)
