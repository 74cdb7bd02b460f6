"""The Wayback Machine: captures through Save Page Now 2 (SPN2: a job per URL, polled within a budget, under the
documented rate limits), look-ups through its CDX API.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import requests

from civicheck.archive.backend import (
    Archive,
    ArchiveRecord,
    capture_each,
    capture_safely,
    check_http_url,
    short,
)
from civicheck.archive.cdx import CdxClient, new_session
from civicheck.errors import ArchiveUnavailable, CaptureFailed, UsageProblem
from civicheck.fetch.failures import retry_after

WAYBACK_BASE = "https://web.archive.org"
ACCESS_KEY_ENV = "CIVICHECK_IA_ACCESS_KEY"
SECRET_KEY_ENV = "CIVICHECK_IA_SECRET_KEY"

# SPN2's documented limits ("Max captures per minute for authenticated users = 12 and for anonymous users = 4").
AUTHENTICATED_PER_MINUTE = 12
ANONYMOUS_PER_MINUTE = 4


class RateLimiter:
    """At most `count` starts in any `period` seconds, shared by every thread that calls `acquire`."""

    def __init__(
        self,
        count: int,
        period: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if count < 1 or period <= 0:
            raise ValueError("a rate limit needs count >= 1 and period > 0")
        self.count, self.period = count, period
        self._clock, self._sleep = clock, sleep
        self._starts: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait until one more start is allowed, take it, and return how long we waited."""
        waited = 0.0
        # Waiting with the lock held queues the other threads behind us, which is the point.
        with self._lock:
            while True:
                now = self._clock()
                while self._starts and now - self._starts[0] >= self.period:
                    self._starts.popleft()
                if len(self._starts) < self.count:
                    self._starts.append(now)
                    return waited
                wait = self._starts[0] + self.period - now
                self._sleep(wait)
                waited += wait


_TIMEDELTA_PART = re.compile(r"(\d+)\s*([dhms]?)")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1, "": 1}


def _timedelta_seconds(text: str | None) -> int | None:
    """SPN2's if_not_archived_within ("3d 5h 20m", "120", "1d,2h": the first applies to the page) in seconds."""
    if not text:
        return None
    first = text.split(",")[0].strip().lower()
    parts = _TIMEDELTA_PART.findall(first)
    if not parts or _TIMEDELTA_PART.sub("", first).strip():
        return None
    return sum(int(n) * _UNIT_SECONDS[unit] for n, unit in parts)


def _epoch(timestamp: str) -> float:
    return datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc).timestamp()


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise CaptureFailed(f"the Wayback Machine answered {response.status_code} without a JSON object")
    return data


