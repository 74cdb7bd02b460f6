"""Keeping cited pages in a web archive (the Wayback Machine's Save Page Now 2, or a self-hosted pywb) and
reading them back: when a cited source is dead, its last good archived copy can still be checked.

Archiving never changes a verdict and never raises into a run: every failure is an ArchiveRecord's `reason`.
"""

from __future__ import annotations

import dataclasses
import email.utils
import html
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol
from urllib.parse import SplitResult, urljoin, urlsplit

import requests

from civicheck.archive.cdx import WAYBACK_BASE, ArchiveUnavailable, Capture, CdxClient, new_session
from civicheck.clock import now_utc
from civicheck.errors import UsageProblem
from civicheck.fetch import FetchResult

ACCESS_KEY_ENV = "CIVICHECK_IA_ACCESS_KEY"
SECRET_KEY_ENV = "CIVICHECK_IA_SECRET_KEY"

# SPN2's documented limits ("Max captures per minute for authenticated users = 12 and for anonymous users = 4").
AUTHENTICATED_PER_MINUTE = 12
ANONYMOUS_PER_MINUTE = 4

FetchFunction = Callable[[str], FetchResult]


@dataclass
class ArchiveRecord:
    """What asking an archive to capture one URL gave: the capture's URL, or the reason there is none."""

    url: str  # as cited
    archive: str  # "wayback" or "pywb"
    capture_url: str | None = None  # the archived copy (of the final URL after redirects)
    timestamp: str | None = None  # YYYYMMDDhhmmss of that capture
    reason: str | None = None  # why there is no capture_url: a sentence a reporter can paste
    note: str | None = None  # something worth knowing about a capture ("captured 3 minutes ago already")
    status_ext: str | None = None  # SPN2's error code, e.g. "error:not-found"
    job_id: str | None = None  # SPN2's job, to look it up later
    requested_at: str = ""
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.capture_url is not None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Archive(Protocol):
    """What the CLI and runner use: capture URLs, and look captures up (`cdx`)."""

    name: str
    cdx: CdxClient

    def capture(self, url: str) -> ArchiveRecord: ...

    def capture_many(self, urls: Sequence[str], workers: int = 4) -> list[ArchiveRecord]: ...