class SavePageNow:
    """A Save Page Now 2 client: submit a URL, poll its job within a time budget, honour the rate limits.

    `capture()` returns an ArchiveRecord and never raises. Keys are sent as `Authorization: LOW key:secret`;
    without them the client is anonymous (fewer captures per minute). `clock`/`sleep` are injectable so tests
    can run a budget of minutes in no time.
    """

    def __init__(
        self,
        base: str = WAYBACK_BASE,
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
        session: requests.Session | None = None,
        budget: float = 180.0,  # SPN2 gives up on a capture after 2 min; a little more covers the queue
        poll_interval: float = 5.0,
        request_timeout: float = 30.0,
        per_minute: int | None = None,
        if_not_archived_within: str | None = "1d",
        capture_all: bool = True,
        skip_first_archive: bool = True,
        max_attempts: int = 5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        limiter: RateLimiter | None = None,
        cdx: CdxClient | None = None,
    ):
        self.base = base.rstrip("/")
        self._auth = f"LOW {access_key}:{secret_key}" if access_key and secret_key else None
        self.session = session or new_session()
        self.budget, self.poll_interval, self.request_timeout = budget, poll_interval, request_timeout
        self.if_not_archived_within = if_not_archived_within
        self.capture_all, self.skip_first_archive = capture_all, skip_first_archive
        self.max_attempts = max_attempts
        self._clock, self._sleep = clock, sleep
        if per_minute is None:
            per_minute = AUTHENTICATED_PER_MINUTE if self._auth else ANONYMOUS_PER_MINUTE
        self.limiter = limiter or RateLimiter(per_minute, 60.0, clock=clock, sleep=sleep)
        self.cdx = cdx or cdx_client(self.base, session=self.session)

    @classmethod
    def from_env(
        cls, base: str = WAYBACK_BASE, env: Mapping[str, str] | None = None, **kwargs: Any
    ) -> SavePageNow:
        """A client with the keys in CIVICHECK_IA_ACCESS_KEY / CIVICHECK_IA_SECRET_KEY, anonymous without them.
        Raises UsageProblem when only one of the two is set (a half-configured key is a mistake, not a choice)."""
        env = os.environ if env is None else env
        access = (env.get(ACCESS_KEY_ENV) or "").strip()
        secret = (env.get(SECRET_KEY_ENV) or "").strip()
        if bool(access) != bool(secret):
            missing = SECRET_KEY_ENV if access else ACCESS_KEY_ENV
            raise UsageProblem(
                f"{missing} is not set: set both {ACCESS_KEY_ENV} and {SECRET_KEY_ENV}, or neither"
            )
        return cls(base, access_key=access or None, secret_key=secret or None, **kwargs)

    @property
    def authenticated(self) -> bool:
        return self._auth is not None

    def __repr__(self) -> str:  # never shows the key
        return f"SavePageNow({self.base!r}, authenticated={self.authenticated})"

    # -- public API --

    def capture(self, url: str) -> ArchiveRecord:
        def attempt(record: ArchiveRecord) -> None:
            self.limiter.acquire()
            # The wait for our turn is not the archive's slowness: the budget starts now.
            self._capture(record, self._clock() + self.budget)

        return capture_safely(url, "wayback", attempt, self._clock)

    def capture_many(self, urls: Sequence[str], workers: int = 4) -> list[ArchiveRecord]:
        """Capture each URL (in order of the answer), a few jobs in flight at once, all under one rate limit."""
        return capture_each(self.capture, urls, workers)

    # -- the steps --

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self._auth:
            headers["Authorization"] = self._auth
        return headers

    def _form(self, url: str) -> dict[str, str]:
        form = {"url": url}
        if self.capture_all:
            form["capture_all"] = "1"  # keep the 404 page too: a dead page is evidence
        if self.skip_first_archive:
            form["skip_first_archive"] = "1"
        if self.if_not_archived_within:
            form["if_not_archived_within"] = self.if_not_archived_within
        return form

    def _capture(self, record: ArchiveRecord, deadline: float) -> None:
        response = self._request("POST", f"{self.base}/save", deadline, data=self._form(record.url))
        answer = _json(response)
        if response.status_code >= 400:
            why = short(
                answer.get("message") or answer.get("status_ext") or response.reason or "no reason given"
            )
            raise CaptureFailed(
                f"the Wayback Machine refused the capture ({response.status_code}): {why}",
                answer.get("status_ext"),
            )
        job_id = answer.get("job_id")
        if not job_id:
            self._refused(record, answer)
            return
        record.job_id = str(job_id)
        status = self._poll(record.job_id, deadline)
        timestamp, original = status.get("timestamp"), status.get("original_url") or record.url
        if not timestamp:
            raise CaptureFailed("the Wayback Machine reported success without a capture timestamp")
        record.timestamp = str(timestamp)
        record.capture_url = f"{self.base}/web/{record.timestamp}/{original}"
        if status.get("message"):
            record.note = short(status["message"])

    def _refused(self, record: ArchiveRecord, answer: dict[str, Any]) -> None:
        """No job: either an error, or "the same snapshot had been made N minutes ago" (if_not_archived_within)."""
        message = short(answer.get("message") or "")
        status_ext = answer.get("status_ext")
        if answer.get("status") == "error" or status_ext:
            raise CaptureFailed(
                f"the Wayback Machine refused the capture: {message or status_ext}", status_ext
            )
        # A recent capture exists: point at it if the index already lists it (and it is that recent: an
        # index that lags would otherwise hand us a years-old capture).
        try:
            recent = self.cdx.captures(record.url, limit=-1)
        except ArchiveUnavailable:
            recent = []
        window = _timedelta_seconds(self.if_not_archived_within) or 45 * 60  # SPN2's default window
        oldest = (
            datetime.now(timezone.utc).timestamp() - window - 3600
        )  # an hour of slack for clocks and queues
        if recent and _epoch(recent[-1].timestamp) >= oldest:
            record.timestamp = recent[-1].timestamp
            record.capture_url = f"{self.base}/web/{record.timestamp}/{record.url}"
            record.note = message or "captured recently already; no new capture was made"
            return
        raise CaptureFailed(
            f"the Wayback Machine made no new capture: {message or 'it gave no job and no reason'}"
        )

    def _poll(self, job_id: str, deadline: float) -> dict[str, Any]:
        while True:
            status = _json(self._request("GET", f"{self.base}/save/status/{job_id}", deadline))
            state = status.get("status")
            if state == "success":
                return status
            if state == "error":
                ext = status.get("status_ext")
                message = short(status.get("message") or ext or "no reason given")
                raise CaptureFailed(
                    f"the Wayback Machine could not capture it: {message}" + (f" ({ext})" if ext else ""), ext
                )
            if state != "pending":
                raise CaptureFailed(
                    f"the Wayback Machine answered an unknown job status {short(state, 40)!r}"
                )
            if self._clock() + self.poll_interval >= deadline:
                raise CaptureFailed(
                    f"timed out: the capture was still pending after {self.budget:g} s (job {job_id})"
                )
            self._sleep(self.poll_interval)

    def _request(self, method: str, url: str, deadline: float, **kwargs: Any) -> requests.Response:
        """One API call; 429 waits out Retry-After and 5xx backs off, both within the budget."""
        backoff = 2.0
        response: requests.Response | None = None
        for _attempt in range(max(1, self.max_attempts)):
            left = deadline - self._clock()
            if left <= 0:
                raise CaptureFailed(f"timed out: no answer from the Wayback Machine within {self.budget:g} s")
            try:
                response = self.session.request(
                    method, url, headers=self._headers(), timeout=min(self.request_timeout, left), **kwargs
                )
            except requests.Timeout as exc:
                raise CaptureFailed("timed out: the Wayback Machine did not answer in time") from exc
            except requests.RequestException as exc:
                raise CaptureFailed(f"cannot reach the Wayback Machine ({type(exc).__name__})") from exc
            if response.status_code == 429 or response.status_code >= 500:
                wait = retry_after(response.headers.get("Retry-After"))
                wait = backoff if wait is None else wait
                backoff *= 2
                what = (
                    "rate limited by the Wayback Machine (429)"
                    if response.status_code == 429
                    else f"the Wayback Machine answered {response.status_code}"
                )
                if self._clock() + wait >= deadline:
                    raise CaptureFailed(
                        f"{what}; waiting {wait:g} s more would pass the {self.budget:g} s budget"
                    )
                self._sleep(wait)
                continue
            if response.status_code in (401, 403):
                message = short(_safe_message(response))
                raise CaptureFailed(
                    f"the Wayback Machine refused our credentials ({response.status_code}): {message}"
                )
            if response.status_code >= 400 and method == "GET":
                raise CaptureFailed(f"the Wayback Machine answered {response.status_code} for job status")
            return response
        code = response.status_code if response is not None else "nothing"
        raise CaptureFailed(f"the Wayback Machine kept answering {code} after {self.max_attempts} tries")


def _safe_message(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.reason or ""
    return str(data.get("message") or response.reason or "") if isinstance(data, dict) else ""


class WaybackArchive:
    """The Wayback Machine: capture through SPN2, look up through its CDX API."""

    name = "wayback"

    def __init__(self, spn: SavePageNow):
        self.spn = spn
        self.cdx = spn.cdx

    @classmethod
    def from_env(
        cls, base: str = WAYBACK_BASE, env: Mapping[str, str] | None = None, **kwargs: Any
    ) -> WaybackArchive:
        return cls(SavePageNow.from_env(base, env, **kwargs))

    def capture(self, url: str) -> ArchiveRecord:
        return self.spn.capture(url)

    def capture_many(self, urls: Sequence[str], workers: int = 4) -> list[ArchiveRecord]:
        return self.spn.capture_many(urls, workers)


def cdx_client(base: str = WAYBACK_BASE, **kwargs: Any) -> CdxClient:
    """The Wayback Machine's CDX API at `base`."""
    base = base.rstrip("/")
    # The Wayback CDX server filters by Java regex by default. Its limit=-1 implies fastLatest, documented only
    # to return "some" of the latest captures: the last five of the full, date-sorted list are exact.
    return CdxClient(
        f"{base}/cdx/search/cdx",
        f"{base}/web",
        name="wayback",
        status_field="statuscode:",
        latest_limit=-5,
        **kwargs,
    )


class Wayback:
    """The backend: `--archive wayback` (the Internet Archive's own) or `--archive wayback=https://base`."""

    name = "wayback"
    usage = "wayback"

    def location(self, where: str, spec: str) -> str:
        if where:
            check_http_url(where, spec)
        return (where or WAYBACK_BASE).rstrip("/")

    def archive(self, location: str, env: Mapping[str, str] | None = None, **kwargs: Any) -> Archive:
        return WaybackArchive.from_env(location, env, **kwargs)

    def cdx(self, location: str, **kwargs: Any) -> CdxClient:
        return cdx_client(location, **kwargs)