def capture_each(capture: Callable[[str], ArchiveRecord], urls: Sequence[str], workers: int) -> list[ArchiveRecord]:
    """`capture` applied to every URL, a few in flight at once, the records in the order of `urls`.

    Daemon threads rather than a ThreadPoolExecutor, whose threads the interpreter joins at exit: a capture
    waiting a minute for its turn under a rate limit must not hold the process open after Ctrl-C.
    """
    if not urls:
        return []
    records: list[ArchiveRecord | None] = [None] * len(urls)
    failures: list[BaseException] = []
    todo = iter(enumerate(urls))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                index, url = next(todo, (-1, ""))
            if index < 0:
                return
            try:
                records[index] = capture(url)
            except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread, as pool.map would
                failures.append(exc)
                return

    threads = [threading.Thread(target=work, name="civicheck-capture", daemon=True)
               for _ in range(max(1, min(workers, len(urls))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return [record for record in records if record is not None]


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


class _Failed(Exception):
    """Ends one capture attempt with a reason (never leaves this module)."""

    def __init__(self, reason: str, status_ext: str | None = None):
        super().__init__(reason)
        self.reason, self.status_ext = reason, status_ext


def _retry_after(response: requests.Response) -> float | None:
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


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
        raise _Failed(f"the Wayback Machine answered {response.status_code} without a JSON object")
    return data


def _short(text: Any, limit: int = 300) -> str:
    """Archive-supplied text, bounded; the report escapes it (it is untrusted like any fetched text)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
        self.cdx = cdx or CdxClient.wayback(self.base, session=self.session)

    @classmethod
    def from_env(cls, base: str = WAYBACK_BASE, env: Mapping[str, str] | None = None, **kwargs: Any) -> SavePageNow:
        """A client with the keys in CIVICHECK_IA_ACCESS_KEY / CIVICHECK_IA_SECRET_KEY, anonymous without them.
        Raises UsageProblem when only one of the two is set (a half-configured key is a mistake, not a choice)."""
        env = os.environ if env is None else env
        access = (env.get(ACCESS_KEY_ENV) or "").strip()
        secret = (env.get(SECRET_KEY_ENV) or "").strip()
        if bool(access) != bool(secret):
            missing = SECRET_KEY_ENV if access else ACCESS_KEY_ENV
            raise UsageProblem(f"{missing} is not set: set both {ACCESS_KEY_ENV} and {SECRET_KEY_ENV}, or neither")
        return cls(base, access_key=access or None, secret_key=secret or None, **kwargs)

    @property
    def authenticated(self) -> bool:
        return self._auth is not None

    def __repr__(self) -> str:  # never shows the key
        return f"SavePageNow({self.base!r}, authenticated={self.authenticated})"

    # -- public API --

    def capture(self, url: str) -> ArchiveRecord:
        record = ArchiveRecord(url=url, archive="wayback", requested_at=now_utc())
        started = self._clock()
        try:
            self.limiter.acquire()
            # The wait for our turn is not the archive's slowness: the budget starts now.
            deadline = self._clock() + self.budget
            self._capture(record, deadline)
        except _Failed as failed:
            record.reason, record.status_ext = failed.reason, failed.status_ext
        except Exception as exc:  # noqa: BLE001 - archiving must never break a run
            record.reason = f"archiving failed unexpectedly ({type(exc).__name__}: {_short(exc)})"
        record.elapsed = self._clock() - started
        return record

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
            why = _short(answer.get("message") or answer.get("status_ext") or response.reason or "no reason given")
            raise _Failed(f"the Wayback Machine refused the capture ({response.status_code}): {why}",
                          answer.get("status_ext"))
        job_id = answer.get("job_id")
        if not job_id:
            self._refused(record, answer)
            return
        record.job_id = str(job_id)
        status = self._poll(record.job_id, deadline)
        timestamp, original = status.get("timestamp"), status.get("original_url") or record.url
        if not timestamp:
            raise _Failed("the Wayback Machine reported success without a capture timestamp")
        record.timestamp = str(timestamp)
        record.capture_url = f"{self.base}/web/{record.timestamp}/{original}"
        if status.get("message"):
            record.note = _short(status["message"])

    def _refused(self, record: ArchiveRecord, answer: dict[str, Any]) -> None:
        """No job: either an error, or "the same snapshot had been made N minutes ago" (if_not_archived_within)."""
        message = _short(answer.get("message") or "")
        status_ext = answer.get("status_ext")
        if answer.get("status") == "error" or status_ext:
            raise _Failed(f"the Wayback Machine refused the capture: {message or status_ext}", status_ext)
        # A recent capture exists: point at it if the index already lists it (and it is that recent: an
        # index that lags would otherwise hand us a years-old capture).
        try:
            recent = self.cdx.captures(record.url, limit=-1)
        except ArchiveUnavailable:
            recent = []
        window = _timedelta_seconds(self.if_not_archived_within) or 45 * 60  # SPN2's default window
        oldest = datetime.now(timezone.utc).timestamp() - window - 3600  # an hour of slack for clocks and queues
        if recent and _epoch(recent[-1].timestamp) >= oldest:
            record.timestamp = recent[-1].timestamp
            record.capture_url = f"{self.base}/web/{record.timestamp}/{record.url}"
            record.note = message or "captured recently already; no new capture was made"
            return
        raise _Failed(f"the Wayback Machine made no new capture: {message or 'it gave no job and no reason'}")

    def _poll(self, job_id: str, deadline: float) -> dict[str, Any]:
        while True:
            status = _json(self._request("GET", f"{self.base}/save/status/{job_id}", deadline))
            state = status.get("status")
            if state == "success":
                return status
            if state == "error":
                ext = status.get("status_ext")
                message = _short(status.get("message") or ext or "no reason given")
                raise _Failed(f"the Wayback Machine could not capture it: {message}" + (f" ({ext})" if ext else ""),
                              ext)
            if state != "pending":
                raise _Failed(f"the Wayback Machine answered an unknown job status {_short(state, 40)!r}")
            if self._clock() + self.poll_interval >= deadline:
                raise _Failed(f"timed out: the capture was still pending after {self.budget:g} s (job {job_id})")
            self._sleep(self.poll_interval)

    def _request(self, method: str, url: str, deadline: float, **kwargs: Any) -> requests.Response:
        """One API call; 429 waits out Retry-After and 5xx backs off, both within the budget."""
        backoff = 2.0
        response: requests.Response | None = None
        for _attempt in range(max(1, self.max_attempts)):
            left = deadline - self._clock()
            if left <= 0:
                raise _Failed(f"timed out: no answer from the Wayback Machine within {self.budget:g} s")
            try:
                response = self.session.request(method, url, headers=self._headers(),
                                                timeout=min(self.request_timeout, left), **kwargs)
            except requests.Timeout as exc:
                raise _Failed("timed out: the Wayback Machine did not answer in time") from exc
            except requests.RequestException as exc:
                raise _Failed(f"cannot reach the Wayback Machine ({type(exc).__name__})") from exc
            if response.status_code == 429 or response.status_code >= 500:
                wait = _retry_after(response)
                wait = backoff if wait is None else wait
                backoff *= 2
                what = ("rate limited by the Wayback Machine (429)" if response.status_code == 429
                        else f"the Wayback Machine answered {response.status_code}")
                if self._clock() + wait >= deadline:
                    raise _Failed(f"{what}; waiting {wait:g} s more would pass the {self.budget:g} s budget")
                self._sleep(wait)
                continue
            if response.status_code in (401, 403):
                message = _short(_safe_message(response))
                raise _Failed(f"the Wayback Machine refused our credentials ({response.status_code}): {message}")
            if response.status_code >= 400 and method == "GET":
                raise _Failed(f"the Wayback Machine answered {response.status_code} for job status")
            return response
        code = response.status_code if response is not None else "nothing"
        raise _Failed(f"the Wayback Machine kept answering {code} after {self.max_attempts} tries")


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
    def from_env(cls, base: str = WAYBACK_BASE, env: Mapping[str, str] | None = None, **kwargs: Any) -> WaybackArchive:
        return cls(SavePageNow.from_env(base, env, **kwargs))

    def capture(self, url: str) -> ArchiveRecord:
        return self.spn.capture(url)

    def capture_many(self, urls: Sequence[str], workers: int = 4) -> list[ArchiveRecord]:
        return self.spn.capture_many(urls, workers)


_PYWB_ERROR = re.compile(r"(\d{3}) (?:Client|Server) Error: (.*?) for url")


class PywbArchive:
    """A self-hosted pywb collection, e.g. http://127.0.0.1:8080/my-coll, running with `--record` and `-a`
    (autoindex: without it, recorded WARCs are never indexed and captures never show up in the CDX API).

    `capture` goes through record mode (`{collection}/record/id_/{url}`) and follows redirects through it, so
    the chain and the final page are all recorded. Never raises.
    """

    name = "pywb"
    max_redirects = 5

    def __init__(self, collection_url: str, *, session: requests.Session | None = None, timeout: float = 60.0):
        self.collection_url = collection_url.rstrip("/")
        self.session = session or new_session()
        self.timeout = timeout
        self.cdx = CdxClient.pywb(self.collection_url, session=self.session)

    def record_url(self, url: str) -> str:
        return f"{self.collection_url}/record/id_/{url}"

    def capture(self, url: str) -> ArchiveRecord:
        record = ArchiveRecord(url=url, archive="pywb", requested_at=now_utc())
        started = time.monotonic()
        try:
            self._capture(record)
        except _Failed as failed:
            record.reason = failed.reason
        except Exception as exc:  # noqa: BLE001 - archiving must never break a run
            record.reason = f"archiving failed unexpectedly ({type(exc).__name__}: {_short(exc)})"
        record.elapsed = time.monotonic() - started
        return record

    def capture_many(self, urls: Sequence[str], workers: int = 4) -> list[ArchiveRecord]:
        return capture_each(self.capture, urls, workers)

    def _capture(self, record: ArchiveRecord) -> None:
        current, hops = record.url, 0
        while True:
            status, timestamp, location = self._record_one(current)
            if location and 300 <= status < 400 and hops < self.max_redirects:
                current, hops = urljoin(current, location), hops + 1
                continue
            record.timestamp = timestamp
            record.capture_url = f"{self.collection_url}/{timestamp}/{current}"
            record.note = f"the page answered {status}" + (
                f" after {hops} redirect{'s' if hops > 1 else ''} to {current}" if hops else "")
            return

    def _record_one(self, url: str) -> tuple[int, str, str | None]:
        try:
            response = self.session.get(self.record_url(url), allow_redirects=False, timeout=self.timeout)
        except requests.Timeout as exc:
            raise _Failed(f"timed out: pywb at {self.collection_url} did not answer in {self.timeout:g} s") from exc
        except requests.RequestException as exc:
            raise _Failed(f"cannot reach pywb at {self.collection_url} ({type(exc).__name__})") from exc
        # A recorded answer carries its capture time; pywb's own error pages do not.
        memento = response.headers.get("Memento-Datetime")
        if not memento:
            raise _Failed(_pywb_failure(response))
        try:
            when = email.utils.parsedate_to_datetime(memento)
        except (TypeError, ValueError) as exc:
            raise _Failed(f"pywb answered an unreadable Memento-Datetime {_short(memento, 60)!r}") from exc
        return response.status_code, when.strftime("%Y%m%d%H%M%S"), response.headers.get("Location")


def _pywb_failure(response: requests.Response) -> str:
    found = _PYWB_ERROR.search(html.unescape(response.text[:20000]))
    if not found:
        answered = f"{response.status_code} {response.reason or ''}".strip()
        return f"pywb did not record it (it answered {answered})"
    code, why = found.group(1), found.group(2)
    if code in ("451", "403"):
        return f"pywb's access rules do not allow recording this URL ({code} {why})"
    return f"pywb could not fetch the page to record it ({code} {why})"


def _split_spec(spec: str) -> tuple[str, str]:
    """("wayback", base) or ("pywb", collection_url) from an --archive spec; UsageProblem otherwise."""
    kind, _, where = spec.partition("=")
    kind, where = kind.strip().lower(), where.strip()
    if kind == "wayback":
        if where:
            _check_http_url(where, spec)
        return kind, (where or WAYBACK_BASE).rstrip("/")
    if kind == "pywb":
        if not where:
            raise UsageProblem(f"--archive {spec}: give the collection URL, e.g. pywb=http://127.0.0.1:8080/my-coll")
        parts = _check_http_url(where, spec)
        if not parts.path.strip("/"):
            raise UsageProblem(f"--archive {spec}: the URL must end with the collection name, e.g. .../my-coll")
        return kind, where.rstrip("/")
    raise UsageProblem(f"--archive {spec}: unknown archive; use 'wayback' or 'pywb=http://host:port/collection'")


def parse_archive_spec(spec: str, env: Mapping[str, str] | None = None, **kwargs: Any) -> Archive:
    """The archive an `--archive` option names: "wayback", "wayback=https://base" or
    "pywb=http://host:port/collection". Raises UsageProblem for anything else, and for half-set IA keys.
    `kwargs` go to SavePageNow (budget, per_minute...) or PywbArchive (timeout)."""
    kind, where = _split_spec(spec)
    if kind == "wayback":
        return WaybackArchive.from_env(where, env, **kwargs)
    return PywbArchive(where, **kwargs)


def cdx_for(spec: str, **kwargs: Any) -> CdxClient:
    """The CDX API of the archive an `--archive` spec names, for lookups only (no keys needed), e.g. for
    `civicheck timeline`. Raises UsageProblem for a bad spec."""
    kind, where = _split_spec(spec)
    return CdxClient.wayback(where, **kwargs) if kind == "wayback" else CdxClient.pywb(where, **kwargs)


def _check_http_url(url: str, spec: str) -> SplitResult:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageProblem(f"--archive {spec}: {url!r} is not an http(s) URL")
    return parts


# --- a dead source, read from its last good capture ------------------------------------------------------


@dataclass
class ArchivedCopy:
    """The last good archived copy of a cited URL, fetched for checking (or why there is none)."""

    url: str  # as cited
    archive: str
    note: str  # "from the archived copy of 2023-05-01 (pywb); the live page answers 404 Not Found", or why none
    capture: Capture | None = None
    replay_url: str | None = None
    result: FetchResult | None = None  # for the cited URL, with the archived status and body; None when unusable

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.has_document


def _live_phrase(live: FetchResult | None) -> str:
    if live is None:
        return ""
    if live.status is not None:
        return f"; the live page answers {f'{live.status} {live.reason}'.strip()}"
    return f"; the live page could not be fetched ({live.detail})" if live.detail else "; the live page could not be fetched"


def fetch_archived_copy(
    url: str,
    fetch: FetchFunction,
    cdx: CdxClient,
    live: FetchResult | None = None,
) -> ArchivedCopy:
    """Find the most recent 2xx capture of `url` and fetch its original bytes (`id_` replay) with `fetch`
    (e.g. `lambda u: fetcher.fetch(u, timeout=30)`). Never raises.

    The result is a FetchResult for the *cited* URL: status, headers and body of the archived copy,
    `final_url` the replay URL, `fetched_at` the capture time (when the page said it), and `detail` the label
    a report shows. `live`, the failed live fetch, only words that label.
    """
    try:
        capture = cdx.latest_ok(url)
    except ArchiveUnavailable as exc:
        return ArchivedCopy(url, cdx.name, f"no archived copy: {exc}")
    except Exception as exc:  # noqa: BLE001 - a fallback must never break a run
        return ArchivedCopy(url, cdx.name, f"no archived copy: the lookup failed ({type(exc).__name__})")
    if capture is None:
        return ArchivedCopy(url, cdx.name, f"no archived copy: {cdx.name} has no capture of it that answered 2xx")
    replay_url = cdx.replay_url(capture, url)
    replay = fetch(replay_url)
    if not replay.has_document:
        why = replay.detail or f"{replay.status} {replay.reason}".strip()
        return ArchivedCopy(url, cdx.name, f"the archived copy of {capture.date} could not be replayed: {why}",
                            capture, replay_url)
    note = f"from the archived copy of {capture.date} ({cdx.name}){_live_phrase(live)}"
    result = dataclasses.replace(replay, url=url, detail=note, fetched_at=capture.iso)
    return ArchivedCopy(url, cdx.name, note, capture, replay_url, result)
